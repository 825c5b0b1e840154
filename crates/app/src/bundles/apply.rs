//! One application for a whole bundle: one form, one deduplicated set of materials, one
//! submission; members whose result the applicant already holds are skipped.

use std::collections::{BTreeMap, BTreeSet};

use domain::bundle::{BundleDefinition, identities};
use domain::case::Provision;
use store::bundles::{self as sb, BundleCaseRow, ChildRow};

use crate::auth::Actor;
use crate::{App, AppError, Result};

use super::*;

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
    let (def, items, produced) = published(app, code).await?;
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
    // Each upload must be the applicant's own, with its media type as judged when stored.
    let mut a = a;
    {
        let mut conn = app.store.conn().await?;
        for (identity, p) in a.materials.iter_mut() {
            crate::uploads::claim(
                &mut conn,
                app,
                applicant_id,
                &[],
                &format!("materials.{identity}"),
                p,
            )
            .await?;
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
