//! Reading a case: the page's view with the applicant as this viewer may see them, the
//! timeline, running deadlines and the commands the lifecycle table allows this actor now;
//! and the case's uploaded files.

use domain::account::Role;
use domain::calendar::china_date;
use domain::case::{self, Case, Event};
use domain::catalog::ItemDefinition;
use store::cases as sc;

use super::{authorize, calendar, case_actor, item_version};
use crate::auth::Actor;
use crate::{App, AppError, Result};

/// One line of a case's timeline.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TimelineEntry {
    pub at: i64,
    pub who: String,
    pub text: String,
}

/// Everything a case page shows.
#[derive(Debug, Clone)]
pub struct CaseView {
    pub case: Case,
    pub item: std::sync::Arc<ItemDefinition>,
    /// Who applied, as this viewer may see it (ID number and phone masked for staff).
    pub applicant: ApplicantInfo,
    pub timeline: Vec<TimelineEntry>,
    /// (label, explanation) of each running deadline.
    pub deadlines: Vec<(String, String)>,
    pub completeness: case::Completeness,
    /// Commands this actor may issue now.
    pub allowed: Vec<&'static str>,
    /// The review step the case is at and who holds it, while it is in review.
    pub current_step: Option<String>,
    /// The licences the case issued (to its subject), for the applicant and staff.
    pub results: Vec<crate::licenses::LicenseView>,
    /// 邮寄送达: the parcel and its scans, when the result went by the platform's courier.
    pub shipment: Option<crate::post::Tracking>,
    /// The courier the window may ship with (`[post]`), by name.
    pub courier: Option<String>,
    /// The case's payment orders (统一公共支付), newest first.
    pub orders: Vec<crate::payment::OrderView>,
    /// Fees can be assessed and paid online here (`[payment]`).
    pub pays_online: bool,
    /// The department that concludes the case, by name.
    pub concluding_office: String,
    /// 就近取件: where the viewer may choose to collect the result, when they may choose.
    pub pickup_options: Vec<domain::case::relay::PointRef>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ApplicantInfo {
    pub name: String,
    pub kind: String,
    pub id: String,
    pub phone: String,
    pub legal_representative: Option<String>,
}

pub async fn view(app: &App, actor: &Actor, case_id: &str) -> Result<CaseView> {
    // Refuse visitors before looking anything up, so a case id cannot be probed.
    let who = case_actor(actor)?;
    let mut conn = app.store.conn().await?;
    let c = sc::read_case(&mut conn, case_id)
        .await?
        .ok_or_else(|| AppError::NotFound("办件".into()))?;
    let access = authorize(&mut conn, app, actor, &c).await?;
    let item = item_version(app, &mut conn, &c).await?;
    let concluding_office = app.department_name(&mut conn, &c.department).await;
    let account = app.account(&mut conn, &c.applicant_id).await?;
    // Only the applicant sees their own numbers in full: staff (whose every read is logged
    // below) and an agent filing for them see them masked.
    let own = matches!(actor, Actor::Applicant { id, .. } if *id == c.applicant_id);
    let c = if own { c } else { redacted_for(actor, c) };
    let applicant = ApplicantInfo {
        name: account.display_name.clone(),
        kind: account.kind.label().into(),
        id: if !own {
            domain::ids::mask_middle(&account.login, 4, 4)
        } else {
            account.login.clone()
        },
        phone: if !own {
            domain::ids::mask_middle(&account.phone, 3, 4)
        } else {
            account.phone.clone()
        },
        legal_representative: account.legal_representative.clone(),
    };
    let rows = sc::read_events(&mut conn, case_id).await?;
    let results = crate::licenses::of_case(&mut conn, app, actor, &c).await?;
    let shipment = match &c.delivery {
        Some(domain::case::Delivery::Post { .. }) => {
            crate::post::tracking_of(&mut conn, case_id, own).await?
        }
        _ => None,
    };
    let orders = if c.fee.is_some() {
        crate::payment::orders_of(&mut conn, case_id).await?
    } else {
        Vec::new()
    };
    // Never wait for a write while holding a read connection: the pool is shared.
    drop(conn);
    if let Actor::Staff { id, .. } = actor {
        // A write of its own, durable before the page shows the record.
        sc::log_access(
            &app.store,
            &sc::Access {
                at: app.now_ms(),
                actor: id,
                subject: &account.login,
                record: case_id,
                what: &format!("查看办件 {}（{}）", c.number, c.item_name),
            },
        )
        .await?;
    }
    let now = app.now();
    let cal = calendar(app);
    let timeline = rows
        .iter()
        .filter(|r| r.kind != "edited")
        .map(|r| {
            let text = describe_record(&r.kind, &r.payload, false);
            let who = match r.role.as_str() {
                "applicant" => "申请人".to_string(),
                "system" => "系统".to_string(),
                roles => roles
                    .split(',')
                    .filter_map(Role::parse)
                    .map(|x| x.label())
                    .next()
                    .unwrap_or("工作人员")
                    .to_string(),
            };
            TimelineEntry {
                at: r.at,
                who,
                text,
            }
        })
        .collect();
    // A closed case has no running deadlines.
    let d = if c.state.is_final() {
        case::CaseDeadlines {
            pre_review: None,
            promised: None,
            legal: None,
        }
    } else {
        c.deadlines(&item, &cal, now)
    };
    let mut deadlines = Vec::new();
    if let Some(x) = d.pre_review {
        deadlines.push(("预审期限".to_string(), x.explain()));
    }
    if let Some(x) = d.promised {
        deadlines.push(("承诺办结".to_string(), x.explain()));
    }
    if let Some(x) = d.legal {
        deadlines.push(("法定办结".to_string(), x.explain()));
    }
    let allowed: Vec<&str> = case::allowed(&c, &item, &who, now, &cal)
        .into_iter()
        .filter(|k| super::relay::check_point_command(access, *k).is_ok())
        .map(|k| k.name())
        .collect();
    let pickup_options = if allowed.contains(&"choose_pickup") {
        let mut conn = app.store.conn().await?;
        super::relay::pickup_options(app, &mut conn, &c, &item).await?
    } else {
        vec![]
    };
    let completeness = case::completeness(&c, &item, china_date(now));
    let current_step = current_step(app, &c, &item, matches!(actor, Actor::Staff { .. })).await?;
    Ok(CaseView {
        shipment,
        courier: app.settings.courier.as_ref().map(|c| c.carrier.clone()),
        orders,
        pays_online: app.settings.payment.is_some(),
        concluding_office,
        pickup_options,
        results,
        current_step,
        case: c,
        item,
        applicant,
        timeline,
        deadlines,
        completeness,
        allowed,
    })
}

/// The case as `actor` may see it: an agent does not see the principal's license numbers or
/// shared data (staff do: they decide on them).
pub(crate) fn redacted_for(actor: &Actor, c: Case) -> Case {
    match actor {
        Actor::Applicant { id, .. } if *id != c.applicant_id => {
            domain::agent::redacted_for_agent(c)
        }
        _ => c,
    }
}

/// An uploaded material of a case, for the applicant and the staff handling it: the bytes,
/// media type and file name. Only files the case names can be read this way.
pub async fn material_file(
    app: &App,
    actor: &Actor,
    case_id: &str,
    hash: &str,
) -> Result<(Vec<u8>, String, String)> {
    let v = view(app, actor, case_id).await?;
    let found = v.case.materials.values().find_map(|p| match p {
        domain::case::Provision::Uploaded {
            file,
            file_name,
            media_type,
        } if file == hash => Some((file_name.clone(), media_type.clone())),
        _ => None,
    });
    let (name, media_type) = found.ok_or_else(|| AppError::NotFound("材料文件".into()))?;
    Ok((crate::uploads::read(app, hash).await?, media_type, name))
}

/// A line of an audit record as a timeline shows it: events in their own words (`public`:
/// without staff opinions and reasons), the records written beside them (creation,
/// licences) by their kind.
pub fn describe_record(kind: &str, payload: &str, public: bool) -> String {
    if let Ok(e) = serde_json::from_str::<Event>(payload) {
        return if public {
            e.describe_public()
        } else {
            e.describe()
        };
    }
    let v: serde_json::Value = serde_json::from_str(payload).unwrap_or_default();
    match kind {
        "created" => "创建申请".into(),
        "license_issued" => format!("签发电子证照：{}", v["type"].as_str().unwrap_or("证照")),
        "license_revoked" => "电子证照已注销".into(),
        other => other.to_string(),
    }
}

/// "审核（第 2 步，共 3 步）：已由 钱承办 签收" while a case is in review (the holder's name for
/// staff; the applicant reads 办理中); None otherwise.
async fn current_step(
    app: &App,
    c: &Case,
    item: &ItemDefinition,
    staff: bool,
) -> Result<Option<String>> {
    use domain::case::CaseState as S;
    if !matches!(c.state, S::Accepted | S::InReview | S::Suspended) {
        return Ok(None);
    }
    let steps = item.workflow.steps_for(item.case_type);
    let Some(step) = steps.get(c.step) else {
        return Ok(None);
    };
    let holder = match &c.claimed_by {
        Some(_) if !staff => "办理中".to_string(),
        Some(id) => {
            let mut conn = app.store.conn().await?;
            let name = match app.account(&mut conn, id).await {
                Ok(a) => a.display_name.clone(),
                Err(_) => "工作人员".into(),
            };
            format!("已由 {name} 签收")
        }
        None => format!("等待{}签收", step.role.label()),
    };
    Ok(Some(format!(
        "{}（第 {} 步，共 {} 步）：{holder}",
        step.name,
        c.step + 1,
        steps.len()
    )))
}
