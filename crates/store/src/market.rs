//! 中介超市: intermediaries, jobs, bids and the marks of the public credit list. Registrations
//! are kept as JSON (read whole, never queried inside); what lists filter on is a column.

use sqlx::{AnyConnection, AssertSqlSafe};

use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct IntermediaryRow {
    pub credit_code: String,
    pub name: String,
    pub account_id: String,
    /// `domain::market::Registration` as JSON.
    pub registration: String,
    pub standing: String,
    pub review_note: String,
    pub reviewed_by: String,
    pub registered_at: i64,
    pub reviewed_at: i64,
}

const INTERMEDIARY: &str = "credit_code, name, account_id, registration, standing, review_note, reviewed_by, registered_at, reviewed_at";

/// Registers an intermediary, or replaces a registration not yet approved (a corrected
/// application). False when the code is taken by another account or already approved.
pub async fn register(conn: &mut AnyConnection, r: &IntermediaryRow) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO intermediaries (credit_code, name, account_id, registration, standing, registered_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (credit_code) DO UPDATE SET name = excluded.name,
           registration = excluded.registration, standing = excluded.standing,
           registered_at = excluded.registered_at, review_note = '', reviewed_by = '', reviewed_at = 0
         WHERE intermediaries.account_id = excluded.account_id
           AND intermediaries.standing <> 'approved'",
    )
    .bind(&r.credit_code)
    .bind(&r.name)
    .bind(&r.account_id)
    .bind(&r.registration)
    .bind(&r.standing)
    .bind(r.registered_at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn intermediary(
    conn: &mut AnyConnection,
    credit_code: &str,
) -> Result<Option<IntermediaryRow>> {
    crate::read::row_by_key(
        conn,
        format!("SELECT {INTERMEDIARY} FROM intermediaries WHERE credit_code = $1"),
        credit_code,
    )
    .await
}

/// Intermediaries in `standing` (every one when empty), by name.
pub async fn intermediaries(
    conn: &mut AnyConnection,
    standing: &str,
) -> Result<Vec<IntermediaryRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {INTERMEDIARY} FROM intermediaries WHERE ($1 = '' OR standing = $1)
         ORDER BY name, credit_code"
    )))
    .bind(standing)
    .fetch_all(conn)
    .await?)
}

/// Records a review of a pending registration; false when it is not pending (reviewed by
/// someone else meanwhile).
pub async fn review(
    conn: &mut AnyConnection,
    credit_code: &str,
    standing: &str,
    note: &str,
    by: &str,
    at: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE intermediaries SET standing = $2, review_note = $3, reviewed_by = $4, reviewed_at = $5
         WHERE credit_code = $1 AND standing = 'pending'",
    )
    .bind(credit_code)
    .bind(standing)
    .bind(note)
    .bind(by)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Debug, Clone, PartialEq, Eq, Default, sqlx::FromRow)]
pub struct JobRow {
    pub id: String,
    pub buyer_id: String,
    pub buyer_name: String,
    pub title: String,
    pub service: String,
    pub scope: String,
    pub budget_cap: i64,
    pub bid_deadline: i64,
    pub delivery_days: i64,
    pub method: String,
    pub region: String,
    pub project_code: String,
    pub state: String,
    pub posted_at: i64,
    pub winner: String,
    pub seed: String,
    pub reason: String,
    /// The draw's order as JSON (随机抽取), `[]` otherwise.
    pub draw: String,
    pub selected_at: i64,
    pub contract_amount: i64,
    pub contract_days: i64,
    pub contracted_at: i64,
    pub report_key: String,
    pub report_name: String,
    pub delivered_at: i64,
    pub stars: i64,
    pub comment: String,
    pub rated_at: i64,
}

const JOB: &str = "id, buyer_id, buyer_name, title, service, scope, budget_cap, bid_deadline, delivery_days, method, region, project_code, state, posted_at, winner, seed, reason, draw, selected_at, contract_amount, contract_days, contracted_at, report_key, report_name, delivered_at, stars, comment, rated_at";

pub async fn post_job(conn: &mut AnyConnection, j: &JobRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO market_jobs (id, buyer_id, buyer_name, title, service, scope, budget_cap,
           bid_deadline, delivery_days, method, region, project_code, state, posted_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&j.id)
    .bind(&j.buyer_id)
    .bind(&j.buyer_name)
    .bind(&j.title)
    .bind(&j.service)
    .bind(&j.scope)
    .bind(j.budget_cap)
    .bind(j.bid_deadline)
    .bind(j.delivery_days)
    .bind(&j.method)
    .bind(&j.region)
    .bind(&j.project_code)
    .bind(&j.state)
    .bind(j.posted_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// A job; `for_update` locks its row on PostgreSQL so that two selections, or a bid and the
/// selection, take turns (SQLite writers take turns anyway).
pub async fn job(conn: &mut AnyConnection, id: &str, for_update: bool) -> Result<Option<JobRow>> {
    let lock = if for_update && crate::Backend::of(conn) == crate::Backend::Postgres {
        " FOR UPDATE"
    } else {
        ""
    };
    crate::read::row_by_key(
        conn,
        format!("SELECT {JOB} FROM market_jobs WHERE id = $1{lock}"),
        id,
    )
    .await
}

/// Jobs in `state` (every one when empty), newest first: `limit` of them after `offset`.
pub async fn jobs(
    conn: &mut AnyConnection,
    state: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<JobRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {JOB} FROM market_jobs WHERE ($1 = '' OR state = $1)
         ORDER BY posted_at DESC, id DESC LIMIT $2 OFFSET $3"
    )))
    .bind(state)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?)
}

/// How many jobs are in `state` (every one when empty), for paging.
pub async fn count_jobs(conn: &mut AnyConnection, state: &str) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM market_jobs WHERE ($1 = '' OR state = $1)")
            .bind(state)
            .fetch_one(conn)
            .await?,
    )
}

/// Writes every field that moves after posting (state, selection, contract, delivery,
/// rating) as the app layer decided them; the row must be in `from` still.
pub async fn update_job(conn: &mut AnyConnection, j: &JobRow, from: &str) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE market_jobs SET state = $2, winner = $3, seed = $4, reason = $5, draw = $6,
           selected_at = $7, contract_amount = $8, contract_days = $9, contracted_at = $10,
           report_key = $11, report_name = $12, delivered_at = $13, stars = $14, comment = $15,
           rated_at = $16
         WHERE id = $1 AND state = $17",
    )
    .bind(&j.id)
    .bind(&j.state)
    .bind(&j.winner)
    .bind(&j.seed)
    .bind(&j.reason)
    .bind(&j.draw)
    .bind(j.selected_at)
    .bind(j.contract_amount)
    .bind(j.contract_days)
    .bind(j.contracted_at)
    .bind(&j.report_key)
    .bind(&j.report_name)
    .bind(j.delivered_at)
    .bind(j.stars)
    .bind(&j.comment)
    .bind(j.rated_at)
    .bind(from)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BidRow {
    pub job_id: String,
    pub credit_code: String,
    pub price: i64,
    pub days: i64,
    pub placed_at: i64,
    /// -1 until the buyer gives quality points.
    pub quality: i64,
}

/// Records a bid; false when this intermediary has bid on the job already.
pub async fn bid(conn: &mut AnyConnection, b: &BidRow) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO market_bids (job_id, credit_code, price, days, placed_at, quality)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (job_id, credit_code) DO NOTHING",
    )
    .bind(&b.job_id)
    .bind(&b.credit_code)
    .bind(b.price)
    .bind(b.days)
    .bind(b.placed_at)
    .bind(b.quality)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A job's bids in the order they came.
pub async fn bids(conn: &mut AnyConnection, job_id: &str) -> Result<Vec<BidRow>> {
    Ok(sqlx::query_as(
        "SELECT job_id, credit_code, price, days, placed_at, quality FROM market_bids
         WHERE job_id = $1 ORDER BY placed_at, credit_code",
    )
    .bind(job_id)
    .fetch_all(conn)
    .await?)
}

/// A bid with its bidder's name and account, read in the same query as the bid (a page of
/// jobs would otherwise look each bidder up one by one).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NamedBidRow {
    #[sqlx(flatten)]
    pub bid: BidRow,
    pub name: String,
    pub account_id: String,
}

const NAMED_BID: &str = "b.job_id, b.credit_code, b.price, b.days, b.placed_at, b.quality,
    COALESCE(i.name, '') AS name, COALESCE(i.account_id, '') AS account_id";

/// A job's bids with their bidders, in the order they came.
pub async fn named_bids(conn: &mut AnyConnection, job_id: &str) -> Result<Vec<NamedBidRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {NAMED_BID} FROM market_bids b
         LEFT JOIN intermediaries i ON i.credit_code = b.credit_code
         WHERE b.job_id = $1 ORDER BY b.placed_at, b.credit_code"
    )))
    .bind(job_id)
    .fetch_all(conn)
    .await?)
}

/// The bids, with their bidders, of the jobs `jobs(state, limit, offset)` returns: one query
/// for a page of jobs.
pub async fn named_bids_of_jobs(
    conn: &mut AnyConnection,
    state: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<NamedBidRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {NAMED_BID} FROM market_bids b
         JOIN (SELECT id FROM market_jobs WHERE ($1 = '' OR state = $1)
               ORDER BY posted_at DESC, id DESC LIMIT $2 OFFSET $3) j ON j.id = b.job_id
         LEFT JOIN intermediaries i ON i.credit_code = b.credit_code
         ORDER BY b.placed_at, b.credit_code"
    )))
    .bind(state)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?)
}

pub async fn set_quality(
    conn: &mut AnyConnection,
    job_id: &str,
    credit_code: &str,
    quality: i64,
) -> Result<()> {
    sqlx::query("UPDATE market_bids SET quality = $3 WHERE job_id = $1 AND credit_code = $2")
        .bind(job_id)
        .bind(credit_code)
        .bind(quality)
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MarkRow {
    pub id: String,
    pub credit_code: String,
    pub job_id: String,
    pub mark: String,
    pub at: i64,
    pub note: String,
}

pub async fn add_mark(conn: &mut AnyConnection, m: &MarkRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO market_marks (id, credit_code, job_id, mark, at, note)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&m.id)
    .bind(&m.credit_code)
    .bind(&m.job_id)
    .bind(&m.mark)
    .bind(m.at)
    .bind(&m.note)
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks since `since` (ms): one intermediary's when `credit_code` is given, else all, newest
/// first.
pub async fn marks(
    conn: &mut AnyConnection,
    credit_code: &str,
    since: i64,
) -> Result<Vec<MarkRow>> {
    Ok(sqlx::query_as(
        "SELECT id, credit_code, job_id, mark, at, note FROM market_marks
         WHERE ($1 = '' OR credit_code = $1) AND at >= $2 ORDER BY at DESC, id",
    )
    .bind(credit_code)
    .bind(since)
    .fetch_all(conn)
    .await?)
}

/// Whether a job names this stored report (the sweep removes report files nobody names).
pub async fn report_named(conn: &mut AnyConnection, key: &str) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM market_jobs WHERE report_key = $1")
        .bind(key)
        .fetch_one(conn)
        .await?;
    Ok(n > 0)
}

/// The jobs posted for a project (by its 投资项目代码), oldest first.
pub async fn jobs_for_project(conn: &mut AnyConnection, code: &str) -> Result<Vec<JobRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {JOB} FROM market_jobs WHERE project_code = $1 ORDER BY posted_at, id"
    )))
    .bind(code)
    .fetch_all(conn)
    .await?)
}
