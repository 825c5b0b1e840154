//! 差评整改: the rectification ticket a bad review opens, its steps and who may take them,
//! and how staff and the rater read it.

use domain::account::Role;
use domain::calendar::china_date;
use domain::rating::{Satisfaction, TicketAction, TicketState, next};
use store::ratings::{self as sr, RatingRow, TicketEventRow, TicketRow};

use super::{TICKET_DAYS, iso};
use crate::auth::Actor;
use crate::{App, AppError, Result};

pub(super) async fn open_ticket(
    conn: &mut store::Connection,
    app: &App,
    r: &RatingRow,
) -> Result<TicketRow> {
    let cal = app
        .calendar
        .read()
        .map(|c| c.clone())
        .unwrap_or_else(|_| domain::calendar::WorkCalendar::china());
    let due = cal.add_working_days(china_date(app.now()), TICKET_DAYS);
    let t = TicketRow {
        id: uuid::Uuid::now_v7().to_string(),
        rating_id: r.id.clone(),
        case_id: r.case_id.clone(),
        department: r.department.clone(),
        state: serde_json::to_string(&TicketState::Open)
            .map_err(|e| AppError::Internal(e.to_string()))?,
        status: "open".into(),
        due_date: iso(due),
        opened_at: app.now_ms(),
        closed_at: None,
        version: 1,
    };
    sr::insert_ticket(conn, &t).await?;
    Ok(t)
}

/// Who may take a ticket action: the department's staff handle, the rater appeals after the
/// revisit, a supervisor decides a malicious-rating appeal.
fn may(actor: &Actor, t: &TicketRow, rating: &RatingRow, action: &TicketAction) -> bool {
    match (actor, action) {
        (Actor::Applicant { id, .. }, TicketAction::RaterAppeal { .. }) => *id == rating.rater_id,
        // A supervisor decides appeals about their own region and below, not a city
        // department's from a county.
        (Actor::Staff { roles, scope, .. }, TicketAction::Decide { .. }) => {
            (roles.contains(&Role::Supervisor) || roles.contains(&Role::SystemAdmin))
                && scope.department.is_none()
                && scope.covers_region(&rating.region)
        }
        (
            Actor::Staff { scope, .. },
            TicketAction::Contact { .. }
            | TicketAction::Handle { .. }
            | TicketAction::Revisit { .. }
            | TicketAction::StaffAppeal { .. },
        ) => scope.department.as_deref() == Some(t.department.as_str()),
        _ => false,
    }
}

/// One step of a rectification ticket, in one transaction with its history.
pub async fn ticket_act(
    app: &App,
    actor: &Actor,
    ticket_id: &str,
    action: TicketAction,
) -> Result<TicketRow> {
    let mut tx = app.store.begin().await?;
    let mut t = sr::get_ticket(&mut tx, ticket_id)
        .await?
        .ok_or_else(|| AppError::NotFound("整改单".into()))?;
    let rating = sr::get_rating(&mut tx, &t.rating_id)
        .await?
        .ok_or_else(|| AppError::NotFound("评价".into()))?;
    if !may(actor, &t, &rating, &action) {
        return Err(AppError::Forbidden(format!(
            "您不能对该整改单执行“{}”",
            action.label()
        )));
    }
    let state: TicketState =
        serde_json::from_str(&t.state).map_err(|e| AppError::Internal(e.to_string()))?;
    let after = next(&state, &action).map_err(|e| match e {
        domain::rating::TicketError::NoteRequired(_) => {
            AppError::field("note", "required", e.to_string())
        }
        other => AppError::State(other.to_string()),
    })?;
    let now = app.now_ms();
    if after == TicketState::Excluded {
        sr::exclude_rating(&mut tx, &rating.id).await?;
    }
    t.state = serde_json::to_string(&after).map_err(|e| AppError::Internal(e.to_string()))?;
    t.status = if after.is_finished() {
        "closed"
    } else {
        "open"
    }
    .into();
    t.closed_at = after.is_finished().then_some(now);
    t.version += 1;
    sr::update_ticket(&mut tx, &t).await.map_err(|e| match e {
        store::StoreError::Conflict { .. } => AppError::Conflict {
            field: "version".into(),
            message: "整改单刚刚已被他人处理，请刷新后查看".into(),
        },
        other => other.into(),
    })?;
    let seq = sr::ticket_events(&mut tx, &t.id).await?.len() as i64 + 1;
    sr::append_ticket_event(
        &mut tx,
        &TicketEventRow {
            ticket_id: t.id.clone(),
            seq,
            at: now,
            actor: actor_id(actor),
            action: serde_json::to_string(&action)
                .map_err(|e| AppError::Internal(e.to_string()))?,
        },
    )
    .await?;
    // The department reaches an unnamed rater through the platform, which delivers its note
    // without telling it who the rater is.
    if let TicketAction::Contact { note } | TicketAction::Revisit { note, .. } = &action
        && matches!(actor, Actor::Staff { .. })
    {
        crate::agents::notify(
            &mut tx,
            app,
            &rating.rater_id,
            "rating_ticket",
            format!("您对办件的评价，办理部门回复：{note}"),
            Some(&rating.case_id),
        )
        .await?;
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(t)
}

fn actor_id(a: &Actor) -> String {
    match a {
        Actor::Applicant { id, .. } | Actor::Staff { id, .. } => id.clone(),
        Actor::Anonymous => String::new(),
    }
}

/// A ticket as staff read it: the rater hidden unless the rating is named.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TicketView {
    pub ticket: TicketRow,
    /// The state, which says what may be done next (`TicketState::staff_actions`).
    pub state: TicketState,
    pub state_label: &'static str,
    pub level_label: &'static str,
    pub case_number: String,
    pub tags: Vec<String>,
    pub text: String,
    /// The rater's name, when the rating is named.
    pub rater: Option<String>,
    pub history: Vec<(i64, String)>,
    pub overdue: bool,
}

/// `for_rater`: the rater reads their own ticket. Anyone else learns nothing that leads to
/// an unnamed rater: neither the case number nor the case.
pub(super) async fn view_of(
    conn: &mut store::Connection,
    app: &App,
    mut t: TicketRow,
    for_rater: bool,
) -> Result<TicketView> {
    let r = sr::get_rating(conn, &t.rating_id)
        .await?
        .ok_or_else(|| AppError::NotFound("评价".into()))?;
    let hidden = r.named != 1 && !for_rater;
    if hidden {
        t.case_id = String::new();
    }
    let state: TicketState =
        serde_json::from_str(&t.state).map_err(|e| AppError::Internal(e.to_string()))?;
    let rater = if r.named == 1 {
        Some(
            store::accounts::get_account(conn, &r.rater_id)
                .await?
                .display_name,
        )
    } else {
        None
    };
    let history = sr::ticket_events(conn, &t.id)
        .await?
        .into_iter()
        .map(|e| {
            let a: Option<TicketAction> = serde_json::from_str(&e.action).ok();
            (e.at, a.map(|a| describe(&a)).unwrap_or_default())
        })
        .collect();
    let today = iso(china_date(app.now()));
    Ok(TicketView {
        overdue: t.closed_at.is_none() && t.due_date < today,
        state_label: state.label(),
        state,
        level_label: Satisfaction::from_code(r.level as u8)
            .map(|s| s.label())
            .unwrap_or(""),
        case_number: if hidden {
            "（匿名评价，不显示办件）".into()
        } else {
            r.case_number
        },
        tags: serde_json::from_str(&r.tags).unwrap_or_default(),
        text: r.text,
        rater,
        history,
        ticket: t,
    })
}

fn describe(a: &TicketAction) -> String {
    match a {
        TicketAction::Contact { note } => format!("核实联系：{note}"),
        TicketAction::Handle { fixed: true, note } => format!("整改：{note}"),
        TicketAction::Handle { fixed: false, note } => format!("解释说明：{note}"),
        TicketAction::Revisit { satisfied, note } => {
            format!(
                "回访（{}）：{note}",
                if *satisfied { "满意" } else { "仍不满意" }
            )
        }
        TicketAction::RaterAppeal { reason } => format!("评价人申诉：{reason}"),
        TicketAction::StaffAppeal { reason } => format!("恶意差评申诉：{reason}"),
        TicketAction::Decide { upheld, note } => {
            format!(
                "申诉裁定（{}）：{note}",
                if *upheld { "成立" } else { "驳回" }
            )
        }
    }
}

/// Tickets a member of staff works on: their department's, or every one for supervisors.
pub async fn tickets(app: &App, actor: &Actor) -> Result<Vec<TicketView>> {
    let Actor::Staff { scope, roles, .. } = actor else {
        return Err(AppError::Forbidden("整改单只对工作人员开放".into()));
    };
    let all = roles.contains(&Role::Supervisor) || roles.contains(&Role::SystemAdmin);
    let mut conn = app.store.conn().await?;
    let rows = match (&scope.department, all) {
        (_, true) => sr::tickets(&mut conn, None).await?,
        (Some(d), false) => sr::tickets(&mut conn, Some(d)).await?,
        (None, false) => Vec::new(),
    };
    let mut out = Vec::new();
    for t in rows {
        // Supervisors read the tickets of their region and below.
        let region = sr::get_rating(&mut conn, &t.rating_id)
            .await?
            .map(|r| r.region)
            .unwrap_or_default();
        if all && !scope.covers_region(&region) {
            continue;
        }
        out.push(view_of(&mut conn, app, t, false).await?);
    }
    Ok(out)
}
