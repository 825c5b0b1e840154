//! The hotline's lists: the desk queues with the figures' drill-down, a person's own tickets,
//! likely duplicates, the dispatch suggestion, the classification tree and a ticket's trail.

use domain::hotline::Ticket;
use domain::hotline::classes::{self, Probe, Suggestion};
use domain::hotline::flow;
use serde::{Deserialize, Serialize};
use store::hotline::{self as sh, EventRow};

use super::tickets::limits;
use super::{HotlineStaff, TicketView, decorate_all, masked, staff};
use crate::auth::Actor;
use crate::{App, AppError, Result};

/// Which list a desk shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = HotlineQueue))]
#[serde(rename_all = "snake_case")]
pub enum Queue {
    /// 待派单 and 退单待审 (dispatchers).
    Dispatch,
    /// 待回访 (operators).
    Callback,
    /// The department's 待签收 and 办理中 (handlers), 协办 included.
    Department,
    /// Everything in reach, newest first.
    All,
}

/// A queue for `actor`, newest first.
pub async fn queue(
    app: &App,
    actor: &Actor,
    q: Queue,
    limit: i64,
    offset: i64,
) -> Result<Vec<TicketView>> {
    queue_narrowed(app, actor, q, &Narrow::default(), limit, offset).await
}

/// A drill-down from the figures: one class, department, county or month.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Narrow {
    #[serde(default)]
    pub class: String,
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub month: String,
}

/// A queue narrowed by `n`, within the reader's reach whatever `n` asks for.
pub async fn queue_narrowed(
    app: &App,
    actor: &Actor,
    q: Queue,
    n: &Narrow,
    limit: i64,
    offset: i64,
) -> Result<Vec<TicketView>> {
    let s = staff(actor)?;
    let mut f = sh::Filter::default();
    let digits = |v: &str| v.bytes().all(|b| b.is_ascii_digit());
    if !n.class.is_empty() {
        if !digits(&n.class) || n.class.len() > 12 {
            return Err(AppError::field("class", "invalid", "分类编码应为数字"));
        }
        f.class_prefix = Some(n.class.clone());
    }
    if !n.month.is_empty() {
        super::measures::check_month("month", &n.month)?;
        f.month = Some(n.month.clone());
    }
    match q {
        Queue::Dispatch => {
            if !s.is_centre() {
                return Err(AppError::Forbidden("派单队列仅限热线中心".into()));
            }
            f.states = vec!["open".into(), "returned".into()];
            f.region_prefix = Some(region_prefix(&s));
        }
        Queue::Callback => {
            if !s.is_centre() {
                return Err(AppError::Forbidden("回访队列仅限热线中心".into()));
            }
            f.states = vec!["replied".into()];
            f.region_prefix = Some(region_prefix(&s));
        }
        Queue::Department => {
            let d = s
                .scope
                .department
                .clone()
                .ok_or_else(|| AppError::Forbidden("承办队列仅限承办单位工作人员".into()))?;
            f.states = vec!["dispatched".into(), "handling".into(), "returned".into()];
            f.department = Some(d);
        }
        Queue::All => match &s.scope.department {
            Some(d) if !s.is_centre() => f.department = Some(d.clone()),
            _ => {
                f.region_prefix = Some(region_prefix(&s));
                if !n.department.is_empty() {
                    f.department = Some(n.department.clone());
                }
            }
        },
    }
    if !n.region.is_empty() {
        // Only a narrower place than the reader's own.
        let mine = f.region_prefix.clone().unwrap_or_else(|| region_prefix(&s));
        if !digits(&n.region) || !n.region.starts_with(&mine) {
            return Err(AppError::field(
                "region",
                "outside",
                "只能查看本人管辖区划内的工单",
            ));
        }
        f.region_prefix = Some(n.region.clone());
    }
    let mut c = app.store.conn().await?;
    let rows = sh::list(&mut c, &f, limit, offset).await?;
    drop(c);
    let shown = rows
        .into_iter()
        .filter(|t| s.may_read(t))
        .map(|t| {
            let allowed = flow::allowed(t.state, &s.seats(&t))
                .into_iter()
                .map(|r| r.command.to_string())
                .collect();
            let full = s.sees_callers(&t);
            (masked(t, full), allowed)
        })
        .collect();
    decorate_all(app, shown).await
}

/// 电子监察 of 12345: the running tickets of the reader's region showing a warning (签收 or
/// 办结 due soon, yellow; past due, red), red first and then by number, for supervisors,
/// system administrators and the centre. At most `limit` running tickets are looked at.
pub async fn warned(app: &App, actor: &Actor, limit: i64) -> Result<Vec<TicketView>> {
    use domain::account::Role;
    let s = staff(actor)?;
    if !(s.roles.contains(&Role::Supervisor)
        || s.roles.contains(&Role::SystemAdmin)
        || s.is_centre())
    {
        return Err(AppError::Forbidden(
            "12345 工单预警仅限监察人员和热线中心".into(),
        ));
    }
    let f = sh::Filter {
        states: vec!["dispatched".into(), "returned".into(), "handling".into()],
        region_prefix: Some(region_prefix(&s)),
        ..sh::Filter::default()
    };
    let mut c = app.store.conn().await?;
    let rows = sh::list(&mut c, &f, limit, 0).await?;
    drop(c);
    let now = app.now();
    let today = domain::calendar::china_date(now);
    let mut hits: Vec<(domain::supervision::Level, Ticket)> = {
        let cal = app
            .calendar
            .read()
            .map_err(|_| AppError::Internal("calendar".into()))?;
        rows.into_iter()
            .filter(|t| s.may_read(t))
            .filter_map(|t| domain::hotline::measures::level(&t, now, today, &cal).map(|l| (l, t)))
            .collect()
    };
    hits.sort_by(|(la, a), (lb, b)| lb.cmp(la).then_with(|| a.number.cmp(&b.number)));
    let shown = hits
        .into_iter()
        .map(|(_, t)| {
            let full = s.sees_callers(&t);
            (masked(t, full), vec![])
        })
        .collect();
    decorate_all(app, shown).await
}

/// The region code prefix of a scope: a province 51, a city 5116, a county 511602.
pub(crate) fn region_prefix(s: &HotlineStaff) -> String {
    let r = s.scope.region.as_str();
    if r.len() == 6 {
        r.trim_end_matches("00").trim_end_matches("00").to_string()
    } else {
        r.to_string()
    }
}

/// A person's own tickets.
pub async fn mine(app: &App, actor: &Actor) -> Result<Vec<Ticket>> {
    let Actor::Applicant { id, .. } = actor else {
        return Err(AppError::Unauthenticated);
    };
    let mut c = app.store.conn().await?;
    let f = sh::Filter {
        account: Some(id.clone()),
        ..sh::Filter::default()
    };
    Ok(sh::list(&mut c, &f, 100, 0)
        .await?
        .into_iter()
        .map(super::own)
        .collect())
}

/// A likely duplicate with why.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = HotlineDuplicate))]
pub struct Duplicate {
    pub id: String,
    pub number: String,
    pub state: String,
    pub text: String,
    pub why: String,
}

/// Open tickets that are likely the same matter as what the operator is typing.
pub async fn duplicates(
    app: &App,
    actor: &Actor,
    phone: &str,
    address: &str,
    text: &str,
) -> Result<Vec<Duplicate>> {
    let s = staff(actor)?;
    // Operators only: they see callers' phones anyway; a dispatcher could otherwise test
    // guessed numbers for open tickets.
    if !s.roles.contains(&domain::account::Role::HotlineOperator) {
        return Err(AppError::Forbidden("查重仅限 12345 话务员".into()));
    }
    let now = app.now();
    let days = limits(app).duplicate_days;
    let phone = domain::hotline::check_phone(phone).unwrap_or_default();
    let mut c = app.store.conn().await?;
    let others = sh::recent_alike(
        &mut c,
        &phone,
        address,
        now - time::Duration::days(days as i64),
    )
    .await?;
    let words = search::segment(text);
    let probe = Probe {
        phone: &phone,
        address,
        words: &words,
        at: now,
    };
    Ok(others
        .into_iter()
        .filter(|o| s.may_read(o))
        .filter_map(|o| {
            let w = search::segment(&o.text);
            let why = classes::duplicate_of(
                &probe,
                &Probe {
                    phone: &o.caller.phone,
                    address: &o.address,
                    words: &w,
                    at: o.created_at,
                },
                days,
            )?;
            Some(Duplicate {
                id: o.id,
                number: o.number,
                state: o.state.label().to_string(),
                text: o.text,
                why,
            })
        })
        .collect())
}

/// The department the rules suggest for a class in a region, with why.
pub async fn suggest(
    app: &App,
    actor: &Actor,
    class: &str,
    region: &str,
) -> Result<Option<Suggestion>> {
    staff(actor)?;
    let mut c = app.store.conn().await?;
    let tree = sh::classes(&mut c).await?;
    let rules = sh::dispatch_rules(&mut c).await?;
    Ok(classes::suggest(&rules, &tree, class, region))
}

/// The classification tree.
pub async fn tree(app: &App) -> Result<Vec<classes::Class>> {
    let mut c = app.store.conn().await?;
    Ok(sh::classes(&mut c).await?)
}

/// A ticket's audit events, for those who may read it.
pub async fn history(app: &App, actor: &Actor, id: &str) -> Result<Vec<EventRow>> {
    let v = super::view(app, actor, id).await?;
    let mut c = app.store.conn().await?;
    let mut events = sh::events(&mut c, &v.ticket.id).await?;
    // The filing payload carries the caller: only operators read it whole.
    if !matches!(actor, Actor::Staff { .. }) || !staff(actor)?.sees_callers(&v.ticket) {
        for e in events.iter_mut().filter(|e| e.kind == "filed") {
            e.payload = "（来电人信息已隐藏）".into();
            // A person who filed on the portal acted under their own account id.
            if e.role == "applicant" {
                e.actor = String::new();
            }
        }
    }
    Ok(events)
}
