//! 高效办成一件事: bundle definitions, one application for a whole bundle, member cases that
//! start as soon as what they need is approved (with its licenses attached), and one
//! progress view for the applicant and the lead department.

use std::collections::{BTreeMap, BTreeSet};

use domain::bundle::{BundleDefinition, Savings, identities};
use domain::case::{Case, CaseState, Command, Provision};
use domain::catalog::ItemDefinition;
use store::bundles::{self as sb, BundleCaseRow, ChildRow};

use crate::auth::Actor;
use crate::{App, AppError, Result};

/// The current published definitions of the bundle's members, by code.
async fn member_items(
    app: &App,
    def: &BundleDefinition,
) -> Result<BTreeMap<String, ItemDefinition>> {
    let mut conn = app.store.conn().await?;
    let mut out = BTreeMap::new();
    for m in &def.members {
        if let Some(v) = store::catalog::find_item(&mut conn, &m.item_code)
            .await?
            .and_then(|i| i.current_version)
        {
            let d = store::catalog::get_version(&mut conn, &m.item_code, v)
                .await?
                .definition;
            out.insert(m.item_code.clone(), d);
        }
    }
    Ok(out)
}

/// Saves bundle definitions after checking each against its members' published items.
pub async fn save(app: &App, defs: &[BundleDefinition]) -> Result<()> {
    for (n, d) in defs.iter().enumerate() {
        let items = member_items(app, d).await?;
        d.validate(&items).map_err(|errs| {
            AppError::Validation(
                errs.into_iter()
                    .map(|mut e| {
                        e.field = format!("bundles[{n}].{}", e.field);
                        e
                    })
                    .collect(),
            )
        })?;
    }
    let mut tx = app.store.begin().await?;
    for d in defs {
        sb::upsert_bundle(&mut tx, d, app.now_ms()).await?;
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(())
}

/// One merged material: asked once for every member that needs it.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MergedMaterial {
    pub identity: String,
    pub name: String,
    /// Names of the member items that need it.
    pub needed_by: Vec<String>,
    pub mandatory: bool,
    /// Set when a member's result (its license) provides it: nothing to upload.
    pub from_member: Option<String>,
}

/// What the guide page of a bundle shows.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Guide {
    pub def: BundleDefinition,
    /// (item, department name, optional, names of what it needs).
    pub members: Vec<(ItemDefinition, String, bool, Vec<String>)>,
    pub materials: Vec<MergedMaterial>,
    pub savings: Savings,
    /// Item names along the critical path.
    pub critical_path: Vec<String>,
}

pub async fn list(app: &App) -> Result<Vec<(BundleDefinition, Savings)>> {
    let mut conn = app.store.conn().await?;
    let defs = sb::bundles(&mut conn).await?;
    drop(conn);
    let mut out = Vec::new();
    for d in defs {
        let items = member_items(app, &d).await?;
        let s = d.savings(&items);
        out.push((d, s));
    }
    Ok(out)
}

pub async fn guide(app: &App, code: &str) -> Result<Guide> {
    let mut conn = app.store.conn().await?;
    let def = sb::get_bundle(&mut conn, code)
        .await?
        .ok_or_else(|| AppError::NotFound("该一件事".into()))?;
    drop(conn);
    let items = member_items(app, &def).await?;
    let produced = produced_types(app, &items).await?;
    let mut conn = app.store.conn().await?;
    let mut members = Vec::new();
    for m in &def.members {
        let Some(item) = items.get(&m.item_code) else {
            continue;
        };
        let dept = store::org::get_department(&mut conn, &item.department)
            .await?
            .name;
        let needs = m
            .needs
            .iter()
            .filter_map(|n| items.get(n).map(|i| i.name.clone()))
            .collect();
        members.push((item.clone(), dept, m.optional, needs));
    }
    let materials = merged_materials(&def, &items, &produced);
    let (_, path) = def.critical_path(&items);
    Ok(Guide {
        savings: def.savings(&items),
        critical_path: path
            .iter()
            .filter_map(|c| items.get(c).map(|i| i.name.clone()))
            .collect(),
        def,
        members,
        materials,
    })
}

/// License type names each member issues on approval, by item code.
async fn produced_types(
    app: &App,
    items: &BTreeMap<String, ItemDefinition>,
) -> Result<BTreeMap<String, String>> {
    let mut conn = app.store.conn().await?;
    let mut out = BTreeMap::new();
    for code in items.keys() {
        if let Some(t) = store::licenses::type_for_item(&mut conn, code).await? {
            out.insert(code.clone(), t.name);
        }
    }
    Ok(out)
}

fn merged_materials(
    def: &BundleDefinition,
    items: &BTreeMap<String, ItemDefinition>,
    produced: &BTreeMap<String, String>,
) -> Vec<MergedMaterial> {
    let mut out: Vec<MergedMaterial> = Vec::new();
    for m in &def.members {
        let Some(item) = items.get(&m.item_code) else {
            continue;
        };
        for (mat, identity) in item.materials.iter().zip(identities(item)) {
            // A license that a member this one needs will issue.
            let from_member = m
                .needs
                .iter()
                .find(|n| produced.get(*n).is_some_and(|t| *t == mat.license_type))
                .and_then(|n| items.get(n).map(|i| i.name.clone()));
            match out.iter_mut().find(|x| x.identity == identity) {
                Some(x) => {
                    if !x.needed_by.contains(&item.name) {
                        x.needed_by.push(item.name.clone());
                    }
                    x.mandatory |= mat.mandatory;
                    if x.from_member.is_some() && from_member.is_none() {
                        x.from_member = None;
                    }
                }
                None => out.push(MergedMaterial {
                    identity,
                    name: mat.name.clone(),
                    needed_by: vec![item.name.clone()],
                    mandatory: mat.mandatory,
                    from_member,
                }),
            }
        }
    }
    out
}

/// One application for a bundle: the merged form, the optional members chosen, and the
/// uploads by material identity.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Application {
    #[serde(default)]
    pub form: BTreeMap<String, String>,
    #[serde(default)]
    pub optional: Vec<String>,
    #[serde(default)]
    pub materials: BTreeMap<String, Provision>,
}

/// Files the bundle once: checks the merged form and that every material some member needs
/// is either uploaded or provided by the government, records the parent and its members
/// (skipping what the applicant already holds), and starts the members that need nothing.
pub async fn apply(app: &App, actor: &Actor, code: &str, a: Application) -> Result<String> {
    let Actor::Applicant {
        id: applicant_id,
        login,
        ..
    } = actor
    else {
        return Err(match actor {
            Actor::Anonymous => AppError::Unauthenticated,
            _ => AppError::Forbidden("工作人员请在窗口为申请人办理".into()),
        });
    };
    let mut conn = app.store.conn().await?;
    let def = sb::get_bundle(&mut conn, code)
        .await?
        .ok_or_else(|| AppError::NotFound("该一件事".into()))?;
    drop(conn);
    let items = member_items(app, &def).await?;
    let produced = produced_types(app, &items).await?;
    let mut problems = domain::Problems::default();
    for f in def.fields.iter().filter(|f| f.required) {
        if a.form.get(&f.key).is_none_or(|v| v.trim().is_empty()) {
            problems.push(
                format!("form.{}", f.key),
                "required",
                format!("请填写“{}”", f.label),
            );
        }
    }
    for o in &a.optional {
        if !def.members.iter().any(|m| m.optional && &m.item_code == o) {
            problems.push("optional", "unknown", format!("{o} 不是可选事项"));
        }
    }
    // Members the applicant already holds the result of are skipped.
    let today = crate::licenses::today_iso(app);
    let mut conn = app.store.conn().await?;
    let mut skipped: BTreeMap<String, String> = BTreeMap::new();
    for m in &def.members {
        if m.optional && !a.optional.contains(&m.item_code) {
            skipped.insert(m.item_code.clone(), "未选择".into());
            continue;
        }
        if let Some(t) = store::licenses::type_for_item(&mut conn, &m.item_code).await?
            && !store::licenses::valid_of_type(&mut conn, login, &t.code, &today)
                .await?
                .is_empty()
        {
            skipped.insert(m.item_code.clone(), format!("已持有有效的{}", t.name));
        }
    }
    drop(conn);
    // Every mandatory material of an active member: uploaded, provided by a license the
    // applicant holds or a member will issue, or confirmed by shared data.
    let active: Vec<&domain::bundle::Member> = def
        .members
        .iter()
        .filter(|m| !skipped.contains_key(&m.item_code))
        .collect();
    let active_def = BundleDefinition {
        members: active.iter().map(|m| (*m).clone()).collect(),
        ..def.clone()
    };
    // What shared-data sources confirm now counts as provided (asked again at each member's
    // start; a source failing then leaves the material to be supplied on that member).
    let mut confirmed = BTreeSet::new();
    for m in &active {
        if let Some(item) = items.get(&m.item_code) {
            let (found, _) = crate::licenses::shared_provisions(app, item, login).await;
            for (mat, id) in item.materials.iter().zip(identities(item)) {
                if found.contains_key(&mat.name) {
                    confirmed.insert(id);
                }
            }
        }
    }
    let mut conn = app.store.conn().await?;
    for mm in merged_materials(&active_def, &items, &produced) {
        if !mm.mandatory
            || mm.from_member.is_some()
            || a.materials
                .get(&mm.identity)
                .is_some_and(|p| p.is_provided())
        {
            continue;
        }
        if let Some(t) = mm.identity.strip_prefix("证照:")
            && let Some(t) = store::licenses::type_by_name(&mut conn, t).await?
            && !store::licenses::valid_of_type(&mut conn, login, &t.code, &today)
                .await?
                .is_empty()
        {
            continue;
        }
        if confirmed.contains(&mm.identity) {
            continue;
        }
        problems.push(
            format!("materials.{}", mm.identity),
            "required",
            format!("请提供“{}”（{}需要）", mm.name, mm.needed_by.join("、")),
        );
    }
    drop(conn);
    problems.into_result().map_err(AppError::Validation)?;
    for p in a.materials.values() {
        if let Provision::Uploaded { file, .. } = p
            && !crate::uploads::exists(app, file)
        {
            return Err(AppError::field(
                "materials",
                "unknown_file",
                "上传的文件不存在，请重新上传",
            ));
        }
    }

    let now = app.now();
    let day = domain::calendar::china_date(now);
    let day = format!("{}{:02}{:02}", day.year(), day.month() as u8, day.day());
    let id = uuid::Uuid::now_v7().to_string();
    let mut tx = app.store.begin().await?;
    let seq = store::cases::next_case_number(&mut tx, &format!("YJS{}", def.region), &day).await?;
    let data =
        serde_json::json!({"form": a.form, "optional": a.optional, "materials": a.materials});
    sb::insert_bundle_case(
        &mut tx,
        &BundleCaseRow {
            id: id.clone(),
            number: format!("{}{}Y{:04}", def.region, day, seq),
            bundle_code: def.code.clone(),
            applicant_id: applicant_id.clone(),
            lead_department: def.lead_department.clone(),
            region: def.region.clone(),
            data: data.to_string(),
            created_at: store::millis(now),
        },
    )
    .await?;
    for m in &def.members {
        let (status, note) = match skipped.get(&m.item_code) {
            Some(n) => ("skipped", n.clone()),
            None => ("waiting", String::new()),
        };
        sb::insert_child(
            &mut tx,
            &ChildRow {
                bundle_case_id: id.clone(),
                item_code: m.item_code.clone(),
                status: status.into(),
                case_id: None,
                note,
            },
        )
        .await?;
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    advance(app, &id).await?;
    Ok(id)
}

/// Starts every waiting member whose needs are approved (or skipped). Safe to run again at
/// any time: a member is claimed before its case is created, so it starts once.
pub async fn advance(app: &App, parent_id: &str) -> Result<usize> {
    let mut conn = app.store.conn().await?;
    let Some(parent) = sb::get_bundle_case(&mut conn, parent_id).await? else {
        return Ok(0);
    };
    let def = sb::get_bundle(&mut conn, &parent.bundle_code)
        .await?
        .ok_or_else(|| AppError::Internal(format!("bundle {} missing", parent.bundle_code)))?;
    let children = sb::children(&mut conn, parent_id).await?;
    let mut done = BTreeSet::new();
    for c in &children {
        let ready = match (c.status.as_str(), &c.case_id) {
            ("skipped", _) => true,
            ("started", Some(case_id)) => store::cases::get_case(&mut conn, case_id)
                .await?
                .is_some_and(|k| {
                    matches!(
                        k.state,
                        CaseState::Approved | CaseState::Issuing | CaseState::Completed
                    )
                }),
            _ => false,
        };
        if ready {
            done.insert(c.item_code.clone());
        }
    }
    let applicant = store::accounts::get_account(&mut conn, &parent.applicant_id).await?;
    drop(conn);
    let actor = crate::auth::actor_of(&applicant);
    let data: serde_json::Value =
        serde_json::from_str(&parent.data).map_err(|e| AppError::Internal(e.to_string()))?;
    let form: BTreeMap<String, String> =
        serde_json::from_value(data["form"].clone()).unwrap_or_default();
    let uploads: BTreeMap<String, Provision> =
        serde_json::from_value(data["materials"].clone()).unwrap_or_default();
    let mut started = 0;
    for c in children.iter().filter(|c| c.status == "waiting") {
        let Some(m) = def.members.iter().find(|m| m.item_code == c.item_code) else {
            continue;
        };
        if !m.needs.iter().all(|n| done.contains(n)) {
            continue;
        }
        let mut tx = app.store.begin().await?;
        let claimed = sb::start_child(&mut tx, parent_id, &c.item_code, "").await?;
        tx.commit().await.map_err(store::StoreError::from)?;
        if !claimed {
            continue;
        }
        let case = match start_member(app, &actor, &def, &c.item_code, &form, &uploads).await {
            Ok(case) => case,
            Err(e) => {
                let mut conn = app.store.conn().await?;
                sb::reset_child(&mut conn, parent_id, &c.item_code).await?;
                return Err(e);
            }
        };
        let mut conn = app.store.conn().await?;
        sb::set_child_case(&mut conn, parent_id, &c.item_code, &case.id).await?;
        started += 1;
    }
    Ok(started)
}

/// Creates a member's case from the parent's form and uploads (its held licenses attach on
/// creation) and submits it.
async fn start_member(
    app: &App,
    actor: &Actor,
    def: &BundleDefinition,
    item_code: &str,
    form: &BTreeMap<String, String>,
    uploads: &BTreeMap<String, Provision>,
) -> Result<Case> {
    let case = crate::cases::start(app, actor, item_code).await?;
    // The version the case was filed under decides its form and materials.
    let mut conn = app.store.conn().await?;
    let item = &*app
        .item_version(&mut conn, item_code, case.item_version)
        .await?;
    drop(conn);
    let mut child_form = BTreeMap::new();
    for f in &def.fields {
        for (code, key) in &f.feeds {
            if code == item_code
                && let Some(v) = form.get(&f.key)
            {
                child_form.insert(key.clone(), v.clone());
            }
        }
    }
    let mut materials = BTreeMap::new();
    for (m, id) in item.materials.iter().zip(identities(item)) {
        let provided = case.materials.get(&m.name).is_some_and(|p| p.is_provided());
        if !provided && let Some(p) = uploads.get(&id) {
            materials.insert(m.name.clone(), p.clone());
        }
    }
    crate::cases::act(
        app,
        actor,
        &case.id,
        Command::Edit {
            form: child_form,
            materials,
        },
    )
    .await?;
    crate::cases::act(app, actor, &case.id, Command::Submit).await
}

/// Called after any case command: a bundle member that reached approval lets its dependants
/// start.
pub async fn on_case_changed(app: &App, case: &Case) -> Result<()> {
    if !matches!(
        case.state,
        CaseState::Approved | CaseState::Issuing | CaseState::Completed
    ) {
        return Ok(());
    }
    let mut conn = app.store.conn().await?;
    if let Some(parent) = sb::parent_of(&mut conn, &case.id).await? {
        drop(conn);
        // Boxed: starting a member runs case commands, which come back here.
        Box::pin(advance(app, &parent)).await?;
    }
    Ok(())
}

/// One member on the progress page.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChildView {
    pub item_code: String,
    pub item: String,
    pub department: String,
    pub case_id: Option<String>,
    pub case_number: String,
    pub state: String,
    /// What the applicant must do for this member, if anything.
    pub action: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BundleView {
    pub id: String,
    pub number: String,
    pub name: String,
    pub lead_department: String,
    pub state: &'static str,
    pub children: Vec<ChildView>,
    pub created_at: i64,
}

/// The parent's progress: every member's department and step. The applicant and staff of the
/// lead department (or of a member's department) may read it.
pub async fn view(app: &App, actor: &Actor, id: &str) -> Result<BundleView> {
    let mut conn = app.store.conn().await?;
    let not_found = || AppError::NotFound("该一件事办件".into());
    let parent = sb::get_bundle_case(&mut conn, id)
        .await?
        .ok_or_else(not_found)?;
    let def = sb::get_bundle(&mut conn, &parent.bundle_code)
        .await?
        .ok_or_else(not_found)?;
    let children = sb::children(&mut conn, id).await?;
    let mut views = Vec::new();
    let mut departments = BTreeSet::new();
    for c in &children {
        let item = store::catalog::find_item(&mut conn, &c.item_code).await?;
        let case = match &c.case_id {
            Some(cid) if !cid.is_empty() => store::cases::get_case(&mut conn, cid).await?,
            _ => None,
        };
        let dept_code = case
            .as_ref()
            .map(|k| k.department.clone())
            .or_else(|| item.as_ref().map(|i| i.department.clone()))
            .unwrap_or_default();
        departments.insert(dept_code.clone());
        let department = store::org::get_department(&mut conn, &dept_code)
            .await
            .map(|d| d.name)
            .unwrap_or(dept_code);
        let (state, action) = match (&case, c.status.as_str()) {
            (Some(k), _) => (
                k.state.label().to_string(),
                match k.state {
                    CaseState::SupplementRequested => Some("请按一次性告知补正材料".to_string()),
                    CaseState::RejectedAtIntake | CaseState::Denied => {
                        Some("该事项未获准，请查看文书了解原因".to_string())
                    }
                    _ => None,
                },
            ),
            (None, "skipped") => (format!("无需办理（{}）", c.note), None),
            (None, _) => ("等待前置事项办结".to_string(), None),
        };
        views.push(ChildView {
            item_code: c.item_code.clone(),
            item: item.map(|i| i.name).unwrap_or_else(|| c.item_code.clone()),
            department,
            case_number: case.as_ref().map(|k| k.number.clone()).unwrap_or_default(),
            case_id: case.map(|k| k.id),
            state,
            action,
        });
    }
    let ok = match actor {
        Actor::Anonymous => return Err(AppError::Unauthenticated),
        Actor::Applicant { id, .. } => *id == parent.applicant_id,
        Actor::Staff { scope, .. } => {
            scope.covers_region(&parent.region)
                && scope
                    .department
                    .as_ref()
                    .is_none_or(|d| *d == parent.lead_department || departments.contains(d))
        }
    };
    if !ok {
        return Err(not_found());
    }
    let active: Vec<&ChildView> = views
        .iter()
        .filter(|v| !v.state.starts_with("无需办理"))
        .collect();
    let state = if views
        .iter()
        .any(|v| v.action.as_deref().is_some_and(|a| a.contains("未获准")))
    {
        "有事项未获准"
    } else if views.iter().any(|v| v.action.is_some()) {
        "需要您补正"
    } else if !active.is_empty()
        && active
            .iter()
            .all(|v| v.state == CaseState::Completed.label())
    {
        "已办结"
    } else {
        "办理中"
    };
    let lead = store::org::get_department(&mut conn, &parent.lead_department)
        .await?
        .name;
    Ok(BundleView {
        id: parent.id,
        number: parent.number,
        name: def.name,
        lead_department: lead,
        state,
        children: views,
        created_at: parent.created_at,
    })
}

/// The applicant's bundle applications, or the lead department's (for its staff).
pub async fn mine(app: &App, actor: &Actor) -> Result<Vec<BundleView>> {
    let mut conn = app.store.conn().await?;
    let rows = match actor {
        Actor::Applicant { id, .. } => sb::bundle_cases_of(&mut conn, id).await?,
        Actor::Staff {
            scope:
                domain::account::StaffScope {
                    department: Some(d),
                    ..
                },
            ..
        } => sb::bundle_cases_led_by(&mut conn, d, 50).await?,
        Actor::Staff { .. } => Vec::new(),
        Actor::Anonymous => return Err(AppError::Unauthenticated),
    };
    drop(conn);
    let mut out = Vec::new();
    for r in rows {
        out.push(view(app, actor, &r.id).await?);
    }
    Ok(out)
}

/// The retry pass run by housekeeping: advances bundle applications with waiting members
/// (after a crash between a member's approval and its dependants' start, say).
pub async fn advance_all(app: &App) -> Result<usize> {
    let mut conn = app.store.conn().await?;
    let parents = sb::with_waiting_children(&mut conn, 500).await?;
    drop(conn);
    let mut started = 0;
    for p in parents {
        match advance(app, &p).await {
            Ok(n) => started += n,
            Err(e) => tracing::warn!(bundle_case = %p, "bundle member could not start: {e:?}"),
        }
    }
    Ok(started)
}

/// A catalog administrator defines or changes a bundle of their region.
pub async fn define(app: &App, actor: &Actor, def: BundleDefinition) -> Result<()> {
    let cap = actor.catalog_admin()?;
    if !cap.scope.covers_region(&def.region) {
        return Err(AppError::Forbidden("只能定义本区划的一件事".into()));
    }
    save(app, &[def]).await
}
