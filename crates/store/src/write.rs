//! The write path: transactions, SQLite's single writer connection and group commit.

use std::path::Path;
use std::sync::Arc;

use sqlx::{AnyConnection, Executor};
use tokio::sync::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};

/// SQLite's one writer: a connection that every write transaction of this process uses in
/// turn. Writers queue on its mutex, in order, instead of spinning in SQLite's busy handler;
/// and because the same connection makes every change, its page cache stays valid from one
/// transaction to the next, and a transaction costs no pool checkout (sqlx pings a connection
/// on its way back into the pool: one more thread hand-off each time).
pub(crate) struct Writer {
    conn: AnyConnection,
    /// A transaction is open on `conn` that nobody will commit (its `Tx` was dropped).
    open: bool,
    /// The thread that runs one-query writes (`group`), in this turn too.
    pub(crate) lite: crate::lite::LiteWriter,
}

/// The writer's slot: `None` once the store is closed.
pub(crate) type WriterSlot = Arc<Mutex<Option<Writer>>>;

pub(crate) fn writer_slot(conn: AnyConnection, lite: crate::lite::LiteWriter) -> WriterSlot {
    Arc::new(Mutex::new(Some(Writer {
        conn,
        open: false,
        lite,
    })))
}

/// Waits for the writer's turn and begins an immediate transaction on it: the write lock is
/// taken at once, so a command's reads inside it see the state its writes build on.
pub(crate) async fn begin_on_writer(
    slot: &WriterSlot,
    sync: Option<Arc<GroupSync>>,
) -> crate::Result<Tx> {
    let mut w = writer_turn(slot).await?;
    if w.conn.execute("BEGIN IMMEDIATE").await.is_err() {
        // A transaction still open on the connection (a commit cancelled after SQLite ran it
        // is harmless, but one whose rollback failed would refuse every later begin): end it
        // and try once more, reporting that second error.
        let _ = w.conn.execute("ROLLBACK").await;
        w.conn.execute("BEGIN IMMEDIATE").await?;
    }
    w.open = true;
    Ok(Tx {
        inner: Inner::Writer(Turn {
            writer: w,
            slot: slot.clone(),
        }),
        sync,
    })
}

/// Runs statements on the writer's connection in its turn, outside any transaction.
pub(crate) async fn run_on_writer(slot: &WriterSlot, sql: &'static str) -> crate::Result<()> {
    writer_turn(slot).await?.conn.execute(sql).await?;
    Ok(())
}

/// Runs a batch as a transaction of its own, alone or grouped with batches that wait beside
/// it (see `group`); durable, it returns once the commit is on disk. Returns the rows its
/// statements returned.
pub(crate) async fn run_batch_on_writer(
    slot: &WriterSlot,
    queue: &Arc<crate::group::Queue>,
    sync: Option<Arc<GroupSync>>,
    b: crate::command::Batch<'_>,
) -> crate::Result<Vec<i64>> {
    let rows = crate::group::run(slot, queue, b).await?;
    if let Some(s) = sync {
        s.wait().await.map_err(sqlx::Error::Io)?;
    }
    Ok(rows)
}

/// The writer with its turn taken.
pub(crate) type WriterTurn = OwnedMappedMutexGuard<Option<Writer>, Writer>;

/// The writer, its turn taken, with no transaction open.
pub(crate) async fn writer_turn(slot: &WriterSlot) -> crate::Result<WriterTurn> {
    let guard = slot.clone().lock_owned().await;
    let mut w = OwnedMutexGuard::try_map(guard, Option::as_mut)
        .map_err(|_| crate::StoreError::State("数据库已关闭".into()))?;
    if w.open {
        rollback(&mut w).await;
    }
    Ok(w)
}

/// Rolls back the transaction left open. An error is logged, not returned: SQLite has already
/// rolled back by itself after some errors (a full disk, an I/O error) and then refuses the
/// statement, and a writer that kept trying would refuse every later transaction.
async fn rollback(w: &mut Writer) {
    if let Err(e) = w.conn.execute("ROLLBACK").await {
        tracing::warn!("rollback of an abandoned write transaction: {e}");
    }
    w.open = false;
}

/// Closes the writer's connection; later `begin`s fail.
pub(crate) async fn close_writer(slot: &WriterSlot) {
    if let Some(mut w) = slot.lock().await.take() {
        if w.open {
            rollback(&mut w).await;
        }
        let _ = sqlx::Connection::close(w.conn).await;
    }
}

/// A write transaction: on SQLite on the writer connection (holding its turn), on PostgreSQL on
/// a pooled connection. On durable SQLite its commit returns only once the commit is on disk
/// (see [`GroupSync`]). Dropped without a commit, it rolls back.
pub struct Tx {
    inner: Inner,
    sync: Option<Arc<GroupSync>>,
}

enum Inner {
    Conn(Open),
    Writer(Turn),
}

/// A transaction on a checked-out connection (PostgreSQL), begun with `BEGIN`.
struct Open {
    conn: Option<crate::conns::Conn>,
}

impl Drop for Open {
    fn drop(&mut self) {
        // Dropped without a commit (or the commit failed): roll back now, in a task, so the
        // transaction's locks go at once rather than when the connection is next used. The
        // connection goes back to the free list only after a clean rollback. Without a
        // runtime it is closed, which ends the transaction on the server.
        let Some(mut conn) = self.conn.take() else {
            return;
        };
        // Closed, not returned, if the task never runs (its runtime shutting down).
        conn.set_reusable(false);
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                let clean = conn.execute("ROLLBACK").await.is_ok();
                conn.set_reusable(clean);
            });
        }
    }
}

/// The writer while a transaction holds its turn.
struct Turn {
    writer: OwnedMappedMutexGuard<Option<Writer>, Writer>,
    slot: WriterSlot,
}

impl Drop for Turn {
    fn drop(&mut self) {
        // Left open (dropped without a commit, or the commit failed): roll back at once, so
        // the write lock is not held until the next writer happens by. The task takes the
        // turn after this guard goes; `writer_turn` rolls back what it finds open. Without a
        // runtime, the next `begin` does it.
        if self.writer.open
            && let Ok(rt) = tokio::runtime::Handle::try_current()
        {
            let slot = self.slot.clone();
            rt.spawn(async move { writer_turn(&slot).await.map(drop) });
        }
    }
}

impl Tx {
    /// Begins a transaction on a checked-out connection.
    pub(crate) async fn on(mut conn: crate::conns::Conn) -> Result<Tx, sqlx::Error> {
        if let Err(e) = conn.execute("BEGIN").await {
            crate::conns::note_error(&e);
            conn.discard();
            return Err(e);
        }
        Ok(Tx {
            inner: Inner::Conn(Open { conn: Some(conn) }),
            sync: None,
        })
    }

    /// Commits; on durable SQLite, waits until a flush of the log covers this commit.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        let Tx { inner, sync } = self;
        match inner {
            Inner::Conn(mut open) => {
                let conn = open
                    .conn
                    .as_mut()
                    .expect("an open transaction's connection");
                // On an error `open` is dropped still holding its connection, and rolled back.
                conn.execute("COMMIT").await?;
                // Committed: the connection goes back as it is.
                open.conn.take();
            }
            Inner::Writer(mut turn) => {
                // On an error `turn` is dropped still open, and rolled back.
                turn.writer.conn.execute("COMMIT").await?;
                turn.writer.open = false;
                // The next writer may go while this one waits for the disk.
                drop(turn);
            }
        }
        match sync {
            Some(s) => s.wait().await.map_err(sqlx::Error::Io),
            None => Ok(()),
        }
    }
}

impl std::ops::Deref for Tx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        match &self.inner {
            Inner::Conn(open) => open
                .conn
                .as_ref()
                .expect("an open transaction's connection"),
            Inner::Writer(turn) => &turn.writer.conn,
        }
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match &mut self.inner {
            Inner::Conn(open) => open
                .conn
                .as_mut()
                .expect("an open transaction's connection"),
            Inner::Writer(turn) => &mut turn.writer.conn,
        }
    }
}

/// Group commit for SQLite. Connections run with synchronous=NORMAL, so a commit writes its
/// log frames without an fsync of its own; before the commit is reported done, one fsync of
/// the write-ahead log covers it and every other commit that finished before that fsync
/// began. Concurrent requests so share one disk flush instead of queueing for one each, and
/// nothing is acknowledged before it is on disk. (Checkpoints under NORMAL sync the log before
/// copying it into the database and the database before the log is reused, so the log
/// always holds what the database file lacks.)
pub struct GroupSync {
    wal: std::path::PathBuf,
    /// Commits finished so far (a ticket per commit).
    finished: std::sync::atomic::AtomicU64,
    /// The highest ticket known to be on disk, and whether an fsync has failed.
    synced: tokio::sync::watch::Sender<(u64, bool)>,
    wake: tokio::sync::Notify,
    /// False once the flusher task is gone (its runtime shut down while the store lives on).
    flusher_alive: std::sync::atomic::AtomicBool,
}

/// Marks the flusher gone when its task is dropped.
struct Alive(Arc<GroupSync>);

impl Drop for Alive {
    fn drop(&mut self) {
        let g = &self.0;
        g.flusher_alive
            .store(false, std::sync::atomic::Ordering::Release);
        // Release whoever is still waiting, with a last flush that covers them.
        let target = g.finished.load(std::sync::atomic::Ordering::Acquire);
        let failed = flush(&g.wal).is_err();
        g.synced
            .send_modify(|s| *s = (target.max(s.0), s.1 || failed));
    }
}

impl GroupSync {
    pub(crate) fn start(wal: std::path::PathBuf) -> Arc<GroupSync> {
        let g = Arc::new(GroupSync {
            wal,
            finished: std::sync::atomic::AtomicU64::new(0),
            synced: tokio::sync::watch::channel((0, false)).0,
            wake: tokio::sync::Notify::new(),
            flusher_alive: std::sync::atomic::AtomicBool::new(true),
        });
        // The flusher lives as long as the runtime; it sleeps while nothing waits.
        let alive = Alive(g.clone());
        tokio::spawn(async move {
            let f = &alive.0;
            loop {
                let target = f.finished.load(std::sync::atomic::Ordering::Acquire);
                if target <= f.synced.borrow().0 {
                    // notify_one leaves a permit when no one waits, so a commit that arrives
                    // between the check and this await is not missed.
                    f.wake.notified().await;
                    continue;
                }
                let wal = f.wal.clone();
                match tokio::task::spawn_blocking(move || flush(&wal)).await {
                    Ok(Ok(())) => {
                        f.synced.send_modify(|s| s.0 = target);
                    }
                    // After a failed fsync the kernel may have dropped the dirty pages, so a
                    // retry could succeed without them (as PostgreSQL learnt): acknowledge
                    // nothing from now on; every waiting and later commit reports the failure.
                    Ok(Err(e)) => {
                        tracing::error!(
                            "fsync of the SQLite log failed, refusing further commits: {e}"
                        );
                        f.synced.send_modify(|s| s.1 = true);
                        return;
                    }
                    Err(e) => tracing::error!("fsync task failed: {e}"),
                }
            }
        });
        g
    }

    async fn wait(&self) -> std::io::Result<()> {
        let failed = || {
            std::io::Error::other(
                "an fsync of the database log failed: commits can no longer be made durable",
            )
        };
        if self.synced.borrow().1 {
            return Err(failed());
        }
        if !self
            .flusher_alive
            .load(std::sync::atomic::Ordering::Acquire)
        {
            // No flusher to share with: flush for this commit alone.
            return flush(&self.wal).inspect_err(|_| self.synced.send_modify(|s| s.1 = true));
        }
        let ticket = self
            .finished
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel)
            + 1;
        let mut rx = self.synced.subscribe();
        self.wake.notify_one();
        let (_, is_failed) = *rx
            .wait_for(|(synced, failed)| *failed || *synced >= ticket)
            .await
            .map_err(|_| std::io::Error::other("the log flusher stopped"))?;
        if is_failed {
            return Err(failed());
        }
        Ok(())
    }
}

/// fsync of the log file. A missing log means every connection closed and checkpointed.
fn flush(wal: &Path) -> std::io::Result<()> {
    match std::fs::File::open(wal) {
        Ok(f) => f.sync_data(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}
