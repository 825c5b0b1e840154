//! Queue tickets (取号) at the kiosk, the reception desk or remotely from the portal, and
//! what a window does with them (叫号, 重呼, 过号, 转移, 办结), with staff signing in and out.

use domain::hall::queue::{self, Priority, Source, Ticket, TicketState};
use domain::hall::{Hall, Window};
use domain::service_point::Coordinates;
use serde::Serialize;

use super::{Person, board, hall, today};
use crate::auth::Actor;
use crate::{App, AppError, Result};

/// How near the hall a person must be to take a number from the portal.
pub const REMOTE_RADIUS_KM: f64 = 5.0;

/// A ticket request.
#[derive(Debug, Clone, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TakeTicket {
    /// The service line's letter.
    pub line: String,
    /// The person, real-name (kiosk and reception); from the account on the portal.
    #[serde(default)]
    pub person: Option<Person>,
    /// 绿色通道 reason (老年人, 残疾人, 孕妇, 退役军人, 其他特殊群体), empty for none.
    #[serde(default)]
    pub green_reason: String,
    /// The person's position (portal): a remote ticket is for people near the hall.
    #[serde(default)]
    pub position: Option<Coordinates>,
}

/// A ticket with where it stands.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketView {
    pub ticket: Ticket,
    pub hall_name: String,
    pub line_name: String,
    /// People waiting before it on its line.
    pub ahead: usize,
    /// Expected minutes until called.
    pub wait_minutes: u32,
}

/// Takes a number. At a kiosk anyone may, in their own name; at the reception desk a clerk
/// of the hall's region does, for the person in front of them; from the portal a logged-in
/// person near the hall does.
pub async fn take(
    app: &App,
    actor: &Actor,
    hall_code: &str,
    source: Source,
    req: &TakeTicket,
) -> Result<TicketView> {
    // Who may take a number here is settled before the request is judged.
    match (source, actor) {
        (Source::Reception, a) => {
            a.window_clerk()?;
        }
        (Source::Portal, Actor::Applicant { .. }) | (Source::Kiosk, _) => {}
        (Source::Portal, Actor::Anonymous) => return Err(AppError::Unauthenticated),
        (Source::Portal, _) => {
            return Err(AppError::Forbidden("远程取号限办事群众和企业本人".into()));
        }
    }
    let h = hall(app, hall_code).await?;
    let line = h
        .line(req.line.trim())
        .ok_or_else(|| AppError::field("line", "unknown", format!("大厅没有 {} 队列", req.line)))?
        .clone();
    let now = app.now();
    let day = today(app);
    let (name, identity, account) = match (source, actor) {
        (
            Source::Portal,
            Actor::Applicant {
                id, login, name, ..
            },
        ) => {
            check_near(app, &h, req.position).await?;
            (
                name.clone(),
                domain::ids::IdNumber::parse(login).ok(),
                Some(id.clone()),
            )
        }
        _ => {
            if source == Source::Reception {
                let clerk = actor.window_clerk()?;
                if !clerk.scope().covers_region(&h.region) {
                    return Err(AppError::Forbidden("只能为本区划大厅的群众取号".into()));
                }
            }
            let p = Person::required(
                req.person.as_ref(),
                "实名取号需要姓名、身份证号码和手机号码",
                day,
            )?;
            let account = match actor {
                Actor::Applicant { id, .. } => Some(id.clone()),
                _ => None,
            };
            (p.name, Some(p.id), account)
        }
    };
    let (priority, green_reason) = match req.green_reason.trim() {
        "" => (Priority::WalkIn, String::new()),
        reason => {
            let id = identity.as_ref().ok_or_else(|| {
                AppError::field(
                    "green_reason",
                    "needs_staff",
                    "请到导服台由工作人员核实后取号",
                )
            })?;
            queue::check_green(reason, source, id.birth_date(), day)?;
            (Priority::Green, reason.to_string())
        }
    };
    let t = Ticket {
        id: uuid::Uuid::now_v7().to_string(),
        hall: h.code.clone(),
        day: day.to_string(),
        line: line.code.clone(),
        number: String::new(),
        priority,
        green_reason,
        source,
        state: TicketState::Waiting,
        window: None,
        calls: 0,
        issued_at: now,
        called_at: None,
        finished_at: None,
        account,
        holder: queue::mask_name(&name),
        appointment: None,
        staff: None,
        note: String::new(),
        cases: vec![],
    };
    let key = identity
        .as_ref()
        .map(|i| super::person_key(i.as_str()))
        .unwrap_or_default();
    let t = issue(app, &h, t, key).await?;
    view(app, &h, t).await
}

async fn check_near(app: &App, h: &Hall, position: Option<Coordinates>) -> Result<()> {
    let mut c = app.store.conn().await?;
    let point = store::service_points::get(&mut c, &h.service_point).await?;
    let Some(at) = point.and_then(|p| p.location) else {
        return Ok(());
    };
    let Some(me) = position else {
        return Err(AppError::field(
            "position",
            "required",
            "远程取号需要您的位置：请允许浏览器获取位置，到大厅附近后再取号",
        ));
    };
    let km = domain::service_point::distance_km(me, at);
    if km > REMOTE_RADIUS_KM {
        return Err(AppError::field(
            "position",
            "too_far",
            format!(
                "您距{}约 {km:.1} 公里，请到 {REMOTE_RADIUS_KM} 公里内再远程取号",
                h.name
            ),
        ));
    }
    Ok(())
}

/// Numbers and stores a new ticket in one transaction (a person already holding a waiting
/// ticket of the line today is told its number instead), then tells the boards. `key` is
/// [`super::person_key`] of the holder's ID number, empty when unknown.
pub(crate) async fn issue(app: &App, h: &Hall, mut t: Ticket, key: String) -> Result<Ticket> {
    use domain::hall::booking::BookingState;
    let mut tx = app.store.begin().await?;
    let held = if !key.is_empty() {
        store::hall::open_ticket_of_person(&mut tx, &t.hall, &t.day, &t.line, &key).await?
    } else if let Some(account) = &t.account {
        store::hall::open_tickets_of(&mut tx, account)
            .await?
            .into_iter()
            .find(|o| o.hall == t.hall && o.line == t.line && o.day == t.day)
            .map(|o| o.number)
    } else {
        None
    };
    if let Some(number) = held {
        return Err(AppError::Conflict {
            field: "line".into(),
            message: format!("您已取 {number} 号，正在等候，无需重复取号"),
        });
    }
    let seq = store::hall::next_number(&mut tx, &t.hall, &t.day, &t.line).await?;
    t.number = queue::ticket_number(&t.line, seq);
    store::hall::insert_ticket(&mut tx, &t, &key).await?;
    // A booking checked in becomes this ticket in the same transaction.
    if let Some(a) = &t.appointment
        && !store::hall::set_state(
            &mut tx,
            a,
            BookingState::Booked,
            BookingState::CheckedIn,
            Some(&t.id),
            t.issued_at,
        )
        .await?
    {
        return Err(AppError::State("预约已签到或已取消".into()));
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    board::publish(app, &h.code, None).await;
    Ok(t)
}

pub(crate) async fn view(app: &App, h: &Hall, t: Ticket) -> Result<TicketView> {
    let mut c = app.store.conn().await?;
    let ahead = store::hall::ahead_of(&mut c, &t, h.rules.booked_first).await? as usize;
    let recent = store::hall::recent_service_seconds(&mut c, &h.code, &t.line, 20).await?;
    let duty = store::hall::duty_of_hall(&mut c, &h.code).await?;
    let open = duty
        .iter()
        .filter(|d| !d.paused)
        .filter_map(|d| h.window(&d.window))
        .filter(|w| w.serves(&t.line))
        .count();
    Ok(TicketView {
        hall_name: h.name.clone(),
        line_name: h.line(&t.line).map(|l| l.name.clone()).unwrap_or_default(),
        ahead,
        wait_minutes: if t.state == TicketState::Waiting {
            queue::estimate_wait_minutes(ahead, &recent, open)
        } else {
            0
        },
        ticket: t,
    })
}

/// A ticket by id for its holder (their own account) or staff of the hall's region.
pub async fn ticket(app: &App, actor: &Actor, id: &str) -> Result<TicketView> {
    let mut c = app.store.conn().await?;
    let t = store::hall::get_ticket(&mut c, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("排队号 {id}")))?
        .ticket;
    drop(c);
    let h = hall(app, &t.hall).await?;
    let mine = matches!(actor, Actor::Applicant { id, .. } if t.account.as_deref() == Some(id));
    let staff = matches!(actor, Actor::Staff { scope, .. } if scope.covers_region(&h.region));
    if !(mine || staff) {
        return Err(AppError::NotFound(format!("排队号 {id}")));
    }
    view(app, &h, t).await
}

/// The logged-in person's tickets still waiting or called, with where they stand.
pub async fn mine(app: &App, actor: &Actor) -> Result<Vec<TicketView>> {
    let Actor::Applicant { id, .. } = actor else {
        return Err(AppError::Unauthenticated);
    };
    let mut c = app.store.conn().await?;
    let open = store::hall::open_tickets_of(&mut c, id).await?;
    drop(c);
    let mut out = Vec::new();
    for t in open {
        let h = hall(app, &t.hall).await?;
        out.push(view(app, &h, t).await?);
    }
    Ok(out)
}

/// The window a clerk sits at: the hall, the window, paused or not.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Desk {
    pub hall: String,
    pub hall_name: String,
    pub window: Window,
    pub paused: bool,
    /// The ticket the window called and has not finished.
    pub current: Option<Ticket>,
    /// Its booking, when the person booked: the item and the draft case to open at once.
    pub booking: Option<domain::hall::booking::Appointment>,
    /// Waiting per line this window serves.
    pub waiting: Vec<LineCount>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineCount {
    pub code: String,
    pub name: String,
    pub waiting: usize,
}

/// Signs a clerk in at a window of a hall of their region (and department, for a
/// specialized window).
pub async fn sign_in(app: &App, actor: &Actor, hall_code: &str, window: &str) -> Result<Desk> {
    let clerk = actor.window_clerk()?;
    let h = hall(app, hall_code).await?;
    let w = h.window(window).ok_or_else(|| {
        AppError::field(
            "window",
            "unknown",
            format!("{} 没有 {window} 号窗口", h.name),
        )
    })?;
    if !clerk.scope().covers(&h.region, w.department.as_deref()) {
        return Err(AppError::Forbidden(format!(
            "{} {window} 号窗口不在您的区划或部门",
            h.name
        )));
    }
    let mut tx = app.store.begin().await?;
    let d = store::hall::Duty {
        hall: h.code.clone(),
        window: window.to_string(),
        staff: clerk.actor_id().to_string(),
        paused: false,
        since: app.now_ms(),
    };
    if !store::hall::sign_in(&mut tx, &d).await? {
        return Err(AppError::Conflict {
            field: "window".into(),
            message: format!("{window} 号窗口已有人签到，或您已在其他窗口签到（请先签退）"),
        });
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    board::publish(app, &h.code, None).await;
    desk(app, actor)
        .await?
        .ok_or_else(|| AppError::Internal("desk".into()))
}

pub async fn sign_out(app: &App, actor: &Actor) -> Result<()> {
    let clerk = actor.window_clerk()?;
    let Some(d) = desk(app, actor).await? else {
        return Err(AppError::State("您未在任何窗口签到".into()));
    };
    if let Some(t) = d.current {
        return Err(AppError::State(format!(
            "请先办结、过号或转移正在办理的 {} 号再签退",
            t.number
        )));
    }
    let mut tx = app.store.begin().await?;
    store::hall::sign_out(&mut tx, clerk.actor_id()).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    board::publish(app, &d.hall, None).await;
    Ok(())
}

/// 暂停/恢复: a paused window calls no one.
pub async fn pause(app: &App, actor: &Actor, paused: bool) -> Result<Desk> {
    let clerk = actor.window_clerk()?;
    let mut tx = app.store.begin().await?;
    if !store::hall::set_paused(&mut tx, clerk.actor_id(), paused).await? {
        return Err(AppError::State("您未在任何窗口签到".into()));
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    let d = desk(app, actor)
        .await?
        .ok_or_else(|| AppError::State("您未在任何窗口签到".into()))?;
    board::publish(app, &d.hall, None).await;
    Ok(d)
}

/// The clerk's window now, or `None` if not signed in.
pub async fn desk(app: &App, actor: &Actor) -> Result<Option<Desk>> {
    let Some((d, h, w)) = seat(app, actor).await? else {
        return Ok(None);
    };
    let day = today(app).to_string();
    let mut c = app.store.conn().await?;
    let current = store::hall::current_of_window(&mut c, &h.code, &day, &d.window).await?;
    let counts = store::hall::waiting_counts(&mut c, &h.code, &day).await?;
    let waiting = h
        .lines
        .iter()
        .filter(|l| w.serves(&l.code))
        .map(|l| LineCount {
            code: l.code.clone(),
            name: l.name.clone(),
            waiting: counts
                .iter()
                .find(|(line, _)| *line == l.code)
                .map(|(_, n)| *n as usize)
                .unwrap_or(0),
        })
        .collect();
    let booking = match current.as_ref().and_then(|t| t.appointment.as_deref()) {
        Some(a) => store::hall::get(&mut c, a).await?,
        None => None,
    };
    Ok(Some(Desk {
        booking,
        hall: h.code.clone(),
        hall_name: h.name.clone(),
        window: w,
        paused: d.paused,
        current,
        waiting,
    }))
}

/// Where the clerk sits: the duty row, the hall and the window; `None` if not signed in.
async fn seat(app: &App, actor: &Actor) -> Result<Option<(store::hall::Duty, Hall, Window)>> {
    let clerk = actor.window_clerk()?;
    let mut c = app.store.conn().await?;
    let Some(d) = store::hall::duty_of_staff(&mut c, clerk.actor_id()).await? else {
        return Ok(None);
    };
    drop(c);
    let h = hall(app, &d.hall).await?;
    let w = h
        .window(&d.window)
        .cloned()
        .ok_or_else(|| AppError::State(format!("{} 号窗口已撤销，请签退", d.window)))?;
    Ok(Some((d, h, w)))
}

/// 叫号: the window calls the next ticket by its lines and the hall's priorities. Two windows
/// calling at once never get the same ticket (the update checks the version; the loser picks
/// again).
pub async fn call_next(app: &App, actor: &Actor) -> Result<Ticket> {
    let (d, h, window) = seat(app, actor)
        .await?
        .ok_or_else(|| AppError::State("请先在窗口签到".into()))?;
    if d.paused {
        return Err(AppError::State("窗口已暂停，恢复后才能叫号".into()));
    }
    let clerk = actor.window_clerk()?;
    let day = today(app).to_string();
    for _ in 0..5 {
        let mut tx = app.store.begin().await?;
        if let Some(t) = store::hall::current_of_window(&mut tx, &h.code, &day, &d.window).await? {
            return Err(AppError::State(format!(
                "请先办结、过号或转移正在办理的 {} 号",
                t.number
            )));
        }
        // The first of each line, priority and reservation: whoever comes next is among them.
        let candidates = store::hall::candidates(&mut tx, &h.code, &day, &d.window).await?;
        let tickets: Vec<Ticket> = candidates.iter().map(|s| s.ticket.clone()).collect();
        let Some(i) = queue::pick_next(&window, &h.rules, &tickets) else {
            return Err(AppError::State("当前没有等候本窗口的号".into()));
        };
        let mut t = tickets[i].clone();
        t.call(&window.number, clerk.actor_id(), app.now());
        if store::hall::update_ticket(&mut tx, &t, candidates[i].version).await? {
            tx.commit().await.map_err(store::StoreError::from)?;
            board::publish(
                app,
                &h.code,
                Some(queue::announcement(&t.number, &window.number)),
            )
            .await;
            return Ok(t);
        }
    }
    Err(AppError::State("叫号繁忙，请重试".into()))
}

/// What a window does with the ticket it called.
#[derive(Debug, Clone, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum WindowAction {
    /// 重呼.
    Recall,
    /// 过号 after the hall's number of calls.
    NoShow,
    /// 办结, with the case numbers handled for the person.
    Finish {
        #[serde(default)]
        cases: Vec<String>,
    },
    /// 转移 to another line, or to one window, with the reason.
    Transfer {
        line: String,
        #[serde(default)]
        window: Option<String>,
        reason: String,
    },
}

/// Applies `action` to the ticket `id` for the window the clerk is signed in at.
pub async fn act(app: &App, actor: &Actor, id: &str, action: &WindowAction) -> Result<Ticket> {
    let (_, h, window) = seat(app, actor)
        .await?
        .ok_or_else(|| AppError::State("请先在窗口签到".into()))?;
    let mut tx = app.store.begin().await?;
    let stored = store::hall::get_ticket(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("排队号 {id}")))?;
    if stored.ticket.hall != h.code {
        return Err(AppError::Forbidden(format!("该号不属于您签到的{}", h.name)));
    }
    let mut t = stored.ticket.clone();
    let now = app.now();
    let w = window.number.as_str();
    let mut announce = None;
    match action {
        WindowAction::Recall => {
            t.recall(w)?;
            announce = Some(queue::announcement(&t.number, w));
        }
        WindowAction::NoShow => t.no_show(w, &h.rules, now)?,
        WindowAction::Finish { cases } => {
            t.finish(w, now)?;
            for n in cases.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
                if !domain::keys::CaseNumber::well_formed(n) {
                    return Err(AppError::field(
                        "cases",
                        "invalid",
                        format!("办件编号“{n}”无效：应为区划代码、日期和五位序号组成的数字"),
                    ));
                }
                t.cases.push(n.to_string());
            }
        }
        WindowAction::Transfer {
            line,
            window,
            reason,
        } => {
            if h.line(line).is_none() {
                return Err(AppError::field(
                    "line",
                    "unknown",
                    format!("大厅没有 {line} 队列"),
                ));
            }
            let window = window.as_deref().map(str::trim).filter(|w| !w.is_empty());
            if let Some(to) = window
                && h.window(to).is_none()
            {
                return Err(AppError::field(
                    "window",
                    "unknown",
                    format!("{} 没有 {to} 号窗口", h.name),
                ));
            }
            t.transfer(w, line, window, reason)?;
        }
    }
    if !store::hall::update_ticket(&mut tx, &t, stored.version).await? {
        return Err(AppError::State("该号刚被其他窗口处理，请刷新".into()));
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    board::publish(app, &h.code, announce).await;
    Ok(t)
}
