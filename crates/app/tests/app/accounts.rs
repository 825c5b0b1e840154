use app::AppError;
use app::auth::{self, Actor};
use domain::account::{ApplicantRegistration, Role};
use std::net::IpAddr;
use store::testing::on_both;

use time::Duration;

use crate::support::*;

fn person(id: &str) -> ApplicantRegistration {
    ApplicantRegistration::NaturalPerson {
        id_number: id.into(),
        name: "张三".into(),
        phone: "13800138000".into(),
        password: "a long passphrase".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_registers_logs_in_and_out_and_a_second_registration_is_refused() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        let id = app::demo::demo_id_number("19900101", "123");
        let session = auth::register(&app, None, person(&id.to_lowercase()))
            .await
            .unwrap();
        assert!(matches!(session.actor, Actor::Applicant { ref login, .. } if *login == id));
        match auth::register(&app, None, person(&id)).await {
            Err(AppError::Validation(v)) => assert_eq!(v[0].field, "id_number"),
            other => panic!("{other:?}"),
        }
        let again = auth::login(&app, None, &id.to_lowercase(), "a long passphrase")
            .await
            .unwrap();
        let (actor, csrf) = auth::resolve(&app, Some(&again.token)).await.unwrap();
        assert_eq!(actor, again.actor);
        assert_eq!(csrf.as_deref(), Some(again.csrf.as_str()));
        auth::logout(&app, &again.token).await.unwrap();
        assert_eq!(
            auth::resolve(&app, Some(&again.token)).await.unwrap().0,
            Actor::Anonymous
        );
    })
    .await;
}

fn ip(s: &str) -> Option<IpAddr> {
    Some(s.parse().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_wrong_passwords_lock_that_address_out_of_the_login_but_not_the_owner_elsewhere() {
    on_both(|s| async move {
        let (app, clock) = app(s).await;
        let id = app::demo::demo_id_number("19900101", "123");
        auth::register(&app, None, person(&id)).await.unwrap();
        let attacker = ip("203.0.113.7");
        for _ in 0..5 {
            assert!(matches!(
                auth::login(&app, attacker, &id, "wrong").await,
                Err(AppError::Validation(_))
            ));
        }
        assert!(matches!(
            auth::login(&app, attacker, &id, "a long passphrase").await,
            Err(AppError::Throttled { .. })
        ));
        // The owner, from another address (an IPv6 one here), logs in at once.
        assert!(
            auth::login(&app, ip("2001:db8::1"), &id, "a long passphrase")
                .await
                .is_ok()
        );
        clock.advance(Duration::minutes(16));
        assert!(
            auth::login(&app, attacker, &id, "a long passphrase")
                .await
                .is_ok()
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_failures_from_one_address_throttle_it_for_every_login_and_registration() {
    on_both(|s| async move {
        let (app, clock) = app(s).await;
        let id = app::demo::demo_id_number("19900101", "123");
        auth::register(&app, None, person(&id)).await.unwrap();
        let sprayer = ip("203.0.113.9");
        for i in 0..20 {
            let guess = app::demo::demo_id_number("19800101", &format!("{:03}", 100 + i));
            assert!(matches!(
                auth::login(&app, sprayer, &guess, "Spring-2026-guess").await,
                Err(AppError::Validation(_))
            ));
        }
        assert!(matches!(
            auth::login(&app, sprayer, &id, "a long passphrase").await,
            Err(AppError::Throttled { .. })
        ));
        let other = app::demo::demo_id_number("19920202", "321");
        assert!(matches!(
            auth::register(&app, sprayer, person(&other)).await,
            Err(AppError::Throttled { .. })
        ));
        assert!(
            auth::login(&app, ip("198.51.100.1"), &id, "a long passphrase")
                .await
                .is_ok()
        );
        clock.advance(Duration::minutes(16));
        assert!(auth::register(&app, sprayer, person(&other)).await.is_ok());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registering_from_one_address_is_limited_and_taken_numbers_count_too() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        let prober = ip("203.0.113.10");
        let first = app::demo::demo_id_number("19900101", "100");
        auth::register(&app, prober, person(&first)).await.unwrap();
        for _ in 0..19 {
            // Probing whether a number is registered: each answer counts.
            assert!(matches!(
                auth::register(&app, prober, person(&first)).await,
                Err(AppError::Validation(v)) if v[0].code == "taken"
            ));
        }
        let next = app::demo::demo_id_number("19900101", "101");
        assert!(matches!(
            auth::register(&app, prober, person(&next)).await,
            Err(AppError::Throttled { .. })
        ));
        assert!(
            auth::register(&app, ip("198.51.100.2"), person(&next))
                .await
                .is_ok()
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_id_number_born_in_the_future_or_before_1900_does_not_register() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        for birth in ["20991231", "20261128", "18991231"] {
            let id = app::demo::demo_id_number(birth, "123");
            match auth::register(&app, None, person(&id)).await {
                Err(AppError::Validation(v)) => {
                    assert_eq!(v[0].field, "id_number");
                    assert!(v[0].message.contains("出生日期"), "{}", v[0].message);
                }
                other => panic!("{birth}: {other:?}"),
            }
        }
        // Born today (the test clock's 2026-11-27) is possible.
        let today = app::demo::demo_id_number("20261127", "123");
        assert!(auth::register(&app, None, person(&today)).await.is_ok());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_expire_and_unknown_logins_fail_like_wrong_passwords() {
    on_both(|s| async move {
        let (app, clock) = app(s).await;
        seed_org(&app).await;
        let actor = staff(&app, "clerk1", &[Role::Clerk], "511600", None).await;
        assert!(actor.has_role(Role::Clerk));
        assert!(matches!(actor.catalog_admin(), Err(AppError::Forbidden(_))));
        let s = auth::login(&app, None, "clerk1", "staff-password-1")
            .await
            .unwrap();
        // Resolved once (and so cached), the session still ends when it expires.
        assert_eq!(auth::resolve(&app, Some(&s.token)).await.unwrap().0, actor);
        clock.advance(Duration::hours(9));
        assert_eq!(
            auth::resolve(&app, Some(&s.token)).await.unwrap().0,
            Actor::Anonymous
        );
        match auth::login(&app, None, "nobody", "whatever").await {
            Err(AppError::Validation(v)) => assert_eq!(v[0].message, "账号或密码错误"),
            other => panic!("{other:?}"),
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_of_a_department_must_name_an_existing_department_of_their_region() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        seed_org(&app).await;
        auth::bootstrap_admin(&app, "root", "管理员", "bootstrap-password", "511600").await.unwrap();
        let cap = auth::login(&app, None, "root", "bootstrap-password").await.unwrap().actor.system_admin().unwrap();
        let mut ns = auth::NewStaff {
            login: "r1".into(),
            name: "承办人".into(),
            phone: "".into(),
            password: "staff-password-1".into(),
            roles: vec![Role::Reviewer],
            region: "511600".into(),
            department: None,
        };
        assert!(matches!(auth::create_staff(&app, &cap, &ns).await, Err(AppError::Validation(v)) if v[0].field == "department"));
        ns.department = Some("511602-SCJG".into());
        assert!(matches!(auth::create_staff(&app, &cap, &ns).await, Err(AppError::Validation(v)) if v[0].code == "inconsistent"));
        ns.department = Some("511600-SCJG".into());
        auth::create_staff(&app, &cap, &ns).await.unwrap();
        assert_eq!(auth::list_staff(&app, &cap).await.unwrap().len(), 2);
    })
    .await;
}
