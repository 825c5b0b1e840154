use domain::catalog::{SubjectType, VersionStatus};
use domain::fixtures::sample_item;
use domain::ids::RegionCode;
use domain::org::{Department, Region};
use store::catalog::*;
use store::testing::on_both;
use store::{Store, StoreError};

async fn seed(s: &Store) {
    let mut tx = s.begin().await.unwrap();
    for code in ["510000", "511600", "511602"] {
        store::org::upsert_region(
            &mut tx,
            &Region {
                code: code.into(),
                name: code.into(),
            },
            &RegionCode::parse(code).unwrap(),
        )
        .await
        .unwrap();
    }
    let d = Department {
        code: "511600-SCJG".into(),
        name: "市场监管局".into(),
        short_name: "".into(),
        region: "511600".into(),
        credit_code: "x".into(),
        phone: "".into(),
        address: "".into(),
        parent: String::new(),
    };
    store::org::upsert_department(&mut tx, &d).await.unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn an_item_goes_from_draft_to_published_and_old_versions_stay_readable() {
    on_both(|s| async move {
        seed(&s).await;
        let mut item = sample_item();
        let mut tx = s.begin().await.unwrap();
        let gen0 = catalog_generation(&mut tx).await.unwrap();
        create_item(&mut tx, &item, "admin", 1000).await.unwrap();
        assert_eq!(publish(&mut tx, &item.code, 1001).await.unwrap(), 1);
        tx.commit().await.unwrap();

        // Edit: a new draft version while version 1 stays public.
        let mut tx = s.begin().await.unwrap();
        item.name = "食品经营许可（新办）".into();
        assert_eq!(
            save_draft(&mut tx, &item.code, &item, "admin", 1002)
                .await
                .unwrap(),
            2
        );
        item.visits_reason = "再次修改".into();
        assert_eq!(
            save_draft(&mut tx, &item.code, &item, "admin", 1003)
                .await
                .unwrap(),
            2,
            "the open draft is overwritten"
        );
        tx.commit().await.unwrap();
        let mut c = s.conn().await.unwrap();
        let row = get_item(&mut c, &item.code).await.unwrap();
        assert_eq!((row.current_version, row.draft_version), (Some(1), Some(2)));
        assert_eq!(
            row.name, "食品经营许可核发",
            "listing shows the published name until publish"
        );
        assert_eq!(
            all_published(&mut c).await.unwrap()[0].name,
            "食品经营许可核发"
        );
        assert_eq!(
            all_latest(&mut c).await.unwrap()[0].name,
            "食品经营许可（新办）"
        );

        let mut tx = s.begin().await.unwrap();
        publish(&mut tx, &item.code, 1004).await.unwrap();
        tx.commit().await.unwrap();
        let versions = list_versions(&mut c, &item.code).await.unwrap();
        assert_eq!(
            versions.iter().map(|v| v.status).collect::<Vec<_>>(),
            [VersionStatus::Published, VersionStatus::Superseded]
        );
        assert_eq!(
            versions[1].definition.name, "食品经营许可核发",
            "old version readable"
        );
        assert_eq!(
            get_item(&mut c, &item.code).await.unwrap().name,
            "食品经营许可（新办）"
        );
        assert!(catalog_generation(&mut c).await.unwrap() >= gen0 + 2);

        // Retire: out of the public list, history kept.
        let mut tx = s.begin().await.unwrap();
        retire(&mut tx, &item.code, 1005).await.unwrap();
        assert!(matches!(
            retire(&mut tx, &item.code, 1006).await,
            Err(StoreError::State(_))
        ));
        tx.commit().await.unwrap();
        assert!(all_published(&mut c).await.unwrap().is_empty());
        assert_eq!(
            get_version(&mut c, &item.code, 2).await.unwrap().status,
            VersionStatus::Retired
        );
    })
    .await;
}

#[tokio::test]
async fn a_duplicate_code_is_a_conflict_and_nothing_is_half_written() {
    on_both(|s| async move {
        seed(&s).await;
        let item = sample_item();
        let mut tx = s.begin().await.unwrap();
        create_item(&mut tx, &item, "a", 1).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = s.begin().await.unwrap();
        match create_item(&mut tx, &item, "a", 2).await {
            Err(StoreError::Conflict { field }) => assert_eq!(field, "code"),
            other => panic!("expected conflict, got {other:?}"),
        }
        drop(tx);
        let mut c = s.conn().await.unwrap();
        assert_eq!(list_versions(&mut c, &item.code).await.unwrap().len(), 1);
        assert!(matches!(
            publish(&mut c, "no-such", 3).await,
            Err(StoreError::NotFound)
        ));
    })
    .await;
}

#[tokio::test]
async fn listing_filters_by_region_department_audience_and_text() {
    on_both(|s| async move {
        seed(&s).await;
        let mut tx = s.begin().await.unwrap();
        for i in 0..5 {
            let mut item = sample_item();
            item.code = format!("CODE-{i}");
            item.name = format!("事项{i}_100%");
            if i % 2 == 0 {
                item.subjects = vec![SubjectType::NaturalPerson];
                item.region = "511602".into();
            }
            create_item(&mut tx, &item, "a", 1).await.unwrap();
            if i < 4 {
                publish(&mut tx, &item.code, 2).await.unwrap();
            }
        }
        tx.commit().await.unwrap();
        let mut c = s.conn().await.unwrap();
        let published = ItemFilter {
            published_only: true,
            ..Default::default()
        };
        let (rows, total) = list_items(&mut c, &published, false, 2, 0).await.unwrap();
        assert_eq!((rows.len(), total), (2, 4));
        let people = ItemFilter {
            audience: Some("natural_person".into()),
            ..published.clone()
        };
        assert_eq!(
            list_items(&mut c, &people, false, 10, 0).await.unwrap().1,
            2
        );
        let legal = ItemFilter {
            audience: Some("legal".into()),
            ..published.clone()
        };
        assert_eq!(list_items(&mut c, &legal, false, 10, 0).await.unwrap().1, 2);
        let region = ItemFilter {
            regions: vec!["511602".into()],
            ..published.clone()
        };
        assert_eq!(
            list_items(&mut c, &region, false, 10, 0).await.unwrap().1,
            2
        );
        let text = ItemFilter {
            text: Some("3_100%".into()),
            ..Default::default()
        };
        assert_eq!(
            list_items(&mut c, &text, false, 10, 0).await.unwrap().1,
            1,
            "LIKE wildcards are escaped"
        );
        count_views(&mut c, "CODE-3").await.unwrap();
        let (popular, _) = list_items(&mut c, &published, true, 1, 0).await.unwrap();
        assert_eq!(popular[0].code, "CODE-3");
        assert_eq!(
            published_counts_by_department(&mut c).await.unwrap(),
            vec![("511600-SCJG".to_string(), 4)]
        );
    })
    .await;
}

#[tokio::test]
async fn item_names_are_read_for_many_codes_at_once_and_unknown_codes_are_left_out() {
    on_both(|s| async move {
        seed(&s).await;
        let item = sample_item();
        let mut tx = s.begin().await.unwrap();
        create_item(&mut tx, &item, "admin", 1000).await.unwrap();
        tx.commit().await.unwrap();
        // More codes than one query takes: the known one is found in a later chunk.
        let mut codes: Vec<String> = (0..1200).map(|i| format!("UNKNOWN-{i}")).collect();
        codes.insert(700, item.code.clone());
        let mut c = s.conn().await.unwrap();
        let names = item_names(&mut c, &codes).await.unwrap();
        assert_eq!(names.len(), 1);
        assert_eq!(names[&item.code], item.name);
        assert!(item_names(&mut c, &[]).await.unwrap().is_empty());
    })
    .await;
}
