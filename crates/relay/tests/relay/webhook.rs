use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use domain::outbox::{RetryPolicy, SignatureAlgorithm};
use relay::{Config, WebhookSink, Worker};

use crate::support::*;

struct Receiver {
    peer: Peer,
    log: PathBuf,
}

/// Starts the Python subscriber (its own process) with `secret` and `algorithm`.
fn receiver(dir: &Path, secret: &str, alg: &str, extra: &[&str]) -> Receiver {
    let log = dir.join(format!("{alg}-{}.jsonl", uuid::Uuid::now_v7().simple()));
    let mut args: Vec<&OsStr> = vec![secret.as_ref(), alg.as_ref(), log.as_os_str()];
    args.extend(extra.iter().map(OsStr::new));
    Receiver {
        peer: python_peer("webhook_receiver.py", &args),
        log,
    }
}

/// What the receiver logged: (status, id, why).
fn logged(r: &Receiver) -> Vec<serde_json::Value> {
    std::fs::read_to_string(&r.log)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn sink(name: &str, port: u16, secret: &str, alg: SignatureAlgorithm) -> WebhookSink {
    WebhookSink {
        name: name.into(),
        url: format!("http://127.0.0.1:{port}/hook"),
        secret: secret.into(),
        algorithm: alg,
        topics: vec!["case.*".into(), "license.issued".into()],
        timeout_ms: 5_000,
    }
}

fn config(hooks: Vec<WebhookSink>) -> Config {
    Config {
        webhooks: hooks,
        retry: RetryPolicy {
            base_ms: 5,
            cap_ms: 50,
            max_rejections: 2,
        },
        ..Config::default()
    }
}

const SECRET: &str = "s3cret-s3cret-s3cret";

#[tokio::test]
async fn signed_deliveries_retry_when_busy_bury_a_refused_event_and_replay_it() {
    each_backend(|store, label| async move {
        let dir = tempfile::tempdir().unwrap();
        let healed = dir.path().join("healed");
        let r = receiver(
            dir.path(),
            SECRET,
            "hmac-sm3",
            &[
                "--fail-first",
                "2",
                "--refuse-topic",
                "case.withdrawn",
                "--healed",
                healed.to_str().unwrap(),
            ],
        );
        let events = [
            ("case.submitted", "case:1"),
            ("rating.given", "rating:9"), // not among this subscriber's topics
            ("case.accepted", "case:1"),
            ("case.withdrawn", "case:2"), // refused until the subscriber is fixed
            ("case.decided", "case:1"),
            ("license.issued", "case:1"),
        ];
        let ids = write(&store, &events).await;
        let cfg = config(vec![sink(
            "county-hub",
            r.peer.port,
            SECRET,
            SignatureAlgorithm::HmacSm3,
        )]);
        let mut w = Worker::all(&store, &cfg, "node-a").pop().unwrap();
        until_idle(&mut w, 50).await;
        let log = logged(&r);
        let taken: Vec<&str> = log
            .iter()
            .filter(|l| l["status"] == 204)
            .map(|l| l["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            taken,
            vec![&ids[0], &ids[2], &ids[4], &ids[5]],
            "{label}: {log:?}"
        );
        assert_eq!(
            log.iter().filter(|l| l["status"] == 503).count(),
            2,
            "{label}: busy twice, retried"
        );
        assert_eq!(
            log.iter().filter(|l| l["status"] == 422).count(),
            2,
            "{label}: refused max_rejections times"
        );
        assert!(
            !log.iter().any(|l| l["status"] == 401),
            "{label}: every signature checked out"
        );

        // The refused event is a dead letter, with the subscriber's answer.
        let mut conn = store.conn().await.unwrap();
        let dead = store::outbox::dead_letters(&mut conn, 10).await.unwrap();
        assert_eq!(dead.len(), 1, "{label}");
        assert_eq!(
            (dead[0].id.as_str(), dead[0].attempts),
            (ids[3].as_str(), 2),
            "{label}"
        );
        assert!(
            dead[0].last_error.contains("HTTP 422"),
            "{label}: {}",
            dead[0].last_error
        );

        // Fixed on their side, replayed by an administrator: delivered, and off the list.
        std::fs::write(&healed, "").unwrap();
        assert!(
            store::outbox::ask_replay(&mut conn, "county-hub", dead[0].seq)
                .await
                .unwrap()
        );
        drop(conn);
        until_idle(&mut w, 10).await;
        assert!(
            logged(&r)
                .iter()
                .any(|l| l["status"] == 204 && l["id"] == ids[3].as_str()),
            "{label}"
        );
        let mut conn = store.conn().await.unwrap();
        assert!(
            store::outbox::dead_letters(&mut conn, 10)
                .await
                .unwrap()
                .is_empty(),
            "{label}"
        );
        assert!(
            !store::outbox::ask_replay(&mut conn, "county-hub", dead[0].seq)
                .await
                .unwrap()
        );
    })
    .await;
}

#[tokio::test]
async fn a_wrong_secret_is_refused_by_the_subscriber_and_ends_as_a_dead_letter() {
    each_backend(|store, label| async move {
        let dir = tempfile::tempdir().unwrap();
        let r = receiver(dir.path(), SECRET, "hmac-sha256", &[]);
        let ids = write(&store, &[("case.completed", "case:7")]).await;
        let wrong = sink(
            "stale-key",
            r.peer.port,
            "another-secret-entirely",
            SignatureAlgorithm::HmacSha256,
        );
        let right = sink(
            "good-key",
            r.peer.port,
            SECRET,
            SignatureAlgorithm::HmacSha256,
        );
        let cfg = config(vec![wrong, right]);
        for mut w in Worker::all(&store, &cfg, "node-a") {
            until_idle(&mut w, 20).await;
        }
        let log = logged(&r);
        assert_eq!(
            log.iter().filter(|l| l["status"] == 401).count(),
            2,
            "{label}: {log:?}"
        );
        assert!(
            log.iter()
                .any(|l| l["status"] == 204 && l["id"] == ids[0].as_str()),
            "{label}"
        );
        let mut conn = store.conn().await.unwrap();
        let dead = store::outbox::dead_letters(&mut conn, 10).await.unwrap();
        assert_eq!(
            dead.iter().map(|d| d.sink.as_str()).collect::<Vec<_>>(),
            vec!["stale-key"],
            "{label}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_subscriber_that_is_down_holds_events_back_without_losing_them() {
    each_backend(|store, label| async move {
        let port = free_port();
        write(
            &store,
            &[("case.submitted", "case:1"), ("case.accepted", "case:1")],
        )
        .await;
        let cfg = config(vec![sink(
            "later",
            port,
            SECRET,
            SignatureAlgorithm::HmacSha256,
        )]);
        let mut w = Worker::all(&store, &cfg, "node-a").pop().unwrap();
        for _ in 0..4 {
            let _ = w.round().await.unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(60)).await;
        }
        let c = cursor(&store, "later").await;
        assert_eq!((c.position, c.delivered), (0, 0), "{label}");
        assert!(
            c.attempts >= 2 && c.last_error.as_deref().unwrap_or("").contains("连接失败"),
            "{label}: {c:?}"
        );
        let mut conn = store.conn().await.unwrap();
        assert!(
            store::outbox::dead_letters(&mut conn, 10)
                .await
                .unwrap()
                .is_empty(),
            "{label}"
        );
    })
    .await;
}

#[test]
fn signatures_match_a_known_value() {
    // python3 -c "import hmac; print(hmac.new(b'k', b'1.{}', 'sha256').hexdigest())" (and 'sm3')
    assert_eq!(
        relay::sign(SignatureAlgorithm::HmacSha256, b"k", 1, b"{}"),
        "hmac-sha256=3dd49b2593d0f9a349e9e71c4bde3e2b862c2be4003fe9b4ba81332029310158"
    );
    assert_eq!(
        relay::sign(SignatureAlgorithm::HmacSm3, b"k", 1, b"{}"),
        "hmac-sm3=5ee2e9807ab7b205309bbad2e15a906cc04354863a2bd5e4843841533e64753a"
    );
}

#[tokio::test]
async fn an_https_subscriber_is_reached_once_its_ca_is_trusted() {
    let sims = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/sims/tls");
    // As `[server] ca_file` does at start (the refusal before it is net's own test).
    net::trust_pem_file(&sims.join("ca.pem")).unwrap();
    each_backend(|store, label| {
        let sims = sims.clone();
        async move {
            let dir = tempfile::tempdir().unwrap();
            let (cert, key) = (sims.join("server.pem"), sims.join("server-key.pem"));
            let r = receiver(
                dir.path(),
                SECRET,
                "hmac-sm3",
                &["--tls", cert.to_str().unwrap(), key.to_str().unwrap()],
            );
            let ids = write(
                &store,
                &[("case.submitted", "case:3"), ("case.accepted", "case:3")],
            )
            .await;
            let mut hook = sink("tls-hub", r.peer.port, SECRET, SignatureAlgorithm::HmacSm3);
            hook.url = hook.url.replace("http://", "https://");
            let cfg = config(vec![hook]);
            let mut w = Worker::all(&store, &cfg, "node-a").pop().unwrap();
            until_idle(&mut w, 20).await;
            let taken: Vec<String> = logged(&r)
                .iter()
                .filter(|l| l["status"] == 204)
                .map(|l| l["id"].as_str().unwrap().to_string())
                .collect();
            assert_eq!(taken, ids, "{label}: signed and delivered over TLS");
        }
    })
    .await;
}
