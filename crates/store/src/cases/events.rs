//! A case's audit events (the hash chain is built by the app) and the log of staff views.

use sqlx::{AnyConnection, AssertSqlSafe};

use crate::Result;
use crate::command::{Arg, Batch};

use super::*;

/// The sequence number and hash of a case's latest event.
pub async fn last_event(conn: &mut AnyConnection, case_id: &str) -> Result<Option<(i64, String)>> {
    Ok(sqlx::query_as(
        "SELECT seq, hash FROM case_events WHERE case_id = $1 ORDER BY seq DESC LIMIT 1",
    )
    .bind(case_id)
    .fetch_optional(conn)
    .await?)
}

/// When a case last changed: its latest event's time (Unix milliseconds).
pub async fn last_event_at(conn: &mut AnyConnection, case_id: &str) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT at FROM case_events WHERE case_id = $1 ORDER BY seq DESC LIMIT 1",
    )
    .bind(case_id)
    .fetch_optional(conn)
    .await?)
}

pub async fn append_event(conn: &mut AnyConnection, e: &EventRow) -> Result<()> {
    let mut b = Batch::default();
    push_event(&mut b, e);
    b.run(conn).await?;
    Ok(())
}

/// The insert of [`append_event`], added to a batch.
pub(crate) fn push_event<'a>(b: &mut Batch<'a>, e: &'a EventRow) {
    b.push(
        "INSERT INTO case_events (case_id, seq, at, actor, role, kind, payload, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        vec![
            Arg::Text(&e.case_id),
            Arg::Int(e.seq),
            Arg::Int(e.at),
            Arg::Text(&e.actor),
            Arg::Text(&e.role),
            Arg::Text(&e.kind),
            Arg::Text(&e.payload),
            Arg::Text(&e.prev_hash),
            Arg::Text(&e.hash),
        ],
    );
}

pub(super) const EVENT_COLS: &str =
    "SELECT case_id, seq, at, actor, role, kind, payload, prev_hash, hash FROM case_events";

/// [`events`] as a fresh read outside any transaction, on the asking thread on SQLite: for
/// the pages that show a case (a case has tens of events, not thousands).
pub async fn read_events(c: &mut crate::Conn, case_id: &str) -> Result<Vec<EventRow>> {
    static SQL: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| format!("{EVENT_COLS} WHERE case_id = $1 ORDER BY seq"));
    c.read_all(SQL.as_str(), &[Arg::Text(case_id)]).await
}

pub async fn events(conn: &mut AnyConnection, case_id: &str) -> Result<Vec<EventRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "{EVENT_COLS} WHERE case_id = $1 ORDER BY seq"
    )))
    .bind(case_id)
    .fetch_all(conn)
    .await?)
}

/// Events of every case, in chain order, a page at a time (for `audit verify`): rows after
/// `(case_id, seq)`.
pub async fn events_after(
    conn: &mut AnyConnection,
    case_id: &str,
    seq: i64,
    limit: i64,
) -> Result<Vec<EventRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        // A row-value comparison is an index range on both backends; the equivalent OR made
        // PostgreSQL scan from the start for every page (hours over 13 million events).
        "{EVENT_COLS} WHERE (case_id, seq) > ($1, $2) ORDER BY case_id, seq LIMIT $3"
    )))
    .bind(case_id)
    .bind(seq)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Records that `actor` read personal data of a case: a transaction of its own (one query on
/// SQLite), durable before this returns.
pub async fn log_access(store: &crate::Store, a: &Access<'_>) -> Result<()> {
    let mut b = Batch::default();
    b.push(
        "INSERT INTO access_log (at, actor, case_id, what, subject) VALUES (?, ?, ?, ?, ?)",
        vec![
            Arg::Int(a.at),
            Arg::Text(a.actor),
            Arg::Text(a.record),
            Arg::Text(a.what),
            Arg::Text(a.subject),
        ],
    );
    store.run_batch(b).await?;
    Ok(())
}

/// A staff read of someone's personal data, for the access log.
pub struct Access<'a> {
    pub at: i64,
    /// The staff account that read.
    pub actor: &'a str,
    /// Whose data: their login (ID number or credit code).
    pub subject: &'a str,
    /// What was read: a case id, `license:<id>`, `coverage:<item code>`.
    pub record: &'a str,
    /// Why, in words the person reads on their page.
    pub what: &'a str,
}

/// The reads of one person's data, newest first: (at, staff account, record, what).
pub async fn reads_of(
    conn: &mut AnyConnection,
    subject: &str,
    limit: i64,
) -> Result<Vec<(i64, String, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT at, actor, case_id, what FROM access_log WHERE subject = $1 ORDER BY at DESC LIMIT $2",
    )
    .bind(subject)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Who read a case's personal data, newest first. (Only tests read the log so far.)
#[cfg(feature = "testing")]
pub async fn access_log(
    conn: &mut AnyConnection,
    case_id: &str,
) -> Result<Vec<(i64, String, String)>> {
    Ok(
        sqlx::query_as(
            "SELECT at, actor, what FROM access_log WHERE case_id = $1 ORDER BY at DESC",
        )
        .bind(case_id)
        .fetch_all(conn)
        .await?,
    )
}

/// A case row as `audit verify` checks it against its chain.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CaseSeal {
    pub id: String,
    pub state: String,
    pub data: String,
    pub head_seq: Option<i64>,
    pub head_hash: Option<String>,
}

/// Cases after `id` in id order, a page at a time.
pub async fn seals_after(conn: &mut AnyConnection, id: &str, limit: i64) -> Result<Vec<CaseSeal>> {
    Ok(sqlx::query_as(
        "SELECT id, state, data, head_seq, head_hash FROM cases WHERE id > $1 ORDER BY id LIMIT $2",
    )
    .bind(id)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// One event of a case's chain.
pub async fn event_at(
    conn: &mut AnyConnection,
    case_id: &str,
    seq: i64,
) -> Result<Option<EventRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "{EVENT_COLS} WHERE case_id = $1 AND seq = $2"
    )))
    .bind(case_id)
    .bind(seq)
    .fetch_optional(conn)
    .await?)
}

/// A numbered case and the (seq, kind) of its events, for reconciling with the upper
/// platform (`onewindow push verify`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseTrail {
    pub number: String,
    pub state: String,
    pub events: Vec<(i64, String)>,
}

/// Every numbered case created at or after `since_ms`, with its events' kinds, by number.
pub async fn trails_since(conn: &mut AnyConnection, since_ms: i64) -> Result<Vec<CaseTrail>> {
    let rows: Vec<(String, String, i64, String)> = sqlx::query_as(
        "SELECT c.number, c.state, e.seq, e.kind FROM cases c JOIN case_events e ON e.case_id = c.id
          WHERE c.created_at >= $1 AND c.number <> '' AND c.state <> 'draft'
          ORDER BY c.number, e.seq",
    )
    .bind(since_ms)
    .fetch_all(conn)
    .await?;
    let mut out: Vec<CaseTrail> = Vec::new();
    for (number, state, seq, kind) in rows {
        match out.last_mut() {
            Some(t) if t.number == number => t.events.push((seq, kind)),
            _ => out.push(CaseTrail {
                number,
                state,
                events: vec![(seq, kind)],
            }),
        }
    }
    Ok(out)
}
