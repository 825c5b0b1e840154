//! Test databases for both backends, used by the store's, the app's and the web's test
//! suites; compiled only with the `testing` feature, which their `[dev-dependencies]` turn on.
//! SQLite always runs; PostgreSQL runs when `ONEWINDOW_TEST_DATABASE_URL` is set, each test in
//! a fresh schema. Under CI (`CI=true`) a missing URL fails the test instead of skipping it,
//! so the PostgreSQL half can never silently vanish.

use sqlx::{AssertSqlSafe, Connection};

use crate::Store;

pub const PG_ENV: &str = "ONEWINDOW_TEST_DATABASE_URL";

/// How many nodes the app and web suites run each test on: `ONEWINDOW_TEST_NODES` with
/// `ONEWINDOW_TEST_DATABASE_URL` (the nodes share one PostgreSQL), else one.
pub fn pool_nodes() -> usize {
    std::env::var("ONEWINDOW_TEST_NODES")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n >= 1 && std::env::var(PG_ENV).is_ok())
        .unwrap_or(1)
}

/// A second connection pool on `store`'s PostgreSQL database and schema, as another node
/// opens (SQLite: None, one server owns the file).
pub async fn reopen(store: &Store) -> Option<Store> {
    let url = store.pg_url()?;
    let schema: String = sqlx::query_scalar("SELECT current_schema()::text")
        .fetch_one(&mut *store.conn().await.expect("connection"))
        .await
        .expect("current schema");
    Some(
        Store::connect_with(url, Some(schema))
            .await
            .expect("open the same database again"),
    )
}

pub struct TestDb {
    pub store: Store,
    pub label: &'static str,
    pg: Option<(String, String)>,
    dir: Option<std::path::PathBuf>,
}

impl TestDb {
    /// A second connection pool on the same database, as a second node would open.
    pub async fn another_node(&self) -> Store {
        match (&self.pg, &self.dir) {
            (Some((url, schema)), _) => Store::connect_with(url, Some(schema.clone())).await,
            (None, Some(dir)) => Store::connect(&Store::sqlite_url(dir)).await,
            (None, None) => unreachable!("a test database is PostgreSQL or a SQLite directory"),
        }
        .expect("open the same database again")
    }

    /// Drops the PostgreSQL schema or the SQLite directory.
    pub async fn cleanup(self) {
        self.store.close().await;
        if let Some((url, schema)) = self.pg
            && let Ok(mut c) = sqlx::AnyConnection::connect(&url).await
        {
            let _ = sqlx::query(AssertSqlSafe(format!("DROP SCHEMA \"{schema}\" CASCADE")))
                .execute(&mut c)
                .await;
        }
        if let Some(d) = self.dir {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

pub async fn sqlite() -> TestDb {
    let dir =
        std::env::temp_dir().join(format!("onewindow-test-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    let store = Store::connect(&Store::sqlite_url(&dir))
        .await
        .expect("open sqlite");
    TestDb {
        store,
        label: "sqlite",
        pg: None,
        dir: Some(dir),
    }
}

/// Whether the suites' tests run on `backend`: `ONEWINDOW_TEST_BACKEND=sqlite` or `postgres`
/// picks one (CI runs the app suite's SQLite half on one node and its PostgreSQL half on three
/// nodes, not twice), unset runs both.
fn wanted(backend: &str) -> bool {
    match std::env::var("ONEWINDOW_TEST_BACKEND").as_deref() {
        Err(_) | Ok("") => true,
        Ok(b @ ("sqlite" | "postgres")) => b == backend,
        Ok(other) => panic!("ONEWINDOW_TEST_BACKEND={other}: expected sqlite or postgres"),
    }
}

pub async fn postgres() -> Option<TestDb> {
    sqlx::any::install_default_drivers();
    if !wanted("postgres") {
        return None;
    }
    let Ok(url) = std::env::var(PG_ENV) else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{PG_ENV} is not set under CI: the PostgreSQL half of the store tests must run");
        }
        eprintln!(
            "\n*** SKIPPING the PostgreSQL half of this test: set {PG_ENV}=postgres://... to run it ***\n"
        );
        return None;
    };
    let schema = format!("t_{}", uuid::Uuid::now_v7().simple());
    let mut c = sqlx::AnyConnection::connect(&url)
        .await
        .expect("connect to the test PostgreSQL");
    sqlx::query(AssertSqlSafe(format!("CREATE SCHEMA \"{schema}\"")))
        .execute(&mut c)
        .await
        .expect("create schema");
    c.close().await.ok();
    let store = Store::connect_with(&url, Some(schema.clone()))
        .await
        .expect("open postgres");
    Some(TestDb {
        store,
        label: "postgres",
        pg: Some((url, schema)),
        dir: None,
    })
}

/// Runs `story` against SQLite and, when configured, PostgreSQL (or the one
/// `ONEWINDOW_TEST_BACKEND` names). With a node pool ([`pool_nodes`] above one) only
/// PostgreSQL, which the nodes share: SQLite has one server.
pub async fn on_both<F, Fut>(story: F)
where
    F: Fn(Store) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    if pool_nodes() == 1 && wanted("sqlite") {
        let db = sqlite().await;
        story(db.store.clone()).await;
        db.cleanup().await;
    }
    if let Some(db) = postgres().await {
        story(db.store.clone()).await;
        db.cleanup().await;
    }
}

/// Edits a stored audit event behind the application's back, as an attacker with database
/// access would, so tests can check that `audit verify` notices.
pub async fn tamper_event(store: &Store, case_id: &str, seq: i64, payload: &str) {
    let mut c = store.conn().await.expect("connection");
    sqlx::query("UPDATE case_events SET payload = $1 WHERE case_id = $2 AND seq = $3")
        .bind(payload)
        .bind(case_id)
        .bind(seq)
        .execute(&mut *c)
        .await
        .expect("tamper");
}

/// Runs a statement behind the application's back, as an attacker with database access
/// would (deleting events, changing a state column), so tests can check what `audit verify`
/// notices. Binds are text.
pub async fn tamper(store: &Store, sql: &str, binds: &[&str]) {
    let mut c = store.conn().await.expect("connection");
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()));
    for b in binds {
        q = q.bind(*b);
    }
    q.execute(&mut *c).await.expect("tamper");
}

/// A peer from tests/sims (a simulator of an outside system or a real server such as moto's
/// S3, each its own Python process), killed when dropped. Here beside the test databases so
/// the relay's and the app's tests share one way of starting them.
pub struct Peer {
    child: std::process::Child,
    pub port: u16,
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `tests/sims/{script}` with `args`; waits for its "LISTENING <port>" line. The
/// interpreter is `ONEWINDOW_SIM_PYTHON` (scripts/test.sh prepares a virtualenv with aiosmtpd
/// and moto), else `python3`.
pub fn python_peer(script: &str, args: &[&std::ffi::OsStr]) -> Peer {
    let python = std::env::var("ONEWINDOW_SIM_PYTHON").unwrap_or_else(|_| "python3".into());
    peer(&python, script, args)
}

/// [`python_peer`] for a Node.js script (its packages in tests/sims/node_modules, which
/// scripts/test.sh installs with `npm ci`).
pub fn node_peer(script: &str, args: &[&std::ffi::OsStr]) -> Peer {
    peer("node", script, args)
}

fn peer(interpreter: &str, script: &str, args: &[&std::ffi::OsStr]) -> Peer {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/sims")
        .join(script);
    let mut child = std::process::Command::new(interpreter)
        .arg(path)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{interpreter} runs {script}: {e}"));
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut out, &mut line).unwrap();
    // The rest is drained, so a peer that prints later does not die of a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    let port = line
        .trim()
        .strip_prefix("LISTENING ")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("{script} said: {line:?}"));
    Peer { child, port }
}
