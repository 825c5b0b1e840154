//! 统一身份认证's tables: a pending login is taken once, stale ones are swept when a new one
//! begins, and a provider subject links to one account.

use store::StoreError;
use store::oidc::*;
use store::testing::on_both;

use crate::accounts::account;

fn pending(state: &str, at: i64) -> PendingLogin {
    PendingLogin {
        state: state.into(),
        nonce: format!("nonce-{state}"),
        verifier: format!("verifier-{state}"),
        next: "/cases".into(),
        created_at: at,
    }
}

#[tokio::test]
async fn a_pending_login_is_taken_once_and_stale_ones_are_swept() {
    on_both(|s| async move {
        let mut c = s.conn().await.unwrap();
        begin(&mut c, &pending("old", 100), 0).await.unwrap();
        begin(&mut c, &pending("s1", 1_000), 500).await.unwrap();
        assert!(take(&mut c, "old").await.unwrap().is_none(), "swept");
        let got = take(&mut c, "s1").await.unwrap().expect("pending");
        assert_eq!(got, pending("s1", 1_000));
        assert!(take(&mut c, "s1").await.unwrap().is_none(), "taken once");
        assert!(take(&mut c, "never").await.unwrap().is_none());
    })
    .await;
}

#[tokio::test]
async fn a_subject_links_to_one_account() {
    on_both(|s| async move {
        let mut tx = s.begin().await.unwrap();
        store::accounts::insert_account(&mut tx, &account("oidc-a"))
            .await
            .unwrap();
        link(&mut tx, "https://idp.example", "sub-1", "id-oidc-a", 5)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut c = s.conn().await.unwrap();
        assert_eq!(
            linked_account(&mut c, "https://idp.example", "sub-1")
                .await
                .unwrap()
                .as_deref(),
            Some("id-oidc-a")
        );
        assert!(
            linked_account(&mut c, "https://other.example", "sub-1")
                .await
                .unwrap()
                .is_none(),
            "subjects are per issuer"
        );
        match link(&mut c, "https://idp.example", "sub-1", "id-oidc-a", 6).await {
            Err(StoreError::Conflict { .. }) => {}
            other => panic!("a second link of the same subject: {other:?}"),
        }
    })
    .await;
}
