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
