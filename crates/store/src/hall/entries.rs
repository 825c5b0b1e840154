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
}

pub async fn insert_entry(
    conn: &mut AnyConnection,
    token_hash: &str,
    e: &KioskEntry,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO kiosk_entries (token_hash, account_id, hall, kiosk, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash)
    .bind(&e.account_id)
    .bind(&e.hall)
    .bind(&e.kiosk)
    .bind(e.expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Takes an entry: it is deleted, and returned only to the one caller whose delete removed it,
/// so two browsers racing with the same link cannot both enter. Expired entries are returned
/// too (and gone); the caller tells the person the link has lapsed.
pub async fn take_entry(conn: &mut AnyConnection, token_hash: &str) -> Result<Option<KioskEntry>> {
    let row: Option<KioskEntry> = sqlx::query_as(
        "SELECT account_id, hall, kiosk, expires_at FROM kiosk_entries WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(&mut *conn)
    .await?;
    if row.is_none() {
        return Ok(None);
    }
    let gone = sqlx::query("DELETE FROM kiosk_entries WHERE token_hash = $1")
        .bind(token_hash)
        .execute(conn)
        .await?
        .rows_affected();
    Ok(row.filter(|_| gone == 1))
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
