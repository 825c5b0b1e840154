//! 电子监察: the per-case watch index, warnings and supervision notices.

use sqlx::AnyConnection;

use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct WatchRow {
    pub case_id: String,
    pub case_number: String,
    pub kind: String,
    pub due_date: String,
    pub yellow_from: String,
    pub region: String,
    pub department: String,
    pub responsible: Option<String>,
}

/// Sets the deadline a case is watched against (None: not watched), and clears its open
/// warnings that no longer apply because the case moved on.
pub async fn set_watch(
    conn: &mut AnyConnection,
    case_id: &str,
    w: Option<&WatchRow>,
    now: i64,
) -> Result<()> {
    let mut b = crate::command::Batch::default();
    push_set_watch(&mut b, case_id, w, now);
    b.run(conn).await?;
    Ok(())
}

/// The statements of [`set_watch`], added to a batch.
pub(crate) fn push_set_watch<'a>(
    b: &mut crate::command::Batch<'a>,
    case_id: &'a str,
    w: Option<&'a WatchRow>,
    now: i64,
) {
    use crate::command::Arg;
    match w {
        // One statement either way: this runs with every case change.
        Some(w) => b.push(
            "INSERT INTO case_watch (case_id, case_number, kind, due_date, yellow_from, region, department, responsible)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (case_id) DO UPDATE SET case_number = excluded.case_number, kind = excluded.kind,
               due_date = excluded.due_date, yellow_from = excluded.yellow_from, region = excluded.region,
               department = excluded.department, responsible = excluded.responsible",
            vec![
                Arg::Text(&w.case_id),
                Arg::Text(&w.case_number),
                Arg::Text(&w.kind),
                Arg::Text(&w.due_date),
                Arg::Text(&w.yellow_from),
                Arg::Text(&w.region),
                Arg::Text(&w.department),
                Arg::Opt(w.responsible.as_deref()),
            ],
        ),
        None => b.push(
            "DELETE FROM case_watch WHERE case_id = ?",
            vec![Arg::Text(case_id)],
        ),
    }
    let (kind, due) = w
        .map(|w| (w.kind.as_str(), w.due_date.as_str()))
        .unwrap_or(("", ""));
    b.push(
        "UPDATE warnings SET cleared_at = ?, cleared_reason = '办件已推进'
         WHERE case_id = ? AND cleared_at IS NULL AND (kind <> ? OR due_date <> ?)",
        vec![
            Arg::Int(now),
            Arg::Text(case_id),
            Arg::Text(kind),
            Arg::Text(due),
        ],
    );
}

/// Watched cases whose yellow day has come and whose warning of today's level is not yet open,
/// in pages (an index range on yellow_from; the open-warning check uses its unique index).
pub async fn due_watches(
    conn: &mut AnyConnection,
    today: &str,
    after: &str,
    limit: i64,
) -> Result<Vec<WatchRow>> {
    Ok(sqlx::query_as(
        "SELECT case_id, case_number, kind, due_date, yellow_from, region, department, responsible
         FROM case_watch WHERE yellow_from <= $1 AND case_id > $2
           AND NOT EXISTS (SELECT 1 FROM warnings w WHERE w.case_id = case_watch.case_id
             AND w.kind = case_watch.kind AND w.cleared_at IS NULL
             AND w.level = CASE WHEN case_watch.due_date < $1 THEN 'red' ELSE 'yellow' END)
         ORDER BY case_id LIMIT $3",
    )
    .bind(today)
    .bind(after)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct WarningRow {
    pub id: String,
    pub case_id: String,
    pub case_number: String,
    pub kind: String,
    pub level: String,
    pub due_date: String,
    pub region: String,
    pub department: String,
    pub responsible: Option<String>,
    pub raised_at: i64,
    pub cleared_at: Option<i64>,
    pub cleared_reason: String,
    /// Who took note of it (a supervisor, or a provincial 电子监察 system through the API), and
    /// when (migration 0029).
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<i64>,
}

/// The columns a new warning is written with.
const NEW_WARNING_COLS: &str = "id, case_id, case_number, kind, level, due_date, region, department, responsible, raised_at, cleared_at, cleared_reason";
/// The columns a warning is read with.
const WARNING_COLS: &str = "id, case_id, case_number, kind, level, due_date, region, department, responsible, raised_at, cleared_at, cleared_reason, acknowledged_by, acknowledged_at";

/// Raises a warning unless it is already open, or the case no longer runs against the
/// watch it was found under (it moved on since the scan read it). Returns whether raised.
pub async fn raise(conn: &mut AnyConnection, w: &WarningRow) -> Result<bool> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO warnings ({NEW_WARNING_COLS})
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, ''
         WHERE EXISTS (SELECT 1 FROM case_watch WHERE case_id = $2 AND kind = $4 AND due_date = $6)
         ON CONFLICT DO NOTHING"
    )))
    .bind(&w.id)
    .bind(&w.case_id)
    .bind(&w.case_number)
    .bind(&w.kind)
    .bind(&w.level)
    .bind(&w.due_date)
    .bind(&w.region)
    .bind(&w.department)
    .bind(&w.responsible)
    .bind(w.raised_at)
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Clears open yellow warnings that no longer hold: the case turned red, or its deadline
/// moved out of the yellow range (an extension). Returns how many were cleared.
pub async fn clear_stale(conn: &mut AnyConnection, today: &str, now: i64) -> Result<u64> {
    let escalated = sqlx::query(
        "UPDATE warnings SET cleared_at = $1, cleared_reason = '已升级为红色预警'
         WHERE cleared_at IS NULL AND level = 'yellow' AND EXISTS (
           SELECT 1 FROM warnings r WHERE r.case_id = warnings.case_id AND r.kind = warnings.kind
             AND r.level = 'red' AND r.cleared_at IS NULL)",
    )
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let moved = sqlx::query(
        "UPDATE warnings SET cleared_at = $1, cleared_reason = '期限已调整'
         WHERE cleared_at IS NULL AND level = 'yellow' AND NOT EXISTS (
           SELECT 1 FROM case_watch w WHERE w.case_id = warnings.case_id AND w.yellow_from <= $2)",
    )
    .bind(now)
    .bind(today)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(escalated + moved)
}

/// Open warnings (red first, then by due date), optionally of one department.
pub async fn open_warnings(
    conn: &mut AnyConnection,
    department: Option<&str>,
) -> Result<Vec<WarningRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {WARNING_COLS} FROM warnings WHERE cleared_at IS NULL AND ($1 = '' OR department = $1)
         ORDER BY level, due_date, case_number"
    )))
    .bind(department.unwrap_or(""))
    .fetch_all(conn)
    .await?)
}

/// Every warning raised on a case, oldest first. (Only tests read them by case so far.)
#[cfg(feature = "testing")]
pub async fn warnings_of_case(conn: &mut AnyConnection, case_id: &str) -> Result<Vec<WarningRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {WARNING_COLS} FROM warnings WHERE case_id = $1 ORDER BY raised_at"
    )))
    .bind(case_id)
    .fetch_all(conn)
    .await?)
}

/// Which warnings a list asks for.
#[derive(Debug, Clone, Default)]
pub struct WarningFilter {
    /// Regions whose code starts with this (a region and the regions below it).
    pub region_prefix: String,
    pub department: Option<String>,
    pub level: Option<String>,
    /// `open` (not cleared, not acknowledged), `acknowledged` (not cleared), `cleared`, or
    /// any when `None`.
    pub state: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// Warnings matching `f`, newest first.
pub async fn warnings(conn: &mut AnyConnection, f: &WarningFilter) -> Result<Vec<WarningRow>> {
    let state = f.state.as_deref().unwrap_or("");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {WARNING_COLS} FROM warnings
         WHERE region LIKE $1 ESCAPE '!' AND ($2 = '' OR department = $2) AND ($3 = '' OR level = $3)
           AND ($4 = ''
             OR ($4 = 'open' AND cleared_at IS NULL AND acknowledged_at IS NULL)
             OR ($4 = 'acknowledged' AND cleared_at IS NULL AND acknowledged_at IS NOT NULL)
             OR ($4 = 'cleared' AND cleared_at IS NOT NULL))
         ORDER BY raised_at DESC, id LIMIT $5 OFFSET $6"
    )))
    .bind(format!("{}%", crate::hotline::like_literal(&f.region_prefix)))
    .bind(f.department.as_deref().unwrap_or(""))
    .bind(f.level.as_deref().unwrap_or(""))
    .bind(state)
    .bind(f.limit)
    .bind(f.offset)
    .fetch_all(conn)
    .await?)
}

/// Records that `by` took note of an open warning; false when it is cleared or already
/// acknowledged.
pub async fn acknowledge(conn: &mut AnyConnection, id: &str, by: &str, at: i64) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE warnings SET acknowledged_by = $2, acknowledged_at = $3
         WHERE id = $1 AND cleared_at IS NULL AND acknowledged_at IS NULL",
    )
    .bind(id)
    .bind(by)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// The notices sent on one warning, oldest first.
pub async fn notices_of_warning(
    conn: &mut AnyConnection,
    warning_id: &str,
) -> Result<Vec<NoticeRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {NOTICE_COLS} FROM supervision_notices WHERE warning_id = $1 ORDER BY sent_at"
    )))
    .bind(warning_id)
    .fetch_all(conn)
    .await?)
}

pub async fn get_warning(conn: &mut AnyConnection, id: &str) -> Result<Option<WarningRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {WARNING_COLS} FROM warnings WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct NoticeRow {
    pub id: String,
    pub warning_id: String,
    pub case_id: String,
    pub department: String,
    pub sent_by: String,
    pub message: String,
    pub sent_at: i64,
    pub resolved_by: Option<String>,
    pub resolution: String,
    pub resolved_at: Option<i64>,
}

const NOTICE_COLS: &str = "id, warning_id, case_id, department, sent_by, message, sent_at, resolved_by, resolution, resolved_at";

pub async fn insert_notice(conn: &mut AnyConnection, n: &NoticeRow) -> Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO supervision_notices ({NOTICE_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, '', NULL)"
    )))
    .bind(&n.id)
    .bind(&n.warning_id)
    .bind(&n.case_id)
    .bind(&n.department)
    .bind(&n.sent_by)
    .bind(&n.message)
    .bind(n.sent_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get_notice(conn: &mut AnyConnection, id: &str) -> Result<Option<NoticeRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {NOTICE_COLS} FROM supervision_notices WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

/// Notices of a department (open first), or all of them.
pub async fn notices(conn: &mut AnyConnection, department: Option<&str>) -> Result<Vec<NoticeRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {NOTICE_COLS} FROM supervision_notices WHERE ($1 = '' OR department = $1)
         ORDER BY CASE WHEN resolved_at IS NULL THEN 0 ELSE 1 END, sent_at DESC"
    )))
    .bind(department.unwrap_or(""))
    .fetch_all(conn)
    .await?)
}

/// Records how a notice was resolved; false when it already was.
pub async fn resolve_notice(
    conn: &mut AnyConnection,
    id: &str,
    by: &str,
    resolution: &str,
    at: i64,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE supervision_notices SET resolved_by = $2, resolution = $3, resolved_at = $4 WHERE id = $1 AND resolved_at IS NULL",
    )
    .bind(id)
    .bind(by)
    .bind(resolution)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct ThresholdRow {
    pub scope: String,
    pub yellow_days: i64,
    pub yellow_percent: i64,
    pub updated_at: i64,
}

/// The first threshold row among `scopes` (most specific first), in one query: this runs on
/// every case write.
pub async fn threshold_for(
    conn: &mut AnyConnection,
    scopes: &[&str],
) -> Result<Option<ThresholdRow>> {
    if scopes.is_empty() {
        return Ok(None);
    }
    let marks: Vec<String> = (1..=scopes.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT scope, yellow_days, yellow_percent, updated_at FROM warning_thresholds WHERE scope IN ({})",
        marks.join(", ")
    );
    let mut q = sqlx::query_as::<_, ThresholdRow>(sqlx::AssertSqlSafe(sql));
    for s in scopes {
        q = q.bind(*s);
    }
    let rows = q.fetch_all(conn).await?;
    Ok(scopes
        .iter()
        .find_map(|s| rows.iter().find(|r| r.scope == *s).cloned()))
}

/// Binds one watch row's values in the column order of the inserts above and below.
fn bind_watch<'q>(q: crate::cases::Insert<'q>, w: &'q WatchRow) -> crate::cases::Insert<'q> {
    q.bind(&w.case_id)
        .bind(&w.case_number)
        .bind(&w.kind)
        .bind(&w.due_date)
        .bind(&w.yellow_from)
        .bind(&w.region)
        .bind(&w.department)
        .bind(&w.responsible)
}

/// Inserts watch rows, a few to a statement.
pub async fn insert_watches(conn: &mut AnyConnection, rows: &[WatchRow]) -> Result<()> {
    for chunk in rows.chunks(crate::cases::ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO case_watch (case_id, case_number, kind, due_date, yellow_from, region, department, responsible) VALUES {}",
            crate::cases::placeholders(chunk.len(), 8)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for w in chunk {
            q = bind_watch(q, w);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

pub async fn set_threshold(conn: &mut AnyConnection, t: &ThresholdRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO warning_thresholds (scope, yellow_days, yellow_percent, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (scope) DO UPDATE SET yellow_days = $2, yellow_percent = $3, updated_at = $4",
    )
    .bind(&t.scope)
    .bind(t.yellow_days)
    .bind(t.yellow_percent)
    .bind(t.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn thresholds(conn: &mut AnyConnection) -> Result<Vec<ThresholdRow>> {
    Ok(sqlx::query_as("SELECT scope, yellow_days, yellow_percent, updated_at FROM warning_thresholds ORDER BY scope")
        .fetch_all(conn)
        .await?)
}

/// The deadline a case is watched against, if any.
pub async fn watch_of_case(conn: &mut AnyConnection, case_id: &str) -> Result<Option<WatchRow>> {
    Ok(sqlx::query_as(
        "SELECT case_id, case_number, kind, due_date, yellow_from, region, department, responsible
         FROM case_watch WHERE case_id = $1",
    )
    .bind(case_id)
    .fetch_optional(conn)
    .await?)
}
