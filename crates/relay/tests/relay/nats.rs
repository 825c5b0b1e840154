use std::time::Duration;

use domain::outbox::RetryPolicy;
use relay::{Config, NatsSink, Progress, Worker};

use crate::support::*;

fn config(url: &str) -> Config {
    Config {
        nats: vec![NatsSink {
            name: "province".into(),
            url: url.into(),
            subject_prefix: "ow".into(),
            stream: "OW_TEST".into(),
            topics: vec![],
        }],
        retry: RetryPolicy {
            base_ms: 20,
            cap_ms: 200,
            max_rejections: 3,
        },
        ..Config::default()
    }
}

/// The events in the stream, in the stream's order: (outbox seq, id).
async fn stream_contents(url: &str) -> Vec<(i64, String)> {
    let client = async_nats::connect(url).await.unwrap();
    let js = async_nats::jetstream::new(client);
    let mut stream = js.get_stream("OW_TEST").await.unwrap();
    let n = stream.info().await.unwrap().state.messages;
    let mut out = Vec::new();
    for seq in 1..=n {
        let m = stream.get_raw_message(seq).await.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&m.payload).unwrap();
        assert_eq!(
            m.subject.as_str(),
            format!("ow.{}", v["topic"].as_str().unwrap())
        );
        out.push((
            v["seq"].as_i64().unwrap(),
            v["id"].as_str().unwrap().to_string(),
        ));
    }
    out
}

#[tokio::test]
async fn events_reach_jetstream_in_order_through_an_outage_and_a_restart_without_repeats() {
    each_backend(|store, label| async move {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let nats = NatsServer::start(dir.path(), port).await;
        let cfg = config(&nats.url());
        let aggregates = ["case:a", "case:b", "ticket:c"];
        let first: Vec<(&str, &str)> = (0..300)
            .map(|i| ("case.accepted", aggregates[i % 3]))
            .collect();
        let mut ids = write(&store, &first).await;
        let mut w = Worker::all(&store, &cfg, "node-a").pop().unwrap();
        until_idle(&mut w, 50).await;
        let got = stream_contents(&nats.url()).await;
        assert_eq!(
            got.iter().map(|g| g.1.clone()).collect::<Vec<_>>(),
            ids,
            "{label}"
        );
        assert!(
            got.windows(2).all(|p| p[0].0 < p[1].0),
            "{label}: in outbox order"
        );
        assert_eq!(cursor(&store, "province").await.delivered, 300, "{label}");

        // The broker goes away: events wait, the failure is recorded, nothing is lost.
        nats.stop();
        ids.extend(
            write(
                &store,
                &[("case.decided", "case:a"), ("license.issued", "case:a")],
            )
            .await,
        );
        assert!(
            matches!(w.round().await.unwrap(), Progress::Wait(_)),
            "{label}"
        );
        let c = cursor(&store, "province").await;
        assert_eq!((c.position > 0, c.attempts), (true, 1), "{label}");
        assert!(
            c.last_error.as_deref().unwrap_or("").contains("NATS"),
            "{label}: {c:?}"
        );
        for _ in 0..3 {
            let _ = w.round().await.unwrap();
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        // Transient failures never bury an event.
        let mut conn = store.conn().await.unwrap();
        assert!(
            store::outbox::dead_letters(&mut conn, 10)
                .await
                .unwrap()
                .is_empty(),
            "{label}"
        );
        drop(conn);

        // It comes back with its store: the waiting events are caught up.
        let nats = NatsServer::start(dir.path(), port).await;
        until_idle(&mut w, 100).await;
        let got = stream_contents(&nats.url()).await;
        assert_eq!(
            got.iter().map(|g| g.1.clone()).collect::<Vec<_>>(),
            ids,
            "{label}"
        );

        // A node dies after publishing but before recording its position: the next one (once
        // the lease runs out) sends those events again, and the stream drops the repeats.
        drop(w);
        let mut conn = store.conn().await.unwrap();
        sqlx_reset(&mut conn).await;
        drop(conn);
        let mut other = Worker::all(&store, &cfg, "node-b").pop().unwrap();
        until_idle(&mut other, 50).await;
        let got = stream_contents(&nats.url()).await;
        assert_eq!(
            got.len(),
            ids.len(),
            "{label}: repeats were dropped by Nats-Msg-Id"
        );
        assert_eq!(
            cursor(&store, "province").await.lease_owner.as_deref(),
            Some("node-b/province")
        );
        nats.stop();
    })
    .await;
}

#[tokio::test]
async fn one_node_delivers_for_a_sink_while_its_lease_holds() {
    each_backend(|store, label| async move {
        let dir = tempfile::tempdir().unwrap();
        let nats = NatsServer::start(dir.path(), free_port()).await;
        let cfg = config(&nats.url());
        write(&store, &[("case.submitted", "case:x")]).await;
        let mut a = Worker::all(&store, &cfg, "node-a").pop().unwrap();
        let mut b = Worker::all(&store, &cfg, "node-b").pop().unwrap();
        assert_eq!(a.round().await.unwrap(), Progress::Idle, "{label}");
        assert!(
            matches!(b.round().await.unwrap(), Progress::Wait(_)),
            "{label}: b waits"
        );
        assert_eq!(stream_contents(&nats.url()).await.len(), 1, "{label}");
        nats.stop();
    })
    .await;
}

/// The position goes back 200 events and the lease runs out, as after a crash.
async fn sqlx_reset(conn: &mut store::Connection) {
    store::outbox::testing_rewind(conn, "province", 200)
        .await
        .unwrap();
}
