//! 考核: indicators set by the platform's top supervisors (a formula naming an unknown figure
//! refused at its field), a default target and a department's own, the departments scored
//! and ranked from their figures, and the Excel export.

use app::AppError;
use app::auth::Actor;
use domain::account::Role;
use domain::assessment::IndicatorDraft;

use crate::support::*;

fn indicator(code: &str, formula: &str, higher: bool, weight: u32) -> IndicatorDraft {
    IndicatorDraft {
        code: code.into(),
        name: code.into(),
        formula: formula.into(),
        unit: "%".into(),
        higher_is_better: higher,
        weight,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn departments_are_scored_against_their_targets_and_ranked() {
    store::testing::on_both(|s| async move {
        let (app, _clock) = app(s).await;
        seed_org(&app).await;
        let city_item = domain::fixtures::sample_item();
        let mut county_item = domain::fixtures::sample_item();
        county_item.code = "11511602MB1234567X3000131011009".into();
        county_item.region = "511602".into();
        county_item.department = "511602-SCJG".into();
        let cap = staff(&app, "cat", &[Role::CatalogAdmin], "511600", None)
            .await
            .catalog_admin()
            .unwrap();
        for item in [&city_item, &county_item] {
            app::catalog::create(&app, &cap, item.clone())
                .await
                .unwrap();
            app::catalog::publish(&app, &cap, &item.code).await.unwrap();
        }
        // The city department's case is filed online, the county's at the window.
        let me = citizen(&app, "815").await;
        let c = app::cases::start(&app, &me, &city_item.code).await.unwrap();
        file(&app, &me, &c.id).await;
        let clerk = staff(&app, "clk", &[Role::Clerk], "511600", None).await;
        let Actor::Applicant { login, .. } = &me else {
            unreachable!()
        };
        crate::off_platform::window_case(&app, &clerk, &county_item.code, login).await;

        let sup = staff(&app, "sup", &[Role::Supervisor], "511600", None).await;
        let county = staff(&app, "sup2", &[Role::Supervisor], "511602", None).await;
        let e = app::assessment::save_indicator(
            &app,
            &sup,
            &indicator("online", "online_rat * 100", true, 50),
        )
        .await
        .unwrap_err();
        match e {
            AppError::Validation(v) => assert_eq!(
                (v[0].field.as_str(), v[0].code),
                ("formula", "unknown_figure")
            ),
            other => panic!("{other:?}"),
        }
        let e = app::assessment::save_indicator(
            &app,
            &county,
            &indicator("online", "online_rate * 100", true, 50),
        )
        .await
        .unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
        for d in [
            indicator("online", "online_rate * 100", true, 50),
            indicator("off", "off_platform", false, 10),
        ] {
            app::assessment::save_indicator(&app, &sup, &d)
                .await
                .unwrap();
        }
        let year = domain::calendar::china_date(app.now()).year();
        app::assessment::set_target(&app, &sup, year, "", "online", "80")
            .await
            .unwrap();
        app::assessment::set_target(&app, &sup, year, "", "off", "0")
            .await
            .unwrap();
        let e = app::assessment::set_target(&app, &sup, year, "", "nope", "x")
            .await
            .unwrap_err();
        match e {
            AppError::Validation(v) => {
                let fields: Vec<&str> = v.iter().map(|f| f.field.as_str()).collect();
                assert_eq!(fields, ["indicator", "value"]);
            }
            other => panic!("{other:?}"),
        }

        let a = app::assessment::report(&app, &sup, year, None)
            .await
            .unwrap();
        let names: Vec<(&str, Option<usize>)> = a
            .lines
            .iter()
            .map(|l| (l.department.as_str(), l.rank))
            .collect();
        assert_eq!(names, [("511600-SCJG", Some(1)), ("511602-SCJG", Some(2))]);
        let (first, second) = (&a.lines[0], &a.lines[1]);
        assert_eq!(first.values, [Some(100.0), Some(0.0)]);
        assert_eq!(first.total, Some(100.0));
        assert_eq!(second.values[0], Some(0.0));
        let t = second.total.unwrap();
        assert!((t - 10.0 / 60.0 * 100.0).abs() < 1e-9, "{t}");

        // The county's own target lowered to nothing: full marks there.
        app::assessment::set_target(&app, &sup, year, "511602-SCJG", "online", "0")
            .await
            .unwrap();
        let a = app::assessment::report(&app, &sup, year, None)
            .await
            .unwrap();
        assert!(
            a.lines
                .iter()
                .all(|l| l.total == Some(100.0) && l.rank == Some(1))
        );

        // The county's supervisor sees only the county.
        let mine = app::assessment::report(&app, &county, year, None)
            .await
            .unwrap();
        assert!(mine.lines.iter().all(|l| l.department == "511602-SCJG"));
        let x = app::assessment::to_xlsx(&a).unwrap();
        assert_eq!(&x[..2], b"PK");
        let e = app::assessment::report(&app, &clerk, year, None)
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
    })
    .await;
}
