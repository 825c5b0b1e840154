//! The outbox (migration 0028): events written in the transaction of the change they
//! describe, each sink's position in them, and the dead letters a sink refused.

use sqlx::{AnyConnection, Row};

use crate::Result;
use crate::command::{Arg, Batch};

/// An event as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    /// The idempotency key consumers see.
    pub id: String,
    pub topic: String,
    /// "case:<id>", "ticket:<id>", …
    pub aggregate: String,
    /// JSON.
    pub payload: String,
    pub created_at: i64,
}

/// An event as read back, with its place in the delivery order.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Stored {
    pub seq: i64,
    pub id: String,
    pub topic: String,
    pub aggregate: String,
    pub payload: String,
    pub created_at: i64,
}

/// The insert of `rows`, added to a batch (so that they commit with the change they
/// describe): one statement, whose rows take their sequence numbers in the order given. (On
/// PostgreSQL a batch may go as one statement of `WITH` queries, which PostgreSQL runs in an
/// order of its own: one insert per row there could number a command's events backwards.)
pub(crate) fn push_all<'a>(b: &mut Batch<'a>, rows: &'a [OutboxRow]) {
    if rows.is_empty() {
        return;
    }
    let mut sql =
        String::from("INSERT INTO outbox (id, topic, aggregate, payload, created_at) VALUES ");
    let mut args = Vec::with_capacity(rows.len() * 5);
    for (i, r) in rows.iter().enumerate() {
        sql.push_str(if i == 0 {
            "(?, ?, ?, ?, ?)"
        } else {
            ", (?, ?, ?, ?, ?)"
        });
        args.extend([
            Arg::Text(&r.id),
            Arg::Text(&r.topic),
            Arg::Text(&r.aggregate),
            Arg::Text(&r.payload),
            Arg::Int(r.created_at),
        ]);
    }
    b.push(sql, args);
}

/// Writes events inside the caller's transaction.
pub async fn insert(conn: &mut AnyConnection, rows: &[OutboxRow]) -> Result<()> {
    let mut b = Batch::default();
    push_all(&mut b, rows);
    b.run(conn).await?;
    Ok(())
}

/// Runs the relay's writes as a transaction of their own, never grouped with others: their
/// `RETURNING` may answer no row (a lease held elsewhere) or many (pruning), which the
/// grouping of case commands cannot tell apart (see `group`).
async fn alone(store: &crate::Store, b: Batch<'_>) -> Result<Vec<sqlx::any::AnyRow>> {
    let mut tx = store.begin().await?;
    let rows = b.run(&mut tx).await?;
    tx.commit().await?;
    Ok(rows)
}

const COLS: &str = "SELECT seq, id, topic, aggregate, payload, created_at FROM outbox";

/// Events after `position`, in order.
pub async fn after(conn: &mut AnyConnection, position: i64, limit: i64) -> Result<Vec<Stored>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{COLS} WHERE seq > $1 ORDER BY seq LIMIT $2"
    )))
    .bind(position)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Events written at or after `since` (ms), in order, a page at a time after `seq`.
pub async fn since(
    conn: &mut AnyConnection,
    since: i64,
    after_seq: i64,
    limit: i64,
) -> Result<Vec<Stored>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{COLS} WHERE created_at >= $1 AND seq > $2 ORDER BY seq LIMIT $3"
    )))
    .bind(since)
    .bind(after_seq)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// The newest sequence number (0 when empty).
pub async fn head(conn: &mut AnyConnection) -> Result<i64> {
    let (n,): (Option<i64>,) = sqlx::query_as("SELECT MAX(seq) FROM outbox")
        .fetch_one(conn)
        .await?;
    Ok(n.unwrap_or(0))
}

/// A sink's position, as its deliverer holds it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Cursor {
    pub sink: String,
    pub position: i64,
    pub delivered: i64,
    pub attempts: i64,
    pub retry_at: i64,
    pub last_error: Option<String>,
    pub lease_owner: Option<String>,
    pub lease_until: i64,
    pub updated_at: i64,
}

const CURSOR_COLS: &str = "sink, position, delivered, attempts, retry_at, last_error, lease_owner, lease_until, updated_at";

/// Takes (or keeps) the right to deliver for `sink` until `now + lease_ms`: granted when no
/// one holds it, the holder is `owner`, or the holder's lease ran out (a node that died).
/// Returns the cursor when granted.
pub async fn claim(
    store: &crate::Store,
    sink: &str,
    owner: &str,
    now: i64,
    lease_ms: i64,
) -> Result<Option<Cursor>> {
    let mut b = Batch::default();
    b.push(
        "INSERT INTO outbox_cursors (sink, updated_at) VALUES (?, ?) ON CONFLICT (sink) DO NOTHING",
        vec![Arg::Text(sink), Arg::Int(now)],
    );
    b.push(
        format!(
            "UPDATE outbox_cursors SET lease_owner = ?, lease_until = ?
             WHERE sink = ? AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ?)
             RETURNING {CURSOR_COLS}"
        ),
        vec![
            Arg::Text(owner),
            Arg::Int(now + lease_ms),
            Arg::Text(sink),
            Arg::Text(owner),
            Arg::Int(now),
        ],
    );
    let rows = alone(store, b).await?;
    rows.first().map(cursor_of).transpose()
}

fn cursor_of(r: &sqlx::any::AnyRow) -> Result<Cursor> {
    Ok(Cursor {
        sink: r.try_get(0)?,
        position: r.try_get(1)?,
        delivered: r.try_get(2)?,
        attempts: r.try_get(3)?,
        retry_at: r.try_get(4)?,
        last_error: r.try_get(5)?,
        lease_owner: r.try_get(6)?,
        lease_until: r.try_get(7)?,
        updated_at: r.try_get(8)?,
    })
}

/// Moves a sink's position on after `delivered` more events (failures forgotten). False when
/// `owner` no longer holds the lease: another node has taken over, and this one stops.
/// (A position lost in a crash only means those events go again, which consumers'
/// idempotency keys absorb.)
pub async fn advance(
    store: &crate::Store,
    sink: &str,
    owner: &str,
    position: i64,
    delivered: i64,
    now: i64,
) -> Result<bool> {
    let mut b = Batch::default();
    b.push(
        "UPDATE outbox_cursors SET position = ?, delivered = delivered + ?, attempts = 0,
         retry_at = 0, last_error = NULL, updated_at = ?
         WHERE sink = ? AND lease_owner = ? AND position <= ? RETURNING position",
        vec![
            Arg::Int(position),
            Arg::Int(delivered),
            Arg::Int(now),
            Arg::Text(sink),
            Arg::Text(owner),
            Arg::Int(position),
        ],
    );
    Ok(!alone(store, b).await?.is_empty())
}

/// Records a failed attempt at the event after the position.
pub async fn failed(
    store: &crate::Store,
    sink: &str,
    owner: &str,
    attempts: i64,
    retry_at: i64,
    error: &str,
    now: i64,
) -> Result<bool> {
    let mut b = Batch::default();
    b.push(
        "UPDATE outbox_cursors SET attempts = ?, retry_at = ?, last_error = ?, updated_at = ?
         WHERE sink = ? AND lease_owner = ? RETURNING position",
        vec![
            Arg::Int(attempts),
            Arg::Int(retry_at),
            Arg::Text(error),
            Arg::Int(now),
            Arg::Text(sink),
            Arg::Text(owner),
        ],
    );
    Ok(!alone(store, b).await?.is_empty())
}

/// Sets an event aside as a dead letter and moves the position past it, in one transaction.
pub async fn bury(
    store: &crate::Store,
    sink: &str,
    owner: &str,
    seq: i64,
    attempts: i64,
    error: &str,
    now: i64,
) -> Result<bool> {
    let mut b = Batch::default();
    b.push(
        "INSERT INTO outbox_dead (sink, seq, attempts, last_error, dead_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (sink, seq) DO UPDATE SET attempts = excluded.attempts,
         last_error = excluded.last_error, dead_at = excluded.dead_at, replay = 0",
        vec![
            Arg::Text(sink),
            Arg::Int(seq),
            Arg::Int(attempts),
            Arg::Text(error),
            Arg::Int(now),
        ],
    );
    b.push(
        "UPDATE outbox_cursors SET position = ?, attempts = 0, retry_at = 0, last_error = NULL,
         updated_at = ? WHERE sink = ? AND lease_owner = ? RETURNING position",
        vec![
            Arg::Int(seq),
            Arg::Int(now),
            Arg::Text(sink),
            Arg::Text(owner),
        ],
    );
    Ok(!alone(store, b).await?.is_empty())
}

/// Every sink's cursor, for the administrator's page.
pub async fn cursors(conn: &mut AnyConnection) -> Result<Vec<Cursor>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {CURSOR_COLS} FROM outbox_cursors ORDER BY sink"
    )))
    .fetch_all(conn)
    .await?)
}

/// A dead letter with its event.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Dead {
    pub sink: String,
    pub seq: i64,
    pub attempts: i64,
    pub last_error: String,
    pub dead_at: i64,
    pub replay: i64,
    pub replayed_at: Option<i64>,
    pub topic: String,
    pub aggregate: String,
    pub id: String,
}

const DEAD: &str = "SELECT d.sink, d.seq, d.attempts, d.last_error, d.dead_at, d.replay,
    d.replayed_at, o.topic, o.aggregate, o.id FROM outbox_dead d JOIN outbox o ON o.seq = d.seq";

/// Dead letters not yet delivered by a replay, newest first.
pub async fn dead_letters(conn: &mut AnyConnection, limit: i64) -> Result<Vec<Dead>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{DEAD} WHERE d.replayed_at IS NULL ORDER BY d.dead_at DESC, d.seq DESC LIMIT $1"
    )))
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Asks for a dead letter to be sent again; false when there is none undelivered.
pub async fn ask_replay(conn: &mut AnyConnection, sink: &str, seq: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE outbox_dead SET replay = 1 WHERE sink = $1 AND seq = $2 AND replayed_at IS NULL",
    )
    .bind(sink)
    .bind(seq)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Dead letters of `sink` an administrator asked to send again, oldest first.
pub async fn replays_due(conn: &mut AnyConnection, sink: &str, limit: i64) -> Result<Vec<Stored>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{COLS} WHERE seq IN (SELECT seq FROM outbox_dead WHERE sink = $1 AND replay = 1
         AND replayed_at IS NULL) ORDER BY seq LIMIT $2"
    )))
    .bind(sink)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// The outcome of a replay: delivered (kept, with its time, for the record) or refused again.
pub async fn replayed(
    store: &crate::Store,
    sink: &str,
    seq: i64,
    error: Option<&str>,
    now: i64,
) -> Result<()> {
    let mut b = Batch::default();
    match error {
        None => b.push(
            "UPDATE outbox_dead SET replay = 0, replayed_at = ? WHERE sink = ? AND seq = ?",
            vec![Arg::Int(now), Arg::Text(sink), Arg::Int(seq)],
        ),
        Some(e) => b.push(
            "UPDATE outbox_dead SET replay = 0, attempts = attempts + 1, last_error = ?,
             dead_at = ? WHERE sink = ? AND seq = ?",
            vec![Arg::Text(e), Arg::Int(now), Arg::Text(sink), Arg::Int(seq)],
        ),
    }
    alone(store, b).await?;
    Ok(())
}

/// Deletes events written before `before` that every sink in `sinks` has passed, except
/// undelivered dead letters. Returns how many went.
pub async fn prune(store: &crate::Store, before: i64, sinks: &[String]) -> Result<u64> {
    let mut conn = store.conn().await?;
    let mut upto = head(&mut conn).await?;
    for s in sinks {
        let p: Option<(i64,)> =
            sqlx::query_as("SELECT position FROM outbox_cursors WHERE sink = $1")
                .bind(s)
                .fetch_optional(&mut *conn)
                .await?;
        upto = upto.min(p.map(|p| p.0).unwrap_or(0));
    }
    drop(conn);
    let mut b = Batch::default();
    b.push(
        "DELETE FROM outbox WHERE seq <= ? AND created_at < ?
         AND seq NOT IN (SELECT seq FROM outbox_dead WHERE replayed_at IS NULL)
         RETURNING seq",
        vec![Arg::Int(upto), Arg::Int(before)],
    );
    Ok(alone(store, b).await?.len() as u64)
}

/// The oldest transaction still running and the horizon for a hole seen now
/// (`domain::outbox::deliverable`); see [`crate::db::snapshot_horizon`].
pub async fn horizon(conn: &mut AnyConnection) -> Result<(i64, i64)> {
    crate::db::snapshot_horizon(conn).await
}

/// For tests: moves a sink's position back by `by` and lets its lease run out, as if its node
/// had died after delivering but before recording the position.
#[cfg(feature = "testing")]
pub async fn testing_rewind(conn: &mut AnyConnection, sink: &str, by: i64) -> Result<()> {
    sqlx::query(
        "UPDATE outbox_cursors SET position = position - $1, lease_until = 0 WHERE sink = $2",
    )
    .bind(by)
    .bind(sink)
    .execute(conn)
    .await?;
    Ok(())
}
