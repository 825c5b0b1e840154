//! Case use cases: start, act (every command of the state machine), read, queues, notices
//! and the public progress lookup. Each command is one transaction: load, authorize, decide,
//! save with a version check, append the hash-chained audit events; committed cases are then
//! announced (`crate::events`) to the capabilities that react to them.

mod command;
mod notices;
mod queues;
pub(crate) mod relay;
mod start;
mod view;
mod window;

use domain::calendar::WorkCalendar;
use domain::case::{Case, CaseError};
use domain::catalog::ItemDefinition;
use store::cases::CaseIndex;

use crate::auth::Actor;
use crate::{App, AppError, Result};

pub(crate) use command::act_as_system;
pub use command::{act, sweep_tolerance};
pub use notices::{Notice, notice, notice_kinds, notice_pdf};
pub use queues::{
    MineRow, QUEUE_COUNT_CAP, lookup, mine, mine_overview, queue, queue_applicants, queue_matching,
    verifications,
};
pub use start::{
    Authorization, ForWhom, start, start_as_agent, start_at_window, start_for, start_in_bundle,
    start_or_resume,
};
pub(crate) use start::{Forwarded, file_forwarded};
/// How a work queue is narrowed (the store's filter, as the pages fill it).
pub use store::cases::QueueFilter;
pub use view::{ApplicantInfo, CaseView, TimelineEntry, material_file, view};
pub(crate) use window::walk_in_row;
pub use window::{WalkIn, resolve_window_item, start_for_walk_in, window_items};

use crate::auth::case_actor;

/// Who may see a case: its applicant, the agent who filed it while the applicant's grant is
/// in force (a revoked or expired grant ends the agent's access too), or staff whose region
/// covers it (and whose department is the case's, for department staff). Anyone else is told
/// it does not exist, so ids cannot be probed.
async fn authorize(
    conn: &mut store::Connection,
    app: &crate::App,
    actor: &Actor,
    c: &Case,
) -> Result<relay::Access> {
    let ok = match actor {
        Actor::Anonymous => return Err(AppError::Unauthenticated),
        Actor::Applicant { id, .. } if *id == c.applicant_id => true,
        Actor::Applicant { id, .. } if c.agent_id.as_deref() == Some(id.as_str()) => {
            crate::agents::in_force(conn, app, id, &c.applicant_id)
                .await?
                .is_some()
        }
        Actor::Applicant { .. } => false,
        Actor::Staff { scope, .. } if scope.covers(&c.region, Some(&c.department)) => true,
        // The clerks of the point that received it for another office, or hand it out.
        Actor::Staff { .. } => match relay::at_point(actor, c) {
            Some(access) => return Ok(access),
            None => false,
        },
    };
    if ok {
        Ok(relay::Access::Full)
    } else {
        Err(AppError::NotFound("办件".into()))
    }
}

fn from_case_error(e: CaseError) -> AppError {
    match e {
        CaseError::Validation(v) => AppError::Validation(v),
        CaseError::NotAllowed(m) => AppError::Forbidden(m),
        other => AppError::State(other.to_string()),
    }
}

/// The queue a case waits in, and the deadline it is sorted by.
pub(crate) fn index_of(
    c: &Case,
    item: &ItemDefinition,
    cal: &WorkCalendar,
    now: time::OffsetDateTime,
) -> CaseIndex {
    let d = c.deadlines(item, cal, now);
    CaseIndex {
        queue_role: c.waiting_for(item).map(|r| r.as_str().to_string()),
        due_date: d.promised.or(d.pre_review).map(|d| d.due.to_string()),
        verify_due: c.verification_due().map(|d| d.to_string()),
        tolerance_due: c
            .materials
            .values()
            .filter_map(|p| match p {
                domain::case::Provision::Pending { due } => Some(*due),
                _ => None,
            })
            .min()
            .map(|d| d.to_string()),
    }
}

/// The statistics row of a case created at `created_at` (ms), as of `now`; none for a draft.
pub(crate) fn stat_of(
    c: &Case,
    item: &ItemDefinition,
    cal: &WorkCalendar,
    created_at: i64,
    now: time::OffsetDateTime,
) -> Option<domain::stats::CaseStat> {
    let day = domain::calendar::china_date(store::from_millis(created_at));
    domain::stats::CaseStat::of(c, Some(item), cal, day, now)
}

pub(crate) async fn item_version(
    app: &App,
    conn: &mut store::Connection,
    c: &Case,
) -> Result<std::sync::Arc<ItemDefinition>> {
    app.item_version(conn, &c.item_code, c.item_version).await
}

pub(crate) fn calendar(app: &App) -> WorkCalendar {
    app.calendar
        .read()
        .map(|c| c.clone())
        .unwrap_or_else(|_| WorkCalendar::china())
}
