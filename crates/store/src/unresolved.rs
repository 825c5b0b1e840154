//! 办不成事 tickets in storage.

use sqlx::{AnyConnection, AssertSqlSafe};

use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq, Default, sqlx::FromRow)]
pub struct TicketRow {
    pub id: String,
    pub person_id: String,
    pub person_name: String,
    pub what: String,
    pub item_code: String,
    pub department: String,
    pub region: String,
    pub state: String,
    pub due: String,
    pub answer: String,
    pub reopen_note: String,
    pub reopened: i64,
    pub created_by: String,
    pub created_at: i64,
    pub answered_by: String,
    pub answered_at: i64,
    pub closed_at: i64,
}

const TICKET: &str = "id, person_id, person_name, what, item_code, department, region, state, due, answer, reopen_note, reopened, created_by, created_at, answered_by, answered_at, closed_at";

pub async fn insert(conn: &mut AnyConnection, t: &TicketRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO unresolved_tickets (id, person_id, person_name, what, item_code, department,
           region, state, due, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&t.id)
    .bind(&t.person_id)
    .bind(&t.person_name)
    .bind(&t.what)
    .bind(&t.item_code)
    .bind(&t.department)
    .bind(&t.region)
    .bind(&t.state)
    .bind(&t.due)
    .bind(&t.created_by)
    .bind(t.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Writes a step's outcome if the ticket is still in `from`; false when someone acted first.
pub async fn update(conn: &mut AnyConnection, t: &TicketRow, from: &str) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE unresolved_tickets SET state = $3, due = $4, answer = $5, reopen_note = $6,
           reopened = $7, answered_by = $8, answered_at = $9, closed_at = $10
         WHERE id = $1 AND state = $2",
    )
    .bind(&t.id)
    .bind(from)
    .bind(&t.state)
    .bind(&t.due)
    .bind(&t.answer)
    .bind(&t.reopen_note)
    .bind(t.reopened)
    .bind(&t.answered_by)
    .bind(t.answered_at)
    .bind(t.closed_at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn ticket(conn: &mut AnyConnection, id: &str) -> Result<Option<TicketRow>> {
    crate::read::row_by_key(
        conn,
        format!("SELECT {TICKET} FROM unresolved_tickets WHERE id = $1"),
        id,
    )
    .await
}

pub async fn of_person(conn: &mut AnyConnection, person: &str) -> Result<Vec<TicketRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {TICKET} FROM unresolved_tickets WHERE person_id = $1 ORDER BY created_at DESC"
    )))
    .bind(person)
    .fetch_all(conn)
    .await?)
}

/// Tickets of a department (every department when empty), open ones first, then newest.
pub async fn of_department(conn: &mut AnyConnection, department: &str) -> Result<Vec<TicketRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {TICKET} FROM unresolved_tickets WHERE ($1 = '' OR department = $1)
         ORDER BY CASE state WHEN 'open' THEN 0 WHEN 'answered' THEN 1 ELSE 2 END, due, created_at DESC
         LIMIT 500"
    )))
    .bind(department)
    .fetch_all(conn)
    .await?)
}

/// Per department: (department, opened, closed, open past `today`).
pub async fn counts(conn: &mut AnyConnection, today: &str) -> Result<Vec<(String, i64, i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT department, COUNT(*),
           SUM(CASE WHEN state = 'closed' THEN 1 ELSE 0 END),
           SUM(CASE WHEN state = 'open' AND due < $1 THEN 1 ELSE 0 END)
         FROM unresolved_tickets GROUP BY department ORDER BY department",
    )
    .bind(today)
    .fetch_all(conn)
    .await?)
}
