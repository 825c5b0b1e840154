//! SQLite's one-query writes on a thread of their own, through rusqlite.
//!
//! Through sqlx a group of waiting batches went to the writer's connection as one
//! multi-statement query; its text differed with every group, so SQLite parsed and planned
//! every statement of it again each time (`sqlite3_prepare_v3` was 15–16 % of the server's
//! CPU in a lifecycle, docs/PERFORMANCE.md). Here a thread owns a connection of its own and
//! runs each statement of a group from its statement cache: a command's statements come in a
//! few dozen shapes, each prepared once per connection. A group still costs one hand-off from
//! the async side to this thread and back.
//!
//! The thread runs only whole transactions (a group, `BEGIN IMMEDIATE` to `COMMIT`) while
//! the caller holds the writer's turn (`write`), so the sqlx writer connection, which serves
//! transactions that read between their writes, never has one open at the same time.

use std::path::Path;
use std::sync::mpsc;

use rusqlite::{Connection, OpenFlags, Statement};
use tokio::sync::oneshot;

use crate::command::{Arg, Batch};
use crate::{Result, StoreError};

/// Statements kept prepared. The shapes a command's batch takes (the case update with the
/// columns that changed, events, watches, statistics upserts, licenses, counters) are far
/// fewer; rusqlite's default of 16 would evict them in turn.
const CACHED_STATEMENTS: usize = 512;

/// The thread's inbox. Dropping it ends the thread, which closes its connection.
pub(crate) struct LiteWriter {
    jobs: mpsc::Sender<Job>,
}

struct Job {
    batches: Vec<Batch<'static>>,
    answer: oneshot::Sender<Vec<Result<Vec<i64>>>>,
}

impl LiteWriter {
    /// Opens the database file (already migrated) on a new thread.
    pub(crate) fn open(file: &Path, pragmas: &str) -> Result<LiteWriter> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(file, flags)?;
        conn.execute_batch(pragmas)?;
        conn.set_prepared_statement_cache_capacity(CACHED_STATEMENTS);
        let (jobs, inbox) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || {
                let mut conn = conn;
                for job in inbox {
                    let _ = job.answer.send(guarded(&mut conn, &job.batches));
                }
            })
            .map_err(|e| StoreError::State(format!("写入线程无法启动：{e}")))?;
        Ok(LiteWriter { jobs })
    }

    /// Runs batches as one transaction on the thread, or each alone when that fails; answers
    /// one result per batch, in order: the first column of every row its statements returned.
    pub(crate) async fn run(&self, batches: Vec<Batch<'static>>) -> Vec<Result<Vec<i64>>> {
        let n = batches.len();
        let gone = || {
            (0..n)
                .map(|_| Err(StoreError::State("写入线程已停止".into())))
                .collect()
        };
        let (answer, answered) = oneshot::channel();
        if self.jobs.send(Job { batches, answer }).is_err() {
            return gone();
        }
        answered.await.unwrap_or_else(|_| gone())
    }
}

/// [`run_group`], a panic inside it answered as an error, so that one bad job does not stop
/// the thread and with it every later write of the process.
fn guarded(conn: &mut Connection, batches: &[Batch<'static>]) -> Vec<Result<Vec<i64>>> {
    let run = std::panic::AssertUnwindSafe(|| run_group(conn, batches));
    std::panic::catch_unwind(run).unwrap_or_else(|_| {
        tracing::error!("the SQLite writer's thread panicked in a write");
        if !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        batches
            .iter()
            .map(|_| Err(StoreError::State("写入失败，请重试".into())))
            .collect()
    })
}

/// Several batches in one transaction; if any statement fails, the lot is rolled back and each
/// runs again alone, so that only the batch at fault fails (see `group`).
fn run_group(conn: &mut Connection, batches: &[Batch<'static>]) -> Vec<Result<Vec<i64>>> {
    if batches.len() > 1 {
        let expected: Vec<usize> = batches.iter().map(Batch::returning).collect();
        match transaction(conn, batches) {
            // Each `RETURNING` statement (a case's update by key, a counter) returns its row
            // when the batch found its row, so as many rows as such statements means every
            // batch did.
            Ok(rows) if rows.len() == expected.iter().sum::<usize>() => {
                let mut rows = rows.into_iter();
                return expected
                    .into_iter()
                    .map(|n| Ok(rows.by_ref().take(n).collect()))
                    .collect();
            }
            // Committed, yet some batch found no row: not expected (a command's events need
            // their case), and its rows cannot be told apart, so no batch is told it succeeded.
            Ok(_) => {
                tracing::error!("a grouped write returned fewer rows than it has updates");
                return batches
                    .iter()
                    .map(|_| {
                        Err(StoreError::State(
                            "写入结果无法确认，请刷新后查看最新状态".into(),
                        ))
                    })
                    .collect();
            }
            Err(_) => {}
        }
    }
    batches
        .iter()
        .map(|b| transaction(conn, std::slice::from_ref(b)))
        .collect()
}

/// `BEGIN IMMEDIATE`, every statement of `batches`, `COMMIT`; rolled back on any error.
fn transaction(conn: &mut Connection, batches: &[Batch<'static>]) -> Result<Vec<i64>> {
    conn.prepare_cached("BEGIN IMMEDIATE")?.raw_execute()?;
    let done = statements(conn, batches).and_then(|rows| {
        conn.prepare_cached("COMMIT")?.raw_execute()?;
        Ok(rows)
    });
    if done.is_err() && !conn.is_autocommit() {
        // SQLite has already rolled back by itself after some errors (a full disk, an I/O
        // error); otherwise the transaction is still open and must not outlive this call.
        if let Err(e) = conn.execute_batch("ROLLBACK") {
            tracing::warn!("rollback of a failed write: {e}");
        }
    }
    done
}

fn statements(conn: &Connection, batches: &[Batch<'static>]) -> Result<Vec<i64>> {
    let mut returned = Vec::new();
    for (sql, args) in batches.iter().flat_map(Batch::statements) {
        let mut stmt = conn.prepare_cached(sql)?;
        bind(&mut stmt, args)?;
        if stmt.column_count() == 0 {
            stmt.raw_execute()?;
        } else {
            let mut rows = stmt.raw_query();
            while let Some(row) = rows.next()? {
                returned.push(row.get::<_, i64>(0)?);
            }
        }
    }
    Ok(returned)
}

fn bind(stmt: &mut Statement<'_>, args: &[Arg<'_>]) -> rusqlite::Result<()> {
    for (i, a) in args.iter().enumerate() {
        let i = i + 1;
        match a {
            Arg::Text(s) => stmt.raw_bind_parameter(i, s)?,
            Arg::Opt(s) => stmt.raw_bind_parameter(i, s)?,
            Arg::Int(n) => stmt.raw_bind_parameter(i, n)?,
            Arg::OptInt(n) => stmt.raw_bind_parameter(i, n)?,
            Arg::Owned(s) => stmt.raw_bind_parameter(i, s.as_str())?,
            Arg::OptOwned(s) => stmt.raw_bind_parameter(i, s.as_deref())?,
        }
    }
    Ok(())
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ffi;
        if let rusqlite::Error::SqliteFailure(f, Some(msg)) = &e {
            // The trigger of migration 0014: a case written over a version it did not read.
            if msg.contains("case version conflict") {
                return StoreError::Conflict {
                    field: "version".into(),
                };
            }
            if matches!(
                f.extended_code,
                ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            ) {
                return StoreError::Conflict {
                    field: crate::db::unique_field(msg).unwrap_or_default(),
                };
            }
        }
        StoreError::Sqlite(e)
    }
}
