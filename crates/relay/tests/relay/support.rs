//! Peers as child processes, events written as the app writes them, and the workers' rounds.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use relay::{Progress, Worker};
use store::Store;
use store::outbox::OutboxRow;

/// Both backends, one after the other (PostgreSQL when its URL is set).
pub async fn each_backend<F, Fut>(f: F)
where
    F: Fn(Store, &'static str) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let db = store::testing::sqlite().await;
    f(db.store.clone(), db.label).await;
    db.cleanup().await;
    if let Some(db) = store::testing::postgres().await {
        f(db.store.clone(), db.label).await;
        db.cleanup().await;
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

pub async fn wait_for_port(port: u16) {
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("nothing listens on {port}");
}

/// A nats-server with JetStream storing in `dir`, on `port`.
pub struct NatsServer {
    child: Child,
    pub port: u16,
}

impl NatsServer {
    pub async fn start(dir: &Path, port: u16) -> NatsServer {
        let bin = [
            "/usr/sbin/nats-server",
            "/usr/bin/nats-server",
            "/usr/local/bin/nats-server",
        ]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("nats-server is installed (Debian package nats-server; .ci/run installs it)");
        let child = Command::new(bin)
            .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-js", "-sd"])
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nats-server");
        wait_for_port(port).await;
        NatsServer { child, port }
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// Writes events in one transaction, as a use case does; returns their ids.
pub async fn write(store: &Store, events: &[(&str, &str)]) -> Vec<String> {
    let rows: Vec<OutboxRow> = events
        .iter()
        .map(|(topic, aggregate)| OutboxRow {
            id: uuid::Uuid::now_v7().to_string(),
            topic: topic.to_string(),
            aggregate: aggregate.to_string(),
            payload: format!(r#"{{"aggregate":"{aggregate}"}}"#),
            created_at: 1_800_000_000_000,
        })
        .collect();
    let mut tx = store.begin().await.unwrap();
    store::outbox::insert(&mut tx, &rows).await.unwrap();
    tx.commit().await.unwrap();
    rows.into_iter().map(|r| r.id).collect()
}

/// Runs a worker's rounds until it is idle, waiting as it asks; panics after `limit` rounds.
pub async fn until_idle(w: &mut Worker, limit: usize) -> Vec<Progress> {
    let mut seen = Vec::new();
    for _ in 0..limit {
        let p = w.round().await.expect("round");
        seen.push(p);
        match p {
            Progress::Idle => return seen,
            Progress::More => {}
            Progress::Wait(ms) => {
                tokio::time::sleep(Duration::from_millis(ms.clamp(1, 2000) as u64)).await
            }
        }
    }
    panic!("the worker did not become idle: {seen:?}");
}

pub async fn cursor(store: &Store, sink: &str) -> store::outbox::Cursor {
    let mut c = store.conn().await.unwrap();
    store::outbox::cursors(&mut c)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.sink == sink)
        .expect("the sink has a cursor")
}

pub use store::testing::{Peer, python_peer};

/// An account as the store keeps it, with no phone, password or roles.
pub fn account(
    id: &str,
    kind: domain::account::AccountKind,
    login: &str,
    name: &str,
) -> store::accounts::AccountRow {
    store::accounts::AccountRow {
        id: id.into(),
        login: login.into(),
        kind,
        display_name: name.into(),
        phone: String::new(),
        legal_representative: None,
        password_hash: String::new(),
        region: None,
        department: None,
        roles: String::new(),
        created_at: 1,
        disabled: 0,
    }
}
