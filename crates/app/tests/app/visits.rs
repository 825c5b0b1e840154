//! 最多跑一次: visits recorded where they happen (window intake, pickup) counted by day against
//! the item's promise; the month's 实现率; the call-back sample drawn once with its seed, and
//! call-backs recorded once (a person who says they came more often is flagged).

use app::AppError;
use app::auth::Actor;
use domain::account::Role;
use domain::case::{Command, Delivery};
use time::Duration;

use crate::support::*;

async fn decide_and_hand_over(app: &app::App, clerk: &Actor, id: &str, delivery: Delivery) {
    for cmd in [
        Command::Accept {
            tolerate: vec![],
            commitment: false,
        },
        Command::Approve {
            reason: "符合条件".into(),
            legal_basis: String::new(),
        },
        Command::Issue { delivery },
        Command::Complete,
    ] {
        let name = cmd.name();
        app::cases::act(app, clerk, id, cmd)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visits_are_counted_by_day_against_the_promise_and_called_back_on_a_drawn_sample() {
    store::testing::on_both(|s| async move {
        let (app, clock) = app(s).await;
        seed_org(&app).await;
        let mut item = domain::fixtures::sample_item();
        item.case_type = domain::catalog::CaseType::Instant;
        item.promised_limit = domain::catalog::PromisedLimit::Instant;
        item.visits = 1;
        publish(&app, &item).await;
        let clerk = staff(&app, "clk", &[Role::Clerk], "511600", None).await;
        let me = citizen(&app, "917").await;
        let Actor::Applicant { login, .. } = &me else {
            unreachable!()
        };
        let window = || Delivery::Window {
            window: "C01".into(),
        };
        // Filed and collected the same day: one trip.
        let once = crate::off_platform::window_case(&app, &clerk, &item.code, login).await;
        decide_and_hand_over(&app, &clerk, &once, window()).await;
        // Collected two days later: two trips, over the promise.
        let twice = crate::off_platform::window_case(&app, &clerk, &item.code, login).await;
        clock.advance(Duration::days(2));
        decide_and_hand_over(&app, &clerk, &twice, window()).await;
        // Online and electronic: none.
        let c = app::cases::start(&app, &me, &item.code).await.unwrap();
        file(&app, &me, &c.id).await;
        decide_and_hand_over(&app, &clerk, &c.id, Delivery::Electronic).await;
        let v = app::cases::view(&app, &clerk, &twice).await.unwrap();
        assert_eq!(v.case.visit_days(), 2);

        let sup = staff(&app, "sup", &[Role::Supervisor], "511600", None).await;
        let r = app::visits::report(&app, &sup, "2026-11").await.unwrap();
        assert_eq!((r.closed, r.kept), (3, 2));
        assert!((r.rate.unwrap() - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(r.items[0].promised, Some(1));
        let e = app::visits::report(&app, &clerk, "2026-11")
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
        let e = app::visits::report(&app, &sup, "11月").await.unwrap_err();
        assert!(matches!(e, AppError::Validation(_)), "{e:?}");

        // The sample: all three (fewer than the sample size), once, with its seed.
        let drawn = app::visits::draw(&app, &sup, "2026-11").await.unwrap();
        assert_eq!(drawn.population, 3);
        assert_eq!(drawn.seed.len(), 16);
        let e = app::visits::draw(&app, &sup, "2026-11").await.unwrap_err();
        assert!(matches!(e, AppError::State(_)), "{e:?}");
        let r = app::visits::report(&app, &sup, "2026-11").await.unwrap();
        assert_eq!(r.callbacks.len(), 3);
        let mut numbers: Vec<&str> = r
            .callbacks
            .iter()
            .map(|c| c.row.case_number.as_str())
            .collect();
        let again = domain::visits::sample(&drawn.seed, numbers.iter().copied());
        assert_eq!(
            again,
            numbers.iter().map(|n| n.to_string()).collect::<Vec<_>>(),
            "anyone re-runs it"
        );
        numbers.sort();

        let e = app::visits::record_callback(&app, &sup, "2026-11", &once, None, "", "")
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Validation(_)), "{e:?}");
        app::visits::record_callback(&app, &sup, "2026-11", &once, Some(true), "3", "说来了三次")
            .await
            .unwrap();
        let e = app::visits::record_callback(&app, &sup, "2026-11", &once, Some(false), "", "")
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::State(_)), "{e:?}");
        let county = staff(&app, "sup2", &[Role::Supervisor], "511602", None).await;
        let e = app::visits::record_callback(&app, &county, "2026-11", &twice, Some(true), "1", "")
            .await
            .unwrap_err();
        assert!(
            matches!(e, AppError::State(_)),
            "not the county's sample: {e:?}"
        );
        let r = app::visits::report(&app, &sup, "2026-11").await.unwrap();
        let cb = r.callbacks.iter().find(|c| c.row.case_id == once).unwrap();
        assert!(cb.differs, "said 3, recorded 1");
    })
    .await;
}
