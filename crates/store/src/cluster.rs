//! Several nodes on one database: leases that let one node run each periodic job, a record of
//! the rounds run (to check afterwards that none ran twice), and change messages that reach
//! every node at once (PostgreSQL `NOTIFY`; a SQLite database has one server, so there they
//! are not sent).

use sqlx::AnyConnection;
use sqlx::postgres::PgListener;

use crate::Result;
use crate::db::Backend;

/// The message `bump_meta` sends when the catalog's generation moves (an item published or
/// retired, a synonym saved, a catalog imported): nodes follow with their search index.
pub const CATALOG_CHANGED: &str = "catalog";

/// Takes or keeps `job` for `owner` until `now + lease_ms`: granted when nobody holds it, the
/// holder is `owner`, or the holder's lease ran out (its node died or stopped).
pub async fn claim(
    store: &crate::Store,
    job: &str,
    owner: &str,
    now: i64,
    lease_ms: i64,
) -> Result<bool> {
    let mut tx = store.begin().await?;
    let got: Option<String> = sqlx::query_scalar(
        "INSERT INTO job_leases (job, owner, lease_until, taken_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (job) DO UPDATE SET owner = excluded.owner,
             lease_until = excluded.lease_until,
             taken_at = CASE WHEN job_leases.owner = excluded.owner
                        THEN job_leases.taken_at ELSE excluded.taken_at END
         WHERE job_leases.owner = excluded.owner OR job_leases.lease_until < $4
         RETURNING owner",
    )
    .bind(job)
    .bind(owner)
    .bind(now + lease_ms)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(got.is_some())
}

/// Gives `job` up at once (a node stopping in order), so another node need not wait out the
/// lease.
pub async fn release(store: &crate::Store, job: &str, owner: &str) -> Result<()> {
    let mut tx = store.begin().await?;
    sqlx::query("UPDATE job_leases SET lease_until = 0 WHERE job = $1 AND owner = $2")
        .bind(job)
        .bind(owner)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Who holds `job` and until when.
pub async fn holder(conn: &mut AnyConnection, job: &str) -> Result<Option<(String, i64)>> {
    Ok(
        sqlx::query_as("SELECT owner, lease_until FROM job_leases WHERE job = $1")
            .bind(job)
            .fetch_optional(conn)
            .await?,
    )
}

/// How long rounds are kept for checking.
const KEEP_ROUNDS_MS: i64 = 7 * 86_400_000;

/// Writes down a round of `job` that `owner` ran from `started` to `finished`, and forgets
/// rounds older than a week.
pub async fn record_round(
    store: &crate::Store,
    job: &str,
    owner: &str,
    started: i64,
    finished: i64,
) -> Result<()> {
    let mut tx = store.begin().await?;
    sqlx::query(
        "INSERT INTO job_rounds (job, owner, started_at, finished_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING",
    )
    .bind(job)
    .bind(owner)
    .bind(started)
    .bind(finished)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM job_rounds WHERE job = $1 AND started_at < $2")
        .bind(job)
        .bind(started - KEEP_ROUNDS_MS)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Rounds of `job` recorded, and pairs of them that overlapped in time (a job run twice at
/// once; zero when the lease works).
pub async fn round_overlaps(conn: &mut AnyConnection, job: &str) -> Result<(i64, i64)> {
    let rounds: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM job_rounds WHERE job = $1")
        .bind(job)
        .fetch_one(&mut *conn)
        .await?;
    let overlaps: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM job_rounds a JOIN job_rounds b
           ON a.job = b.job AND (a.started_at < b.started_at
              OR (a.started_at = b.started_at AND a.owner < b.owner))
          AND b.started_at < a.finished_at
         WHERE a.job = $1",
    )
    .bind(job)
    .fetch_one(conn)
    .await?;
    Ok((rounds, overlaps))
}

/// Tells every node listening on this database `message`. Inside a transaction it is sent
/// at commit, and not at all on rollback (PostgreSQL holds notifications until then), so no
/// node acts on a change that did not happen. On SQLite: nothing (one server per file).
pub async fn announce(conn: &mut AnyConnection, message: &str) -> Result<()> {
    if Backend::of(conn) == Backend::Postgres {
        ANNOUNCED.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        sqlx::query("SELECT pg_notify('onewindow:' || current_schema(), $1)")
            .bind(message)
            .execute(conn)
            .await?;
    }
    Ok(())
}

static ANNOUNCED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many messages this process has sent (committed or not): the tests' barrier between
/// nodes has nothing to wait for when none was sent since it last waited.
pub fn announced() -> u64 {
    ANNOUNCED.load(std::sync::atomic::Ordering::Acquire)
}

/// The messages other nodes send (PostgreSQL only).
pub struct Listener {
    inner: PgListener,
}

/// What [`Listener::next`] got.
pub enum Heard {
    Message(String),
    /// The connection dropped and was made again: messages sent meanwhile are lost, so
    /// whatever they would have invalidated must be thrown away.
    Reconnected,
}

impl Listener {
    /// Listens on this database's channel; `None` on SQLite.
    pub async fn open(store: &crate::Store) -> Result<Option<Listener>> {
        let Some(url) = store.pg_url() else {
            return Ok(None);
        };
        let schema: String = sqlx::query_scalar("SELECT current_schema()::text")
            .fetch_one(&mut *store.conn().await?)
            .await?;
        let mut inner = PgListener::connect(url).await?;
        inner.listen(&format!("onewindow:{schema}")).await?;
        Ok(Some(Listener { inner }))
    }

    pub async fn next(&mut self) -> Result<Heard> {
        Ok(match self.inner.try_recv().await? {
            Some(n) => Heard::Message(n.payload().to_string()),
            None => Heard::Reconnected,
        })
    }
}

/// Open 电子监察 warnings raised twice for the same case, kind and level (a scan run twice at
/// once would raise them; zero when jobs run once).
pub async fn duplicate_open_warnings(conn: &mut AnyConnection) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT case_id FROM warnings WHERE cleared_at IS NULL
           GROUP BY case_id, kind, level HAVING COUNT(*) > 1) d",
    )
    .fetch_one(conn)
    .await?)
}

/// Cases by state, for the checks after a run.
pub async fn cases_by_state(conn: &mut AnyConnection) -> Result<Vec<(String, i64)>> {
    Ok(
        sqlx::query_as("SELECT state, COUNT(*) FROM cases GROUP BY state ORDER BY state")
            .fetch_all(conn)
            .await?,
    )
}

/// What PostgreSQL has done for this database so far: WAL written (bytes, the whole server),
/// transactions ended, rows written. Differences over a run give the database's load per
/// lifecycle (docs/SCALING.md). None on SQLite.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct DbActivity {
    pub wal_bytes: i64,
    pub transactions: i64,
    pub rows_written: i64,
}

impl DbActivity {
    pub fn since(self, before: DbActivity) -> DbActivity {
        DbActivity {
            wal_bytes: self.wal_bytes - before.wal_bytes,
            transactions: self.transactions - before.transactions,
            rows_written: self.rows_written - before.rows_written,
        }
    }
}

pub async fn db_activity(conn: &mut AnyConnection) -> Result<Option<DbActivity>> {
    if Backend::of(conn) != Backend::Postgres {
        return Ok(None);
    }
    // Statistics reach pg_stat_database when a backend's transaction ends, at most a second
    // late; a snapshot taken inside this transaction would be frozen, so none is.
    let (wal_bytes, transactions, rows_written): (i64, i64, i64) = sqlx::query_as(
        "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint,
                (xact_commit + xact_rollback)::bigint,
                (tup_inserted + tup_updated + tup_deleted)::bigint
           FROM pg_stat_database WHERE datname = current_database()",
    )
    .fetch_one(conn)
    .await?;
    Ok(Some(DbActivity {
        wal_bytes,
        transactions,
        rows_written,
    }))
}

/// Rounds of `job` started at or after `since`.
pub async fn rounds_since(conn: &mut AnyConnection, job: &str, since: i64) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM job_rounds WHERE job = $1 AND started_at >= $2")
            .bind(job)
            .bind(since)
            .fetch_one(conn)
            .await?,
    )
}
