//! One-time links texted to 12345 callers (table `hotline_links`), kept by the token's hash.

use sqlx::AnyConnection;

use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Link {
    pub ticket_id: String,
    /// `callback` or `view`.
    pub purpose: String,
    /// For a merged ticket's link: the ticket it follows.
    pub follows: String,
    pub sent_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

pub async fn insert_link(conn: &mut AnyConnection, token_hash: &str, l: &Link) -> Result<()> {
    sqlx::query(
        "INSERT INTO hotline_links (token_hash, ticket_id, purpose, follows, sent_at, expires_at, used_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(token_hash)
    .bind(&l.ticket_id)
    .bind(&l.purpose)
    .bind(&l.follows)
    .bind(l.sent_at)
    .bind(l.expires_at)
    .bind(l.used_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn link(conn: &mut AnyConnection, token_hash: &str) -> Result<Option<Link>> {
    Ok(sqlx::query_as(
        "SELECT ticket_id, purpose, follows, sent_at, expires_at, used_at FROM hotline_links WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(conn)
    .await?)
}

/// Spends a link; false when it was spent already (two answers racing: one wins).
pub async fn spend_link(conn: &mut AnyConnection, token_hash: &str, now: i64) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE hotline_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL",
    )
    .bind(now)
    .bind(token_hash)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// The merged tickets whose callers were told they follow `ticket` (each once).
pub async fn followers(conn: &mut AnyConnection, ticket: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT ticket_id FROM hotline_links WHERE follows = $1 ORDER BY ticket_id",
    )
    .bind(ticket)
    .fetch_all(conn)
    .await?)
}
