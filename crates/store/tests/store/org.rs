use domain::calendar::shipped_notices;
use domain::catalog::Synonym;
use domain::hall::{Hall, Line, Window, WindowKind};
use domain::ids::RegionCode;
use domain::org::{Department, Region};
use store::hall::{list_halls, upsert_hall};
use store::org::*;
use store::testing::on_both;

#[tokio::test]
async fn regions_departments_halls_notices_and_synonyms_round_trip() {
    on_both(|s| async move {
        let mut tx = s.begin().await.unwrap();
        for (code, name) in [
            ("510000", "四川省"),
            ("511600", "广安市"),
            ("511602", "广安区"),
            ("511602001", "北辰街道"),
        ] {
            let r = Region {
                code: code.into(),
                name: name.into(),
            };
            upsert_region(&mut tx, &r, &RegionCode::parse(code).unwrap())
                .await
                .unwrap();
        }
        let d = Department {
            code: "511600-SCJG".into(),
            name: "广安市市场监督管理局".into(),
            short_name: "市场监管局".into(),
            region: "511600".into(),
            credit_code: "11511600MB1234567X".into(),
            phone: "0826-1".into(),
            address: "".into(),
            parent: String::new(),
        };
        upsert_department(&mut tx, &d).await.unwrap();
        let h = Hall {
            code: "H1".into(),
            name: "广安市政务服务中心".into(),
            region: "511600".into(),
            address: "x".into(),
            hours: "y".into(),
            service_point: String::new(),
            lines: vec![Line {
                code: "A".into(),
                name: "综合".into(),
                items: vec![],
            }],
            windows: vec![Window {
                number: "A01".into(),
                name: "综合窗口".into(),
                kind: WindowKind::Comprehensive,
                department: None,
                lines: vec!["A".into()],
            }],
            rules: Default::default(),
        };
        upsert_hall(&mut tx, &h).await.unwrap();
        for n in shipped_notices() {
            upsert_notice(&mut tx, &n, 1).await.unwrap();
        }
        upsert_synonym(
            &mut tx,
            &Synonym {
                phrase: "开饭店".into(),
                terms: vec!["餐饮".into(), " ".into()],
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();

        let mut c = s.conn().await.unwrap();
        let regions = list_regions(&mut c).await.unwrap();
        assert_eq!(regions.len(), 4);
        assert_eq!(regions[0].parent, None);
        assert_eq!(regions[3].parent.as_deref(), Some("511602"));
        assert_eq!(regions[3].level, "township");
        assert_eq!(get_department(&mut c, "511600-SCJG").await.unwrap(), d);
        assert_eq!(list_halls(&mut c).await.unwrap(), vec![h]);
        assert_eq!(list_notices(&mut c).await.unwrap(), shipped_notices());
        assert_eq!(
            list_synonyms(&mut c).await.unwrap()[0].terms,
            vec!["餐饮".to_string()]
        );
        assert!(region_exists(&mut c, "511602").await.unwrap());
        assert!(!region_exists(&mut c, "511603").await.unwrap());
    })
    .await;
}

#[tokio::test]
async fn a_department_in_an_unknown_region_is_refused_by_the_foreign_key() {
    on_both(|s| async move {
        let mut tx = s.begin().await.unwrap();
        let d = Department {
            code: "X".into(),
            name: "n".into(),
            short_name: "".into(),
            region: "999900".into(),
            credit_code: "c".into(),
            phone: "".into(),
            address: "".into(),
            parent: String::new(),
        };
        assert!(upsert_department(&mut tx, &d).await.is_err());
    })
    .await;
}
