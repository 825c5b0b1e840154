//! Connecting, migrating and the error type. The only place that knows which backend runs.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Executor};
use thiserror::Error;

pub use crate::write::Tx;
use crate::write::{GroupSync, WriterSlot};

pub use crate::conns::Conn;

/// Every SQLite connection: WAL lets readers run beside the writer; synchronous=NORMAL writes a
/// commit without an fsync of its own (a durable store makes commits durable through
/// GroupSync before acknowledging them); busy_timeout covers other processes, as this one's
/// writers queue for the writer connection.
pub(crate) const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;";
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a connection talks to.
    pub(crate) fn of(conn: &AnyConnection) -> Backend {
        if conn.backend_name() == "SQLite" {
            Backend::Sqlite
        } else {
            Backend::Postgres
        }
    }
}

/// Runs a batch's statements in the caller's transaction; returns the rows they returned, in
/// order. On SQLite they go as one multi-statement query (one hand-off to the connection's
/// thread instead of one per statement, see `command`). PostgreSQL cannot prepare several
/// statements as one: there statements that do not build on each other go as one statement
/// (`Batch::as_one_statement`), others one at a time, with the same arguments.
pub(crate) async fn run_statements(
    conn: &mut AnyConnection,
    b: &crate::command::Batch<'_>,
) -> crate::Result<Vec<sqlx::any::AnyRow>> {
    match Backend::of(conn) {
        Backend::Sqlite => Ok(b.as_one_query().fetch_all(conn).await?),
        Backend::Postgres => {
            if let Some(q) = b.as_one_statement() {
                return Ok(q.fetch_all(conn).await?);
            }
            let mut rows = Vec::new();
            for q in b.each_statement() {
                rows.extend(q.fetch_all(&mut *conn).await?);
            }
            Ok(rows)
        }
    }
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
    /// From the SQLite writer's own connection (`lite`).
    #[error("database error: {0}")]
    Sqlite(#[source] rusqlite::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        crate::conns::note_error(&e);
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            // The trigger of migration 0014: a case written over a version it did not read.
            sqlx::Error::Database(db) if db.message().contains("case version conflict") => {
                StoreError::Conflict {
                    field: "version".into(),
                }
            }
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                // SQLite: "UNIQUE constraint failed: items.code"; PostgreSQL: constraint name.
                let field = unique_field(db.message())
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

/// The column a unique violation names in SQLite's message ("UNIQUE constraint failed:
/// items.code"); PostgreSQL's names the constraint instead.
pub(crate) fn unique_field(msg: &str) -> Option<String> {
    msg.rsplit(['.', ' '])
        .next()
        .filter(|_| msg.contains("UNIQUE"))
        .map(str::to_string)
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
    /// The connections reads and PostgreSQL's transactions check out (see `conns`).
    conns: crate::conns::Conns,
    backend: Backend,
    durable: bool,
    /// SQLite allows one writer: its connection, which writers take in turn.
    writer: Option<WriterSlot>,
    /// One-query writes waiting for the writer's turn, run together (`group`).
    queue: Arc<crate::group::Queue>,
    group_sync: Option<Arc<GroupSync>>,
    /// PostgreSQL's address, for the connection that listens to other nodes (`cluster`).
    pg_url: Option<Arc<str>>,
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
        // Readers run in parallel under WAL; writers queue on `write_turn`. The connections
        // in use are counted in `conns`; sqlx's pool only opens them (and serves migrations).
        let max = 16;
        let pool = AnyPoolOptions::new()
            .max_connections(max as u32)
            .acquire_timeout(Duration::from_secs(10))
            .test_before_acquire(false)
            .after_connect(move |conn, _| {
                let schema = pg_schema.clone();
                Box::pin(async move {
                    match backend {
                        Backend::Sqlite => {
                            conn.execute(SQLITE_PRAGMAS).await?;
                        }
                        Backend::Postgres => {
                            if let Some(s) = schema {
                                conn.execute(sqlx::AssertSqlSafe(format!(
                                    "SET search_path TO \"{s}\""
                                )))
                                .await?;
                            }
                            if !durable {
                                conn.execute("SET synchronous_commit TO off").await?;
                            }
                            // PostgreSQL before 14 has no such setting: abandoned statements
                            // then run to their end there (see `run_alone`).
                            let check =
                                format!("SET client_connection_check_interval TO '{CLIENT_CHECK}'");
                            if let Err(e) = conn.execute(sqlx::AssertSqlSafe(check)).await {
                                tracing::warn!("client_connection_check_interval: {e}");
                            }
                        }
                    }
                    Ok(())
                })
            })
            .connect_with(options.clone())
            .await?;
        let mut store = Store {
            conns: crate::conns::Conns::new(pool.clone(), max),
            pool,
            backend,
            durable,
            writer: None,
            queue: Arc::default(),
            group_sync: None,
            pg_url: (backend == Backend::Postgres).then(|| Arc::from(url.as_str())),
        };
        store.migrate().await?;
        if backend == Backend::Sqlite {
            // Opened after the migrations, so it starts with the final schema cached.
            use sqlx::Connection;
            let mut conn = AnyConnection::connect_with(&options).await?;
            conn.execute(SQLITE_PRAGMAS).await?;
            let file = sqlite_file(&url).ok_or_else(|| {
                StoreError::State("SQLite 须是数据库文件，不支持内存数据库".into())
            })?;
            let lite = crate::lite::LiteWriter::open(&file, SQLITE_PRAGMAS)?;
            store
                .conns
                .read_inline(crate::lite_read::LiteReaders::new(&file, SQLITE_PRAGMAS));
            store.writer = Some(crate::write::writer_slot(conn, lite));
            store.group_sync = durable.then(|| GroupSync::start(wal_of(&file)));
        }
        Ok(store)
    }

    /// The SQLite URL of a file inside the data directory.
    pub fn sqlite_url(data_dir: &Path) -> String {
        format!("sqlite://{}", data_dir.join("onewindow.sqlite").display())
    }

    /// Runs a batch as a transaction of its own. On SQLite that is one job for the writer's
    /// thread (`lite`), `BEGIN IMMEDIATE` to `COMMIT`; durable, it returns once the commit is
    /// on disk. Returns the first column of each row the statements returned.
    pub(crate) async fn run_batch(&self, b: crate::command::Batch<'_>) -> crate::Result<Vec<i64>> {
        self.run_batch_with(b, true).await
    }

    /// [`Store::run_batch`]; `durable: false` returns before the commit is on disk. For a
    /// write that only matters once a later, durable commit builds on it (a number drawn
    /// from a counter): the log keeps commits in order, so that one is on disk by then.
    pub(crate) async fn run_batch_with(
        &self,
        b: crate::command::Batch<'_>,
        durable: bool,
    ) -> crate::Result<Vec<i64>> {
        match &self.writer {
            Some(slot) => {
                let sync = self.group_sync.clone().filter(|_| durable);
                crate::write::run_batch_on_writer(slot, &self.queue, sync, b).await
            }
            None => {
                if self.backend == Backend::Postgres && b.goes_as_one_statement() {
                    return run_alone(self, b).await;
                }
                let mut tx = self.begin().await?;
                let rows = b.run_ints(&mut tx).await?;
                tx.commit().await?;
                Ok(rows)
            }
        }
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

    /// The PostgreSQL server's address (None on SQLite).
    pub fn pg_url(&self) -> Option<&str> {
        self.pg_url.as_deref()
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

    /// Keeps SQLite's planner statistics in step with the data: `PRAGMA optimize` re-analyzes
    /// (from a sample) the tables whose size changed tenfold since they were last analyzed
    /// (0x10000: all tables, not only those this connection has queried).
    /// Without it a table analyzed while nearly empty (warnings, right after a bulk load)
    /// keeps "one row" statistics, and the planner scans it instead of using its index: with
    /// 76 000 open warnings that made every case command's warning update a full scan, and
    /// a 1 000 000-case database ran at 13 lifecycles/s instead of ~60. Run at start-up and
    /// hourly; PostgreSQL's autovacuum does this by itself.
    pub async fn optimize(&self) -> crate::Result<()> {
        if let Some(w) = &self.writer {
            crate::write::run_on_writer(w, "PRAGMA analysis_limit=1000; PRAGMA optimize=0x10002")
                .await?;
        }
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
        Ok(self.conns.acquire().await?)
    }

    /// A transaction for a use case's writes; commit it, or it rolls back when dropped.
    /// On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`): a deferred transaction
    /// that reads and then writes fails with "database is locked" when another writer got
    /// there first, while an immediate one waits its turn (busy_timeout) and then reads the
    /// other's result, so the version check decides cleanly.
    pub async fn begin(&self) -> crate::Result<Tx> {
        match &self.writer {
            Some(w) => crate::write::begin_on_writer(w, self.group_sync.clone()).await,
            None => Ok(Tx::on(self.conns.acquire().await?).await?),
        }
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    pub async fn close(&self) {
        if let Some(w) = &self.writer {
            crate::write::close_writer(w).await;
        }
        self.conns.close().await;
        self.pool.close().await;
    }
}

/// PostgreSQL: a batch that goes as one statement ([`Batch::as_one_statement`]), run as a
/// transaction of its own: no `BEGIN` and `COMMIT` round trips around it (a command is then
/// its read and its statement, two round trips instead of four). Abandoned while the
/// statement waits for a lock (a request cancelled), the connection is closed rather than
/// returned, and PostgreSQL, which looks for a closed client every
/// [`CLIENT_CHECK`] while a statement runs, cancels the statement and writes nothing. One
/// abandoned less than that before its lock came free may still commit, as one whose answer
/// was lost on its way back always could.
///
/// [`Batch::as_one_statement`]: crate::command::Batch::as_one_statement
async fn run_alone(store: &Store, b: crate::command::Batch<'_>) -> crate::Result<Vec<i64>> {
    let mut conn = store.conn().await?;
    conn.set_reusable(false);
    let rows = b.run_ints(&mut conn).await;
    // Finished, well or with the statement's own error: the connection is idle again.
    conn.set_reusable(true);
    rows
}

/// How often PostgreSQL checks, while a statement runs, that its client is still there
/// (`client_connection_check_interval`, PostgreSQL 14 and later; see [`run_alone`]).
pub(crate) const CLIENT_CHECK: &str = "100ms";

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

/// Sets a value in `meta` (a marker that something was done once, e.g. the defaults of a
/// fresh installation loaded).
pub async fn set_meta(conn: &mut AnyConnection, key: &str, value: i64) -> crate::Result<()> {
    sqlx::query(
        "INSERT INTO meta (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(conn)
    .await?;
    Ok(())
}

/// Sets a `meta` marker unless it is set: false when it was (on PostgreSQL a second node
/// doing the same waits for the first's commit and then finds it set).
pub async fn claim_meta(conn: &mut AnyConnection, key: &str) -> crate::Result<bool> {
    let r =
        sqlx::query("INSERT INTO meta (key, value) VALUES ($1, 1) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .execute(conn)
            .await?;
    Ok(r.rows_affected() == 1)
}

/// Increments a counter in `meta`. The catalog's generation is also announced to the other
/// nodes (at commit), which follow with their search index.
pub async fn bump_meta(conn: &mut AnyConnection, key: &str) -> crate::Result<()> {
    sqlx::query("UPDATE meta SET value = value + 1 WHERE key = $1")
        .bind(key)
        .execute(&mut *conn)
        .await?;
    if key == "catalog_generation" {
        crate::cluster::announce(conn, crate::cluster::CATALOG_CHANGED).await?;
    }
    Ok(())
}

/// The oldest transaction still running and the first one not yet started, for the outbox's
/// holes (`domain::outbox::deliverable`): on PostgreSQL from the current snapshot. SQLite's
/// one writer commits in sequence order, so a hole there is final at once.
pub(crate) async fn snapshot_horizon(conn: &mut AnyConnection) -> crate::Result<(i64, i64)> {
    match Backend::of(conn) {
        Backend::Sqlite => Ok((i64::MAX, 0)),
        Backend::Postgres => Ok(sqlx::query_as(
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint,
                    pg_snapshot_xmax(pg_current_snapshot())::text::bigint",
        )
        .fetch_one(conn)
        .await?),
    }
}
