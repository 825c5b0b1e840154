//! 中介超市: intermediaries register and are reviewed; enterprises and government buyers post
//! jobs; qualified intermediaries bid within the window; the buyer selects by the job's
//! method (a random draw with a recorded seed anyone can re-run); the contract, the delivered
//! report and the rating are recorded; overdue delivery, bad ratings and breaches put marks
//! on the public credit list. Everything is public except the prices of bids while bidding
//! runs (a commercial secret until the window closes).

mod intermediaries;
mod jobs;
mod views;

pub use intermediaries::{
    IntermediaryView, MarkView, credit_list, intermediary, list_intermediaries, may_register,
    register, review,
};
pub use jobs::{
    Selection, bid, contract, deliver, job, may_post, post_job, rate, record_breach, report,
    select, sweep_reports, verify_draw, withdraw,
};
pub use views::{BidView, JOBS_PER_PAGE, JobPage, JobView, jobs, jobs_for_project};

use domain::account::ApplicantKind;
use domain::market::{Mark, Registration};
use store::market::{IntermediaryRow, MarkRow};

use crate::auth::Actor;
use crate::{App, AppError, Result};

/// Marks count against bidding for a year.
const MARK_YEAR_DAYS: i64 = 365;

/// The enterprise account acting (its login is its credit code), or why not.
fn enterprise(actor: &Actor) -> Result<(&str, &str, &str)> {
    match actor {
        Actor::Applicant {
            id,
            login,
            name,
            kind: ApplicantKind::Enterprise,
        } => Ok((id, login, name)),
        Actor::Anonymous => Err(AppError::Unauthenticated),
        _ => Err(AppError::Forbidden(
            "只有以企业（法人）账号登录才能作为中介机构".into(),
        )),
    }
}

fn registration_of(row: &IntermediaryRow) -> Result<Registration> {
    serde_json::from_str(&row.registration).map_err(|e| {
        AppError::Internal(format!(
            "intermediary {}: registration: {e}",
            row.credit_code
        ))
    })
}

/// The marks of the past year of one intermediary.
async fn marks_in_year(
    conn: &mut store::Connection,
    app: &App,
    credit_code: &str,
) -> Result<Vec<Mark>> {
    let since = store::millis(app.now() - time::Duration::days(MARK_YEAR_DAYS));
    Ok(store::market::marks(conn, credit_code, since)
        .await?
        .iter()
        .filter_map(|m| Mark::parse(&m.mark))
        .collect())
}

async fn add_mark(
    conn: &mut store::Connection,
    app: &App,
    credit_code: &str,
    job_id: &str,
    mark: Mark,
    note: String,
) -> Result<()> {
    store::market::add_mark(
        conn,
        &MarkRow {
            id: uuid::Uuid::now_v7().to_string(),
            credit_code: credit_code.to_string(),
            job_id: job_id.to_string(),
            mark: mark.as_str().to_string(),
            at: app.now_ms(),
            note,
        },
    )
    .await?;
    Ok(())
}
