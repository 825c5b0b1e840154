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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_knowledge_article_saved_on_one_node_answers_calls_on_the_other() {
    let Some((db, a, b, _)) = two_nodes().await else {
        return;
    };
    seed_org(&a).await;
    let op = staff(&a, "op", &[Role::HotlineOperator], "511600", None).await;
    let find = || async {
        let r = app::hotline::knowledge::desk_search(&b, &op, "犬只登记", "511602")
            .await
            .unwrap();
        r.articles.iter().map(|x| x.version).max()
    };
    assert_eq!(find().await, None);
    let mut req = app::hotline::knowledge::SaveArticle {
        draft: domain::hotline::knowledge::ArticleDraft {
            question: "养犬怎么办理犬只登记？".into(),
            answer: "携带犬只免疫证明到辖区派出所办理。".into(),
            regions: vec!["511600".into()],
            valid_from: "2026-01-01".into(),
            review_by: "2027-06-30".into(),
            ..Default::default()
        },
        owner: "511600-SCJG".into(),
    };
    let saved = app::hotline::knowledge::save(&a, &op, None, &req)
        .await
        .unwrap();
    within_a_second("new article", || async { find().await == Some(1) }).await;
    // A new version replaces the old one there too.
    req.draft.answer = "携带犬只免疫证明和户口簿到辖区派出所办理。".into();
    app::hotline::knowledge::save(&a, &op, Some(&saved.id), &req)
        .await
        .unwrap();
    within_a_second("new version", || async { find().await == Some(2) }).await;
    a.store.close().await;
    b.store.close().await;
    db.cleanup().await;
}
