//! Demo cases in every interesting state, so each queue and page has something to show on a
//! fresh `serve --demo`. Created through the same use cases people use, so their audit
//! chains are real. Only runs when the demo citizen has no cases yet.

use std::collections::BTreeMap;

use domain::case::{CaseActor, Command, Delivery, Provision};
use domain::catalog::ItemDefinition;
use store::cases as sc;

use crate::audit;
use crate::auth::actor_for_login;
use crate::cases;
use crate::demo::{DemoData, demo_credit_code};
use crate::{App, AppError, Result};

/// A small real PDF, so demo uploads pass the content check.
const DEMO_PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";

fn find<'a>(data: &'a DemoData, name: &str) -> Option<&'a ItemDefinition> {
    data.items.iter().find(|i| i.name == name)
}

/// Everything mandatory uploaded (or, with `only_first`, just the first material).
async fn uploads(
    app: &App,
    applicant: &crate::auth::Actor,
    item: &ItemDefinition,
) -> Result<BTreeMap<String, Provision>> {
    let mut out = BTreeMap::new();
    for m in item.materials.iter().filter(|m| m.mandatory) {
        out.insert(
            m.name.clone(),
            crate::uploads::store(app, applicant, DEMO_PDF, &format!("{}.pdf", m.name)).await?,
        );
    }
    Ok(out)
}

/// A filled form for an item that passes its checks: the first option of a select, a valid
/// number, date, ID number or phone, text elsewhere. Demo cases and the walk through every
/// item's form use it.
pub fn sample_form(item: &ItemDefinition, today: time::Date) -> BTreeMap<String, String> {
    sample_values(&item.form, today)
}

/// Valid sample values for form fields (see [`sample_form`]); a bundle's merged form too.
pub fn sample_values(
    fields: &[domain::workflow::FormField],
    today: time::Date,
) -> BTreeMap<String, String> {
    use domain::workflow::FieldKind;
    fields
        .iter()
        .map(|f| {
            let v = match f.kind {
                FieldKind::Select => f.options.first().cloned().unwrap_or_default(),
                FieldKind::Phone => "13900000000".to_string(),
                FieldKind::Number => "10".to_string(),
                FieldKind::Date => crate::licenses::iso(today),
                FieldKind::IdNumber => crate::demo::demo_citizen_id_number(),
                FieldKind::Text | FieldKind::Multiline => "演示填写".to_string(),
            };
            (f.key.clone(), v)
        })
        .collect()
}

/// How far to take a demo case.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    Draft,
    Submitted,
    Supplement,
    Accepted,
    InReview,
    Approved,
    Completed,
}

pub async fn seed(app: &App, data: &DemoData) -> Result<usize> {
    let citizen = actor_for_login(app, &crate::demo::demo_citizen_id_number()).await?;
    let enterprise = actor_for_login(app, &demo_credit_code()).await?;
    if cases::mine(app, &citizen, 1, 0).await?.1 > 0 {
        return Ok(0);
    }
    let clerk = actor_for_login(app, "clerk").await?;
    let reviewer = actor_for_login(app, "reviewer").await?;
    let approver = actor_for_login(app, "approver").await?;
    let plan = [
        ("普通护照签发", &citizen, Stage::Draft),
        (
            "居民身份证换领（到期、损坏、信息变更）",
            &citizen,
            Stage::Submitted,
        ),
        (
            "食品（含保健食品）经营许可核发",
            &enterprise,
            Stage::Supplement,
        ),
        ("特种设备使用登记", &enterprise, Stage::Accepted),
        ("食品生产许可", &enterprise, Stage::InReview),
        ("公司变更登记", &enterprise, Stage::Approved),
        ("公司设立登记", &enterprise, Stage::Completed),
        ("跨省异地就医直接结算备案", &citizen, Stage::Submitted),
    ];
    let mut n = 0;
    let mut overdue = None;
    for (name, applicant, stage) in plan {
        let Some(item) = find(data, name) else {
            continue;
        };
        let c = cases::start(app, applicant, &item.code).await?;
        cases::act(
            app,
            applicant,
            &c.id,
            Command::Edit {
                form: sample_form(item, domain::calendar::china_date(app.now())),
                materials: uploads(app, applicant, item).await?,
            },
        )
        .await?;
        n += 1;
        if stage == Stage::Draft {
            continue;
        }
        let c = cases::act(app, applicant, &c.id, Command::Submit).await?;
        if stage == Stage::Submitted || c.state != domain::case::CaseState::Submitted {
            continue;
        }
        if stage == Stage::Supplement {
            // Online filing needs every mandatory material, so the notice is about quality:
            // the last one uploaded is not legible.
            let unclear: Vec<String> = item
                .materials
                .iter()
                .rfind(|m| m.mandatory)
                .map(|m| m.name.clone())
                .into_iter()
                .collect();
            cases::act(
                app,
                &clerk,
                &c.id,
                Command::RequestSupplement {
                    materials: unclear,
                    fields: vec![],
                    note: "上传的材料不清晰，请重新上传清晰的扫描件".into(),
                },
            )
            .await?;
            continue;
        }
        cases::act(
            app,
            &clerk,
            &c.id,
            Command::Accept {
                tolerate: vec![],
                commitment: false,
            },
        )
        .await?;
        let instant = item.workflow.steps_for(item.case_type).is_empty();
        if stage == Stage::Accepted {
            overdue = Some(c.id.clone());
            continue;
        }
        if instant {
            cases::act(
                app,
                &clerk,
                &c.id,
                Command::Approve {
                    reason: "材料齐全，当场办结".into(),
                    legal_basis: String::new(),
                },
            )
            .await?;
        } else {
            review_step(app, &reviewer, &c.id, "材料齐全，符合受理条件").await?;
            if stage == Stage::InReview {
                continue;
            }
            review_step(app, &reviewer, &c.id, "经审核符合条件").await?;
            cases::act(app, &approver, &c.id, Command::Claim).await?;
            cases::act(
                app,
                &approver,
                &c.id,
                Command::Approve {
                    reason: "符合法定条件，准予许可".into(),
                    legal_basis: String::new(),
                },
            )
            .await?;
        }
        if stage == Stage::Approved {
            continue;
        }
        cases::act(
            app,
            &clerk,
            &c.id,
            Command::Issue {
                delivery: Delivery::Window {
                    window: "C01".into(),
                },
            },
        )
        .await?;
        cases::act(app, &clerk, &c.id, Command::Complete).await?;
    }
    // One accepted case made overdue, so 电子监察 shows a red warning on a fresh demo.
    if let Some(id) = overdue {
        backdate(app, &id, 40).await?;
        crate::supervision::scan(app).await?;
    }
    Ok(n)
}

/// Demo data only: moves an accepted case's dates `days` back, so that 电子监察 has an
/// overdue case to show on a fresh demo. The audit trail records that this was done.
async fn backdate(app: &App, case_id: &str, days: i64) -> Result<()> {
    let now = app.now();
    let cal = crate::cases::calendar(app);
    let mut tx = app.store.begin().await?;
    let mut c = sc::get_case(&mut tx, case_id)
        .await?
        .ok_or_else(|| AppError::NotFound("办件".into()))?;
    let shift = time::Duration::days(days);
    c.created_at -= shift;
    c.submitted_at = c.submitted_at.map(|t| t - shift);
    c.accepted_at = c.accepted_at.map(|t| t - shift);
    c.version += 1;
    let item = crate::cases::item_version(app, &mut tx, &c).await?;
    // Its deadline moved, so whether it is overdue did too; it still counts on its day.
    let before = store::stats::get(&mut tx, case_id).await?;
    let after = before
        .as_ref()
        .and_then(|b| domain::stats::CaseStat::of(&c, Some(&item), &cal, b.key.day, now));
    store::stats::change(&mut tx, case_id, before.as_ref(), after.as_ref()).await?;
    sc::update_case(
        &mut tx,
        &c,
        &crate::cases::index_of(&c, &item, &cal, now),
        store::millis(now),
    )
    .await?;
    let limits = crate::supervision::thresholds_for(app, &mut tx, &c.item_code, &c.region).await?;
    let watch = crate::supervision::watch_of(&c, &item, &cal, now, &limits);
    store::supervision::set_watch(&mut tx, &c.id, watch.as_ref(), store::millis(now)).await?;
    let payload = serde_json::json!({"event": "demo_backdated", "days": days, "note": "演示数据：提交和受理时间提前，以便展示超期预警"});
    audit::append(
        &mut tx,
        &c.id,
        &CaseActor::System,
        "demo_backdated",
        &payload.to_string(),
        store::millis(now),
    )
    .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(())
}

/// A reviewer claims the current step and completes it with `opinion`.
async fn review_step(
    app: &App,
    reviewer: &crate::auth::Actor,
    id: &str,
    opinion: &str,
) -> Result<()> {
    cases::act(app, reviewer, id, Command::Claim).await?;
    let done = Command::CompleteStep {
        opinion: opinion.into(),
    };
    cases::act(app, reviewer, id, done).await?;
    Ok(())
}
