//! Rights by level: a point's powers set by those who govern it, with a basis; a delegation
//! that overlaps another refused; the takeover by another administrator of the receiving side,
//! after which the point concludes the item from the start date; what the point publishes.

use app::AppError;
use app::auth::Actor;
use app::rights;
use domain::account::Role;
use domain::ids::RegionCode;
use domain::org::Region;
use domain::rights::{DelegationDraft, Powers};
use domain::service_point::{PointKind, ServicePoint};
use time::Duration;

use crate::support::*;

async fn township(app: &app::App) -> String {
    let mut tx = app.store.begin().await.unwrap();
    store::org::upsert_region(
        &mut tx,
        &Region {
            code: "511602001".into(),
            name: "北辰街道".into(),
        },
        &RegionCode::parse("511602001").unwrap(),
    )
    .await
    .unwrap();
    store::service_points::upsert(
        &mut tx,
        &ServicePoint {
            code: "511602001-BMFW".into(),
            name: "北辰街道便民服务中心".into(),
            kind: PointKind::Township,
            region: "511602001".into(),
            address: "北辰街道".into(),
            hours: "工作日 9:00-17:00".into(),
            phone: "0826-2".into(),
            location: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    "511602001-BMFW".into()
}

fn fields(e: AppError) -> Vec<(String, &'static str)> {
    match e {
        AppError::Validation(v) => v.into_iter().map(|f| (f.field, f.code)).collect(),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delegation_taken_over_lets_a_township_conclude_from_its_start() {
    store::testing::on_both(|s| async move {
        let (app, clock) = app(s).await;
        seed_org(&app).await;
        let point = township(&app).await;
        let county = staff(
            &app,
            "cnty",
            &[Role::CatalogAdmin],
            "511602",
            Some("511602-SCJG"),
        )
        .await;
        let other = staff(&app, "cnty2", &[Role::CatalogAdmin], "511602", None).await;
        let city_dept = staff(
            &app,
            "cityd",
            &[Role::CatalogAdmin],
            "511600",
            Some("511600-SCJG"),
        )
        .await;
        let mut item = domain::fixtures::sample_item();
        item.code = "11511602MB1234567X3000131011000".into();
        item.region = "511602".into();
        item.department = "511602-SCJG".into();
        let cap = county.catalog_admin().unwrap();
        app::catalog::create(&app, &cap, item.clone())
            .await
            .unwrap();

        // A power to accept needs its basis; someone of another department may not set it.
        let accept = Powers {
            accept: true,
            ..Powers::NONE
        };
        let e = rights::set_right(&app, &county, &point, &item.code, accept, " ")
            .await
            .unwrap_err();
        assert_eq!(fields(e), vec![("basis".to_string(), "required")]);
        let e = rights::set_right(&app, &city_dept, &point, &item.code, accept, "清单")
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
        rights::set_right(
            &app,
            &county,
            &point,
            &item.code,
            accept,
            "区实施清单第 3 项",
        )
        .await
        .unwrap();
        let r = rights::point_rights(&app, &Actor::Anonymous, &point)
            .await
            .unwrap();
        assert_eq!((r.accept_count, r.conclude_count), (1, 0));
        assert!(r.items[0].powers.guide, "one who accepts also guides");

        // A city item: the township's side may let it accept, not conclude (that is the
        // city department's to give, or to delegate).
        let city = staff(&app, "cityadm", &[Role::CatalogAdmin], "511600", None).await;
        let city_item = domain::fixtures::sample_item();
        app::catalog::create(&app, &city.catalog_admin().unwrap(), city_item.clone())
            .await
            .unwrap();
        let conclude = Powers {
            conclude: true,
            ..Powers::NONE
        };
        let e = rights::set_right(&app, &other, &point, &city_item.code, conclude, "清单")
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
        rights::set_right(&app, &other, &point, &city_item.code, accept, "清单")
            .await
            .unwrap();
        rights::set_right(&app, &other, &point, &city_item.code, Powers::NONE, "")
            .await
            .unwrap();

        // A delegation from next week: pending until the receiving side takes it over.
        let today = domain::calendar::china_date(app.now());
        let draft = DelegationDraft {
            kind: "devolve".into(),
            item_code: item.code.clone(),
            receiver: point.clone(),
            starts: (today + Duration::days(7)).to_string(),
            ends: String::new(),
            basis: "区政府关于向街道下放部分事项的决定".into(),
        };
        let e = rights::delegate(&app, &city_dept, &draft)
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
        let id = rights::delegate(&app, &county, &draft).await.unwrap();
        // Another overlapping it (open-ended from the week after): refused where it clashes.
        let mut later = draft.clone();
        later.starts = (today + Duration::days(14)).to_string();
        let e = rights::delegate(&app, &county, &later).await.unwrap_err();
        assert_eq!(fields(e), vec![("starts".to_string(), "overlap")]);
        // The writer cannot take it over; a department's admin is not the township's side.
        let e = rights::decide_takeover(&app, &county, &id, true)
            .await
            .unwrap_err();
        assert!(
            matches!(e, AppError::Forbidden(_) | AppError::State(_)),
            "{e:?}"
        );
        let e = rights::decide_takeover(&app, &city_dept, &id, true)
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
        rights::decide_takeover(&app, &other, &id, true)
            .await
            .unwrap();
        let e = rights::decide_takeover(&app, &other, &id, false)
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::State(_)), "{e:?}");

        // In force from its start date, not before.
        let r = rights::point_rights(&app, &Actor::Anonymous, &point)
            .await
            .unwrap();
        assert_eq!((r.accept_count, r.conclude_count), (1, 0));
        assert!(!r.delegations[0].in_force);
        clock.advance(Duration::days(7));
        let r = rights::point_rights(&app, &Actor::Anonymous, &point)
            .await
            .unwrap();
        assert_eq!((r.accept_count, r.conclude_count), (1, 1));
        assert_eq!(r.items[0].via.len(), 1, "{:?}", r.items[0].via);
        let mut c = app.store.conn().await.unwrap();
        let p = rights::powers_at(
            &mut c,
            &point,
            &item.code,
            domain::calendar::china_date(app.now()),
        )
        .await
        .unwrap();
        assert_eq!(p, Powers::ALL);
    })
    .await;
}
