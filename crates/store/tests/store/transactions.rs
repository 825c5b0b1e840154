//! Write transactions: on SQLite every one runs on the single writer connection in turn.

use store::accounts::*;
use store::testing::on_both;

use crate::accounts::account;

async fn exists(s: &store::Store, id: &str) -> bool {
    let mut c = s.conn().await.unwrap();
    find_by_login(&mut c, id).await.unwrap().is_some()
}

#[tokio::test]
async fn a_dropped_transaction_leaves_nothing_and_frees_the_writer() {
    on_both(|s| async move {
        let mut tx = s.begin().await.unwrap();
        insert_account(&mut tx, &account("dropped")).await.unwrap();
        drop(tx);
        // A write outside a transaction gets the lock back (it would wait out busy_timeout
        // and fail if the dropped transaction still held it) …
        let mut c = s.conn().await.unwrap();
        insert_account(&mut c, &account("beside")).await.unwrap();
        drop(c);
        // … and the next transaction starts clean.
        let mut tx = s.begin().await.unwrap();
        insert_account(&mut tx, &account("next")).await.unwrap();
        tx.commit().await.unwrap();
        assert!(
            !exists(&s, "dropped").await,
            "a dropped transaction rolled back"
        );
        assert!(exists(&s, "beside").await);
        assert!(exists(&s, "next").await);
    })
    .await;
}

#[tokio::test]
async fn a_failed_statement_rolls_back_the_whole_transaction() {
    on_both(|s| async move {
        let mut tx = s.begin().await.unwrap();
        insert_account(&mut tx, &account("first")).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = s.begin().await.unwrap();
        insert_account(&mut tx, &account("half")).await.unwrap();
        assert!(insert_account(&mut tx, &account("first")).await.is_err());
        drop(tx);
        assert!(!exists(&s, "half").await, "nothing half-written");
        assert!(exists(&s, "first").await);
    })
    .await;
}

#[tokio::test]
async fn concurrent_writers_all_commit() {
    on_both(|s| async move {
        let tasks: Vec<_> = (0..24)
            .map(|i| {
                let s = s.clone();
                tokio::spawn(async move {
                    let mut tx = s.begin().await.unwrap();
                    insert_account(&mut tx, &account(&format!("w{i}")))
                        .await
                        .unwrap();
                    // Every other one gives up instead: its rollback must not block the rest.
                    if i % 2 == 0 {
                        tx.commit().await.unwrap();
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        for i in 0..24 {
            assert_eq!(exists(&s, &format!("w{i}")).await, i % 2 == 0, "w{i}");
        }
    })
    .await;
}

#[tokio::test]
async fn a_closed_store_refuses_to_begin() {
    let db = store::testing::sqlite().await;
    db.store.close().await;
    assert!(db.store.begin().await.is_err());
    db.cleanup().await;
}

#[tokio::test]
async fn a_transaction_that_ended_under_its_feet_does_not_block_later_ones() {
    // SQLite rolls back by itself after some errors (a full disk); a commit can also be
    // cancelled after it ran. The abandoned transaction's rollback then fails, and the next
    // writer must still get a working connection.
    on_both(|s| async move {
        use sqlx::Executor;
        let mut tx = s.begin().await.unwrap();
        insert_account(&mut tx, &account("gone")).await.unwrap();
        tx.execute("ROLLBACK").await.unwrap();
        drop(tx);
        let mut tx = s.begin().await.unwrap();
        insert_account(&mut tx, &account("after")).await.unwrap();
        tx.commit().await.unwrap();
        assert!(!exists(&s, "gone").await);
        assert!(exists(&s, "after").await);
    })
    .await;
}
