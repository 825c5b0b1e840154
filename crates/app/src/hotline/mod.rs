//! The 12345 hotline (接诉即办): tickets and their steps (`tickets`), the knowledge base and
//! the questions asked on guides (`knowledge`), and the measures (`measures`). Rules are in
//! `domain::hotline`; this module authorizes, reads and writes each step in one transaction
//! with its audit event.

pub mod by_sms;
pub mod clients;
pub mod knowledge;
pub mod measures;
mod queues;
pub mod tickets;

use domain::account::{Role, StaffScope};
use domain::hotline::flow::Seat;
use domain::hotline::{Caller, Ticket};
use serde::Serialize;

use crate::auth::Actor;
use crate::{App, AppError, Result};

/// A staff member of the hotline or of a department that handles its tickets.
#[derive(Debug, Clone)]
pub struct HotlineStaff {
    pub id: String,
    pub name: String,
    pub roles: Vec<Role>,
    pub scope: StaffScope,
}

impl HotlineStaff {
    /// Whether they are of the centre (operator or dispatcher) for tickets of `region`.
    fn centre_for(&self, region: &str) -> bool {
        (self.roles.contains(&Role::HotlineOperator)
            || self.roles.contains(&Role::HotlineDispatcher))
            && self.scope.covers_region(region)
    }

    /// The seats they hold on `t`: the centre's in its region, the handler's only for the
    /// lead department's own staff.
    pub fn seats(&self, t: &Ticket) -> Vec<Seat> {
        let mut s = Vec::new();
        if self.scope.covers_region(&t.region) {
            if self.roles.contains(&Role::HotlineOperator) {
                s.push(Seat::Operator);
            }
            if self.roles.contains(&Role::HotlineDispatcher) {
                s.push(Seat::Dispatcher);
            }
        }
        if self.roles.contains(&Role::HotlineHandler)
            && t.department.is_some()
            && self.scope.department == t.department
        {
            s.push(Seat::Handler);
        }
        if self.roles.contains(&Role::HotlineHandler)
            && self
                .scope
                .department
                .as_ref()
                .is_some_and(|d| t.co_handlers.contains(d))
        {
            s.push(Seat::CoHandler);
        }
        s
    }

    /// Whether they may read `t`: the centre and supervisors of its region, the lead and
    /// 协办 departments' handlers.
    pub fn may_read(&self, t: &Ticket) -> bool {
        if self.centre_for(&t.region)
            || ((self.roles.contains(&Role::Supervisor) || self.roles.contains(&Role::SystemAdmin))
                && self.scope.covers_region(&t.region))
        {
            return true;
        }
        self.roles.contains(&Role::HotlineHandler)
            && self
                .scope
                .department
                .as_ref()
                .is_some_and(|d| t.department.as_ref() == Some(d) || t.co_handlers.contains(d))
    }

    /// Whether they see callers in full (the centre's operators only).
    pub fn sees_callers(&self, t: &Ticket) -> bool {
        self.roles.contains(&Role::HotlineOperator) && self.scope.covers_region(&t.region)
    }

    pub fn is_centre(&self) -> bool {
        self.roles.contains(&Role::HotlineOperator) || self.roles.contains(&Role::HotlineDispatcher)
    }
}

/// The actor as hotline staff, or why not.
pub fn staff(actor: &Actor) -> Result<HotlineStaff> {
    match actor {
        Actor::Staff {
            id,
            name,
            roles,
            scope,
            ..
        } if roles.iter().any(|r| {
            matches!(
                r,
                Role::HotlineOperator
                    | Role::HotlineDispatcher
                    | Role::HotlineHandler
                    | Role::Supervisor
                    | Role::SystemAdmin
            )
        }) =>
        {
            Ok(HotlineStaff {
                id: id.clone(),
                name: name.clone(),
                roles: roles.clone(),
                scope: scope.clone(),
            })
        }
        Actor::Anonymous => Err(AppError::Unauthenticated),
        _ => Err(AppError::Forbidden(
            "12345 工单仅限热线和承办单位工作人员".into(),
        )),
    }
}

/// A ticket as one reader may see it: the caller masked unless they are an operator (and
/// confidential for 举报), the steps they may take now, and the ticket it follows if merged.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = HotlineTicketView))]
pub struct TicketView {
    pub ticket: Ticket,
    pub class_path: String,
    pub department_name: String,
    /// Commands the reader may issue now (`flow::Rule::command`).
    pub allowed: Vec<String>,
    /// For a merged ticket: where the ticket it follows stands.
    pub follows: Option<Followed>,
    /// The warning it shows now ("yellow", "red"), if any.
    pub level: Option<String>,
}

/// What the caller of a merged ticket learns of the ticket that carries their matter: its
/// number, state and answer, nothing of the other caller. `id` only for those who may open it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = HotlineFollowed))]
pub struct Followed {
    pub id: Option<String>,
    pub number: String,
    pub state: domain::hotline::State,
    pub reply: String,
}

/// What a reader other than an operator may see of `t`: the caller masked (hidden for a
/// 举报), and not the account that filed it.
pub(crate) fn masked(mut t: Ticket, full: bool) -> Ticket {
    if !full {
        let confidential = t.confidential();
        t.caller = t.caller.masked(confidential);
        t.account = None;
    }
    t
}

/// The applicant's own view hides nothing of their own, but 举报 stays as filed; the
/// departments' working notes to each other (协办意见) are theirs, the reply is the person's.
pub(crate) fn own(mut t: Ticket) -> Ticket {
    t.co_replies.clear();
    t
}

/// One ticket for `actor`, or not found (a ticket outside someone's reach is not confirmed
/// to exist).
pub async fn view(app: &App, actor: &Actor, id: &str) -> Result<TicketView> {
    let mut c = app.store.conn().await?;
    let t = store::hotline::get(&mut c, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("工单 {id}")))?
        .ticket;
    let followed = match &t.merged_into {
        Some(m) => store::hotline::get(&mut c, m).await?.map(|s| s.ticket),
        None => None,
    };
    drop(c);
    let follows = followed.map(|f| Followed {
        id: match actor {
            Actor::Staff { .. } => staff(actor)
                .ok()
                .filter(|s| s.may_read(&f))
                .map(|_| f.id.clone()),
            _ => None,
        },
        number: f.number.clone(),
        state: f.state,
        reply: f
            .reply
            .as_ref()
            .map(|r| r.text.clone())
            .unwrap_or_else(|| f.answer.clone()),
    });
    let (t, allowed) = match actor {
        Actor::Applicant { id, .. } if t.account.as_deref() == Some(id.as_str()) => {
            (own(t), vec![])
        }
        Actor::Staff { .. } => {
            let s = staff(actor)?;
            if !s.may_read(&t) {
                return Err(AppError::NotFound(format!("工单 {id}")));
            }
            let seats = s.seats(&t);
            let allowed = domain::hotline::flow::allowed(t.state, &seats)
                .into_iter()
                .map(|r| r.command.to_string())
                .collect();
            let full = s.sees_callers(&t);
            (masked(t, full), allowed)
        }
        Actor::Anonymous => return Err(AppError::Unauthenticated),
        _ => return Err(AppError::NotFound(format!("工单 {id}"))),
    };
    decorate(app, t, allowed, follows).await
}

pub(crate) async fn decorate(
    app: &App,
    t: Ticket,
    allowed: Vec<String>,
    follows: Option<Followed>,
) -> Result<TicketView> {
    let mut v = decorate_all(app, vec![(t, allowed)]).await?;
    let mut one = v
        .pop()
        .ok_or_else(|| AppError::Internal("decorate".into()))?;
    one.follows = follows;
    Ok(one)
}

/// Tickets as readers see them, for a list: the tree read once, departments from the cache.
pub(crate) async fn decorate_all(
    app: &App,
    tickets: Vec<(Ticket, Vec<String>)>,
) -> Result<Vec<TicketView>> {
    let mut c = app.store.conn().await?;
    let tree = store::hotline::classes(&mut c).await?;
    let mut names: std::collections::HashMap<String, String> = Default::default();
    for (t, _) in &tickets {
        if let Some(d) = &t.department
            && !names.contains_key(d)
        {
            let name = app.department_name(&mut c, d).await;
            names.insert(d.clone(), name);
        }
    }
    drop(c);
    let now = app.now();
    let today = domain::calendar::china_date(now);
    let cal = app
        .calendar
        .read()
        .map_err(|_| AppError::Internal("calendar".into()))?;
    Ok(tickets
        .into_iter()
        .map(|(t, mut allowed)| {
            allowed.retain(|c| c != "ask_by_sms" || by_sms::offer_ask(app, &t));
            TicketView {
                class_path: domain::hotline::classes::path(&tree, &t.class),
                department_name: t
                    .department
                    .as_ref()
                    .and_then(|d| names.get(d).cloned())
                    .unwrap_or_default(),
                allowed,
                follows: None,
                level: domain::hotline::measures::level(&t, now, today, &cal)
                    .map(|l| l.as_str().to_string()),
                ticket: t,
            }
        })
        .collect())
}

/// The caller a web or API ticket is filed by.
pub(crate) fn caller_of(actor: &Actor, phone: &str) -> Caller {
    Caller {
        name: actor.display_name().to_string(),
        phone: phone.to_string(),
        anonymous: false,
    }
}

/// Seeds the default classification tree if none is stored.
pub async fn ensure_tree(app: &App) -> Result<()> {
    let mut tx = app.store.begin().await?;
    if store::hotline::classes(&mut tx).await?.is_empty() {
        store::hotline::replace_classes(&mut tx, &domain::hotline::classes::default_tree()).await?;
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(())
}
