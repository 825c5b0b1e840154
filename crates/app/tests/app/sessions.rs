//! Sessions end when left idle and one account keeps only a few (等保 三级).

use domain::account::Role;
use store::testing::on_both;
use time::Duration;

use crate::support::*;

#[tokio::test]
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

#[tokio::test]
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
