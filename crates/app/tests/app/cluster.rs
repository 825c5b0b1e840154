//! Two nodes on one PostgreSQL: what one changes, the other's copies follow within a second
//! (a logout, a password change, a published item), not after their cache expires.

use std::time::Duration;

use app::App;
use domain::account::Role;
use store::testing::TestDb;

use crate::support::*;

/// Node A on a fresh database and node B on the same, both listening to each other.
async fn two_nodes() -> Option<(TestDb, App, App, std::sync::Arc<TestClock>)> {
    let db = store::testing::postgres().await?;
    let (a, clock) = one_app(db.store.clone()).await;
    let (b, _) = one_app(db.another_node().await).await;
    assert_ne!(a.node, b.node);
    app::cluster::listen(&a).await.unwrap();
    app::cluster::listen(&b).await.unwrap();
    Some((db, a, b, clock))
}

/// Waits up to a second for `check` to hold on node B.
async fn within_a_second<F, Fut>(what: &str, check: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..20 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("not seen on the other node within a second: {what}");
}

async fn signed_in(app: &App, token: &str) -> bool {
    !app::auth::resolve(app, Some(token))
        .await
        .unwrap()
        .0
        .is_anonymous()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logout_on_one_node_ends_the_session_on_the_other_at_once() {
    let Some((db, a, b, clock)) = two_nodes().await else {
        return;
    };
    seed_org(&a).await;
    staff(&a, "clerk", &[Role::Clerk], "511600", None).await;
    // Logins a second apart: the oldest beyond the limit is the setup's.
    clock.advance(time::Duration::seconds(1));
    let s1 = app::auth::login(&a, None, "clerk", "staff-password-1")
        .await
        .unwrap();
    clock.advance(time::Duration::seconds(1));
    let s2 = app::auth::login(&a, None, "clerk", "staff-password-1")
        .await
        .unwrap();
    // Node B serves both sessions and keeps them in its cache.
    assert!(signed_in(&b, &s1.token).await && signed_in(&b, &s2.token).await);

    app::auth::logout(&a, &s1.token).await.unwrap();
    within_a_second("logout", || async { !signed_in(&b, &s1.token).await }).await;
    assert!(signed_in(&b, &s2.token).await, "the other session stays");

    // A password changed on A ends the account's other sessions on B.
    clock.advance(time::Duration::seconds(1));
    let s3 = app::auth::login(&a, None, "clerk", "staff-password-1")
        .await
        .unwrap();
    assert!(signed_in(&b, &s3.token).await);
    let change = app::auth::PasswordChange {
        current: "staff-password-1".into(),
        new: "another staff passphrase 2".into(),
        confirm: "another staff passphrase 2".into(),
    };
    app::auth::change_password(&a, None, &s2.token, &change)
        .await
        .unwrap();
    within_a_second("password change", || async {
        !signed_in(&b, &s3.token).await
    })
    .await;
    assert!(
        signed_in(&b, &s2.token).await,
        "the session that changed it stays"
    );
    a.store.close().await;
    b.store.close().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_item_published_on_one_node_is_found_on_the_other() {
    let Some((db, a, b, _)) = two_nodes().await else {
        return;
    };
    seed_org(&a).await;
    let item = domain::fixtures::sample_item();
    let find = || async {
        let p = app::catalog::SearchParams {
            q: item.name.clone(),
            ..Default::default()
        };
        let r = app::catalog::search(&b, &p).await.unwrap();
        r.hits.iter().any(|h| h.code == item.code)
    };
    assert!(!find().await);
    publish(&a, &item).await;
    within_a_second("published item", find).await;
    a.store.close().await;
    b.store.close().await;
    db.cleanup().await;
}
