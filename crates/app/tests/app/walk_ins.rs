//! A walk-in without an account (无账号办理): a clerk files the case to the identity checked at
//! the window; nobody can sign in to it; the person claims it, with the case, by registering
//! with the same ID number, name and phone, and nobody else can.

use app::AppError;
use app::cases::{self, WalkIn};
use domain::account::{ApplicantRegistration, Role};
use store::testing::on_both;

use crate::support::*;

const PHONE: &str = "13912345678";

fn walk_in(seq: &str, name: &str, phone: &str) -> WalkIn {
    WalkIn {
        login: app::demo::demo_id_number("19850505", seq),
        name: name.into(),
        phone: phone.into(),
        ..WalkIn::default()
    }
}

fn registration(seq: &str, name: &str, phone: &str) -> ApplicantRegistration {
    ApplicantRegistration::NaturalPerson {
        id_number: app::demo::demo_id_number("19850505", seq),
        name: name.into(),
        phone: phone.into(),
        password: "a long passphrase".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_walk_in_is_served_without_an_account_and_claims_the_case_by_registering() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        seed_org(&app).await;
        let code = publish(&app, &domain::fixtures::sample_item()).await;
        let clerk = staff(&app, "clerk", &[Role::Clerk], "511600", None).await;

        // Without the identity the clerk checked, an unknown ID number is named, not guessed.
        let e = cases::start_for_walk_in(&app, &clerk, &code, &walk_in("321", "", ""))
            .await
            .unwrap_err();
        assert!(
            matches!(&e, AppError::Validation(v) if v[0].field == "name"),
            "{e:?}"
        );
        let e = cases::start_for_walk_in(&app, &clerk, &code, &walk_in("321", "李四", "12"))
            .await
            .unwrap_err();
        assert!(
            matches!(&e, AppError::Validation(v) if v.iter().any(|f| f.field == "phone")),
            "{e:?}"
        );

        let c = cases::start_for_walk_in(&app, &clerk, &code, &walk_in("321", "李四", PHONE))
            .await
            .unwrap();
        assert_eq!(c.channel, domain::case::Channel::Window);
        // The same person again is the same applicant, not a second record.
        let again = cases::start_for_walk_in(&app, &clerk, &code, &walk_in("321", "", ""))
            .await
            .unwrap();
        assert_eq!(again.applicant_id, c.applicant_id);
        // A registered name that differs from the one typed is a typo to catch.
        let e = cases::start_for_walk_in(&app, &clerk, &code, &walk_in("321", "李五", ""))
            .await
            .unwrap_err();
        assert!(
            matches!(&e, AppError::Validation(v) if v[0].field == "name"),
            "{e:?}"
        );

        // Nobody signs in to the record, whatever they type.
        let login = app::demo::demo_id_number("19850505", "321");
        for pw in ["", "a long passphrase"] {
            assert!(app::auth::login(&app, None, &login, pw).await.is_err());
        }
        // Someone with another phone cannot claim it.
        let e = app::auth::register(&app, None, registration("321", "李四", "13700000000"))
            .await
            .unwrap_err();
        assert!(
            matches!(&e, AppError::Validation(v) if v[0].code == "taken"),
            "{e:?}"
        );

        // The person registers with what the clerk recorded and finds both cases.
        let me = app::auth::register(&app, None, registration("321", "李四", PHONE))
            .await
            .unwrap()
            .actor;
        let (mine, total) = cases::mine(&app, &me, 10, 0).await.unwrap();
        assert_eq!(total, 2);
        assert!(mine.iter().any(|m| m.id == c.id));
        // Claimed once: registering again is "taken", and the password now signs in.
        let e = app::auth::register(&app, None, registration("321", "李四", PHONE))
            .await
            .unwrap_err();
        assert!(matches!(&e, AppError::Validation(v) if v[0].code == "taken"));
        app::auth::login(&app, None, &login, "a long passphrase")
            .await
            .unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_window_clerk_serves_a_walk_in() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        seed_org(&app).await;
        let code = publish(&app, &domain::fixtures::sample_item()).await;
        let reviewer = market_reviewer(&app).await;
        let e = cases::start_for_walk_in(&app, &reviewer, &code, &walk_in("322", "李四", PHONE))
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
        let me = citizen(&app, "323").await;
        let e = cases::start_for_walk_in(&app, &me, &code, &walk_in("322", "李四", PHONE))
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queue_is_searched_by_number_applicant_or_item_and_narrowed_to_overdue() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        seed_org(&app).await;
        let code = publish(&app, &domain::fixtures::sample_item()).await;
        let clerk = staff(&app, "clerk", &[Role::Clerk], "511600", None).await;
        let me = citizen(&app, "324").await;
        let c = cases::start(&app, &me, &code).await.unwrap();
        let filed = file(&app, &me, &c.id).await;
        let q = |search: &str| cases::QueueFilter {
            search: Some(search.to_string()),
            ..Default::default()
        };
        let count = |f: cases::QueueFilter| {
            let (app, clerk) = (&app, &clerk);
            async move {
                cases::queue_matching(app, clerk, Role::Clerk, &f, 50, 0)
                    .await
                    .unwrap()
                    .0
                    .len()
            }
        };
        let id = app::demo::demo_id_number("19900101", "324");
        let name = domain::fixtures::sample_item().name;
        assert_eq!(count(q(filed.number.as_str())).await, 1);
        assert_eq!(count(q(&id)).await, 1);
        assert_eq!(count(q("张三")).await, 1);
        assert_eq!(count(q(&name)).await, 1);
        assert_eq!(count(q(&code)).await, 1);
        assert_eq!(count(q("王五")).await, 0);
        let overdue = cases::QueueFilter {
            due_before: Some("2000-01-01".into()),
            ..Default::default()
        };
        assert_eq!(count(overdue).await, 0);
    })
    .await;
}
