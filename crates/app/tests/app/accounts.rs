use app::AppError;
use app::auth::{self, Actor};
use domain::account::{ApplicantRegistration, Role};
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

#[tokio::test]
async fn a_citizen_registers_logs_in_and_out_and_a_second_registration_is_refused() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        let id = app::demo::demo_id_number("19900101", "123");
        let session = auth::register(&app, person(&id.to_lowercase()))
            .await
            .unwrap();
        assert!(matches!(session.actor, Actor::Applicant { ref login, .. } if *login == id));
        match auth::register(&app, person(&id)).await {
            Err(AppError::Validation(v)) => assert_eq!(v[0].field, "id_number"),
            other => panic!("{other:?}"),
        }
        let again = auth::login(&app, &id.to_lowercase(), "a long passphrase")
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

#[tokio::test]
async fn five_wrong_passwords_lock_the_login_for_fifteen_minutes() {
    on_both(|s| async move {
        let (app, clock) = app(s).await;
        let id = app::demo::demo_id_number("19900101", "123");
        auth::register(&app, person(&id)).await.unwrap();
        for _ in 0..5 {
            assert!(matches!(
                auth::login(&app, &id, "wrong").await,
                Err(AppError::Validation(_))
            ));
        }
        assert!(matches!(
            auth::login(&app, &id, "a long passphrase").await,
            Err(AppError::Throttled { .. })
        ));
        clock.advance(Duration::minutes(16));
        assert!(auth::login(&app, &id, "a long passphrase").await.is_ok());
    })
    .await;
}

#[tokio::test]
async fn sessions_expire_and_unknown_logins_fail_like_wrong_passwords() {
    on_both(|s| async move {
        let (app, clock) = app(s).await;
        seed_org(&app).await;
        let actor = staff(&app, "clerk1", &[Role::Clerk], "511600", None).await;
        assert!(actor.has_role(Role::Clerk));
        assert!(matches!(actor.catalog_admin(), Err(AppError::Forbidden(_))));
        let s = auth::login(&app, "clerk1", "staff-password-1")
            .await
            .unwrap();
        // Resolved once (and so cached), the session still ends when it expires.
        assert_eq!(auth::resolve(&app, Some(&s.token)).await.unwrap().0, actor);
        clock.advance(Duration::hours(9));
        assert_eq!(
            auth::resolve(&app, Some(&s.token)).await.unwrap().0,
            Actor::Anonymous
        );
        match auth::login(&app, "nobody", "whatever").await {
            Err(AppError::Validation(v)) => assert_eq!(v[0].message, "账号或密码错误"),
            other => panic!("{other:?}"),
        }
    })
    .await;
}

#[tokio::test]
async fn staff_of_a_department_must_name_an_existing_department_of_their_region() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        seed_org(&app).await;
        auth::bootstrap_admin(&app, "root", "管理员", "bootstrap-password", "511600").await.unwrap();
        let cap = auth::login(&app, "root", "bootstrap-password").await.unwrap().actor.system_admin().unwrap();
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
