//! Several nodes on one database: the job lease goes to one node at a time and passes on when
//! it runs out or is given up; overlapping rounds are found; changes announced in a
//! transaction reach a listening node at commit and never on rollback (PostgreSQL).

use std::time::Duration;

use store::cluster::{self, Heard, Listener};
use store::testing::on_both;

#[tokio::test]
async fn the_job_lease_goes_to_one_node_at_a_time() {
    on_both(|s| async move {
        assert!(cluster::claim(&s, "jobs", "a", 1_000, 500).await.unwrap());
        assert!(
            !cluster::claim(&s, "jobs", "b", 1_200, 500).await.unwrap(),
            "held by a"
        );
        assert!(
            cluster::claim(&s, "jobs", "a", 1_400, 500).await.unwrap(),
            "renewed"
        );
        let mut c = s.conn().await.unwrap();
        assert_eq!(
            cluster::holder(&mut c, "jobs").await.unwrap(),
            Some(("a".into(), 1_900))
        );
        drop(c);
        assert!(
            !cluster::claim(&s, "jobs", "b", 1_899, 500).await.unwrap(),
            "not yet run out"
        );
        assert!(
            cluster::claim(&s, "jobs", "b", 1_901, 500).await.unwrap(),
            "a died: b takes over"
        );
        assert!(
            !cluster::claim(&s, "jobs", "a", 1_950, 500).await.unwrap(),
            "a came back too late"
        );
        cluster::release(&s, "jobs", "a").await.unwrap();
        assert!(
            !cluster::claim(&s, "jobs", "a", 1_960, 500).await.unwrap(),
            "a cannot release b's lease"
        );
        cluster::release(&s, "jobs", "b").await.unwrap();
        assert!(
            cluster::claim(&s, "jobs", "a", 1_970, 500).await.unwrap(),
            "given up: a at once"
        );
        assert!(
            cluster::claim(&s, "other", "b", 1_970, 500).await.unwrap(),
            "leases are per job"
        );
    })
    .await;
}

#[tokio::test]
async fn overlapping_rounds_are_found() {
    on_both(|s| async move {
        cluster::record_round(&s, "jobs", "a", 1_000, 1_100)
            .await
            .unwrap();
        cluster::record_round(&s, "jobs", "b", 1_100, 1_200)
            .await
            .unwrap();
        let mut c = s.conn().await.unwrap();
        assert_eq!(
            cluster::round_overlaps(&mut c, "jobs").await.unwrap(),
            (2, 0)
        );
        drop(c);
        cluster::record_round(&s, "jobs", "a", 1_150, 1_160)
            .await
            .unwrap();
        let mut c = s.conn().await.unwrap();
        assert_eq!(
            cluster::round_overlaps(&mut c, "jobs").await.unwrap(),
            (3, 1)
        );
    })
    .await;
}

#[tokio::test]
async fn changes_reach_other_nodes_at_commit_only() {
    let Some(db) = store::testing::postgres().await else {
        return;
    };
    let other = db.another_node().await;
    let mut listener = Listener::open(&other)
        .await
        .unwrap()
        .expect("PostgreSQL listens");

    let mut tx = db.store.begin().await.unwrap();
    cluster::announce(&mut tx, "rolled back").await.unwrap();
    drop(tx);
    let mut tx = db.store.begin().await.unwrap();
    cluster::announce(&mut tx, "committed").await.unwrap();
    let early = tokio::time::timeout(Duration::from_millis(200), listener.next()).await;
    assert!(early.is_err(), "nothing is heard before the commit");
    tx.commit().await.unwrap();
    let heard = tokio::time::timeout(Duration::from_secs(5), listener.next())
        .await
        .expect("heard within 5 s")
        .unwrap();
    assert!(matches!(heard, Heard::Message(m) if m == "committed"));

    // A catalog change is announced by the generation's bump itself.
    let mut tx = db.store.begin().await.unwrap();
    store::db::bump_meta(&mut tx, "catalog_generation")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let heard = tokio::time::timeout(Duration::from_secs(5), listener.next())
        .await
        .expect("heard within 5 s")
        .unwrap();
    assert!(matches!(heard, Heard::Message(m) if m == cluster::CATALOG_CHANGED));
    other.close().await;
    db.cleanup().await;
}

#[tokio::test]
async fn sqlite_has_no_other_nodes_to_tell() {
    let db = store::testing::sqlite().await;
    assert!(Listener::open(&db.store).await.unwrap().is_none());
    let mut c = db.store.conn().await.unwrap();
    cluster::announce(&mut c, "nobody hears").await.unwrap();
    drop(c);
    db.cleanup().await;
}
