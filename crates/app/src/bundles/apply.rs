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
    apply_for(app, actor, None, code, a, BTreeMap::new()).await
}

/// Who files a bundle for its applicant (a project's 代办员 under a 帮办代办 grant checked by
/// the caller): the uploads are theirs, and the filing names them.
#[derive(Debug, Clone, Copy)]
pub struct FiledBy<'a> {
    pub id: &'a str,
    pub name: &'a str,
}

/// [`apply`] for the applicant `actor`, by `agent` when one files for them; `carried` are
/// materials (by identity) the platform provides from the results of a project's earlier
/// stages: they count as provided, and each member takes them at its start.
pub(crate) async fn apply_for(
    app: &App,
    actor: &Actor,
    agent: Option<FiledBy<'_>>,
    code: &str,
    a: Application,
    carried: BTreeMap<String, Provision>,
) -> Result<String> {
    let Actor::Applicant {
        id: applicant_id,
        login,
        kind,
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
    // The merged form is checked as any form is: required fields, ID numbers, phones, dates
    // (a field only an optional member left out needs is not required).
    let merged = def.form_for(&a.optional);
    if let Err(errs) = domain::workflow::validate_form(&merged, &a.form) {
        for e in errs {
            problems.push(e.field, e.code, e.message);
        }
    }
    // Whom the members are about, read from the merged form.
    let today_date = domain::calendar::china_date(app.now());
    let spec = def
        .subject
        .for_applicant(*kind == domain::account::ApplicantKind::Enterprise);
    let (mut subject, birth) = match spec.resolve(&a.form, today_date) {
        Ok(s) => s,
        Err(errs) => {
            for e in errs {
                problems.push(e.field, e.code, e.message);
            }
            (domain::subject::Subject::Applicant, None)
        }
    };
    for o in &a.optional {
        if !def.members.iter().any(|m| m.optional && &m.item_code == o) {
            problems.push("optional", "unknown", format!("{o} 不是可选事项"));
        }
    }
    // Members whose result the subject already holds are skipped (a newborn or an enterprise
    // being established holds nothing yet). Only a wallet the applicant may read counts:
    // naming someone else tells nothing about what they hold.
    let today = crate::licenses::today_iso(app);
    let mut conn = app.store.conn().await?;
    let wallet =
        crate::licenses::readable_subject(&mut conn, &subject, applicant_id, login).await?;
    let subject_holder = wallet.as_deref();
    let mut skipped: BTreeMap<String, String> = BTreeMap::new();
    for m in &def.members {
        if m.optional && !a.optional.contains(&m.item_code) {
            skipped.insert(m.item_code.clone(), "未选择".into());
            continue;
        }
        if let Some(holder) = subject_holder
            && birth.is_none()
            && let Some(t) = store::licenses::type_for_item(&mut conn, &m.item_code).await?
            && !store::licenses::valid_of_type(&mut conn, holder, &t.code, &today)
                .await?
                .is_empty()
        {
            skipped.insert(
                m.item_code.clone(),
                format!("办理对象已持有有效的{}", t.name),
            );
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
            let (found, _) =
                crate::licenses::shared_provisions(app, item, subject_holder, login).await;
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
        // A license in the applicant's or the subject's wallet (each member case takes it
        // from the wallet its material belongs in, and asks again for what is missing).
        if let Some(t) = mm.identity.strip_prefix("证照:")
            && let Some(t) = store::licenses::type_by_name(&mut conn, t).await?
        {
            let mut held = false;
            for h in [Some(login.as_str()), subject.holder_id()]
                .into_iter()
                .flatten()
            {
                held |= !store::licenses::valid_of_type(&mut conn, h, &t.code, &today)
                    .await?
                    .is_empty();
            }
            if held {
                continue;
            }
        }
        if confirmed.contains(&mm.identity) || carried.contains_key(&mm.identity) {
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
                agent.map_or(applicant_id.as_str(), |f| f.id),
                &[],
                &format!("materials.{identity}"),
                p,
            )
            .await?;
        }
    }

    // 出生预赋码: the newborn's number is reserved now, so every member is filed for it.
    if let (
        Some(facts),
        domain::subject::Subject::Person {
            id_number,
            reserved,
            ..
        },
    ) = (birth, &mut subject)
    {
        *id_number = reserve_newborn_number(app, login, &def.region, facts).await?;
        *reserved = true;
    }
    let now = app.now();
    let day = domain::calendar::china_date(now);
    let day = format!("{}{:02}{:02}", day.year(), day.month() as u8, day.day());
    let id = uuid::Uuid::now_v7().to_string();
    let mut tx = app.store.begin().await?;
    let seq = store::cases::next_case_number(&mut tx, &format!("YJS{}", def.region), &day).await?;
    let mut data = serde_json::json!({"form": a.form, "optional": a.optional, "materials": a.materials,
        "subject": subject});
    if let Some(f) = agent {
        data["filed_by"] = serde_json::json!({"id": f.id, "name": f.name});
    }
    if !carried.is_empty() {
        data["carried"] =
            serde_json::to_value(&carried).map_err(|e| AppError::Internal(e.to_string()))?;
    }
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

/// Reserves a newborn's 公民身份号码 under the household's region (the applicant's, from their
/// own ID number; else the bundle's county).
async fn reserve_newborn_number(
    app: &App,
    applicant_login: &str,
    bundle_region: &str,
    facts: domain::subject::BirthFacts,
) -> Result<String> {
    let region = match domain::ids::IdNumber::parse(applicant_login) {
        Ok(id) => crate::licenses::region6(id.region_prefix())?,
        Err(_) => crate::licenses::region6(bundle_region)?,
    };
    let d = facts.birth_date;
    let key = format!(
        "{}{:04}{:02}{:02}{}",
        region.as_str(),
        d.year(),
        d.month() as u8,
        d.day(),
        if facts.male { "M" } else { "F" }
    );
    let n = store::subjects::reserve_identifier(&app.store, "citizen_id", &key).await?;
    domain::subject::newborn_id_number(&region, facts, n as u32)
        .ok_or_else(|| AppError::State("该地区当日出生登记号段已用完，请到窗口办理".into()))
}
