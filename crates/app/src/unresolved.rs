//! 办不成事: a person (logged in, or a window clerk for them at the 办不成事 desk) reports what
//! could not be done and which department owns it; the ticket is due in five working days;
//! the department's staff answer; the person confirms it resolved or reopens it with why (a new
//! deadline). Staff see their department's tickets; counts per department show how each does.

use domain::account::Role;
use domain::unresolved::{self as ur, Party, Step, TicketState};
use store::unresolved::TicketRow;

use crate::auth::Actor;
use crate::{App, AppError, Result};

#[derive(Debug, Clone, serde::Serialize)]
pub struct TicketView {
    pub id: String,
    pub person_name: String,
    pub what: String,
    pub item_code: String,
    pub department_name: String,
    pub state: TicketState,
    pub due: String,
    pub overdue: bool,
    pub answer: String,
    pub reopen_note: String,
    pub reopened: i64,
    /// The actor may answer it now / confirm or reopen it now.
    pub may_answer: bool,
    pub may_close: bool,
}

/// One department's figures.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeptCount {
    pub department: String,
    pub name: String,
    pub opened: i64,
    pub closed: i64,
    pub overdue: i64,
}

fn today(app: &App) -> time::Date {
    domain::calendar::china_date(app.now())
}

fn state_of(t: &TicketRow) -> Result<TicketState> {
    TicketState::parse(&t.state).ok_or_else(|| AppError::Internal(format!("ticket {}", t.id)))
}

/// Staff of the owner department (its region covering the ticket's).
fn owns(actor: &Actor, t: &TicketRow) -> bool {
    actor.case_worker("").is_ok_and(|w| {
        w.scope().department.as_deref() == Some(t.department.as_str())
            && w.scope().covers_region(&t.region)
    })
}

fn is_person(actor: &Actor, t: &TicketRow) -> bool {
    matches!(actor, Actor::Applicant { id, .. } if *id == t.person_id)
}

async fn view(
    app: &App,
    c: &mut store::Connection,
    actor: &Actor,
    t: TicketRow,
) -> Result<TicketView> {
    let state = state_of(&t)?;
    let department_name = app.department_name(c, &t.department).await;
    let due = domain::calendar::parse_iso_date(&t.due)
        .map_err(|_| AppError::Internal(format!("ticket {} due", t.id)))?;
    Ok(TicketView {
        overdue: ur::overdue(state, due, today(app)),
        may_answer: state == TicketState::Open && owns(actor, &t),
        may_close: state == TicketState::Answered && is_person(actor, &t),
        state,
        department_name,
        person_name: if is_person(actor, &t) {
            t.person_name
        } else {
            domain::ids::mask_middle(&t.person_name, 1, 0)
        },
        id: t.id,
        what: t.what,
        item_code: t.item_code,
        due: t.due,
        answer: t.answer,
        reopen_note: t.reopen_note,
        reopened: t.reopened,
    })
}

fn due_from(app: &App, day: time::Date) -> Result<String> {
    let cal = app
        .calendar
        .read()
        .map_err(|_| AppError::Internal("calendar".into()))?;
    Ok(cal.add_working_days(day, ur::ANSWER_DAYS).to_string())
}

/// Reports what could not be done: by the person, or by a window clerk for the applicant
/// whose login is `for_login`.
pub async fn report(
    app: &App,
    actor: &Actor,
    for_login: &str,
    what: &str,
    department: &str,
    item_code: &str,
) -> Result<String> {
    let mut tx = app.store.begin().await?;
    let (person_id, person_name, by) = match actor {
        Actor::Applicant { id, name, .. } => (id.clone(), name.clone(), id.clone()),
        Actor::Staff { id, roles, .. } if roles.contains(&Role::Clerk) => {
            let a = store::accounts::find_by_login(&mut tx, for_login.trim())
                .await?
                .filter(|a| a.kind != domain::account::AccountKind::Staff)
                .ok_or_else(|| {
                    AppError::field(
                        "for_login",
                        "unknown",
                        "没有这个申请人账号（证件号码或统一社会信用代码）",
                    )
                })?;
            (a.id, a.display_name, id.clone())
        }
        Actor::Anonymous => return Err(AppError::Unauthenticated),
        _ => return Err(AppError::Forbidden("由本人或窗口工作人员登记".into())),
    };
    ur::check_report(what, department).map_err(AppError::Validation)?;
    let dept = store::org::get_department(&mut tx, department.trim())
        .await
        .map_err(|_| AppError::field("department", "unknown", "没有这个部门"))?;
    if !item_code.trim().is_empty()
        && store::catalog::find_item(&mut tx, item_code.trim())
            .await?
            .is_none()
    {
        return Err(AppError::field(
            "item_code",
            "unknown",
            "事项目录中没有这个编码",
        ));
    }
    let id = uuid::Uuid::now_v7().to_string();
    store::unresolved::insert(
        &mut tx,
        &TicketRow {
            id: id.clone(),
            person_id,
            person_name,
            what: what.trim().into(),
            item_code: item_code.trim().into(),
            department: dept.code.clone(),
            region: dept.region.clone(),
            state: TicketState::Open.as_str().into(),
            due: due_from(app, today(app))?,
            created_by: by,
            created_at: app.now_ms(),
            ..TicketRow::default()
        },
    )
    .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(id)
}

/// Answers, confirms or reopens a ticket.
pub async fn act(app: &App, actor: &Actor, id: &str, s: Step) -> Result<()> {
    let mut tx = app.store.begin().await?;
    let t = store::unresolved::ticket(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::NotFound("反映".into()))?;
    let party = if owns(actor, &t) {
        Party::Owner
    } else if is_person(actor, &t) {
        Party::Person
    } else {
        return Err(AppError::NotFound("反映".into()));
    };
    let from = state_of(&t)?;
    let to = ur::step(from, &s, party).map_err(|e| match e.field.as_str() {
        "state" => AppError::State(e.message),
        "party" => AppError::Forbidden(e.message),
        _ => AppError::Validation(vec![e]),
    })?;
    let now = app.now_ms();
    let mut next = TicketRow {
        state: to.as_str().into(),
        ..t.clone()
    };
    match &s {
        Step::Answer(a) => {
            next.answer = a.trim().into();
            next.answered_by = match actor {
                Actor::Staff { login, .. } => login.clone(),
                _ => String::new(),
            };
            next.answered_at = now;
        }
        Step::Confirm => next.closed_at = now,
        Step::Reopen(why) => {
            next.reopen_note = why.trim().into();
            next.reopened += 1;
            next.due = due_from(app, today(app))?;
        }
    }
    if !store::unresolved::update(&mut tx, &next, from.as_str()).await? {
        return Err(AppError::State("该反映刚被处理，请刷新后再试".into()));
    }
    if let Step::Answer(a) = &s {
        let text = format!("您反映的“{}”已有答复：{}", short(&t.what), a.trim());
        crate::agents::notify(&mut tx, app, &t.person_id, "unresolved", text, None).await?;
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(())
}

fn short(s: &str) -> String {
    domain::content::excerpt(s, 20)
}

/// The actor's tickets: an applicant's own; staff of a department its tickets; other staff
/// (a clerk, a supervisor) those of their region.
pub async fn list(app: &App, actor: &Actor) -> Result<Vec<TicketView>> {
    let mut c = app.store.conn().await?;
    let rows = match actor {
        Actor::Applicant { id, .. } => store::unresolved::of_person(&mut c, id).await?,
        Actor::Staff { scope, .. } => {
            store::unresolved::of_department(&mut c, scope.department.as_deref().unwrap_or(""))
                .await?
                .into_iter()
                .filter(|t| scope.covers_region(&t.region))
                .collect()
        }
        Actor::Anonymous => return Err(AppError::Unauthenticated),
    };
    let mut out = Vec::with_capacity(rows.len());
    for t in rows {
        out.push(view(app, &mut c, actor, t).await?);
    }
    Ok(out)
}

/// Per department: reported, closed by the person, open past the deadline (staff only).
pub async fn counts(app: &App, actor: &Actor) -> Result<Vec<DeptCount>> {
    let Actor::Staff { scope, .. } = actor else {
        return Err(AppError::Forbidden("统计仅对工作人员开放".into()));
    };
    let mut c = app.store.conn().await?;
    let rows = store::unresolved::counts(&mut c, &today(app).to_string()).await?;
    let mut out = Vec::new();
    for (department, opened, closed, overdue) in rows {
        let Ok(d) = store::org::get_department(&mut c, &department).await else {
            continue;
        };
        if !scope.covers_region(&d.region) {
            continue;
        }
        out.push(DeptCount {
            department,
            name: d.name,
            opened,
            closed,
            overdue,
        });
    }
    Ok(out)
}
