//! 帮办代办 grants and the messages a person receives about what is done in their name.

use sqlx::{AnyConnection, AssertSqlSafe};

use crate::Result;
use crate::command::{Arg, Batch};

/// A grant as stored: `principal_id` lets `agent_id` file for them until `expires_at`
/// unless revoked.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct GrantRow {
    pub id: String,
    pub principal_id: String,
    pub agent_id: String,
    /// The principal's own id, or the clerk who recorded the grant at a window.
    pub granted_by: String,
    /// The signed letter's upload hash (window grants).
    pub letter: Option<String>,
    pub granted_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

const GRANT_COLS: &str = "SELECT id, principal_id, agent_id, granted_by, letter, granted_at, expires_at, revoked_at FROM agent_grants";

pub async fn insert_grant(conn: &mut AnyConnection, g: &GrantRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO agent_grants (id, principal_id, agent_id, granted_by, letter, granted_at, expires_at, revoked_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&g.id)
    .bind(&g.principal_id)
    .bind(&g.agent_id)
    .bind(&g.granted_by)
    .bind(&g.letter)
    .bind(g.granted_at)
    .bind(g.expires_at)
    .bind(g.revoked_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn find_grant(conn: &mut AnyConnection, id: &str) -> Result<Option<GrantRow>> {
    Ok(
        sqlx::query_as(AssertSqlSafe(format!("{GRANT_COLS} WHERE id = $1")))
            .bind(id)
            .fetch_optional(conn)
            .await?,
    )
}

/// The grants between an agent and a principal that are in force at `now`.
pub async fn active_grant(
    conn: &mut AnyConnection,
    agent_id: &str,
    principal_id: &str,
    now: i64,
) -> Result<Option<GrantRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "{GRANT_COLS} WHERE agent_id = $1 AND principal_id = $2 AND revoked_at IS NULL
         AND expires_at > $3 ORDER BY granted_at DESC, id DESC LIMIT 1"
    )))
    .bind(agent_id)
    .bind(principal_id)
    .bind(now)
    .fetch_optional(conn)
    .await?)
}

/// Grants a principal made (newest first), in force or not.
pub async fn grants_by_principal(
    conn: &mut AnyConnection,
    principal_id: &str,
) -> Result<Vec<GrantRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "{GRANT_COLS} WHERE principal_id = $1 ORDER BY granted_at DESC, id DESC LIMIT 200"
    )))
    .bind(principal_id)
    .fetch_all(conn)
    .await?)
}

/// Grants an agent holds (newest first), in force or not.
pub async fn grants_to_agent(conn: &mut AnyConnection, agent_id: &str) -> Result<Vec<GrantRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "{GRANT_COLS} WHERE agent_id = $1 ORDER BY granted_at DESC, id DESC LIMIT 200"
    )))
    .bind(agent_id)
    .fetch_all(conn)
    .await?)
}

/// Revokes a grant still in force; false when it was already revoked.
pub async fn revoke_grant(conn: &mut AnyConnection, id: &str, at: i64) -> Result<bool> {
    let r =
        sqlx::query("UPDATE agent_grants SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(at)
            .bind(id)
            .execute(conn)
            .await?;
    Ok(r.rows_affected() == 1)
}

/// A message to a person.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NotificationRow {
    pub id: String,
    pub account_id: String,
    pub at: i64,
    pub kind: String,
    pub text: String,
    pub case_id: Option<String>,
    pub read_at: Option<i64>,
}

pub async fn insert_notification(conn: &mut AnyConnection, n: &NotificationRow) -> Result<()> {
    let mut b = Batch::default();
    push_notification(&mut b, n);
    b.run(conn).await?;
    Ok(())
}

/// The insert of [`insert_notification`], added to a batch.
pub(crate) fn push_notification<'a>(b: &mut Batch<'a>, n: &'a NotificationRow) {
    b.push(
        "INSERT INTO notifications (id, account_id, at, kind, text, case_id, read_at)
         VALUES (?, ?, ?, ?, ?, ?, NULL)",
        vec![
            Arg::Text(&n.id),
            Arg::Text(&n.account_id),
            Arg::Int(n.at),
            Arg::Text(&n.kind),
            Arg::Text(&n.text),
            Arg::Opt(n.case_id.as_deref()),
        ],
    );
}

/// A person's latest messages, newest first.
pub async fn notifications(
    conn: &mut AnyConnection,
    account_id: &str,
    limit: i64,
) -> Result<Vec<NotificationRow>> {
    Ok(sqlx::query_as(
        "SELECT id, account_id, at, kind, text, case_id, read_at FROM notifications
         WHERE account_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
    )
    .bind(account_id)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Marks all of a person's messages read.
pub async fn mark_read(conn: &mut AnyConnection, account_id: &str, at: i64) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE notifications SET read_at = $1 WHERE account_id = $2 AND read_at IS NULL",
    )
    .bind(at)
    .bind(account_id)
    .execute(conn)
    .await?
    .rows_affected())
}
