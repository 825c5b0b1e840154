//! Service points and departments' parents from spreadsheets: every problem named in one
//! pass with nothing written, then a clean file written once and again unchanged.

use app::auth::SystemAdmin;
use app::exchange::Sheet;
use app::setup;
use domain::service_point::PointKind;
use store::testing::on_both;

use crate::support::*;

fn sheet(rows: &[&[&str]]) -> Sheet {
    rows.iter()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

fn places(errors: &[app::exchange::RowError]) -> Vec<(usize, &str)> {
    errors.iter().map(|e| (e.row, e.column.as_str())).collect()
}

const HEADER: &[&str] = &[
    "场所编码",
    "场所名称",
    "类型",
    "所属区划",
    "地址",
    "办公时间",
    "咨询电话",
    "坐标",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_points_import_at_their_level_with_every_problem_named_at_once() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        setup::ensure_defaults(&app).await.unwrap();
        let op = SystemAdmin::command_line();
        let regions = sheet(&[
            &["区划代码", "区划名称", "上级区划代码"],
            &["511602001", "浓洄街道", "511602"],
            &["511602001001", "东方社区", "511602001"],
        ]);
        let r = setup::import_regions(&app, &op, &regions, false)
            .await
            .unwrap();
        assert!(r.errors.is_empty(), "{:?}", r.errors);

        let bad = sheet(&[
            HEADER,
            &[
                "GA-ZX",
                "广安区政务服务中心",
                "大厅",
                "511602",
                "金安大道",
                "工作日",
                "0826-1",
                "",
            ],
            &[
                "GA-ZX",
                "重复",
                "政务服务中心",
                "511602",
                "金安大道",
                "工作日",
                "0826-1",
                "",
            ],
            &[
                "NH-Z",
                "东方社区便民服务站",
                "便民服务站",
                "511602",
                "东方路",
                "工作日",
                "0826-2",
                "",
            ],
            &[
                "NH-X",
                "某服务中心",
                "便民服务中心",
                "511602009",
                "某路",
                "工作日",
                "0826-3",
                "",
            ],
            &[
                "NH-Y",
                "坐标写反",
                "政务服务中心",
                "511602",
                "某路",
                "工作日",
                "0826-4",
                "106.63,30.45",
            ],
            &["NH-W", "", "政务服务中心", "511602", "", "", "电话", ""],
        ]);
        let r = setup::import_service_points(&app, &op, &bad, false)
            .await
            .unwrap();
        let p = places(&r.errors);
        for expected in [
            (2, "类型"),
            (3, "场所编码"),
            (4, "所属区划"),
            (5, "所属区划"),
            (6, "坐标"),
            (7, "场所名称"),
            (7, "地址"),
            (7, "办公时间"),
            (7, "咨询电话"),
        ] {
            assert!(p.contains(&expected), "{expected:?} in {p:?}");
        }
        // The wrong kind is named once, not also as a wrong level.
        assert_eq!(p.iter().filter(|x| x.0 == 2).count(), 1, "{p:?}");
        let swapped = r.errors.iter().find(|e| e.row == 6).unwrap();
        assert_eq!(swapped.value, "106.63,30.45");
        assert!(swapped.message.contains("写反"), "{}", swapped.message);
        assert!(!r.written());
        assert!(
            app::org::service_points(&app, None)
                .await
                .unwrap()
                .is_empty()
        );

        let good = sheet(&[
            HEADER,
            &[
                "GA-ZX",
                "广安区政务服务中心",
                "政务服务中心",
                "511602000000",
                "金安大道一段",
                "工作日 9:00-17:00",
                "0826-2345678",
                "30.4561,106.6332",
            ],
            &[
                "NH-ZX",
                "浓洄街道便民服务中心",
                "便民服务中心",
                "511602001",
                "浓洄路 8 号",
                "工作日 9:00-17:00",
                "0826-2345679",
                "",
            ],
            &[
                "DF-Z",
                "东方社区便民服务站",
                "便民服务站",
                "511602001001",
                "东方路 2 号",
                "周一至周六 9:00-17:00",
                "0826-2345680",
                "30.47，106.64",
            ],
        ]);
        let r = setup::import_service_points(&app, &op, &good, false)
            .await
            .unwrap();
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        assert_eq!((r.added, r.updated, r.unchanged), (3, 0, 0));
        let again = setup::import_service_points(&app, &op, &good, false)
            .await
            .unwrap();
        assert_eq!((again.added, again.unchanged), (0, 3));
        let all = app::org::service_points(&app, None).await.unwrap();
        let center = all.iter().find(|p| p.code == "GA-ZX").unwrap();
        assert_eq!(
            center.region, "511602",
            "the 12-digit code is read as the county"
        );
        assert_eq!(center.kind, PointKind::Center);
        let loc = center.location.unwrap();
        assert_eq!((loc.latitude, loc.longitude), (30.4561, 106.6332));
        let in_township = app::org::service_points(&app, Some("511602001"))
            .await
            .unwrap();
        let codes: Vec<&str> = in_township.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(codes, ["NH-ZX", "DF-Z"]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_department_parent_must_exist_and_never_lead_back() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        setup::ensure_defaults(&app).await.unwrap();
        let op = SystemAdmin::command_line();
        let head = &[
            "部门编码",
            "部门名称",
            "所属区划",
            "统一社会信用代码",
            "上级部门编码",
        ];
        let bad = sheet(&[
            head,
            &["GA-A", "甲局", "511602", "115116020000000002", "GA-B"],
            &["GA-B", "乙局", "511602", "115116020000000003", "GA-A"],
            &["GA-C", "丙局", "511602", "115116020000000004", "GA-NONE"],
            &["GA-D", "丁局", "511602", "115116020000000005", "GA-D"],
        ]);
        let r = setup::import_departments(&app, &op, &bad, false)
            .await
            .unwrap();
        let p = places(&r.errors);
        for row in [2, 3, 4, 5] {
            assert!(
                p.contains(&(row, "上级部门编码")),
                "row {row} in {:?}",
                r.errors
            );
        }
        assert!(r.errors[0].message.contains("循环"), "{:?}", r.errors);
        assert!(r.errors[3].message.contains("本身"), "{:?}", r.errors);
        assert!(app::org::departments(&app).await.unwrap().is_empty());

        let good = sheet(&[
            head,
            &[
                "GA-ZF",
                "广安区人民政府",
                "511602",
                "115116020000000006",
                "",
            ],
            &[
                "GA-SW",
                "广安区商务局",
                "511602",
                "115116020000000007",
                "GA-ZF",
            ],
        ]);
        let r = setup::import_departments(&app, &op, &good, false)
            .await
            .unwrap();
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        let d = app::org::departments(&app).await.unwrap();
        let sw = d.iter().find(|d| d.code == "GA-SW").unwrap();
        assert_eq!(sw.parent, "GA-ZF");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_county_admin_cannot_take_over_a_city_department_or_point_by_its_code() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        seed_org(&app).await;
        let county = staff(
            &app,
            "gaq-admin",
            &[domain::account::Role::SystemAdmin],
            "511602",
            None,
        )
        .await
        .system_admin()
        .unwrap();
        let op = SystemAdmin::command_line();
        let point = sheet(&[
            HEADER,
            &[
                "SZX",
                "广安市政务服务中心",
                "政务服务中心",
                "511600",
                "滨河路",
                "工作日",
                "0826-2222222",
                "",
            ],
        ]);
        let r = setup::import_service_points(&app, &op, &point, false)
            .await
            .unwrap();
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        // The same codes, re-homed to the county: refused, naming the code's owner.
        let mine = sheet(&[
            HEADER,
            &[
                "SZX",
                "我的中心",
                "政务服务中心",
                "511602",
                "某路",
                "工作日",
                "0826-3333333",
                "",
            ],
        ]);
        let r = setup::import_service_points(&app, &county, &mine, false)
            .await
            .unwrap();
        assert_eq!(places(&r.errors), [(2, "场所编码")], "{:?}", r.errors);
        assert!(r.errors[0].message.contains("511600"));
        let dept = sheet(&[
            &["部门编码", "部门名称", "所属区划", "统一社会信用代码"],
            &["511600-SCJG", "我的局", "511602", "115116020000000099"],
        ]);
        let r = setup::import_departments(&app, &county, &dept, false)
            .await
            .unwrap();
        assert_eq!(places(&r.errors), [(2, "部门编码")], "{:?}", r.errors);
        let d = app::org::departments(&app).await.unwrap();
        let city = d.iter().find(|d| d.code == "511600-SCJG").unwrap();
        assert_eq!(city.region, "511600", "nothing written");
        let p = app::org::service_points(&app, None).await.unwrap();
        assert_eq!(p[0].name, "广安市政务服务中心");
    })
    .await;
}
