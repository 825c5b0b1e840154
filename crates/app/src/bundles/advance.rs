//! Members start as soon as the members whose results they need are approved, with those
//! licenses attached; reacts to committed cases (see `crate::events`).

use std::collections::{BTreeMap, BTreeSet};

use domain::bundle::{BundleDefinition, identities};
use domain::case::{Case, CaseState, Command, Provision};
use domain::subject::{Subject, SubjectSpec};
use store::bundles::{self as sb};

use crate::auth::Actor;
use crate::{App, AppError, Result};

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
            done.insert(c.item_code.to_string());
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
    let subject: Subject = serde_json::from_value(data["subject"].clone()).unwrap_or_default();
    let carried: BTreeMap<String, Provision> =
        serde_json::from_value(data["carried"].clone()).unwrap_or_default();
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
        let member_subject =
            match member_subject(app, &def, &children, &subject, &c.item_code).await {
                Ok(s) => s,
                Err(e) => {
                    let mut conn = app.store.conn().await?;
                    sb::reset_child(&mut conn, parent_id, &c.item_code).await?;
                    return Err(e);
                }
            };
        let started_case = start_member(
            app,
            &actor,
            parent_id,
            &def,
            &c.item_code,
            member_subject,
            &form,
            &uploads,
            &carried,
        )
        .await;
        if let Err(e) = started_case {
            let mut conn = app.store.conn().await?;
            sb::reset_child(&mut conn, parent_id, &c.item_code).await?;
            return Err(e);
        }
        started += 1;
    }
    Ok(started)
}

/// Creates a member's case from the parent's form and uploads (its held licenses attach on
/// creation) and submits it. The child names its case before the case is filled in, so the
/// case knows its bundle: the uploads the bundle application claimed are the member's
/// however long it waited for its turn (see `cases::command`).
#[allow(clippy::too_many_arguments)]
pub(super) async fn start_member(
    app: &App,
    actor: &Actor,
    parent_id: &str,
    def: &BundleDefinition,
    item_code: &str,
    subject: Subject,
    form: &BTreeMap<String, String>,
    uploads: &BTreeMap<String, Provision>,
    carried: &BTreeMap<String, Provision>,
) -> Result<Case> {
    // The carried results this member's item asks for, by the item's material names.
    let carried_here: BTreeMap<String, Provision> = {
        let mut conn = app.store.conn().await?;
        let item = store::catalog::find_item(&mut conn, item_code).await?;
        match item.and_then(|i| i.current_version) {
            Some(v) => {
                let def = app.item_version(&mut conn, item_code, v).await?;
                def.materials
                    .iter()
                    .zip(identities(&def))
                    .filter_map(|(m, id)| Some((m.name.clone(), carried.get(&id)?.clone())))
                    .collect()
            }
            None => BTreeMap::new(),
        }
    };
    let case = crate::cases::start_in_bundle(app, actor, item_code, subject, carried_here).await?;
    {
        let mut conn = app.store.conn().await?;
        sb::set_child_case(&mut conn, parent_id, item_code, case.id.as_str()).await?;
    }
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

/// Whom a member is filed for: the bundle's subject, except that once the enterprise being
/// established is registered, the members after it are filed in its name with the code its
/// 营业执照 carries.
async fn member_subject(
    app: &App,
    def: &BundleDefinition,
    children: &[sb::ChildRow],
    subject: &Subject,
    item_code: &str,
) -> Result<Subject> {
    let SubjectSpec::NewEnterprise { assigned_by, .. } = &def.subject else {
        return Ok(subject.clone());
    };
    if item_code == assigned_by || !subject.being_established() {
        return Ok(subject.clone());
    }
    let registration = children
        .iter()
        .find(|c| &c.item_code == assigned_by)
        .and_then(|c| c.case_id.clone())
        .ok_or_else(|| AppError::State("设立登记尚未办结，不能以新设企业名义申请".into()))?;
    let mut conn = app.store.conn().await?;
    let license = store::licenses::of_case(&mut conn, &registration)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| {
            AppError::State("设立登记尚未颁发营业执照，不能以新设企业名义申请".into())
        })?;
    Ok(Subject::Enterprise {
        name: license.holder_name,
        credit_code: license.holder_id,
    })
}

/// Called after any case command: a bundle member that reached approval lets its dependants
/// start.
pub async fn on_case_committed(app: &App, c: &crate::events::CommittedCase<'_>) -> Result<()> {
    if !matches!(
        c.case.state,
        CaseState::Approved | CaseState::Issuing | CaseState::Completed
    ) {
        return Ok(());
    }
    if let Some(parent) = c.bundle {
        // Boxed: starting a member runs case commands, which come back here.
        Box::pin(advance(app, parent)).await?;
    }
    Ok(())
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
