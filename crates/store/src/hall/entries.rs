//! One-time entries from a kiosk's identity reader (table `kiosk_entries`): the token's hash,
//! whom it logs in, at which hall and kiosk, until when.

use sqlx::AnyConnection;

use crate::Result;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KioskEntry {
    pub account_id: String,
    pub hall: String,
    pub kiosk: String,
    pub expires_at: i64,
    /// 1 when this first in-person check ended a password set online before.
    pub password_ended: i64,
}

/// Leaves an entry for a reading (`reading`: its digest); false when that reading was seen
/// before and its entry not yet expired (a replay), nothing written. Two racing copies of one
/// reading meet the UNIQUE constraint: the second fails as a conflict.
pub async fn insert_entry(
    conn: &mut AnyConnection,
    token_hash: &str,
    reading: &str,
    e: &KioskEntry,
) -> Result<bool> {
    let seen: Option<i64> =
        sqlx::query_scalar("SELECT CAST(1 AS BIGINT) FROM kiosk_entries WHERE reading = $1")
            .bind(reading)
            .fetch_optional(&mut *conn)
            .await?;
    if seen.is_some() {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO kiosk_entries (token_hash, reading, account_id, hall, kiosk, expires_at, password_ended) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(token_hash)
    .bind(reading)
    .bind(&e.account_id)
    .bind(&e.hall)
    .bind(&e.kiosk)
    .bind(e.expires_at)
    .bind(e.password_ended)
    .execute(conn)
    .await?;
    Ok(true)
}

/// Takes an entry: it is marked used, and returned only to the one caller whose update marked
/// it, so two browsers racing with the same link cannot both enter. Expired entries are
/// returned too (and used up); the caller tells the person the link has lapsed. The row stays
/// until it expires, so its reading stays known.
pub async fn take_entry(conn: &mut AnyConnection, token_hash: &str) -> Result<Option<KioskEntry>> {
    let row: Option<KioskEntry> = sqlx::query_as(
        "SELECT account_id, hall, kiosk, expires_at, password_ended FROM kiosk_entries WHERE token_hash = $1 AND used = 0",
    )
    .bind(token_hash)
    .fetch_optional(&mut *conn)
    .await?;
    if row.is_none() {
        return Ok(None);
    }
    let taken = sqlx::query("UPDATE kiosk_entries SET used = 1 WHERE token_hash = $1 AND used = 0")
        .bind(token_hash)
        .execute(conn)
        .await?
        .rows_affected();
    Ok(row.filter(|_| taken == 1))
}

/// Entries past their time are removed (with the expired sessions).
pub async fn purge_entries(conn: &mut AnyConnection, now: i64) -> Result<u64> {
    Ok(
        sqlx::query("DELETE FROM kiosk_entries WHERE expires_at <= $1")
            .bind(now)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

/// Whether the account's identity was checked before: in person (`identity_checks`) or by
/// an identity provider (`oidc_links`).
pub async fn identity_checked(conn: &mut AnyConnection, account_id: &str) -> Result<bool> {
    let seen: Option<i64> = sqlx::query_scalar(
        "SELECT CAST(1 AS BIGINT) FROM identity_checks WHERE account_id = $1
         UNION ALL SELECT CAST(1 AS BIGINT) FROM oidc_links WHERE account_id = $1 LIMIT 1",
    )
    .bind(account_id)
    .fetch_optional(conn)
    .await?;
    Ok(seen.is_some())
}

/// Records the first in-person check of an account (later ones change nothing).
pub async fn record_identity_check(
    conn: &mut AnyConnection,
    account_id: &str,
    source: &str,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO identity_checks (account_id, source, first_at) VALUES ($1, $2, $3)
         ON CONFLICT (account_id) DO NOTHING",
    )
    .bind(account_id)
    .bind(source)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}
