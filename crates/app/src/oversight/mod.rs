//! Oversight after approval. 双随机一公开 (`inspections`): an approver of a department writes
//! a plan, the platform draws targets and inspectors with a recorded seed (anyone re-runs
//! it), the drawn inspectors record results, which are public; a finding opens a 行政处罚
//! case (`penalties`) that goes 立案 → 调查 → 告知 → 决定 → 执行 and is public once decided.
//! The credit record (`credit`) is fed by failed 告知承诺 verifications, findings and
//! penalties; a live breach or penalty bars 告知承诺 at the window; a record is repaired on
//! application once put right.

pub mod credit;
pub mod inspections;
pub mod penalties;

use domain::account::Role;

use crate::auth::Actor;
use crate::{AppError, Result};

/// Staff of a department with one of `roles` whose scope covers it: (id, login, name).
fn department_staff<'a>(
    actor: &'a Actor,
    region: &str,
    department: &str,
    roles: &[Role],
    refusal: &str,
) -> Result<(&'a str, &'a str, &'a str)> {
    match actor {
        Actor::Staff {
            id,
            login,
            name,
            roles: mine,
            scope,
        } if mine.iter().any(|r| roles.contains(r)) && scope.covers(region, Some(department)) => {
            Ok((id, login, name))
        }
        Actor::Anonymous => Err(AppError::Unauthenticated),
        _ => Err(AppError::Forbidden(refusal.into())),
    }
}

/// The day in China now.
fn today(app: &crate::App) -> time::Date {
    domain::calendar::china_date(app.now())
}
