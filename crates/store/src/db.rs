//! Connecting, migrating and the error type. The only place that knows which backend runs.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Executor};
use thiserror::Error;

pub type Conn = sqlx::pool::PoolConnection<sqlx::Any>;
pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

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
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                let schema = pg_schema.clone();
                Box::pin(async move {
                    match backend {
                        // WAL lets readers run beside the writer; synchronous=FULL makes every
                        // commit durable against power loss (NORMAL: only against a crash of
                        // the process); busy_timeout queues writers.
                        Backend::Sqlite => {
                            let sync = if durable { "FULL" } else { "NORMAL" };
                            conn.execute(sqlx::AssertSqlSafe(format!("PRAGMA journal_mode=WAL; PRAGMA synchronous={sync}; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;"))).await?;
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
        let store = Store {
            pool,
            backend,
            durable,
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
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
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
