//! 体外循环 suspicions, and what the scan reads to raise them: cases changed since a time
//! with who entered them, and window services (finished queue tickets) with no case linked.

use sqlx::AnyConnection;

use crate::Result;

#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct SuspicionRow {
    pub id: String,
    pub signal: String,
    pub case_id: String,
    pub case_number: String,
    pub staff: String,
    pub region: String,
    pub department: String,
    pub evidence: String,
    pub raised_at: i64,
    pub state: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub note: String,
}

const COLS: &str = "id, signal, case_id, case_number, staff, region, department, evidence, raised_at, state, decided_by, decided_at, note";

/// Raises a suspicion unless the same signal was raised for the case before (whatever its
/// judgement): true when it is new.
pub async fn raise(conn: &mut AnyConnection, r: &SuspicionRow) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO off_platform_suspicions (id, signal, case_id, case_number, staff, region, department, evidence, raised_at, state, note)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', '')
         ON CONFLICT (signal, case_id) DO NOTHING",
    )
    .bind(&r.id)
    .bind(&r.signal)
    .bind(&r.case_id)
    .bind(&r.case_number)
    .bind(&r.staff)
    .bind(&r.region)
    .bind(&r.department)
    .bind(&r.evidence)
    .bind(r.raised_at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The newest suspicions first, open ones before judged ones, up to `limit`.
pub async fn list(conn: &mut AnyConnection, limit: i64) -> Result<Vec<SuspicionRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM off_platform_suspicions
         ORDER BY CASE WHEN state = 'open' THEN 0 ELSE 1 END, raised_at DESC, id LIMIT $1"
    )))
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<SuspicionRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM off_platform_suspicions WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

/// Records the judgement of an open suspicion: false when it was already judged.
pub async fn decide(
    conn: &mut AnyConnection,
    id: &str,
    state: &str,
    by: &str,
    at: i64,
    note: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE off_platform_suspicions SET state = $1, decided_by = $2, decided_at = $3, note = $4
         WHERE id = $5 AND state = 'open'",
    )
    .bind(state)
    .bind(by)
    .bind(at)
    .bind(note)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A case as the scan reads it.
#[derive(Debug, Clone)]
pub struct Scanned {
    pub case: domain::case::Case,
    /// The actor of its `created` event.
    pub entered_by: String,
    /// The actor of its `decided` event, if decided.
    pub decided_by: Option<String>,
    /// When the row last changed (ms).
    pub changed: i64,
}

/// Cases (not drafts) changed after `changed_after`, or created after `created_after` (ms).
pub async fn cases_since(
    conn: &mut AnyConnection,
    changed_after: i64,
    created_after: i64,
    limit: i64,
) -> Result<Vec<Scanned>> {
    let rows: Vec<(String, String, Option<String>, i64)> = sqlx::query_as(
        "SELECT c.data, e.actor, d.actor, c.updated_at FROM cases c
         JOIN case_events e ON e.case_id = c.id AND e.kind = 'created'
         LEFT JOIN case_events d ON d.case_id = c.id AND d.kind = 'decided'
         WHERE (c.updated_at > $1 OR c.created_at > $2) AND c.state <> 'draft'
         ORDER BY c.updated_at LIMIT $3",
    )
    .bind(changed_after)
    .bind(created_after)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|(d, entered_by, decided_by, changed)| {
            Ok(Scanned {
                case: crate::cases::decode(&d)?,
                entered_by,
                decided_by,
                changed,
            })
        })
        .collect()
}

/// A finished window service with no case linked: (ticket number, hall name, account,
/// finished at ms).
pub async fn served_unlinked(
    conn: &mut AnyConnection,
    after: i64,
) -> Result<Vec<(String, String, String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT t.number, h.name, t.account, t.finished_at FROM hall_tickets t
         JOIN halls h ON h.code = t.hall
         WHERE t.state = 'finished' AND t.account IS NOT NULL AND t.finished_at > $1
           AND t.cases = '[]'
         ORDER BY t.finished_at",
    )
    .bind(after)
    .fetch_all(conn)
    .await?)
}
