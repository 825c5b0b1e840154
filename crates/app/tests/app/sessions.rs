//! Sessions end when left idle and one account keeps only a few (等保 三级).

use domain::account::Role;
use store::testing::on_both;
use time::Duration;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_staff_session_ends_after_thirty_minutes_and_use_keeps_it_alive() {
    on_both(|s| async move {
        let (app, clock) = app(s).await;
        seed_org(&app).await;
        staff(&app, "clerk", &[Role::Clerk], "511600", None).await;
        let sess = app::auth::login(&app, None, "clerk", "staff-password-1")
            .await
            .unwrap();
        let alive = |app: app::App, t: String| async move {
            !app::auth::resolve(&app, Some(&t))
                .await
                .unwrap()
                .0
                .is_anonymous()
        };
        // Used every 20 minutes for two hours: never idle for 30.
        for _ in 0..6 {
            clock.advance(Duration::minutes(20));
            assert!(
                alive(app.clone(), sess.token.clone()).await,
                "an active session stays"
            );
        }
        clock.advance(Duration::minutes(31));
        assert!(
            !alive(app.clone(), sess.token.clone()).await,
            "an idle staff session ends"
        );
        // A citizen's session is allowed two hours idle.
        let me = citizen(&app, "123").await;
        let app::auth::Actor::Applicant { login, .. } = &me else {
            panic!()
        };
        let mine = app::auth::login(&app, None, login, "a long passphrase")
            .await
            .unwrap();
        clock.advance(Duration::minutes(90));
        assert!(alive(app.clone(), mine.token.clone()).await);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_login_beyond_the_limit_ends_the_oldest_session() {
    on_both(|s| async move {
        let (app, clock) = app(s).await;
        seed_org(&app).await;
        staff(&app, "clerk", &[Role::Clerk], "511600", None).await;
        let mut tokens = Vec::new();
        for _ in 0..3 {
            clock.advance(Duration::seconds(1));
            tokens.push(
                app::auth::login(&app, None, "clerk", "staff-password-1")
                    .await
                    .unwrap()
                    .token,
            );
        }
        let live: Vec<bool> = {
            let mut v = Vec::new();
            for t in &tokens {
                v.push(
                    !app::auth::resolve(&app, Some(t))
                        .await
                        .unwrap()
                        .0
                        .is_anonymous(),
                );
            }
            v
        };
        assert_eq!(
            live,
            [false, true, true],
            "staff keep two sessions, the newest"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_bind_an_authenticator_before_anything_else_and_then_need_a_fresh_code() {
    on_both(|s| async move {
        let dir = tempfile::tempdir().unwrap();
        let (app, clock) = app_with(s, dir.path(), |st| st.staff_second_factor = true).await;
        seed_org(&app).await;
        staff(&app, "clerk", &[Role::Clerk], "511600", None).await;
        let first = app::auth::login(&app, None, "clerk", "staff-password-1")
            .await
            .unwrap();
        assert!(first.must_bind_second_factor);
        let r = app::auth::resolve_session(&app, Some(&first.token))
            .await
            .unwrap();
        assert!(
            r.actor.is_anonymous() && r.must_bind_second_factor,
            "nothing else until bound"
        );
        let e = app::auth::begin_enrolment(&app, &first.token)
            .await
            .unwrap();
        assert!(
            e.uri.starts_with("otpauth://totp/OneWindow:clerk?secret="),
            "{}",
            e.uri
        );
        let wrong = app::auth::confirm_enrolment(&app, &first.token, "000000").await;
        assert!(wrong.is_err());
        let code = app::auth::current_code(&app, &e.secret).unwrap();
        app::auth::confirm_enrolment(&app, &first.token, &code)
            .await
            .unwrap();
        let r = app::auth::resolve_session(&app, Some(&first.token))
            .await
            .unwrap();
        assert!(!r.actor.is_anonymous(), "bound: the session may work");

        // From now on a login needs the code, once.
        clock.advance(Duration::seconds(60));
        let none = app::auth::login(&app, None, "clerk", "staff-password-1").await;
        assert!(
            matches!(&none, Err(app::AppError::Validation(v)) if v[0].field == "otp"),
            "{none:?}"
        );
        let code = app::auth::current_code(&app, &e.secret).unwrap();
        let ok = app::auth::login_with_code(&app, None, "clerk", "staff-password-1", Some(&code))
            .await
            .unwrap();
        assert!(!ok.must_bind_second_factor);
        let replay =
            app::auth::login_with_code(&app, None, "clerk", "staff-password-1", Some(&code)).await;
        assert!(replay.is_err(), "a code is accepted once");
        // Citizens are not asked.
        let me = citizen(&app, "123").await;
        let app::auth::Actor::Applicant { login, .. } = &me else {
            panic!()
        };
        assert!(
            !app::auth::login(&app, None, login, "a long passphrase")
                .await
                .unwrap()
                .must_bind_second_factor
        );
    })
    .await;
}
