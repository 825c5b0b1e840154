use domain::license::{HolderKind, LicenseField, LicenseType};
use store::licenses::*;
use store::testing::on_both;

pub(crate) fn food_permit() -> LicenseType {
    LicenseType {
        code: "11100000000013338W002".into(),
        name: "食品经营许可证".into(),
        department: "511600-SCJG".into(),
        holder: HolderKind::Organization,
        validity_years: 5,
        single_per_holder: false,
        fields: vec![LicenseField {
            key: "name".into(),
            label: "经营者名称".into(),
            from: "holder_name".into(),
        }],
        produced_by: vec!["ITEM-A".into(), "ITEM-B".into()],
    }
}

pub(crate) fn license(id: &str, valid_until: Option<&str>) -> LicenseRow {
    LicenseRow {
        id: id.into(),
        number: format!("JY{id}"),
        type_code: "11100000000013338W002".into(),
        holder_id: "91511600MA6XXXXXXX".into(),
        holder_name: "示例公司".into(),
        department: "511600-SCJG".into(),
        issued: "2026-11-27".into(),
        valid_until: valid_until.map(str::to_string),
        status: "valid".into(),
        status_note: String::new(),
        fields: "{}".into(),
        token: "OWL1.x.y".into(),
        case_id: Some(format!("case-{id}")),
        created_at: 1,
        updated_at: 1,
    }
}

#[tokio::test]
async fn types_map_items_and_the_register_finds_valid_licenses_by_holder() {
    on_both(|s| async move {
        let mut tx = s.begin().await.unwrap();
        upsert_type(&mut tx, &food_permit()).await.unwrap();
        // Redefining drops items no longer listed.
        let mut t = food_permit();
        t.produced_by = vec!["ITEM-A".into()];
        upsert_type(&mut tx, &t).await.unwrap();
        insert_license(&mut tx, &license("1", None)).await.unwrap();
        insert_license(&mut tx, &license("2", Some("2026-11-26")))
            .await
            .unwrap();
        insert_license(&mut tx, &license("3", Some("2031-11-26")))
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let mut c = s.conn().await.unwrap();
        // The case page's fresh read finds what the connection's read finds.
        assert_eq!(
            read_of_case(&mut c, "case-2").await.unwrap(),
            of_case(&mut c, "case-2").await.unwrap()
        );
        assert_eq!(
            read_of_case(&mut c, "case-3").await.unwrap(),
            vec![license("3", Some("2031-11-26"))]
        );
        assert!(read_of_case(&mut c, "case-9").await.unwrap().is_empty());
        assert_eq!(
            type_for_item(&mut c, "ITEM-A").await.unwrap(),
            Some(t.clone())
        );
        assert_eq!(type_for_item(&mut c, "ITEM-B").await.unwrap(), None);
        assert_eq!(
            type_by_name(&mut c, "食品经营许可证").await.unwrap(),
            Some(t)
        );
        let valid: Vec<String> = valid_of_type(
            &mut c,
            "91511600MA6XXXXXXX",
            "11100000000013338W002",
            "2026-11-27",
        )
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.id)
        .collect();
        assert_eq!(valid, ["1", "3"], "the expired one is left out");

        assert!(
            set_status(&mut c, "1", "revoked", "核查不通过", 2)
                .await
                .unwrap()
        );
        assert!(
            !set_status(&mut c, "1", "revoked", "again", 3)
                .await
                .unwrap(),
            "only a valid license changes"
        );
        let l = get_license(&mut c, "1").await.unwrap().unwrap();
        assert_eq!(
            (l.status.as_str(), l.status_note.as_str()),
            ("revoked", "核查不通过")
        );

        let u = UseRow {
            license_id: "3".into(),
            case_id: "case-x".into(),
            material: "营业执照".into(),
            department: "511600-SCJG".into(),
            actor: "app-1".into(),
            reason: "办理食品经营许可".into(),
            at: 5,
        };
        record_use(&mut c, &u).await.unwrap();
        record_use(&mut c, &u).await.unwrap();
        assert_eq!(uses_of(&mut c, "3").await.unwrap(), vec![u]);
        assert_eq!(
            avoided_by_department(&mut c).await.unwrap(),
            vec![("511600-SCJG".to_string(), 1)]
        );
        assert_eq!(next_serial(&mut c, "T", "20261127").await.unwrap(), 1);
        assert_eq!(next_serial(&mut c, "T", "20261127").await.unwrap(), 2);
        drop(c);
        // Drawn outside a transaction, concurrently: every serial once, none skipped.
        let draws: Vec<_> = (0..20)
            .map(|_| {
                let s = s.clone();
                tokio::spawn(async move { reserve_serial(&s, "T", "20261127").await })
            })
            .collect();
        let mut got = vec![];
        for d in draws {
            got.push(d.await.unwrap().unwrap());
        }
        got.sort();
        assert_eq!(got, (3..23).collect::<Vec<i64>>());
    })
    .await;
}

#[tokio::test]
async fn the_active_key_is_the_newest_not_retired_and_old_keys_stay_readable() {
    on_both(|s| async move {
        let mut c = s.conn().await.unwrap();
        let k = |id: &str, at: i64| KeyRow {
            key_id: id.into(),
            department: "511600-SCJG".into(),
            public_key: format!("pub-{id}"),
            sealed_secret: "00".into(),
            created_at: at,
            retired_at: None,
        };
        insert_key(&mut c, &k("k1", 1)).await.unwrap();
        assert_eq!(
            active_key(&mut c, "511600-SCJG")
                .await
                .unwrap()
                .unwrap()
                .key_id,
            "k1"
        );
        assert_eq!(retire_keys(&mut c, "511600-SCJG", 2).await.unwrap(), 1);
        assert!(
            read_active_key(&mut c, "511600-SCJG")
                .await
                .unwrap()
                .is_none(),
            "retired: no active key until the next is made"
        );
        insert_key(&mut c, &k("k2", 3)).await.unwrap();
        assert_eq!(
            active_key(&mut c, "511600-SCJG")
                .await
                .unwrap()
                .unwrap()
                .key_id,
            "k2"
        );
        let fresh = read_active_key(&mut c, "511600-SCJG")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                fresh.key_id.as_str(),
                fresh.public_key.as_str(),
                fresh.retired_at
            ),
            ("k2", "pub-k2", None)
        );
        assert_eq!(
            key(&mut c, "k1").await.unwrap().unwrap().retired_at,
            Some(2)
        );
        assert_eq!(keys(&mut c).await.unwrap().len(), 2);
    })
    .await;
}
