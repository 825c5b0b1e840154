use app::AppError;
use app::catalog::{self, SearchParams};
use app::exchange;
use domain::account::Role;
use domain::catalog::VersionStatus;
use domain::fixtures::{sample_item, sample_main_item};
use store::testing::on_both;

use crate::support::*;

fn search(q: &str) -> SearchParams {
    SearchParams {
        q: q.into(),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_is_private_until_published_and_old_versions_stay_readable() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        seed_org(&app).await;
        let admin = staff(&app, "cat", &[Role::CatalogAdmin], "511600", None).await;
        let cap = admin.catalog_admin().unwrap();
        let anon = app::auth::Actor::Anonymous;
        let mut item = sample_item();
        catalog::create(&app, &cap, item.clone()).await.unwrap();
        assert!(matches!(
            catalog::guide(&app, &anon, &item.code, None).await,
            Err(AppError::NotFound(_))
        ));
        assert!(
            catalog::guide(&app, &admin, &item.code, None)
                .await
                .unwrap()
                .is_preview
        );
        assert_eq!(
            catalog::search(&app, &search("食品经营"))
                .await
                .unwrap()
                .total,
            0
        );

        catalog::publish(&app, &cap, &item.code).await.unwrap();
        assert_eq!(
            catalog::search(&app, &search("食品经营"))
                .await
                .unwrap()
                .hits[0]
                .code,
            item.code
        );
        item.name = "食品经营许可（新办）".into();
        assert_eq!(
            catalog::save_draft(&app, &cap, &item.code, item.clone())
                .await
                .unwrap(),
            2
        );
        let g = catalog::guide(&app, &anon, &item.code, None).await.unwrap();
        assert_eq!(
            g.def().name,
            "食品经营许可核发",
            "public guide unchanged until publish"
        );
        assert_eq!(g.versions.len(), 1, "drafts are not listed to the public");

        catalog::publish(&app, &cap, &item.code).await.unwrap();
        let g = catalog::guide(&app, &anon, &item.code, None).await.unwrap();
        assert_eq!(g.def().name, "食品经营许可（新办）");
        let old = catalog::guide(&app, &anon, &item.code, Some(1))
            .await
            .unwrap();
        assert_eq!(
            (old.def().name.as_str(), old.version.status),
            ("食品经营许可核发", VersionStatus::Superseded)
        );
        assert_eq!(
            catalog::search(&app, &search("新办")).await.unwrap().total,
            1,
            "the index follows the publish"
        );

        catalog::retire(&app, &cap, &item.code).await.unwrap();
        assert_eq!(
            catalog::search(&app, &search("食品经营"))
                .await
                .unwrap()
                .total,
            0
        );
        assert!(matches!(
            catalog::save_draft(&app, &cap, &item.code, item.clone()).await,
            Err(AppError::State(_))
        ));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_admins_only_touch_their_own_region_and_invalid_items_are_refused_whole() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        seed_org(&app).await;
        let county = staff(&app, "county", &[Role::CatalogAdmin], "511602", None).await.catalog_admin().unwrap();
        let item = sample_item(); // a city item
        assert!(matches!(catalog::create(&app, &county, item.clone()).await, Err(AppError::Forbidden(_))));
        let city = staff(&app, "city", &[Role::CatalogAdmin], "511600", None).await.catalog_admin().unwrap();
        let mut bad = item.clone();
        bad.visits_reason.clear();
        bad.department = "NO-SUCH".into();
        match catalog::create(&app, &city, bad).await {
            Err(AppError::Validation(v)) => assert_eq!(v[0].field, "visits_reason"),
            other => panic!("{other:?}"),
        }
        let mut unknown = item.clone();
        unknown.department = "NO-SUCH".into();
        assert!(matches!(catalog::create(&app, &city, unknown).await, Err(AppError::Validation(v)) if v[0].field == "department"));
        catalog::create(&app, &city, item.clone()).await.unwrap();
        assert!(matches!(catalog::create(&app, &city, item.clone()).await, Err(AppError::Validation(v)) if v[0].code == "taken"));
        assert!(matches!(catalog::publish(&app, &county, &item.code).await, Err(AppError::Forbidden(_))));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_rejects_a_ten_thousand_character_query_and_bad_filters_by_name() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        let long = SearchParams { q: "开".repeat(10_000), ..Default::default() };
        assert!(matches!(catalog::search(&app, &long).await, Err(AppError::Validation(v)) if v[0].field == "q"));
        let bad_region = SearchParams { region: Some("12ab".into()), ..Default::default() };
        assert!(matches!(catalog::search(&app, &bad_region).await, Err(AppError::Validation(v)) if v[0].field == "region"));
        let bad_limit = SearchParams { limit: Some(1000), ..Default::default() };
        assert!(matches!(catalog::search(&app, &bad_limit).await, Err(AppError::Validation(v)) if v[0].field == "limit"));
        assert!(matches!(catalog::guide(&app, &app::auth::Actor::Anonymous, &"x".repeat(500), None).await, Err(AppError::NotFound(_))));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_with_one_bad_row_writes_nothing_and_a_clean_one_publishes_everything() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        seed_org(&app).await;
        let cap = staff(&app, "cat", &[Role::CatalogAdmin], "511600", None)
            .await
            .catalog_admin()
            .unwrap();
        // The file carries the 主项 its items belong to.
        let mut defs = vec![sample_main_item(), sample_item(), sample_item()];
        defs[2].code = "SECOND".into();
        defs[2].department = "NO-SUCH".into();
        let (items, materials) = exchange::to_sheets(&defs);
        let r = exchange::import(&app, &cap, &items, &materials, false, true, |_, _| {})
            .await
            .unwrap();
        assert!(r.nothing_written);
        assert_eq!(
            (r.errors[0].row, r.errors[0].column.as_str()),
            (4, "实施机关编码")
        );

        defs[2].department = "511600-SCJG".into();
        let (items, materials) = exchange::to_sheets(&defs);
        let dry = exchange::import(&app, &cap, &items, &materials, true, true, |_, _| {})
            .await
            .unwrap();
        assert!(dry.nothing_written && dry.errors.is_empty());
        assert_eq!(catalog::search(&app, &search("")).await.unwrap().total, 0);

        let mut seen = 0;
        let r = exchange::import(&app, &cap, &items, &materials, false, true, |done, _| {
            seen = done
        })
        .await
        .unwrap();
        assert_eq!((r.created, r.updated, seen), (3, 0, 3));
        assert_eq!(catalog::search(&app, &search("")).await.unwrap().total, 3);
        let again = exchange::import(&app, &cap, &items, &materials, false, true, |_, _| {})
            .await
            .unwrap();
        assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 3));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_catalog_loads_twice_without_duplicates_and_answers_everyday_words() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        let first = app::demo::load(&app).await.unwrap();
        assert!(first.items_created >= 60, "{} items", first.items_created);
        let second = app::demo::load(&app).await.unwrap();
        assert_eq!(
            (second.items_created, second.items_existing),
            (0, first.items_created)
        );
        let r = catalog::search(&app, &search("开饭店")).await.unwrap();
        assert!(
            r.hits.iter().take(3).any(|h| h.name.contains("食品")),
            "{:?}",
            r.hits
        );
        let login = app::auth::login(&app, None, "catalog", app::demo::DEMO_PASSWORD)
            .await
            .unwrap();
        assert!(login.actor.catalog_admin().is_ok());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_thousand_rows_import_in_one_transaction_and_a_single_bad_row_blocks_them_all() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        seed_org(&app).await;
        let cap = staff(&app, "cat", &[Role::CatalogAdmin], "511600", None)
            .await
            .catalog_admin()
            .unwrap();
        let base = sample_item();
        let mut defs: Vec<_> = (0..20_000)
            .map(|i| {
                let mut d = base.clone();
                d.code = format!("BULK{i:06}");
                d.name = format!("批量事项{i}");
                d
            })
            .collect();
        defs.push(sample_main_item());
        defs[12_345].consult_phone = "电话".into();
        let (items, materials) = exchange::to_sheets(&defs);
        let bad = exchange::import(&app, &cap, &items, &materials, false, true, |_, _| {})
            .await
            .unwrap();
        assert_eq!(bad.errors.len(), 1);
        assert_eq!(
            (bad.errors[0].row, bad.errors[0].column.as_str()),
            (12_347, "咨询电话")
        );
        assert_eq!(
            catalog::search(&app, &search("")).await.unwrap().total,
            0,
            "nothing written"
        );

        defs[12_345].consult_phone = "0826-1234567".into();
        let (items, materials) = exchange::to_sheets(&defs);
        let r = exchange::import(&app, &cap, &items, &materials, false, true, |_, _| {})
            .await
            .unwrap();
        assert_eq!(r.created, 20_001);
        assert_eq!(
            catalog::search(&app, &search("批量事项"))
                .await
                .unwrap()
                .total,
            20_000
        );
    })
    .await;
}
