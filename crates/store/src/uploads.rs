//! Who stored which upload (the bytes live in files, content-addressed, see app::uploads).

use sqlx::AnyConnection;

use crate::Result;
use crate::command::{Arg, Batch};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UploadRow {
    pub hash: String,
    pub owner_id: String,
    pub media_type: String,
    pub size: i64,
    pub at: i64,
    /// Why staff should open it with care (a PDF with scripts, say), when they should.
    pub flagged: Option<String>,
}

/// Records an upload; the same bytes stored again by the same account renew its time. A
/// write of its own on the store's writer, not waiting for the disk: the record matters only
/// once a case names the file, and that later commit is durable and follows it in the log.
pub async fn record(store: &crate::Store, u: &UploadRow) -> Result<()> {
    let mut b = Batch::default();
    b.push(
        "INSERT INTO uploads (hash, owner_id, media_type, size, at, flagged) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (hash, owner_id) DO UPDATE SET at = excluded.at",
        vec![
            Arg::Text(&u.hash),
            Arg::Text(&u.owner_id),
            Arg::Text(&u.media_type),
            Arg::Int(u.size),
            Arg::Int(u.at),
            Arg::Opt(u.flagged.as_deref()),
        ],
    );
    store.run_batch_with(b, false).await?;
    Ok(())
}

/// The upload of these bytes by this account, if it stored them.
/// A fresh read outside any transaction (the record was written by an earlier request),
/// on the asking thread on SQLite.
pub async fn owned(c: &mut crate::Conn, hash: &str, owner_id: &str) -> Result<Option<UploadRow>> {
    let sql = "SELECT hash, owner_id, media_type, size, at, flagged FROM uploads WHERE hash = $1 AND owner_id = $2";
    c.read_one(sql, &[Arg::Text(hash), Arg::Text(owner_id)])
        .await
}

/// Any record of these bytes (for the warning flag shown to staff).
pub async fn any_record(conn: &mut AnyConnection, hash: &str) -> Result<Option<UploadRow>> {
    Ok(sqlx::query_as(
        "SELECT hash, owner_id, media_type, size, at, flagged FROM uploads WHERE hash = $1 LIMIT 1",
    )
    .bind(hash)
    .fetch_optional(conn)
    .await?)
}

/// How many uploads, and how many bytes, an account stored since `since`.
pub async fn usage_since(c: &mut crate::Conn, owner_id: &str, since: i64) -> Result<(i64, i64)> {
    // A count over the owner's index, bounded by the quota it checks: a fresh read on the
    // asking thread on SQLite.
    let sql =
        "SELECT COUNT(*), CAST(SUM(size) AS BIGINT) FROM uploads WHERE owner_id = $1 AND at >= $2";
    // An aggregate without GROUP BY always returns its one row.
    let (n, bytes): (i64, Option<i64>) = c
        .read_one(sql, &[Arg::Text(owner_id), Arg::Int(since)])
        .await?
        .unwrap_or((0, None));
    Ok((n, bytes.unwrap_or(0)))
}

/// Upload records older than `before` not yet found in use, oldest first: candidates for
/// the orphan sweep.
pub async fn older_than(
    conn: &mut AnyConnection,
    before: i64,
    limit: i64,
) -> Result<Vec<UploadRow>> {
    Ok(sqlx::query_as(
        "SELECT hash, owner_id, media_type, size, at, flagged FROM uploads
         WHERE at < $1 AND kept IS NULL ORDER BY at LIMIT $2",
    )
    .bind(before)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Whether any stored record names these bytes: a case (its materials), a bundle
/// application, a case event (an authorization letter) or an agent grant. The hash is 64 hex
/// characters, so a substring match cannot hit anything else. A full scan, but only for the
/// sweep's few candidates.
pub async fn referenced(conn: &mut AnyConnection, hash: &str) -> Result<bool> {
    let pattern = format!("%{hash}%");
    let (n,): (i64,) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM cases WHERE data LIKE $1 LIMIT 1) a)
              + (SELECT COUNT(*) FROM (SELECT 1 FROM bundle_cases WHERE data LIKE $1 LIMIT 1) b)
              + (SELECT COUNT(*) FROM (SELECT 1 FROM case_events WHERE payload LIKE $1 LIMIT 1) e)
              + (SELECT COUNT(*) FROM agent_grants WHERE letter = $2)",
    )
    .bind(&pattern)
    .bind(hash)
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}

/// Forgets one account's record of an upload.
pub async fn forget(conn: &mut AnyConnection, hash: &str, owner_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM uploads WHERE hash = $1 AND owner_id = $2")
        .bind(hash)
        .bind(owner_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Whether any account still has a record of these bytes.
pub async fn recorded(conn: &mut AnyConnection, hash: &str) -> Result<bool> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM uploads WHERE hash = $1")
        .bind(hash)
        .fetch_one(conn)
        .await?;
    Ok(n > 0)
}

/// Marks an upload found in use, so later sweeps pass it by; a file with no record at all
/// (stored before records were kept) gets one with no owner, which nobody can claim.
pub async fn keep(conn: &mut AnyConnection, hash: &str, owner_id: &str, at: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO uploads (hash, owner_id, media_type, size, at, flagged, kept) VALUES ($1, $2, '', 0, $3, NULL, $3)
         ON CONFLICT (hash, owner_id) DO UPDATE SET kept = excluded.kept",
    )
    .bind(hash)
    .bind(owner_id)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}
