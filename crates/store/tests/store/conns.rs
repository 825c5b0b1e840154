//! Checked-out connections (`store::conns`): they go back to the free list without sqlx's
//! ping, so a connection left half-way through a query, or holding a dropped transaction,
//! must still serve the next holder correctly.

use std::time::Duration;

use store::accounts::*;
use store::testing::on_both;

use crate::accounts::account;

/// Counts to `n` in the database: a query that takes a while and works on both backends.
const COUNT: &str = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000) SELECT count(*) FROM n";

#[tokio::test]
async fn a_query_dropped_half_way_leaves_its_connection_right_for_the_next_holder() {
    on_both(|s| async move {
        for _ in 0..3 {
            let mut c = s.conn().await.unwrap();
            let long = sqlx::query_scalar::<_, i64>(COUNT).fetch_one(&mut *c);
            // Polled once or a little more, then dropped with its answer still to come.
            assert!(
                tokio::time::timeout(Duration::from_micros(50), long)
                    .await
                    .is_err()
            );
            drop(c);
            // The connection just returned is the one taken next (the free list is LIFO).
            let mut c = s.conn().await.unwrap();
            let n: i64 = sqlx::query_scalar("SELECT 42")
                .fetch_one(&mut *c)
                .await
                .unwrap();
            assert_eq!(
                n, 42,
                "the next query reads its own answer, not the dropped one's"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn a_dropped_transaction_lets_go_of_its_locks_at_once() {
    on_both(|s| async move {
        let mut tx = s.begin().await.unwrap();
        insert_account(&mut tx, &account("contested"))
            .await
            .unwrap();
        drop(tx);
        // The same login again: on PostgreSQL this insert waits for the first transaction's
        // outcome on the unique index, so it would hang if the rollback waited for that
        // connection's next use.
        let second = async {
            let mut tx = s.begin().await.unwrap();
            insert_account(&mut tx, &account("contested"))
                .await
                .unwrap();
            tx.commit().await.unwrap();
        };
        tokio::time::timeout(Duration::from_secs(20), second)
            .await
            .expect("the dropped transaction still held its lock");
        let mut c = s.conn().await.unwrap();
        assert!(find_by_login(&mut c, "contested").await.unwrap().is_some());
    })
    .await;
}

#[tokio::test]
async fn more_readers_than_connections_take_turns_and_all_finish() {
    on_both(|s| async move {
        let tasks: Vec<_> = (0..48)
            .map(|i| {
                let s = s.clone();
                tokio::spawn(async move {
                    let mut c = s.conn().await.unwrap();
                    let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT {i}")))
                        .fetch_one(&mut *c)
                        .await
                        .unwrap();
                    assert_eq!(n, i);
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    })
    .await;
}

#[tokio::test]
async fn a_closed_store_gives_no_more_connections() {
    on_both(|s| async move {
        drop(s.conn().await.unwrap());
        s.close().await;
        assert!(s.conn().await.is_err());
    })
    .await;
}
