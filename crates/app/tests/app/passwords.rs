//! Password changes, administrators' resets and registration at a window, each in the
//! account log.

use app::AppError;
use app::auth::{self, Actor, PasswordChange};
use domain::account::{ApplicantRegistration, Role};
use store::testing::on_both;

use crate::support::*;

fn change(current: &str, new: &str, confirm: &str) -> PasswordChange {
    PasswordChange {
        current: current.into(),
        new: new.into(),
        confirm: confirm.into(),
    }
}

fn field_of(r: Result<(), AppError>) -> (String, &'static str) {
    match r {
        Err(AppError::Validation(v)) => (v[0].field.clone(), v[0].code),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_change_checks_the_current_one_and_the_policy_and_ends_other_sessions() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        let me = citizen(&app, "123").await;
        let login = app::demo::demo_id_number("19900101", "123");
        let here = auth::login(&app, None, &login, "a long passphrase")
            .await
            .unwrap();
        let elsewhere = auth::login(&app, None, &login, "a long passphrase")
            .await
            .unwrap();
        let new = "Quiet-river-stone-7";
        let t = &here.token;
        let app_ref = &app;
        let bad = |c| async move { field_of(auth::change_password(app_ref, None, t, &c).await) };
        assert_eq!(
            bad(change("wrong one!", new, new)).await,
            ("current".into(), "wrong")
        );
        assert_eq!(
            bad(change("a long passphrase", new, "typo")).await,
            ("confirm".into(), "mismatch")
        );
        for (weak, code) in [
            ("1234567890", "common"),
            ("password12", "common"),
            (login.as_str(), "personal"),
        ] {
            assert_eq!(
                bad(change("a long passphrase", weak, weak)).await,
                ("new".into(), code),
                "{weak}"
            );
        }
        auth::change_password(&app, None, t, &change("a long passphrase", new, new))
            .await
            .unwrap();
        assert_eq!(auth::resolve(&app, Some(t)).await.unwrap().0, me);
        assert_eq!(
            auth::resolve(&app, Some(&elsewhere.token)).await.unwrap().0,
            Actor::Anonymous,
            "the other session ended"
        );
        assert!(
            auth::login(&app, None, &login, "a long passphrase")
                .await
                .is_err()
        );
        assert!(auth::login(&app, None, &login, new).await.is_ok());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_resets_staff_of_their_region_and_any_applicant_to_a_one_time_password() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        seed_org(&app).await;
        let county_admin = staff(&app, "gaq-admin", &[Role::SystemAdmin], "511602", None)
            .await
            .system_admin()
            .unwrap();
        let city_admin = staff(&app, "city-admin", &[Role::SystemAdmin], "511600", None).await;
        let city_cap = city_admin.system_admin().unwrap();
        let clerk = staff(&app, "clerk1", &[Role::Clerk], "511600", None).await;
        let clerk_session = auth::login(&app, None, "clerk1", "staff-password-1")
            .await
            .unwrap();
        citizen(&app, "123").await;
        let citizen_login = app::demo::demo_id_number("19900101", "123");

        // A county administrator cannot reset staff of the city above it ...
        assert!(matches!(
            auth::reset_password(&app, &county_admin, "clerk1").await,
            Err(AppError::Forbidden(_))
        ));
        // ... but may reset any applicant; and no one resets their own this way.
        auth::reset_password(&app, &county_admin, &citizen_login.to_lowercase())
            .await
            .unwrap();
        assert!(matches!(
            auth::reset_password(&app, &city_cap, "city-admin").await,
            Err(AppError::Validation(v)) if v[0].code == "own_account"
        ));

        let temp = auth::reset_password(&app, &city_cap, "clerk1")
            .await
            .unwrap();
        assert_eq!(
            auth::resolve(&app, Some(&clerk_session.token))
                .await
                .unwrap()
                .0,
            Actor::Anonymous,
            "a reset ends the account's sessions"
        );
        assert!(
            auth::login(&app, None, "clerk1", "staff-password-1")
                .await
                .is_err()
        );
        let s = auth::login(&app, None, "clerk1", &temp.password)
            .await
            .unwrap();
        assert!(s.must_change_password);
        let resolved = auth::resolve_session(&app, Some(&s.token)).await.unwrap();
        assert!(resolved.must_change_password);
        assert_eq!(
            resolved.actor,
            Actor::Anonymous,
            "a temporary password opens nothing"
        );
        let new = "Clerk-window-2026";
        auth::change_password(&app, None, &s.token, &change(&temp.password, new, new))
            .await
            .unwrap();
        assert_eq!(auth::resolve(&app, Some(&s.token)).await.unwrap().0, clerk);

        let log: Vec<_> = auth::account_events(&app, &city_cap, "clerk1")
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.action, e.actor))
            .collect();
        let city_admin_id = city_cap.actor_id().to_string();
        let clerk_id = match &clerk {
            Actor::Staff { id, .. } => id.clone(),
            _ => unreachable!(),
        };
        assert_eq!(
            log[1..],
            [
                ("password_reset".to_string(), city_admin_id),
                ("password_changed".to_string(), clerk_id),
            ]
        );
        assert_eq!(log[0].0, "staff_created");
    })
    .await;
}

fn early_company() -> ApplicantRegistration {
    ApplicantRegistration::Enterprise {
        credit_code: "91350100M0001TGQXM".into(),
        name: "某某早期赋码有限公司".into(),
        legal_representative: "张三".into(),
        phone: "13800138000".into(),
        password: "Quiet-river-stone-7".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_clerk_at_a_window_may_accept_a_failed_credit_check_and_it_is_logged() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        seed_org(&app).await;
        match auth::register(&app, None, early_company()).await {
            Err(AppError::Validation(v)) => {
                assert_eq!(v[0].code, "check_mismatch");
                assert!(v[0].message.contains("请到窗口由工作人员核验后办理"));
            }
            other => panic!("{other:?}"),
        }
        let reviewer = market_reviewer(&app).await;
        assert!(matches!(
            reviewer.window_clerk(),
            Err(AppError::Forbidden(_))
        ));
        let clerk = staff(&app, "clerk1", &[Role::Clerk], "511600", None)
            .await
            .window_clerk()
            .unwrap();
        assert!(matches!(
            auth::register_at_window(&app, &clerk, early_company(), false).await,
            Err(AppError::Validation(v)) if v[0].code == "check_mismatch"
        ));
        let done = auth::register_at_window(&app, &clerk, early_company(), true)
            .await
            .unwrap();
        assert_eq!(done.login, "91350100M0001TGQXM");
        // The password the form carried is not used; the temporary one must be changed.
        assert!(
            auth::login(&app, None, &done.login, "Quiet-river-stone-7")
                .await
                .is_err()
        );
        let s = auth::login(&app, None, &done.login, &done.temporary_password)
            .await
            .unwrap();
        assert!(s.must_change_password);

        let admin = staff(&app, "admin1", &[Role::SystemAdmin], "511600", None)
            .await
            .system_admin()
            .unwrap();
        let log = auth::account_events(&app, &admin, &done.login)
            .await
            .unwrap();
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].action, "registered_at_window");
        assert_eq!(log[0].actor, clerk.actor_id());
        let detail: serde_json::Value = serde_json::from_str(&log[0].detail).unwrap();
        assert_eq!(detail["credit_check_overridden"]["found"], "M");
    })
    .await;
}
