//! 好差评: ratings, rectification tickets and their history.

use sqlx::AnyConnection;

use crate::{Result, StoreError};

#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct RatingRow {
    pub id: String,
    pub case_id: String,
    pub case_number: String,
    pub act: String,
    pub channel: String,
    pub rater_id: String,
    pub named: i64,
    pub level: i64,
    /// JSON array of reason tags.
    pub tags: String,
    pub text: String,
    pub region: String,
    pub department: String,
    pub item_code: String,
    pub rated_at: i64,
    pub excluded: i64,
}

const RATING_COLS: &str = "id, case_id, case_number, act, channel, rater_id, named, level, tags, text, region, department, item_code, rated_at, excluded";

/// Inserts a rating; a second rating of the same case and act is a conflict.
pub async fn insert_rating(conn: &mut AnyConnection, r: &RatingRow) -> Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO ratings ({RATING_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
    )))
    .bind(&r.id)
    .bind(&r.case_id)
    .bind(&r.case_number)
    .bind(&r.act)
    .bind(&r.channel)
    .bind(&r.rater_id)
    .bind(r.named)
    .bind(r.level)
    .bind(&r.tags)
    .bind(&r.text)
    .bind(&r.region)
    .bind(&r.department)
    .bind(&r.item_code)
    .bind(r.rated_at)
    .bind(r.excluded)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn ratings_of_case(conn: &mut AnyConnection, case_id: &str) -> Result<Vec<RatingRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {RATING_COLS} FROM ratings WHERE case_id = $1 ORDER BY rated_at"
    )))
    .bind(case_id)
    .fetch_all(conn)
    .await?)
}

pub async fn get_rating(conn: &mut AnyConnection, id: &str) -> Result<Option<RatingRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {RATING_COLS} FROM ratings WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

/// Ratings in [from, to) milliseconds, optionally of one department.
pub async fn ratings_between(
    conn: &mut AnyConnection,
    department: Option<&str>,
    from: i64,
    to: i64,
) -> Result<Vec<RatingRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {RATING_COLS} FROM ratings WHERE rated_at >= $1 AND rated_at < $2 AND ($3 = '' OR department = $3) ORDER BY rated_at"
    )))
    .bind(from)
    .bind(to)
    .bind(department.unwrap_or(""))
    .fetch_all(conn)
    .await?)
}

pub async fn exclude_rating(conn: &mut AnyConnection, id: &str) -> Result<()> {
    sqlx::query("UPDATE ratings SET excluded = 1 WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Completed cases last changed before `before` (ms) with no rating of the whole case yet.
pub async fn unrated_completed(
    conn: &mut AnyConnection,
    before: i64,
    limit: i64,
) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT c.id FROM cases c WHERE c.state = 'completed' AND c.updated_at < $1
           AND NOT EXISTS (SELECT 1 FROM ratings r WHERE r.case_id = c.id AND r.act = 'case')
         ORDER BY c.updated_at LIMIT $2",
    )
    .bind(before)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct TicketRow {
    pub id: String,
    pub rating_id: String,
    pub case_id: String,
    pub department: String,
    pub state: String,
    pub status: String,
    pub due_date: String,
    pub opened_at: i64,
    pub closed_at: Option<i64>,
    pub version: i64,
}

const TICKET_COLS: &str =
    "id, rating_id, case_id, department, state, status, due_date, opened_at, closed_at, version";

pub async fn insert_ticket(conn: &mut AnyConnection, t: &TicketRow) -> Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO rating_tickets ({TICKET_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    )))
    .bind(&t.id)
    .bind(&t.rating_id)
    .bind(&t.case_id)
    .bind(&t.department)
    .bind(&t.state)
    .bind(&t.status)
    .bind(&t.due_date)
    .bind(t.opened_at)
    .bind(t.closed_at)
    .bind(t.version)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get_ticket(conn: &mut AnyConnection, id: &str) -> Result<Option<TicketRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {TICKET_COLS} FROM rating_tickets WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

pub async fn ticket_of_rating(
    conn: &mut AnyConnection,
    rating_id: &str,
) -> Result<Option<TicketRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {TICKET_COLS} FROM rating_tickets WHERE rating_id = $1"
    )))
    .bind(rating_id)
    .fetch_optional(conn)
    .await?)
}

/// Tickets of a department (or all), unfinished first, by due date.
pub async fn tickets(conn: &mut AnyConnection, department: Option<&str>) -> Result<Vec<TicketRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {TICKET_COLS} FROM rating_tickets WHERE ($1 = '' OR department = $1)
         ORDER BY CASE WHEN closed_at IS NULL THEN 0 ELSE 1 END, due_date"
    )))
    .bind(department.unwrap_or(""))
    .fetch_all(conn)
    .await?)
}

/// Saves a ticket's new state if nobody changed it since `t.version - 1`.
pub async fn update_ticket(conn: &mut AnyConnection, t: &TicketRow) -> Result<()> {
    let r = sqlx::query(
        "UPDATE rating_tickets SET state = $2, status = $3, closed_at = $4, version = $5 WHERE id = $1 AND version = $6",
    )
    .bind(&t.id)
    .bind(&t.state)
    .bind(&t.status)
    .bind(t.closed_at)
    .bind(t.version)
    .bind(t.version - 1)
    .execute(conn)
    .await?;
    if r.rows_affected() != 1 {
        return Err(StoreError::Conflict {
            field: "version".into(),
        });
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct TicketEventRow {
    pub ticket_id: String,
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
}

pub async fn append_ticket_event(conn: &mut AnyConnection, e: &TicketEventRow) -> Result<()> {
    sqlx::query("INSERT INTO rating_ticket_events (ticket_id, seq, at, actor, action) VALUES ($1, $2, $3, $4, $5)")
        .bind(&e.ticket_id)
        .bind(e.seq)
        .bind(e.at)
        .bind(&e.actor)
        .bind(&e.action)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn ticket_events(
    conn: &mut AnyConnection,
    ticket_id: &str,
) -> Result<Vec<TicketEventRow>> {
    Ok(sqlx::query_as(
        "SELECT ticket_id, seq, at, actor, action FROM rating_ticket_events WHERE ticket_id = $1 ORDER BY seq",
    )
    .bind(ticket_id)
    .fetch_all(conn)
    .await?)
}

/// Tickets opened by ratings made in [from, to) milliseconds, optionally of one department:
/// one query for a whole statistics period.
pub async fn tickets_of_ratings_between(
    conn: &mut AnyConnection,
    department: Option<&str>,
    from: i64,
    to: i64,
) -> Result<Vec<TicketRow>> {
    Ok(sqlx::query_as(
        "SELECT t.id, t.rating_id, t.case_id, t.department, t.state, t.status, t.due_date, t.opened_at, t.closed_at, t.version
         FROM rating_tickets t JOIN ratings r ON r.id = t.rating_id
         WHERE r.rated_at >= $1 AND r.rated_at < $2 AND ($3 = '' OR r.department = $3)",
    )
    .bind(from)
    .bind(to)
    .bind(department.unwrap_or(""))
    .fetch_all(conn)
    .await?)
}
