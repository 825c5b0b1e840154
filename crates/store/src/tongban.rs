//! 跨市通办 between platforms: forwards sent from here (`tongban_out`) and received here
//! (`tongban_in`).

use sqlx::{AnyConnection, AssertSqlSafe};

use crate::Result;
use crate::command::Arg;

/// An application a window here forwarded to another platform.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct OutRow {
    pub id: String,
    pub partner: String,
    pub item_code: String,
    pub item_name: String,
    pub applicant_name: String,
    pub applicant_id_number: String,
    pub applicant_phone: String,
    pub point_code: String,
    pub point_name: String,
    pub region: String,
    pub clerk_id: String,
    pub clerk_name: String,
    pub sent_at: i64,
    pub case_number: String,
    pub version: Option<i64>,
    /// JSON list of `domain::tongban::Progress`, oldest first.
    pub progress: String,
    pub handed_over_at: Option<i64>,
    pub handed_over_by: Option<String>,
}

const OUT_COLUMNS: &str = "id, partner, item_code, item_name, applicant_name, applicant_id_number,
    applicant_phone, point_code, point_name, region, clerk_id, clerk_name, sent_at, case_number,
    version, progress, handed_over_at, handed_over_by";

pub async fn insert_out(conn: &mut AnyConnection, r: &OutRow) -> Result<()> {
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO tongban_out ({OUT_COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
    )))
    .bind(&r.id)
    .bind(&r.partner)
    .bind(&r.item_code)
    .bind(&r.item_name)
    .bind(&r.applicant_name)
    .bind(&r.applicant_id_number)
    .bind(&r.applicant_phone)
    .bind(&r.point_code)
    .bind(&r.point_name)
    .bind(&r.region)
    .bind(&r.clerk_id)
    .bind(&r.clerk_name)
    .bind(r.sent_at)
    .bind(&r.case_number)
    .bind(r.version)
    .bind(&r.progress)
    .bind(r.handed_over_at)
    .bind(&r.handed_over_by)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn find_out(conn: &mut AnyConnection, id: &str) -> Result<Option<OutRow>> {
    crate::read::row_by_key(
        conn,
        format!("SELECT {OUT_COLUMNS} FROM tongban_out WHERE id = $1"),
        id,
    )
    .await
}

/// Forwards of windows in regions starting with `region_prefix`, newest first.
pub async fn list_out(
    conn: &mut AnyConnection,
    region_prefix: &str,
    limit: i64,
) -> Result<Vec<OutRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {OUT_COLUMNS} FROM tongban_out WHERE region LIKE $1
         ORDER BY sent_at DESC, id LIMIT $2"
    )))
    .bind(format!("{region_prefix}%"))
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Records a progress report when it is newer than what is known (`version` below it or
/// none): false when it was not.
pub async fn record_progress(
    conn: &mut AnyConnection,
    id: &str,
    version: i64,
    progress: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE tongban_out SET version = $2, progress = $3
         WHERE id = $1 AND (version IS NULL OR version < $2)",
    )
    .bind(id)
    .bind(version)
    .bind(progress)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks the result handed over, once: false when it already was.
pub async fn hand_over(conn: &mut AnyConnection, id: &str, by: &str, at: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE tongban_out SET handed_over_at = $2, handed_over_by = $3
         WHERE id = $1 AND handed_over_at IS NULL",
    )
    .bind(id)
    .bind(at)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A forward received here and the case it became.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct InRow {
    pub partner: String,
    pub reference: String,
    pub case_id: String,
    pub case_number: String,
    pub received_at: i64,
    pub pushed_version: i64,
    pub push_error: String,
}

const IN_COLUMNS: &str =
    "partner, reference, case_id, case_number, received_at, pushed_version, push_error";

/// The forward's record, written in the batch that creates its case: a retried forward then
/// finds it, and never makes a second case.
pub(crate) fn push_in<'a>(b: &mut crate::command::Batch<'a>, r: &'a InRow) {
    b.push(
        "INSERT INTO tongban_in (partner, reference, case_id, case_number, received_at, pushed_version, push_error)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
        vec![
            Arg::Text(&r.partner),
            Arg::Text(&r.reference),
            Arg::Text(&r.case_id),
            Arg::Text(&r.case_number),
            Arg::Int(r.received_at),
            Arg::Int(r.pushed_version),
            Arg::Text(&r.push_error),
        ],
    );
}

/// The case number a forwarded case got when it was submitted.
pub async fn set_in_number(conn: &mut AnyConnection, case_id: &str, number: &str) -> Result<()> {
    sqlx::query("UPDATE tongban_in SET case_number = $1 WHERE case_id = $2")
        .bind(number)
        .bind(case_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn find_in(
    conn: &mut AnyConnection,
    partner: &str,
    reference: &str,
) -> Result<Option<InRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {IN_COLUMNS} FROM tongban_in WHERE partner = $1 AND reference = $2"
    )))
    .bind(partner)
    .bind(reference)
    .fetch_optional(conn)
    .await?)
}

pub async fn in_by_case(conn: &mut AnyConnection, case_id: &str) -> Result<Option<InRow>> {
    crate::read::row_by_key(
        conn,
        format!("SELECT {IN_COLUMNS} FROM tongban_in WHERE case_id = $1"),
        case_id,
    )
    .await
}

/// Forwards whose case has changed since its progress was last pushed back (the case's
/// version is above the pushed one), oldest first. A case still a draft (its submission cut
/// short) waits for the partner's retry to finish it.
pub async fn unpushed(conn: &mut AnyConnection, limit: i64) -> Result<Vec<InRow>> {
    Ok(sqlx::query_as(
        "SELECT t.partner, t.reference, t.case_id, t.case_number, t.received_at,
                t.pushed_version, t.push_error
         FROM tongban_in t JOIN cases c ON c.id = t.case_id
         WHERE c.version > t.pushed_version AND c.state <> 'draft'
         ORDER BY t.received_at LIMIT $1",
    )
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// After a push: the version the partner now knows (never lowered), or why it failed.
pub async fn pushed(
    conn: &mut AnyConnection,
    case_id: &str,
    version: i64,
    error: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE tongban_in SET
           pushed_version = CASE WHEN $2 > pushed_version THEN $2 ELSE pushed_version END,
           push_error = $3
         WHERE case_id = $1",
    )
    .bind(case_id)
    .bind(version)
    .bind(error)
    .execute(conn)
    .await?;
    Ok(())
}
