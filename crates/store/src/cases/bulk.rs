//! Bulk loading (another system's cases, a benchmark's preload) with multi-row statements.

use domain::case::Case;
use sqlx::{AnyConnection, AssertSqlSafe};

use crate::Result;
use crate::command::bind_all;

use super::*;

/// Rows per multi-row INSERT. Small on purpose: SQLite resolves each `$N` by scanning the
/// statement's parameter names (sqlite3_bind_parameter_name), so binding costs grow with the
/// square of the parameter count; a profile of a 4 500-parameter insert spent 68 % there.
pub const ROWS_PER_INSERT: usize = 16;

/// `(k rows × n columns)` placeholders: `($1, $2), ($3, $4)`.
pub(crate) fn placeholders(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| {
            let p: Vec<String> = (1..=cols).map(|c| format!("${}", r * cols + c)).collect();
            format!("({})", p.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A case as bulk-loaded from another system (or a benchmark's preload): the row, its queue
/// columns and when it was created and last changed (ms).
pub struct LoadedCase {
    pub case: Case,
    pub index: CaseIndex,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Inserts many cases with multi-row statements, in the caller's transaction.
pub async fn insert_cases(conn: &mut AnyConnection, rows: &[LoadedCase]) -> Result<()> {
    for chunk in rows.chunks(ROWS_PER_INSERT / 2) {
        let sql = format!(
            "INSERT INTO cases ({CASE_COLS}) VALUES {}",
            placeholders(chunk.len(), super::CASE_COL_COUNT)
        );
        let args = chunk
            .iter()
            .map(|r| case_args(&r.case, &r.index, r.created_at, r.updated_at))
            .collect::<Result<Vec<_>>>()?;
        let q = bind_all(sqlx::query(AssertSqlSafe(sql)), args.iter().flatten());
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Appends many audit events with multi-row statements, in the caller's transaction. The
/// caller has chained their hashes.
pub async fn insert_events(conn: &mut AnyConnection, rows: &[EventRow]) -> Result<()> {
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO case_events (case_id, seq, at, actor, role, kind, payload, prev_hash, hash) VALUES {}",
            placeholders(chunk.len(), 9)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for e in chunk {
            q = q
                .bind(&e.case_id)
                .bind(e.seq)
                .bind(e.at)
                .bind(&e.actor)
                .bind(&e.role)
                .bind(&e.kind)
                .bind(&e.payload)
                .bind(&e.prev_hash)
                .bind(&e.hash);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// How many cases are stored.
pub async fn count(conn: &mut AnyConnection) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM cases")
        .fetch_one(conn)
        .await?)
}

/// How many cases each item received since `since_ms` (drafts not counted): what people
/// actually apply for, which search ranks up.
pub async fn demand_by_item(
    conn: &mut AnyConnection,
    since_ms: i64,
) -> Result<std::collections::HashMap<String, i64>> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT item_code, COUNT(*) FROM cases WHERE created_at >= $1 AND state <> 'draft'
         GROUP BY item_code",
    )
    .bind(since_ms)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().collect())
}

/// How many cases one item received since `since_ms` (drafts not counted).
pub async fn demand_of(conn: &mut AnyConnection, item_code: &str, since_ms: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM cases WHERE item_code = $1 AND created_at >= $2 AND state <> 'draft'",
    )
    .bind(item_code)
    .bind(since_ms)
    .fetch_one(conn)
    .await?)
}

/// A case's queue columns and times as stored: (index, created_at, updated_at).
pub async fn stored_index(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<(CaseIndex, i64, i64)>> {
    type Row = (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        i64,
        i64,
    );
    let row: Option<Row> = sqlx::query_as(
        "SELECT queue_role, due_date, verify_due, tolerance_due, created_at, updated_at FROM cases WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(
        row.map(|(queue_role, due_date, verify_due, tolerance_due, c, u)| {
            (
                CaseIndex {
                    queue_role,
                    due_date,
                    verify_due,
                    tolerance_due,
                },
                c,
                u,
            )
        }),
    )
}
