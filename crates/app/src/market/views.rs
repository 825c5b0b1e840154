//! What the market's pages and API show of a job: its facts, its bids as the viewer may see
//! them (sealed while bids are taken), its result, contract, delivery and rating.

use std::collections::HashMap;

use domain::market::{self, Bid, DrawEntry, JobPost, JobState, Method, Service};
use serde::Serialize;
use store::market::{BidRow, JobRow, NamedBidRow};
use time::OffsetDateTime;

use crate::auth::Actor;
use crate::{App, AppError, Result};

/// Jobs on one page of the public list.
pub const JOBS_PER_PAGE: i64 = 50;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = MarketBid))]
pub struct BidView {
    /// Empty while bids are taken, to everyone but the bidder (against collusion, who bids
    /// is sealed as well as the price).
    pub credit_code: String,
    pub name: String,
    /// Hidden (None) from everyone but the bidder while bids are taken.
    pub price: Option<i64>,
    pub days: u32,
    #[cfg_attr(feature = "openapi", schema(value_type = domain::openapi::DateTime))]
    pub placed_at: OffsetDateTime,
    pub quality: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = MarketJob))]
pub struct JobView {
    pub id: String,
    pub buyer_name: String,
    pub post: JobPost,
    pub state: JobState,
    #[cfg_attr(feature = "openapi", schema(value_type = domain::openapi::DateTime))]
    pub posted_at: OffsetDateTime,
    pub bids: Vec<BidView>,
    pub winner: String,
    pub winner_name: String,
    pub seed: String,
    pub reason: String,
    pub draw: Vec<DrawEntry>,
    pub contract_amount: i64,
    pub contract_days: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<domain::openapi::DateTime>))]
    pub due: Option<OffsetDateTime>,
    pub report_name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<domain::openapi::DateTime>))]
    pub delivered_at: Option<OffsetDateTime>,
    pub overdue: bool,
    pub stars: i64,
    pub comment: String,
    /// The actor posted it.
    pub mine: bool,
    /// Bids are closed and the buyer has not selected yet (still `open` in the records).
    pub awaiting_selection: bool,
}

pub(super) fn internal(what: &str, id: &str) -> AppError {
    AppError::Internal(format!("market job {id}: {what}"))
}

pub(super) fn post_of(j: &JobRow) -> Result<JobPost> {
    Ok(JobPost {
        title: j.title.clone(),
        service: Service::parse(&j.service).ok_or_else(|| internal("service", &j.id))?,
        scope: j.scope.clone(),
        budget_cap: j.budget_cap,
        bid_deadline: store::from_millis(j.bid_deadline),
        delivery_days: u32::try_from(j.delivery_days).map_err(|_| internal("days", &j.id))?,
        method: Method::parse(&j.method).ok_or_else(|| internal("method", &j.id))?,
        region: j.region.clone(),
        project_code: j.project_code.clone(),
    })
}

pub(super) fn state_of(j: &JobRow) -> Result<JobState> {
    JobState::parse(&j.state).ok_or_else(|| internal("state", &j.id))
}

pub(super) fn bid_of(b: &BidRow) -> Bid {
    Bid {
        credit_code: b.credit_code.clone(),
        price: b.price,
        days: u32::try_from(b.days).unwrap_or(0),
        placed_at: store::from_millis(b.placed_at),
        quality: u32::try_from(b.quality).ok(),
    }
}

pub(super) fn actor_id(actor: &Actor) -> &str {
    match actor {
        Actor::Anonymous => "",
        Actor::Applicant { id, .. } | Actor::Staff { id, .. } => id,
    }
}

/// One page of the public list.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = MarketJobPage))]
pub struct JobPage {
    pub jobs: Vec<JobView>,
    /// 1-based.
    pub page: i64,
    pub pages: i64,
    pub total: i64,
}

/// The view of a job with its bids read already (`named_bids`, or a page's worth at once).
pub(super) fn view(app: &App, actor: &Actor, j: &JobRow, bids: &[NamedBidRow]) -> Result<JobView> {
    let post = post_of(j)?;
    let state = state_of(j)?;
    let open = state == JobState::Open && app.now() < post.bid_deadline;
    let me = actor_id(actor);
    let bids: Vec<BidView> = bids
        .iter()
        .map(|b| {
            let own = !me.is_empty() && b.account_id == me;
            let shown = !open || own;
            let bid = bid_of(&b.bid);
            BidView {
                credit_code: if shown {
                    bid.credit_code
                } else {
                    String::new()
                },
                name: if shown { b.name.clone() } else { String::new() },
                price: shown.then_some(bid.price),
                days: bid.days,
                placed_at: bid.placed_at,
                quality: bid.quality,
            }
        })
        .collect();
    let winner_name = bids
        .iter()
        .find(|b| !j.winner.is_empty() && b.credit_code == j.winner)
        .map(|b| b.name.clone())
        .unwrap_or_default();
    let due = (j.contracted_at > 0).then(|| {
        market::due(
            store::from_millis(j.contracted_at),
            u32::try_from(j.contract_days).unwrap_or(0),
        )
    });
    let delivered_at = (j.delivered_at > 0).then(|| store::from_millis(j.delivered_at));
    Ok(JobView {
        id: j.id.clone(),
        buyer_name: j.buyer_name.clone(),
        state,
        posted_at: store::from_millis(j.posted_at),
        bids,
        winner: j.winner.clone(),
        winner_name,
        seed: j.seed.clone(),
        reason: j.reason.clone(),
        draw: serde_json::from_str(&j.draw).map_err(|_| internal("draw", &j.id))?,
        contract_amount: j.contract_amount,
        contract_days: j.contract_days,
        overdue: match (due, delivered_at) {
            (Some(d), Some(at)) => at > d,
            (Some(d), None) => app.now() > d,
            _ => false,
        },
        due,
        report_name: j.report_name.clone(),
        delivered_at,
        stars: j.stars,
        comment: j.comment.clone(),
        mine: !me.is_empty() && j.buyer_id == me,
        awaiting_selection: state == JobState::Open && !open,
        post,
    })
}

/// Reads a job's bids and makes its view.
pub(super) async fn view_of(
    conn: &mut store::Connection,
    app: &App,
    actor: &Actor,
    j: &JobRow,
) -> Result<JobView> {
    let bids = store::market::named_bids(conn, &j.id).await?;
    view(app, actor, j, &bids)
}

/// The public list of jobs in `state` (all when None), newest first, a page at a time
/// (`page` is 1-based; past the end gives an empty page). Three queries whatever the page holds.
pub async fn jobs(app: &App, actor: &Actor, state: Option<JobState>, page: i64) -> Result<JobPage> {
    let state = state.map_or("", JobState::as_str);
    let mut c = app.store.conn().await?;
    let total = store::market::count_jobs(&mut c, state).await?;
    let page = page.max(1);
    let offset = (page - 1).saturating_mul(JOBS_PER_PAGE);
    let rows = store::market::jobs(&mut c, state, JOBS_PER_PAGE, offset).await?;
    let all_bids = store::market::named_bids_of_jobs(&mut c, state, JOBS_PER_PAGE, offset).await?;
    // Grouped here, not by the query's order: PostgreSQL's collation may sort ids otherwise.
    let mut by_job: HashMap<&str, Vec<NamedBidRow>> = HashMap::new();
    for b in &all_bids {
        by_job
            .entry(b.bid.job_id.as_str())
            .or_default()
            .push(b.clone());
    }
    let jobs = rows
        .iter()
        .map(|j| {
            let bids = by_job.get(j.id.as_str()).map_or(&[][..], Vec::as_slice);
            view(app, actor, j, bids)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(JobPage {
        jobs,
        page,
        pages: ((total + JOBS_PER_PAGE - 1) / JOBS_PER_PAGE).max(1),
        total,
    })
}

/// The jobs posted for a project, as `actor` may see them (for the project's page).
pub async fn jobs_for_project(app: &App, actor: &Actor, code: &str) -> Result<Vec<JobView>> {
    let mut c = app.store.conn().await?;
    let mut out = Vec::new();
    for j in store::market::jobs_for_project(&mut c, code).await? {
        out.push(view_of(&mut c, app, actor, &j).await?);
    }
    Ok(out)
}
