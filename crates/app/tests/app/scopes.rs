//! Staff read and change only what lies within their region (and department): statistics,
//! rating records and settings.

use app::AppError;
use domain::account::Role;
use store::testing::on_both;

use crate::support::*;

fn q(department: Option<&str>) -> app::stats::Query {
    app::stats::Query {
        from: "2026-11-01".into(),
        to: "2026-12-01".into(),
        department: department.map(Into::into),
        ..Default::default()
    }
}

/// A rating of a case of `department` in `region`, as stored.
async fn rating_in(app: &app::App, region: &str, department: &str, n: &str) {
    let mut c = app.store.conn().await.unwrap();
    store::ratings::insert_rating(
        &mut c,
        &store::ratings::RatingRow {
            id: format!("r-{n}"),
            case_id: format!("c-{n}"),
            case_number: format!("N{n}"),
            act: "case".into(),
            channel: "pc".into(),
            rater_id: "someone".into(),
            named: 0,
            level: 1,
            tags: "[]".into(),
            text: String::new(),
            region: region.into(),
            department: department.into(),
            item_code: "X".into(),
            rated_at: app.now_ms(),
            excluded: 0,
        },
    )
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn county_staff_cannot_read_a_city_departments_statistics_or_ratings() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        seed_org(&app).await;
        rating_in(&app, "511600", "511600-SCJG", "1").await;
        rating_in(&app, "511602", "511602-SCJG", "2").await;
        let county_clerk = staff(&app, "cc", &[Role::Clerk], "511602", None).await;
        let e = app::stats::report(&app, &county_clerk, &q(Some("511600-SCJG"))).await;
        assert!(matches!(e, Err(AppError::Forbidden(_))), "{e:?}");
        let own = app::stats::report(&app, &county_clerk, &q(Some("511602-SCJG")))
            .await
            .unwrap();
        assert_eq!(own.summary.ratings, 1);

        let county_supervisor = staff(&app, "cs", &[Role::Supervisor], "511602", None).await;
        let all = app::stats::report(&app, &county_supervisor, &q(None))
            .await
            .unwrap();
        assert_eq!(
            all.summary.ratings, 1,
            "only the county's own rating is counted"
        );
        let city_supervisor = staff(&app, "ms", &[Role::Supervisor], "511600", None).await;
        let city = app::stats::report(&app, &city_supervisor, &q(None))
            .await
            .unwrap();
        assert_eq!(city.summary.ratings, 2, "the city sees its counties too");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_settings_change_only_by_staff_with_authority_over_their_scope() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        seed_org(&app).await;
        let city_sup = staff(&app, "ms", &[Role::Supervisor], "511600", None).await;
        let county_sup = staff(&app, "cs", &[Role::Supervisor], "511602", None).await;
        // Warning thresholds: the platform default and the city's are not the county's.
        for scope in ["", "511600"] {
            let e = app::supervision::set_thresholds(&app, &county_sup, scope, 9, 90).await;
            assert!(matches!(e, Err(AppError::Forbidden(_))), "{scope:?}: {e:?}");
        }
        app::supervision::set_thresholds(&app, &county_sup, "511602", 2, 20)
            .await
            .unwrap();
        app::supervision::set_thresholds(&app, &city_sup, "", 3, 30)
            .await
            .unwrap();

        // The holiday calendar is the platform's: a county administrator cannot change it.
        let county_admin = staff(&app, "ca", &[Role::SystemAdmin], "511602", None).await;
        let city_admin = staff(&app, "ma", &[Role::SystemAdmin], "511600", None).await;
        let notice = domain::calendar::shipped_notices().pop().unwrap();
        let e =
            app::org::add_notice(&app, &county_admin.system_admin().unwrap(), notice.clone()).await;
        assert!(matches!(e, Err(AppError::Forbidden(_))), "{e:?}");
        app::org::add_notice(&app, &city_admin.system_admin().unwrap(), notice)
            .await
            .unwrap();

        // Synonyms feed the platform's one search index.
        let county_cat = staff(&app, "cc", &[Role::CatalogAdmin], "511602", None).await;
        let city_cat = staff(&app, "mc", &[Role::CatalogAdmin], "511600", None).await;
        let remap = domain::catalog::Synonym {
            phrase: "开饭店".into(),
            terms: vec!["离婚登记".into()],
        };
        let e =
            app::catalog::save_synonym(&app, &county_cat.catalog_admin().unwrap(), remap.clone())
                .await;
        assert!(matches!(e, Err(AppError::Forbidden(_))), "{e:?}");
        app::catalog::save_synonym(&app, &city_cat.catalog_admin().unwrap(), remap)
            .await
            .unwrap();
        let e = app::catalog::delete_synonym(&app, &county_cat.catalog_admin().unwrap(), "开饭店")
            .await;
        assert!(matches!(e, Err(AppError::Forbidden(_))), "{e:?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_county_supervisor_cannot_decide_an_appeal_about_a_city_department() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        seed_org(&app).await;
        rating_in(&app, "511600", "511600-SCJG", "9").await;
        let mut c = app.store.conn().await.unwrap();
        store::ratings::insert_ticket(
            &mut c,
            &store::ratings::TicketRow {
                id: "t-9".into(),
                rating_id: "r-9".into(),
                case_id: "c-9".into(),
                department: "511600-SCJG".into(),
                state: serde_json::to_string(&domain::rating::TicketState::Open).unwrap(),
                status: "open".into(),
                due_date: "2026-12-04".into(),
                opened_at: app.now_ms(),
                closed_at: None,
                version: 1,
            },
        )
        .await
        .unwrap();
        drop(c);
        let decide = || domain::rating::TicketAction::Decide {
            upheld: true,
            note: "恶意评价".into(),
        };
        let county = staff(&app, "cs", &[Role::Supervisor], "511602", None).await;
        let e = app::ratings::ticket_act(&app, &county, "t-9", decide()).await;
        assert!(matches!(e, Err(AppError::Forbidden(_))), "{e:?}");
        let city = staff(&app, "ms", &[Role::Supervisor], "511600", None).await;
        let e = app::ratings::ticket_act(&app, &city, "t-9", decide()).await;
        assert!(
            !matches!(e, Err(AppError::Forbidden(_))),
            "the city's supervisor may (when the state allows): {e:?}"
        );
    })
    .await;
}
