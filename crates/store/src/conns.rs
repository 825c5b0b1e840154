//! The connections that reads and PostgreSQL's transactions check out, kept here instead of in
//! sqlx's pool. sqlx 0.9 pings every connection it takes back (`return_to_pool`, whatever
//! `test_before_acquire` says), in a task it spawns for the purpose: a hand-off to the
//! connection's thread on SQLite, a round trip on PostgreSQL, for each of the ~50 checkouts of
//! a case's lifecycle and every search page (7 % of the server's time under the search load).
//! Here a connection goes back to a free list as it is.
//!
//! What the ping was for, and what stands in for it:
//! - A query whose future was dropped half-way: both drivers finish or drain it before the
//!   connection's next statement (sqlx-postgres waits for the pending `ReadyForQuery`s,
//!   sqlx-sqlite's thread runs its commands in order), so the next holder sees a clean
//!   connection.
//! - A transaction dropped open: [`crate::Tx`] rolls it back at once in a task of its own
//!   before its connection comes back here, so no lock waits for the next holder.
//! - A connection the server dropped (a restart, a network fault): once any query has failed
//!   for such a cause (`note_error`), every connection returned before that failure is pinged
//!   when next taken, and dropped if it does not answer; so is one idle for longer than
//!   [`IDLE_PING`].
//!
//! New connections still come from sqlx's pool (its `after_connect` sets the pragmas or the
//! schema), detached at once, so it holds none of them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Connection};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// A connection idle for longer than this is pinged before use (a server or a firewall may
/// have dropped it meanwhile).
const IDLE_PING: Duration = Duration::from_secs(30);

/// How long `acquire` waits for a connection when all are in use.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// Counts the queries that failed in a way that may have broken their connection.
static FAULTS: AtomicU64 = AtomicU64::new(0);

/// Notes an error of any query: one of the connection itself (not of the statement) makes the
/// connections returned before it be pinged before their next use.
pub(crate) fn note_error(e: &sqlx::Error) {
    if matches!(
        e,
        sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::WorkerCrashed
    ) {
        FAULTS.fetch_add(1, Ordering::Relaxed);
    }
}

#[derive(Clone)]
pub(crate) struct Conns {
    shared: Arc<Shared>,
}

struct Shared {
    pool: AnyPool,
    /// Idle connections, the most recently returned last (taken first: it is the warmest).
    free: Mutex<Vec<Idle>>,
    /// One permit per connection in use; as many as the pool's maximum.
    permits: Arc<Semaphore>,
    /// SQLite: where [`Conn::read_row`] reads instead (`lite_read`), set once migrated.
    lite: std::sync::OnceLock<crate::lite_read::LiteReaders>,
}

struct Idle {
    conn: AnyConnection,
    since: Instant,
    /// `FAULTS` when it came back.
    faults: u64,
}

/// A checked-out connection; back to the free list when dropped.
pub struct Conn {
    conn: Option<AnyConnection>,
    /// False while its state is unknown (a transaction being rolled back): dropped then, it
    /// is closed instead of returned.
    reusable: bool,
    shared: Arc<Shared>,
    _permit: OwnedSemaphorePermit,
}

impl Conns {
    pub(crate) fn new(pool: AnyPool, max: usize) -> Conns {
        Conns {
            shared: Arc::new(Shared {
                pool,
                free: Mutex::new(Vec::new()),
                permits: Arc::new(Semaphore::new(max)),
                lite: std::sync::OnceLock::new(),
            }),
        }
    }

    /// SQLite: the bounded reads of [`Conn::read_row`] run on the asking thread from now on.
    pub(crate) fn read_inline(&self, readers: crate::lite_read::LiteReaders) {
        let _ = self.shared.lite.set(readers);
    }

    pub(crate) async fn acquire(&self) -> Result<Conn, sqlx::Error> {
        let s = &self.shared;
        let permit = tokio::time::timeout(ACQUIRE_TIMEOUT, s.permits.clone().acquire_owned())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?
            .map_err(|_| sqlx::Error::PoolClosed)?;
        if s.pool.is_closed() {
            return Err(sqlx::Error::PoolClosed);
        }
        loop {
            let idle = s.free.lock().unwrap_or_else(|p| p.into_inner()).pop();
            let Some(Idle {
                mut conn,
                since,
                faults,
            }) = idle
            else {
                break;
            };
            let trusted = since.elapsed() <= IDLE_PING && faults == FAULTS.load(Ordering::Relaxed);
            if trusted || conn.ping().await.is_ok() {
                return Ok(Conn {
                    conn: Some(conn),
                    reusable: true,
                    shared: s.clone(),
                    _permit: permit,
                });
            }
            // Broken while idle: drop it and try the next, or open a new one.
        }
        let conn = s.pool.acquire().await?.detach();
        Ok(Conn {
            conn: Some(conn),
            reusable: true,
            shared: s.clone(),
            _permit: permit,
        })
    }

    /// Closes the idle connections; later `acquire`s fail (the pool is closed after this).
    pub(crate) async fn close(&self) {
        self.shared.permits.close();
        let idle = std::mem::take(&mut *self.shared.free.lock().unwrap_or_else(|p| p.into_inner()));
        for i in idle {
            let _ = i.conn.close().await;
        }
    }
}

impl Conn {
    /// The row `sql` returns for `args`, if any: a bounded read (a row by its key, a count
    /// over an index) that sees every commit before it. On SQLite it runs on the asking
    /// thread, with no hand-off to this connection's thread (`lite_read`); on PostgreSQL on
    /// this connection. Reads that must see a transaction's own writes take the `Tx`.
    pub(crate) async fn read_row(
        &mut self,
        sql: &'static str,
        args: &[crate::command::Arg<'_>],
    ) -> crate::Result<Option<AnyRow>> {
        Ok(self.read_up_to(sql, args, 1).await?.pop())
    }

    /// [`Conn::read_row`] decoded as `T`.
    pub(crate) async fn read_one<T>(
        &mut self,
        sql: &'static str,
        args: &[crate::command::Arg<'_>],
    ) -> crate::Result<Option<T>>
    where
        T: for<'r> sqlx::FromRow<'r, AnyRow>,
    {
        let row = self.read_row(sql, args).await?;
        Ok(row.map(|r| T::from_row(&r)).transpose()?)
    }

    /// [`Conn::read_rows`] decoded as `T`.
    pub(crate) async fn read_all<T>(
        &mut self,
        sql: &'static str,
        args: &[crate::command::Arg<'_>],
    ) -> crate::Result<Vec<T>>
    where
        T: for<'r> sqlx::FromRow<'r, AnyRow>,
    {
        let rows = self.read_rows(sql, args).await?;
        Ok(rows.iter().map(T::from_row).collect::<Result<_, _>>()?)
    }

    /// Every row `sql` returns for `args`; as [`Conn::read_row`], for a few rows.
    pub(crate) async fn read_rows(
        &mut self,
        sql: &'static str,
        args: &[crate::command::Arg<'_>],
    ) -> crate::Result<Vec<AnyRow>> {
        self.read_up_to(sql, args, usize::MAX).await
    }

    async fn read_up_to(
        &mut self,
        sql: &'static str,
        args: &[crate::command::Arg<'_>],
        limit: usize,
    ) -> crate::Result<Vec<AnyRow>> {
        if let Some(r) = self.shared.lite.get() {
            return r.rows(sql, args, limit);
        }
        let q = crate::command::bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), args);
        let conn: &mut AnyConnection = self;
        Ok(match limit {
            1 => q.fetch_optional(conn).await?.into_iter().collect(),
            _ => q.fetch_all(conn).await?,
        })
    }

    /// Whether the connection goes back to the free list when dropped (else it is closed).
    pub(crate) fn set_reusable(&mut self, yes: bool) {
        self.reusable = yes;
    }

    /// Drops the connection instead of returning it (it failed in a way that leaves its
    /// state unknown).
    pub(crate) fn discard(mut self) {
        self.conn.take();
    }
}

fn give_back(s: &Shared, conn: AnyConnection) {
    if s.pool.is_closed() {
        return;
    }
    s.free.lock().unwrap_or_else(|p| p.into_inner()).push(Idle {
        conn,
        since: Instant::now(),
        faults: FAULTS.load(Ordering::Relaxed),
    });
}

impl Drop for Conn {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take()
            && self.reusable
        {
            give_back(&self.shared, conn);
        }
    }
}

impl std::ops::Deref for Conn {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        self.conn.as_ref().expect("a checked-out connection")
    }
}

impl std::ops::DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        self.conn.as_mut().expect("a checked-out connection")
    }
}
