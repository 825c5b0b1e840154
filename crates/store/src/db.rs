//! Connecting, migrating and the error type. The only place that knows which backend runs.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Executor};
use thiserror::Error;

pub type Conn = sqlx::pool::PoolConnection<sqlx::Any>;
/// A write transaction. On SQLite it also holds the process's write turn, and its commit
/// returns only once the commit is on disk (see [`GroupSync`]).
pub struct Tx {
    inner: sqlx::Transaction<'static, sqlx::Any>,
    turn: Option<tokio::sync::OwnedMutexGuard<()>>,
    sync: Option<Arc<GroupSync>>,
}

impl std::ops::Deref for Tx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.inner
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.inner
    }
}

impl Tx {
    /// Commits; on durable SQLite, waits until a flush of the log covers this commit.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.commit_unsynced().await?.wait().await
    }

    /// Commits and releases the write turn, returning what is left to wait for: the disk.
    async fn commit_unsynced(self) -> Result<Pending, sqlx::Error> {
        let Tx { inner, turn, sync } = self;
        inner.commit().await?;
        // The next writer may go while this one waits for the disk.
        drop(turn);
        Ok(Pending(sync))
    }
}

/// A commit not yet known to be on disk.
#[must_use = "a commit is durable only once `wait` returns"]
struct Pending(Option<Arc<GroupSync>>);

impl Pending {
    async fn wait(self) -> Result<(), sqlx::Error> {
        if let Some(s) = self.0 {
            s.wait().await.map_err(sqlx::Error::Io)?;
        }
        Ok(())
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
    fn start(wal: std::path::PathBuf) -> Arc<GroupSync> {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, Error)]
pub enum StoreError {
    /// A unique constraint was violated; `field` names the column when it can be told.
    #[error("记录已存在（{field}）")]
    Conflict { field: String },
    #[error("记录不存在")]
    NotFound,
    /// The caller's expectation about a row's state did not hold (e.g. no draft to publish).
    #[error("{0}")]
    State(String),
    #[error("不支持的数据库地址“{0}”：只支持 sqlite:// 与 postgres://")]
    UnknownScheme(String),
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                // SQLite: "UNIQUE constraint failed: items.code"; PostgreSQL: constraint name.
                let msg = db.message();
                let field = msg
                    .rsplit(['.', ' '])
                    .next()
                    .filter(|_| msg.contains("UNIQUE"))
                    .map(str::to_string)
                    .or_else(|| {
                        db.constraint().map(|c| {
                            c.trim_end_matches("_key")
                                .trim_end_matches("_pkey")
                                .to_string()
                        })
                    })
                    .unwrap_or_default();
                StoreError::Conflict { field }
            }
            _ => StoreError::Database(e),
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}

/// A pool plus the knowledge of which backend it talks to.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    durable: bool,
    /// SQLite allows one writer: writers queue here, in order, instead of spinning in
    /// SQLite's busy handler.
    write_turn: Option<Arc<tokio::sync::Mutex<()>>>,
    group_sync: Option<Arc<GroupSync>>,
}

/// The file of a `sqlite://` URL (None for in-memory databases).
fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && !path.contains(":memory:")).then(|| std::path::PathBuf::from(path))
}

fn wal_of(db: &Path) -> std::path::PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push("-wal");
    std::path::PathBuf::from(s)
}

/// How to connect.
#[derive(Debug, Clone)]
pub struct Options {
    /// PostgreSQL: put every connection in this schema (tests use a fresh schema each).
    pub pg_schema: Option<String>,
    /// Whether a commit survives power loss (fsync at commit). Off only for measurements.
    pub durable: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            pg_schema: None,
            durable: true,
        }
    }
}

impl Store {
    /// Connects to `url` (`sqlite://path` or `postgres://…`) and applies migrations.
    /// A SQLite file is created if missing; any other scheme is an error, never a new database.
    pub async fn connect(url: &str) -> crate::Result<Store> {
        Self::connect_with(url, None).await
    }

    /// Like [`Store::connect`], with every PostgreSQL connection placed in `schema` (tests use a
    /// fresh schema each).
    pub async fn connect_with(url: &str, pg_schema: Option<String>) -> crate::Result<Store> {
        Self::connect_opts(
            url,
            Options {
                pg_schema,
                durable: true,
            },
        )
        .await
    }

    /// Connects with explicit [`Options`].
    pub async fn connect_opts(url: &str, opts: Options) -> crate::Result<Store> {
        let Options { pg_schema, durable } = opts;
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnknownScheme(
                url.split(':').next().unwrap_or("").to_string(),
            ));
        };
        let url = match backend {
            Backend::Sqlite if !url.contains('?') && !url.contains(":memory:") => {
                format!("{url}?mode=rwc")
            }
            _ => url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                // Readers run in parallel under WAL; writers queue on `write_turn`.
                Backend::Sqlite => 16,
                Backend::Postgres => 16,
            })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                let schema = pg_schema.clone();
                Box::pin(async move {
                    match backend {
                        // WAL lets readers run beside the writer. synchronous=NORMAL writes a
                        // commit without an fsync of its own: a durable store makes commits
                        // durable through GroupSync before acknowledging them. busy_timeout
                        // covers other processes; this one's writers queue on `write_turn`.
                        Backend::Sqlite => {
                            conn.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;").await?;
                        }
                        Backend::Postgres => {
                            if let Some(s) = schema {
                                conn.execute(sqlx::AssertSqlSafe(format!("SET search_path TO \"{s}\""))).await?;
                            }
                            if !durable {
                                conn.execute("SET synchronous_commit TO off").await?;
                            }
                        }
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let (write_turn, group_sync) = match backend {
            Backend::Sqlite => (
                Some(Arc::new(tokio::sync::Mutex::new(()))),
                sqlite_file(&url)
                    .filter(|_| durable)
                    .map(|f| GroupSync::start(wal_of(&f))),
            ),
            Backend::Postgres => (None, None),
        };
        let store = Store {
            pool,
            backend,
            durable,
            write_turn,
            group_sync,
        };
        store.migrate().await?;
        Ok(store)
    }

    /// The SQLite URL of a file inside the data directory.
    pub fn sqlite_url(data_dir: &Path) -> String {
        format!("sqlite://{}", data_dir.join("onewindow.sqlite").display())
    }

    pub async fn migrate(&self) -> crate::Result<()> {
        match self.backend {
            Backend::Sqlite => {
                sqlx::migrate!("./migrations/sqlite")
                    .run(&self.pool)
                    .await?
            }
            Backend::Postgres => {
                sqlx::migrate!("./migrations/postgres")
                    .run(&self.pool)
                    .await?
            }
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Whether commits are durable against power loss.
    pub fn durable(&self) -> bool {
        self.durable
    }

    /// What an operator runs after a bulk load: fresh planner statistics (on SQLite from a
    /// sample of each index, so it stays quick on a large file) and, on PostgreSQL, a vacuum so
    /// the visibility map lets counts and queue pages use index-only scans.
    pub async fn analyze(&self) -> crate::Result<()> {
        let sql = match self.backend {
            Backend::Sqlite => "PRAGMA analysis_limit=1000; ANALYZE",
            Backend::Postgres => "VACUUM (ANALYZE)",
        };
        self.pool.execute(sql).await?;
        Ok(())
    }

    /// The database's size on disk in bytes (SQLite: the main file's pages; PostgreSQL: the
    /// whole database).
    pub async fn size_bytes(&self) -> crate::Result<i64> {
        let sql = match self.backend {
            Backend::Sqlite => {
                "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"
            }
            Backend::Postgres => "SELECT pg_database_size(current_database())",
        };
        Ok(sqlx::query_scalar(sql).fetch_one(&self.pool).await?)
    }

    /// A connection for reads.
    pub async fn conn(&self) -> crate::Result<Conn> {
        Ok(self.pool.acquire().await?)
    }

    /// A transaction for a use case's writes; commit it, or it rolls back when dropped.
    /// On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`): a deferred transaction
    /// that reads and then writes fails with "database is locked" when another writer got
    /// there first, while an immediate one waits its turn (busy_timeout) and then reads the
    /// other's result, so the version check decides cleanly.
    pub async fn begin(&self) -> crate::Result<Tx> {
        Ok(match self.backend {
            Backend::Sqlite => {
                // The turn first, then a connection: queued writers hold no connection, so
                // readers are never starved by them. (Use cases therefore never wait for a
                // write while holding a read connection.)
                let turn = match &self.write_turn {
                    Some(m) => Some(m.clone().lock_owned().await),
                    None => None,
                };
                let conn = self.pool.acquire().await?;
                let begin = sqlx::SqlSafeStr::into_sql_str("BEGIN IMMEDIATE");
                Tx {
                    inner: sqlx::Transaction::begin(conn, Some(begin)).await?,
                    turn,
                    sync: self.group_sync.clone(),
                }
            }
            Backend::Postgres => Tx {
                inner: self.pool.begin().await?,
                turn: None,
                sync: None,
            },
        })
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Makes an empty PostgreSQL database `name` on the server `server_url` names (dropping one of
/// that name first, with its sessions) and returns its URL. For benchmarks, which need a
/// database of their own.
pub async fn recreate_pg_database(server_url: &str, name: &str) -> crate::Result<String> {
    use sqlx::Connection;
    let base = server_url
        .split('?')
        .next()
        .and_then(|u| u.rsplit_once('/'))
        .map(|(b, _)| b)
        .filter(|_| server_url.starts_with("postgres"))
        .ok_or_else(|| {
            StoreError::UnknownScheme(server_url.split(':').next().unwrap_or("").into())
        })?;
    drop_pg_database(server_url, name).await?;
    let mut c = AnyConnection::connect(server_url).await?;
    c.execute(sqlx::AssertSqlSafe(format!(
        "CREATE DATABASE \"{}\"",
        plain(name)?
    )))
    .await?;
    Ok(format!("{base}/{name}"))
}

/// Drops the PostgreSQL database `name` (if it exists) on the server `server_url` names.
pub async fn drop_pg_database(server_url: &str, name: &str) -> crate::Result<()> {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut c = AnyConnection::connect(server_url).await?;
    c.execute(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
        plain(name)?
    )))
    .await?;
    Ok(())
}

/// A database name that needs no quoting rules: letters, digits and `_`.
fn plain(name: &str) -> crate::Result<&str> {
    if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(name)
    } else {
        Err(StoreError::State(format!(
            "数据库名“{name}”只能含字母、数字和下划线"
        )))
    }
}

/// Reads a counter from `meta`.
pub async fn meta_value(conn: &mut AnyConnection, key: &str) -> crate::Result<i64> {
    let v: Option<i64> = sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
        .bind(key)
        .fetch_optional(conn)
        .await?;
    Ok(v.unwrap_or(0))
}

/// Increments a counter in `meta`.
pub async fn bump_meta(conn: &mut AnyConnection, key: &str) -> crate::Result<()> {
    sqlx::query("UPDATE meta SET value = value + 1 WHERE key = $1")
        .bind(key)
        .execute(conn)
        .await?;
    Ok(())
}
