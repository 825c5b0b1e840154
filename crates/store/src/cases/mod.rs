//! Cases, their audit events and case numbers.

mod bulk;
mod events;
pub mod points;

use domain::case::Case;
use sqlx::{AnyConnection, AssertSqlSafe};

use crate::command::{Arg, Batch};
use crate::{Result, StoreError};

pub use bulk::*;
pub use events::*;

/// The copies of case fields kept in columns for queues; the app computes them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseIndex {
    pub queue_role: Option<String>,
    pub due_date: Option<String>,
    /// Set while a 告知承诺 approval awaits verification (YYYY-MM-DD).
    pub verify_due: Option<String>,
    /// The earliest due date of pending (容缺) materials (YYYY-MM-DD).
    pub tolerance_due: Option<String>,
}

/// One stored audit event.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct EventRow {
    pub case_id: String,
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub role: String,
    pub kind: String,
    pub payload: String,
    pub prev_hash: String,
    pub hash: String,
}

pub(super) const CASE_COLS: &str = "id, number, region, department, item_code, item_version, applicant_id, state, queue_role, claimed_by, due_date, data, version, created_at, updated_at, verify_due, agent_id, tolerance_due, intake_point, pickup_point";
/// How many columns `CASE_COLS` names.
pub(super) const CASE_COL_COUNT: usize = 20;

pub async fn insert_case(
    conn: &mut AnyConnection,
    c: &Case,
    idx: &CaseIndex,
    now: i64,
) -> Result<()> {
    let mut b = Batch::default();
    push_insert_case(&mut b, c, idx, now)?;
    b.run(conn).await?;
    Ok(())
}

/// The insert of [`insert_case`], added to a batch.
pub(crate) fn push_insert_case<'a>(
    b: &mut Batch<'a>,
    c: &'a Case,
    idx: &'a CaseIndex,
    now: i64,
) -> Result<()> {
    let sql = format!(
        "INSERT INTO cases ({CASE_COLS}) VALUES ({})",
        ["?"; CASE_COL_COUNT].join(", ")
    );
    b.push(sql, case_args(c, idx, now, now)?);
    Ok(())
}

pub(crate) type Insert<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// One case's values in the order of `CASE_COLS`.
pub(super) fn case_args<'a>(
    c: &'a Case,
    idx: &'a CaseIndex,
    created_at: i64,
    updated_at: i64,
) -> Result<Vec<Arg<'a>>> {
    Ok(vec![
        Arg::Text(&c.id),
        Arg::Text(&c.number),
        Arg::Text(&c.region),
        Arg::Text(&c.department),
        Arg::Text(&c.item_code),
        Arg::Int(c.item_version),
        Arg::Text(&c.applicant_id),
        Arg::Text(c.state.as_str()),
        Arg::Opt(idx.queue_role.as_deref()),
        Arg::Opt(c.claimed_by.as_deref()),
        Arg::Opt(idx.due_date.as_deref()),
        Arg::Owned(serde_json::to_string(c)?),
        Arg::Int(c.version),
        Arg::Int(created_at),
        Arg::Int(updated_at),
        Arg::Opt(idx.verify_due.as_deref()),
        Arg::Opt(c.agent_id.as_deref()),
        Arg::Opt(idx.tolerance_due.as_deref()),
        Arg::Opt(c.relay.as_ref().map(|r| r.received_at.code.as_str())),
        Arg::Opt(c.relay.as_ref().map(|r| r.pickup.code.as_str())),
    ])
}

/// Saves `c` if the stored row still has `c.version - 1`; otherwise someone else changed the
/// case first and this is a conflict.
pub async fn update_case(
    conn: &mut AnyConnection,
    c: &Case,
    idx: &CaseIndex,
    now: i64,
) -> Result<()> {
    let r = sqlx::query(
        "UPDATE cases SET number = $1, state = $2, queue_role = $3, claimed_by = $4, due_date = $5, data = $6, version = $7, updated_at = $8,
           verify_due = $11, tolerance_due = $12
         WHERE id = $9 AND version = $10",
    )
    .bind(c.number.as_str())
    .bind(c.state.as_str())
    .bind(&idx.queue_role)
    .bind(&c.claimed_by)
    .bind(&idx.due_date)
    .bind(serde_json::to_string(c)?)
    .bind(c.version)
    .bind(now)
    .bind(c.id.as_str())
    .bind(c.version - 1)
    .bind(&idx.verify_due)
    .bind(&idx.tolerance_due)
    .execute(conn)
    .await?;
    if r.rows_affected() == 0 {
        return Err(StoreError::Conflict {
            field: "version".into(),
        });
    }
    Ok(())
}

pub(crate) fn decode(data: &str) -> Result<Case> {
    Ok(serde_json::from_str(data)?)
}

/// [`get_case`] as a fresh read outside any transaction, on the asking thread on SQLite.
pub async fn read_case(c: &mut crate::Conn, id: &str) -> Result<Option<Case>> {
    let sql = "SELECT data FROM cases WHERE id = $1";
    one_case(c.read_row(sql, &[crate::command::Arg::Text(id)]).await?)
}

/// [`find_by_number`] as a fresh read outside any transaction, on the asking thread on SQLite.
pub async fn read_by_number(c: &mut crate::Conn, number: &str) -> Result<Option<Case>> {
    let sql = "SELECT data FROM cases WHERE number = $1 AND number <> ''";
    one_case(
        c.read_row(sql, &[crate::command::Arg::Text(number)])
            .await?,
    )
}

fn one_case(row: Option<sqlx::any::AnyRow>) -> Result<Option<Case>> {
    use sqlx::Row;
    row.map(|r| decode(&r.try_get::<String, _>(0)?)).transpose()
}

pub async fn get_case(conn: &mut AnyConnection, id: &str) -> Result<Option<Case>> {
    let data: Option<String> = sqlx::query_scalar("SELECT data FROM cases WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    data.as_deref().map(decode).transpose()
}

/// What a command decides on and writes after: the case, its latest event (the command's
/// events chain after it) and the deadline it is watched against (unchanged, it is not
/// written again).
pub struct CaseForCommand {
    pub case: Case,
    /// The case's columns as stored, so that a command's update sets only those it changes.
    pub columns: CaseColumns,
    /// The latest event's sequence number and hash: the head the case row keeps (a trigger
    /// moves it with every event appended, migration 0019), read without the events.
    pub tail: Option<(i64, String)>,
    pub watch: Option<crate::supervision::WatchRow>,
    /// Its statistics row as stored (none for a draft), and when it was created (ms): the
    /// day it counts on once received.
    pub stats: Option<domain::stats::CaseStat>,
    pub created_at: i64,
    /// The bundle application (一件事) the case is a member of, if any: a member's edit
    /// may name the uploads the bundle claimed, and its approval lets the bundle go on.
    /// Read here so that neither costs a query of its own.
    pub bundle: Option<String>,
}

/// The columns of a case row that a command may change besides its data, version and time.
/// Each is in at least one index, and an `UPDATE` that sets a column rewrites every index
/// holding it (a changed page each, in the write-ahead log), even to the same value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseColumns {
    pub number: String,
    pub state: String,
    pub claimed_by: Option<String>,
    pub index: CaseIndex,
}

/// [`CaseForCommand`] in one query: every case command starts here. A fresh read outside
/// any transaction (the write checks the version it read), on the asking thread on SQLite.
pub async fn get_for_command(c: &mut crate::Conn, id: &str) -> Result<Option<CaseForCommand>> {
    use sqlx::Row;
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "SELECT c.data, c.number AS c_number, c.state AS c_state, c.claimed_by AS c_claimed_by,
                c.queue_role AS c_queue_role, c.due_date AS c_due_date,
                c.verify_due AS c_verify_due, c.tolerance_due AS c_tolerance_due, c.created_at AS c_created_at,
                c.head_seq AS seq, c.head_hash AS hash, w.case_number, w.kind, w.due_date, w.yellow_from,
                w.region, w.department, w.responsible, {},
                (SELECT b.bundle_case_id FROM bundle_children b WHERE b.case_id = c.id LIMIT 1) AS bundle
         FROM cases c
         LEFT JOIN case_watch w ON w.case_id = c.id
         LEFT JOIN case_stats s ON s.case_id = c.id
         WHERE c.id = $1",
            crate::stats::select_cols("s", "s_")
        )
    });
    let row = c
        .read_row(SQL.as_str(), &[crate::command::Arg::Text(id)])
        .await?;
    let Some(r) = row else { return Ok(None) };
    let seq: Option<i64> = r.try_get("seq")?;
    let hash: Option<String> = r.try_get("hash")?;
    let kind: Option<String> = r.try_get("kind")?;
    let watch = match kind {
        Some(kind) => Some(crate::supervision::WatchRow {
            case_id: id.to_string(),
            case_number: r.try_get("case_number")?,
            kind,
            due_date: r.try_get("due_date")?,
            yellow_from: r.try_get("yellow_from")?,
            region: r.try_get("region")?,
            department: r.try_get("department")?,
            responsible: r.try_get("responsible")?,
        }),
        None => None,
    };
    let columns = CaseColumns {
        number: r.try_get("c_number")?,
        state: r.try_get("c_state")?,
        claimed_by: r.try_get("c_claimed_by")?,
        index: CaseIndex {
            queue_role: r.try_get("c_queue_role")?,
            due_date: r.try_get("c_due_date")?,
            verify_due: r.try_get("c_verify_due")?,
            tolerance_due: r.try_get("c_tolerance_due")?,
        },
    };
    Ok(Some(CaseForCommand {
        case: decode(&r.try_get::<String, _>("data")?)?,
        columns,
        tail: seq.zip(hash),
        watch,
        stats: crate::stats::from_row(&r, "s_")?,
        created_at: r.try_get("c_created_at")?,
        bundle: r.try_get("bundle")?,
    }))
}

pub async fn find_by_number(conn: &mut AnyConnection, number: &str) -> Result<Option<Case>> {
    let data: Option<String> =
        sqlx::query_scalar("SELECT data FROM cases WHERE number = $1 AND number <> ''")
            .bind(number)
            .fetch_optional(conn)
            .await?;
    data.as_deref().map(decode).transpose()
}

/// An applicant's cases, newest first.
pub async fn list_for_applicant(
    conn: &mut AnyConnection,
    applicant_id: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Case>, i64)> {
    let (rows, total) = list_with_due(conn, applicant_id, limit, offset).await?;
    Ok((rows.into_iter().map(|(c, _)| c).collect(), total))
}

/// An applicant's cases (filed by them or for them) with their promised deadline, newest
/// first; drafts they deleted (withdrawn unfiled: no number) are left out.
pub async fn list_with_due(
    conn: &mut AnyConnection,
    applicant_id: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<(Case, Option<String>)>, i64)> {
    const MINE: &str =
        "(applicant_id = $1 OR agent_id = $1) AND NOT (state = 'withdrawn' AND number = '')";
    let rows: Vec<(String, Option<String>)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT data, due_date FROM cases WHERE {MINE} ORDER BY updated_at DESC LIMIT $2 OFFSET $3"
    )))
    .bind(applicant_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *conn)
    .await?;
    let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM cases WHERE {MINE}"
    )))
    .bind(applicant_id)
    .fetch_one(conn)
    .await?;
    let rows = rows
        .iter()
        .map(|(d, due)| Ok((decode(d)?, due.clone())))
        .collect::<Result<_>>()?;
    Ok((rows, total))
}

/// The applicant's latest online draft of an item, to resume instead of starting another.
pub async fn open_draft(
    conn: &mut AnyConnection,
    applicant_id: &str,
    item_code: &str,
    subject: &domain::subject::Subject,
) -> Result<Option<Case>> {
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT data FROM cases WHERE applicant_id = $1 AND item_code = $2 AND state = 'draft'
         ORDER BY created_at DESC LIMIT 20",
    )
    .bind(applicant_id)
    .bind(item_code)
    .fetch_all(conn)
    .await?;
    for d in rows {
        let c = decode(&d)?;
        // Only the applicant's own online draft about the same subject: not one a clerk or
        // an agent started.
        if c.channel == domain::case::Channel::Online
            && c.agent_id.is_none()
            && c.subject == *subject
        {
            return Ok(Some(c));
        }
    }
    Ok(None)
}

/// How many rows a list holds, counted up to a cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Total {
    /// The count; the cap when `capped`.
    pub count: i64,
    /// There are more than `count`.
    pub capped: bool,
}

/// Narrows a work queue: one typed value that is a case number, an item (code or exact
/// name) or an applicant (login or exact name), and only cases past their deadline.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub search: Option<String>,
    /// Only cases due before this day (YYYY-MM-DD): today gives the overdue ones.
    pub due_before: Option<String>,
    /// Also cases received or collected at these service points (a clerk's queue holds what
    /// their points received for other offices and the results coming back to them).
    pub points: Vec<String>,
}

/// A work queue: cases waiting for `role` in `regions` (and `department` when given), the
/// nearest deadline first.
/// Each case comes with its due date (YYYY-MM-DD), the key the queue is sorted by. The total
/// is counted up to `count_cap`: a count of every waiting case reads the whole queue's index,
/// which grows with the backlog (most of a busy queue page's time at 1 000 000 cases).
pub async fn queue(
    conn: &mut AnyConnection,
    role: &str,
    regions: &[String],
    department: Option<&str>,
    limit: i64,
    offset: i64,
    count_cap: i64,
) -> Result<(Vec<(Case, Option<String>)>, Total)> {
    let all = QueueFilter::default();
    queue_matching(
        conn, role, regions, department, &all, limit, offset, count_cap,
    )
    .await
}

/// Binds `v` as the next argument (after the role, which is `$1`) and returns its placeholder.
fn next<'a>(args: &mut Vec<&'a str>, v: &'a str) -> String {
    args.push(v);
    format!("${}", args.len() + 1)
}

/// [`queue`] narrowed by `filter`.
#[allow(clippy::too_many_arguments)]
pub async fn queue_matching(
    conn: &mut AnyConnection,
    role: &str,
    regions: &[String],
    department: Option<&str>,
    filter: &QueueFilter,
    limit: i64,
    offset: i64,
    count_cap: i64,
) -> Result<(Vec<(Case, Option<String>)>, Total)> {
    if regions.is_empty() {
        return Ok((
            vec![],
            Total {
                count: 0,
                capped: false,
            },
        ));
    }
    // Every value after the role is bound in the order its placeholder appears.
    let mut args: Vec<&str> = regions.iter().map(String::as_str).collect();
    let marks: Vec<String> = (0..regions.len()).map(|i| format!("${}", i + 2)).collect();
    let mut clause = format!("region IN ({})", marks.join(", "));
    if let Some(d) = department {
        clause.push_str(&format!(" AND department = {}", next(&mut args, d)));
    }
    if !filter.points.is_empty() {
        let mut at = |col: &str| {
            let m: Vec<String> = filter.points.iter().map(|p| next(&mut args, p)).collect();
            format!(" OR {col} IN ({})", m.join(", "))
        };
        let intake = at("intake_point");
        let pickup = at("pickup_point");
        clause = format!("({clause}{intake}{pickup})");
    }
    let mut clause = format!("queue_role = $1 AND {clause}");
    if let Some(q) = filter.search.as_deref() {
        let m: Vec<String> = (0..5).map(|_| next(&mut args, q)).collect();
        clause.push_str(&format!(
            " AND (number = {} OR item_code = {} OR item_code IN (SELECT code FROM items WHERE name = {}) \
             OR applicant_id IN (SELECT id FROM accounts WHERE login = {} OR display_name = {}))",
            m[0], m[1], m[2], m[3], m[4]
        ));
    }
    if let Some(d) = filter.due_before.as_deref() {
        clause.push_str(&format!(" AND due_date < {}", next(&mut args, d)));
    }
    let n = args.len() + 1;
    let sql = format!(
        "SELECT data, due_date FROM cases WHERE {clause} ORDER BY COALESCE(due_date, '9999-12-31'), created_at LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let mut q = sqlx::query_as::<_, (String, Option<String>)>(AssertSqlSafe(sql)).bind(role);
    let mut c = sqlx::query_scalar::<_, i64>(AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM cases WHERE {clause} LIMIT ${}) AS waiting",
        n + 1
    )))
    .bind(role);
    for a in args {
        q = q.bind(a);
        c = c.bind(a);
    }
    let rows = q.bind(limit).bind(offset).fetch_all(&mut *conn).await?;
    let count = c.bind(count_cap.saturating_add(1)).fetch_one(conn).await?;
    let total = Total {
        count: count.min(count_cap),
        capped: count > count_cap,
    };
    let cases = rows
        .into_iter()
        .map(|(d, due)| Ok((decode(&d)?, due)))
        .collect::<Result<_>>()?;
    Ok((cases, total))
}

/// Allocates the next number of the day for a region (1, 2, ...).
pub async fn next_case_number(conn: &mut AnyConnection, region: &str, day: &str) -> Result<i64> {
    drawn(next_number(region, day).run_ints(conn).await?)
}

/// Draws the next case number of `region` on `day` as a write of its own, before the command
/// that uses it. A command that then fails leaves a gap in the day's numbers; numbers stay
/// unique. Not waited on to reach the disk: the command's own durable commit comes later in
/// the log and so carries it too.
pub async fn reserve_case_number(store: &crate::Store, region: &str, day: &str) -> Result<i64> {
    drawn(
        store
            .run_batch_with(next_number(region, day), false)
            .await?,
    )
}

pub(super) fn next_number<'a>(region: &'a str, day: &'a str) -> Batch<'a> {
    let mut b = Batch::default();
    b.push(
        "INSERT INTO case_numbers (region, day, last) VALUES (?, ?, 1)
         ON CONFLICT (region, day) DO UPDATE SET last = case_numbers.last + 1 RETURNING last",
        vec![Arg::Text(region), Arg::Text(day)],
    );
    b
}

/// The value a counter's `… RETURNING last` gave.
pub(crate) fn drawn(rows: Vec<i64>) -> Result<i64> {
    rows.first().copied().ok_or(StoreError::NotFound)
}

/// 告知承诺 approvals awaiting verification in `regions` (and `department`), earliest first.
pub async fn verification_due(
    conn: &mut AnyConnection,
    regions: &[String],
    department: Option<&str>,
    limit: i64,
) -> Result<Vec<(Case, String)>> {
    if regions.is_empty() {
        return Ok(vec![]);
    }
    let marks: Vec<String> = (0..regions.len()).map(|i| format!("${}", i + 1)).collect();
    let mut clause = format!(
        "verify_due IS NOT NULL AND region IN ({})",
        marks.join(", ")
    );
    let mut n = regions.len();
    if department.is_some() {
        n += 1;
        clause.push_str(&format!(" AND department = ${n}"));
    }
    let sql = format!(
        "SELECT data, verify_due FROM cases WHERE {clause} ORDER BY verify_due LIMIT ${}",
        n + 1
    );
    let mut q = sqlx::query_as::<_, (String, String)>(AssertSqlSafe(sql));
    for r in regions {
        q = q.bind(r);
    }
    if let Some(d) = department {
        q = q.bind(d);
    }
    let rows = q.bind(limit).fetch_all(conn).await?;
    rows.into_iter()
        .map(|(d, due)| Ok((decode(&d)?, due)))
        .collect()
}

/// Cases received (anything but drafts) created in [from, to) milliseconds, optionally of one
/// department, for statistics.
pub async fn received_between(
    conn: &mut AnyConnection,
    from: i64,
    to: i64,
    department: Option<&str>,
) -> Result<Vec<Case>> {
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT data FROM cases WHERE created_at >= $1 AND created_at < $2 AND state <> 'draft'
           AND ($3 = '' OR department = $3) ORDER BY created_at",
    )
    .bind(from)
    .bind(to)
    .bind(department.unwrap_or(""))
    .fetch_all(conn)
    .await?;
    rows.iter().map(|d| decode(d)).collect()
}

/// Received (non-draft) cases after `after` by id, with when each was created (ms): a page
/// of a walk through every case (the statistics' rebuild).
pub async fn received_page(
    conn: &mut AnyConnection,
    after: &str,
    limit: i64,
) -> Result<Vec<(i64, Case)>> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT created_at, data FROM cases WHERE id > $1 AND state <> 'draft' ORDER BY id LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|(at, d)| Ok((at, decode(&d)?)))
        .collect()
}

/// Cases with a pending material due before `today` (YYYY-MM-DD): an index range.
pub async fn tolerance_overdue(
    conn: &mut AnyConnection,
    today: &str,
    limit: i64,
) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM cases WHERE tolerance_due IS NOT NULL AND tolerance_due < $1 ORDER BY tolerance_due LIMIT $2",
    )
    .bind(today)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Who accepted and who decided each case received in [from, to) (from the audit trail):
/// (case id, event kind, actor id).
pub async fn acceptors_and_deciders(
    conn: &mut AnyConnection,
    from: i64,
    to: i64,
    department: Option<&str>,
) -> Result<Vec<(String, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT e.case_id, e.kind, e.actor FROM case_events e JOIN cases c ON c.id = e.case_id
         WHERE c.created_at >= $1 AND c.created_at < $2 AND e.kind IN ('accepted', 'decided')
           AND ($3 = '' OR c.department = $3)",
    )
    .bind(from)
    .bind(to)
    .bind(department.unwrap_or(""))
    .fetch_all(conn)
    .await?)
}
