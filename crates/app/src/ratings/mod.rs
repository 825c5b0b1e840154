//! 好差评: the applicant rates a finished service once per service act through any channel;
//! a bad review opens a rectification ticket for the responsible department (contact, fix or
//! explain, revisit), with the rater's and the staff's appeals. Rated staff see who rated
//! only when the rating is named. Unrated finished cases default to 基本满意.

use domain::account::Role;
use domain::calendar::china_date;
use domain::case::{CaseActor, CaseState};
use domain::rating::{RatingChannel, Satisfaction, validate};
use store::ratings::{self as sr, RatingRow};

use crate::auth::Actor;
use crate::{App, AppError, Result};

mod tickets;

pub use tickets::{TicketView, ticket_act, tickets};
use tickets::{open_ticket, view_of};

/// Working days a department has to follow a bad review through (configurable later).
pub const TICKET_DAYS: u32 = 5;
/// Natural days after completion before an unrated case defaults to 基本满意.
pub const DEFAULT_AFTER_DAYS: i64 = 7;

/// What the applicant submits.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct NewRating {
    /// 满意度 code 1–5.
    pub level: u8,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub text: String,
    pub channel: String,
    /// Let the rated staff see who rated.
    #[serde(default)]
    pub named: bool,
    /// The service act: `case` (the whole online case) or `counter:N` for a window visit.
    #[serde(default = "whole_case")]
    pub act: String,
}

fn whole_case() -> String {
    "case".into()
}

fn iso(d: time::Date) -> String {
    format!("{}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

/// Rates a case. Only its applicant may, once per act; the whole case once it is finished.
pub async fn rate(app: &App, actor: &Actor, case_id: &str, r: NewRating) -> Result<RatingRow> {
    let Actor::Applicant { id, .. } = actor else {
        return Err(match actor {
            Actor::Anonymous => AppError::Unauthenticated,
            _ => AppError::Forbidden("工作人员不能评价办件".into()),
        });
    };
    let level = Satisfaction::from_code(r.level).ok_or_else(|| {
        AppError::field("level", "invalid", "请选择 1（非常满意）到 5（非常不满意）")
    })?;
    let channel = RatingChannel::parse(&r.channel)
        .filter(|c| *c != RatingChannel::Default)
        .ok_or_else(|| {
            AppError::field(
                "channel",
                "invalid",
                format!("评价渠道“{}”无法识别", r.channel),
            )
        })?;
    validate(level, &r.tags, &r.text).map_err(AppError::Validation)?;
    let counter = r
        .act
        .strip_prefix("counter:")
        .is_some_and(|n| !n.is_empty() && n.len() <= 4 && n.bytes().all(|b| b.is_ascii_digit()));
    if r.act != "case" && !counter {
        return Err(AppError::field(
            "act",
            "invalid",
            "评价对象应为 case 或 counter:序号",
        ));
    }
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let c = store::cases::get_case(&mut tx, case_id)
        .await?
        .filter(|c| c.applicant_id == *id || c.agent_id.as_deref() == Some(id.as_str()))
        .ok_or_else(|| AppError::NotFound("办件".into()))?;
    let finished = matches!(
        c.state,
        CaseState::Completed
            | CaseState::RejectedAtIntake
            | CaseState::Denied
            | CaseState::Withdrawn
            | CaseState::Revoked
    );
    if r.act == "case" && !finished {
        return Err(AppError::State(
            "办件办结后才能评价；窗口服务可在现场评价".into(),
        ));
    }
    // A counter act must be one of the case's real window visits, so a rater cannot add
    // ratings for services that never happened.
    let visits = visits_of(&mut tx, case_id).await?;
    if !domain::rating::act_exists(&r.act, visits.len()) {
        return Err(AppError::field(
            "act",
            "unknown",
            "这次窗口服务不存在，只能评价实际办理过的窗口服务",
        ));
    }
    let row = RatingRow {
        act: r.act.clone(),
        channel: channel.as_str().into(),
        rater_id: id.clone(),
        named: i64::from(r.named),
        level: i64::from(level.code()),
        tags: serde_json::to_string(&r.tags).map_err(|e| AppError::Internal(e.to_string()))?,
        text: r.text.trim().to_string(),
        rated_at: store::millis(now),
        ..row_for(&c)
    };
    let who = CaseActor::Applicant { id: id.clone() };
    record(&mut tx, app, &row, level, &who).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(row)
}

/// A rating's columns that come from the rated case (a fresh id; not excluded).
fn row_for(c: &domain::case::Case) -> RatingRow {
    RatingRow {
        id: uuid::Uuid::now_v7().to_string(),
        case_id: c.id.to_string(),
        case_number: c.number.to_string(),
        region: c.region.clone(),
        department: c.department.clone(),
        item_code: c.item_code.to_string(),
        excluded: 0,
        ..RatingRow::default()
    }
}

/// Stores a rating, opens the ticket a bad one needs, and notes it in the case's audit trail.
async fn record(
    tx: &mut store::Connection,
    app: &App,
    row: &RatingRow,
    level: Satisfaction,
    who: &CaseActor,
) -> Result<()> {
    sr::insert_rating(tx, row).await.map_err(|e| match e {
        store::StoreError::Conflict { .. } => AppError::Conflict {
            field: "act".into(),
            message: "这项服务已经评价过了，每项服务只能评价一次（一次一评）".into(),
        },
        other => other.into(),
    })?;
    if level.is_bad() {
        open_ticket(tx, app, row).await?;
    }
    announce(tx, app, row).await?;
    let payload = serde_json::json!({"event": "rated", "level": level.code(), "channel": row.channel, "act": row.act});
    crate::audit::append(
        tx,
        &row.case_id,
        who,
        "rated",
        &payload.to_string(),
        row.rated_at,
    )
    .await?;
    Ok(())
}

/// Tells systems outside about a rating, in its transaction (`rating.given`).
async fn announce(tx: &mut store::Connection, app: &App, row: &RatingRow) -> Result<()> {
    let given = domain::outbox::RatingGiven {
        rating_id: row.id.clone(),
        case_id: row.case_id.clone(),
        level: row.level,
        channel: row.channel.clone(),
        department: row.department.clone(),
        region: row.region.clone(),
    };
    if let Some(r) =
        crate::outbox::other(app, "rating.given", "rating", &row.id, &given, row.rated_at)
    {
        store::outbox::insert(tx, &[r]).await?;
    }
    Ok(())
}

/// 现场服务 一次一评 on the hall tablet: the window's device shows the applicant the rating
/// buttons for this visit; the rating is the applicant's (act `counter:N`, channel
/// hall_tablet, anonymous to the clerk) and the audit notes the device's clerk.
pub async fn rate_at_counter(
    app: &App,
    actor: &Actor,
    case_number: &str,
    level: u8,
    tags: Vec<String>,
) -> Result<RatingRow> {
    let Actor::Staff {
        id, roles, scope, ..
    } = actor
    else {
        return Err(AppError::Forbidden("评价器由窗口工作人员登录使用".into()));
    };
    if !roles.contains(&Role::Clerk) {
        return Err(AppError::Forbidden("评价器由综窗工作人员登录使用".into()));
    }
    let level = Satisfaction::from_code(level)
        .ok_or_else(|| AppError::field("level", "invalid", "请选择满意程度"))?;
    validate(level, &tags, "").map_err(AppError::Validation)?;
    let mut tx = app.store.begin().await?;
    let c = store::cases::find_by_number(&mut tx, case_number.trim())
        .await?
        .filter(|c| scope.covers_region(&c.region))
        .ok_or_else(|| AppError::field("number", "unknown", "没有这个办件编号"))?;
    // The tablet rates this clerk's visit of today, once: a clerk cannot add ratings for
    // services they did not give, or rate one visit twice.
    let visits = visits_of(&mut tx, &c.id).await?;
    let act = domain::rating::counter_act(&visits, id, china_date(app.now())).ok_or_else(|| {
        AppError::field(
            "number",
            "no_visit",
            "今天您没有在窗口为这个办件办理业务，评价器只能评价本次窗口服务",
        )
    })?;
    let row = RatingRow {
        act,
        channel: RatingChannel::HallTablet.as_str().into(),
        rater_id: c.applicant_id.to_string(),
        named: 0,
        level: i64::from(level.code()),
        tags: serde_json::to_string(&tags).map_err(|e| AppError::Internal(e.to_string()))?,
        text: String::new(),
        rated_at: app.now_ms(),
        ..row_for(&c)
    };
    let who = CaseActor::Staff {
        id: id.clone(),
        roles: roles.clone(),
    };
    record(&mut tx, app, &row, level, &who).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(row)
}

/// The case's window visits, from its audit trail.
async fn visits_of(
    conn: &mut store::Connection,
    case_id: &str,
) -> Result<Vec<domain::rating::Visit>> {
    let events = store::cases::events(conn, case_id).await?;
    let steps: Vec<_> = events
        .iter()
        .map(|e| domain::rating::Step {
            actor: &e.actor,
            roles: &e.role,
            kind: &e.kind,
            day: china_date(store::from_millis(e.at)),
        })
        .collect();
    Ok(domain::rating::window_visits(&steps))
}

/// The applicant's ratings of a case, with any ticket each opened.
pub async fn of_case(
    app: &App,
    actor: &Actor,
    case_id: &str,
) -> Result<Vec<(RatingRow, Option<TicketView>)>> {
    // The case's own access rules decide who may read.
    crate::cases::view(app, actor, case_id).await?;
    let mut conn = app.store.conn().await?;
    let mut out = Vec::new();
    for r in sr::ratings_of_case(&mut conn, case_id).await? {
        let t = match sr::ticket_of_rating(&mut conn, &r.id).await? {
            Some(t) => Some(view_of(&mut conn, app, t, true).await?),
            None => None,
        };
        out.push((r, t));
    }
    Ok(out)
}

/// Records 基本满意 for finished cases nobody rated within the period. Returns how many.
pub async fn default_unrated(app: &App) -> Result<usize> {
    let before = store::millis(app.now() - time::Duration::days(DEFAULT_AFTER_DAYS));
    let mut conn = app.store.conn().await?;
    let ids = sr::unrated_completed(&mut conn, before, 500).await?;
    drop(conn);
    let mut n = 0;
    for id in ids {
        let mut tx = app.store.begin().await?;
        let Some(c) = store::cases::get_case(&mut tx, &id).await? else {
            continue;
        };
        let row = RatingRow {
            act: "case".into(),
            channel: RatingChannel::Default.as_str().into(),
            rater_id: c.applicant_id.to_string(),
            named: 0,
            level: i64::from(Satisfaction::Basic.code()),
            tags: "[]".into(),
            text: String::new(),
            rated_at: app.now_ms(),
            ..row_for(&c)
        };
        // Another node may have defaulted it (or the applicant rated) meanwhile: skip then.
        match sr::insert_rating(&mut tx, &row).await {
            Ok(()) => {
                announce(&mut tx, app, &row).await?;
                tx.commit().await.map_err(store::StoreError::from)?;
                n += 1;
            }
            Err(store::StoreError::Conflict { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(n)
}

/// Rating records in the shape the upper-level platform takes (GB/T 39734: case number,
/// channel, rater, time, level, text, region), for supervisors of the region.
pub async fn export_records(
    app: &App,
    actor: &Actor,
    from: &str,
    to: &str,
) -> Result<Vec<serde_json::Value>> {
    let Actor::Staff { roles, scope, .. } = actor else {
        return Err(AppError::Forbidden("评价数据只对监察人员开放".into()));
    };
    if !(roles.contains(&Role::Supervisor) || roles.contains(&Role::SystemAdmin)) {
        return Err(AppError::Forbidden("评价数据只对监察人员开放".into()));
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let day = |field: &str, v: &str| {
        time::Date::parse(v.trim(), fmt).map_err(|_| {
            AppError::field(field, "invalid", format!("“{v}”不是 YYYY-MM-DD 格式的日期"))
        })
    };
    let (f, t) = (day("from", from)?, day("to", to)?);
    if t <= f || (t - f).whole_days() > crate::stats::MAX_DAYS {
        return Err(AppError::field("to", "invalid", "区间应为一天到一年"));
    }
    let ms = |d: time::Date| {
        store::millis(
            d.with_time(time::Time::MIDNIGHT)
                .assume_offset(domain::calendar::CHINA_OFFSET),
        )
    };
    let mut conn = app.store.conn().await?;
    let rows = sr::ratings_between(&mut conn, None, ms(f), ms(t)).await?;
    let mut out = Vec::new();
    for r in rows.into_iter().filter(|r| scope.covers_region(&r.region)) {
        // Who rated is reported only when the rater chose to be named.
        let rater = if r.named == 1 {
            store::accounts::get_account(&mut conn, &r.rater_id)
                .await
                .ok()
        } else {
            None
        };
        let count = sr::ratings_of_case(&mut conn, &r.case_id).await?.len();
        out.push(serde_json::json!({
            "case_number": r.case_number,
            "channel": r.channel,
            "rater": rater.as_ref().map(|a| a.display_name.clone()).unwrap_or_else(|| "匿名".into()),
            "rater_id_masked": rater.map(|a| license::mask_holder(&a.login, a.kind != domain::account::AccountKind::Enterprise)).unwrap_or_default(),
            "time": r.rated_at,
            "count": count,
            "level": r.level,
            "text": r.text,
            "tags": serde_json::from_str::<Vec<String>>(&r.tags).unwrap_or_default(),
            "region": r.region,
            "department": r.department,
            "item_code": r.item_code,
            "excluded": r.excluded == 1,
        }));
    }
    Ok(out)
}
