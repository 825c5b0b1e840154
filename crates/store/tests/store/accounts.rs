use store::StoreError;
use store::accounts::*;
use store::testing::on_both;

pub(crate) fn account(login: &str) -> AccountRow {
    AccountRow {
        id: uuid_like(login),
        login: login.into(),
        kind: domain::account::AccountKind::NaturalPerson,
        display_name: "张三".into(),
        phone: "13800138000".into(),
        legal_representative: None,
        password_hash: "$argon2id$fake".into(),
        region: None,
        department: None,
        roles: String::new(),
        created_at: 1,
        disabled: 0,
    }
}

fn uuid_like(s: &str) -> String {
    format!("id-{s}")
}

#[tokio::test]
async fn accounts_are_unique_by_login_and_sessions_expire() {
    on_both(|s| async move {
        let mut tx = s.begin().await.unwrap();
        insert_account(&mut tx, &account("a")).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = s.begin().await.unwrap();
        let mut dup = account("a");
        dup.id = "other".into();
        match insert_account(&mut tx, &dup).await {
            Err(StoreError::Conflict { field }) => assert_eq!(field, "login"),
            other => panic!("expected a conflict, got {other:?}"),
        }
        drop(tx);

        let mut c = s.conn().await.unwrap();
        assert_eq!(
            find_by_login(&mut c, "a")
                .await
                .unwrap()
                .unwrap()
                .display_name,
            "张三"
        );
        insert_session(&mut c, "h1", "id-a", "csrf1", 100, 200)
            .await
            .unwrap();
        assert_eq!(
            find_session(&mut c, "h1", 150).await.unwrap().unwrap().csrf,
            "csrf1"
        );
        assert!(
            find_session(&mut c, "h1", 200).await.unwrap().is_none(),
            "expired at 200"
        );
        assert_eq!(purge_expired_sessions(&mut c, 300).await.unwrap(), 1);
    })
    .await;
}

#[tokio::test]
async fn login_failures_are_counted_in_a_window_and_cleared() {
    on_both(|s| async move {
        let mut c = s.conn().await.unwrap();
        for at in [10, 20, 30] {
            record_login_failure(&mut c, "x", at).await.unwrap();
        }
        assert_eq!(
            login_failures_since(&mut c, "x", 15).await.unwrap(),
            vec![20, 30]
        );
        clear_login_failures(&mut c, "x").await.unwrap();
        assert!(
            login_failures_since(&mut c, "x", 0)
                .await
                .unwrap()
                .is_empty()
        );
    })
    .await;
}

#[tokio::test]
async fn failures_are_counted_per_client_and_per_client_and_login() {
    on_both(|s| async move {
        let mut c = s.conn().await.unwrap();
        record_client_failure(&mut c, "203.0.113.7", "alice", 10)
            .await
            .unwrap();
        record_client_failure(&mut c, "203.0.113.7", "bob", 20)
            .await
            .unwrap();
        record_client_failure(&mut c, "198.51.100.1", "alice", 30)
            .await
            .unwrap();
        assert_eq!(
            client_failures_since(&mut c, "203.0.113.7", 0)
                .await
                .unwrap(),
            vec![10, 20]
        );
        assert_eq!(
            pair_failures_since(&mut c, "203.0.113.7", "alice", 0)
                .await
                .unwrap(),
            vec![10]
        );
        clear_pair_failures(&mut c, "203.0.113.7", "alice")
            .await
            .unwrap();
        assert_eq!(
            client_failures_since(&mut c, "203.0.113.7", 0)
                .await
                .unwrap(),
            vec![20]
        );
        assert_eq!(
            pair_failures_since(&mut c, "198.51.100.1", "alice", 0)
                .await
                .unwrap(),
            vec![30]
        );
    })
    .await;
}

#[tokio::test]
async fn a_temporary_password_shows_on_the_session_and_other_sessions_can_be_ended() {
    on_both(|s| async move {
        let mut c = s.conn().await.unwrap();
        insert_account(&mut c, &account("a")).await.unwrap();
        for h in ["h1", "h2", "h3"] {
            insert_session(&mut c, h, "id-a", "csrf", 100, 200)
                .await
                .unwrap();
        }
        set_password(&mut c, "id-a", "$argon2id$new", true)
            .await
            .unwrap();
        assert!(must_change_password(&mut c, "id-a").await.unwrap());
        let session = find_session(&mut c, "h1", 150).await.unwrap().unwrap();
        assert!(session.must_change_password);
        assert_eq!(session.account.password_hash, "$argon2id$new");
        assert_eq!(
            delete_sessions_of(&mut c, "id-a", Some("h1"))
                .await
                .unwrap(),
            2
        );
        assert!(find_session(&mut c, "h1", 150).await.unwrap().is_some());
        assert!(find_session(&mut c, "h2", 150).await.unwrap().is_none());
        assert!(matches!(
            set_password(&mut c, "nobody", "x", false).await,
            Err(StoreError::NotFound)
        ));
        let e = AdminEventRow {
            at: 5,
            actor: "id-admin".into(),
            action: "password_reset".into(),
            target: "id-a".into(),
            detail: "{}".into(),
            seq: 1,
            prev_hash: "0".repeat(64),
            hash: "1".repeat(64),
        };
        insert_admin_event(&mut c, &e).await.unwrap();
        assert_eq!(
            admin_events_for(&mut c, "id-a").await.unwrap(),
            vec![e.clone()]
        );
        assert_eq!(
            last_admin_event(&mut c).await.unwrap(),
            Some((1, "1".repeat(64)))
        );
        assert!(
            insert_admin_event(&mut c, &e).await.is_err(),
            "one event per place in the chain"
        );
    })
    .await;
}
