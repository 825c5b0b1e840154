//! Going live without the demo: a fresh installation starts with the national regions and
//! the everyday-language dictionary; a county adds its townships, villages, departments and
//! staff from spreadsheets; a real catalog's long codes and 12-digit regions import, and every
//! problem of a file is reported in one pass with nothing written.

use app::auth::SystemAdmin;
use app::exchange::{self, Sheet, summarize};
use app::setup;
use domain::catalog::NodeKind;
use domain::fixtures::{sample_item, sample_main_item};
use store::testing::on_both;

use crate::support::*;

fn sheet(rows: &[&[&str]]) -> Sheet {
    rows.iter()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

fn columns(errors: &[app::exchange::RowError]) -> Vec<(usize, &str)> {
    errors.iter().map(|e| (e.row, e.column.as_str())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_install_has_the_national_regions_and_the_dictionary_once() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        let d = setup::ensure_defaults(&app).await.unwrap();
        assert!(d.regions > 3_000, "{d:?}");
        assert!(d.synonyms >= 420, "{d:?}");
        let regions = app::org::regions(&app).await.unwrap();
        assert!(
            regions
                .iter()
                .any(|r| r.code == "511602" && r.name == "广安区")
        );
        assert!(
            regions
                .iter()
                .any(|r| r.code == "110101" && r.parent.as_deref() == Some("110100"))
        );
        // Once only: what an administrator removes stays removed.
        let cap = app::auth::CatalogAdmin::command_line_unrestricted("t");
        app::catalog::delete_synonym(&app, &cap, "添丁")
            .await
            .unwrap();
        assert_eq!(
            setup::ensure_defaults(&app).await.unwrap(),
            setup::Defaults::default()
        );
        let syn = app::catalog::synonyms(&app).await.unwrap();
        assert!(syn.iter().all(|s| s.phrase != "添丁"));
        // Search understands an everyday word on a catalog that is not the demo's.
        let cat = app::auth::CatalogAdmin::command_line("t", "511600");
        seed_org(&app).await;
        let (items, materials) = exchange::to_sheets(&[sample_main_item(), sample_item()]);
        let r = exchange::import(&app, &cat, &items, &materials, false, true, |_, _| {})
            .await
            .unwrap();
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        let hits = app::catalog::search(
            &app,
            &app::catalog::SearchParams {
                q: "开饭店".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert!(
            hits.hits.iter().any(|h| h.code == sample_item().code),
            "{:?}",
            hits.hits
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_county_adds_its_townships_and_villages_and_bad_rows_are_all_named() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        setup::ensure_defaults(&app).await.unwrap();
        let op = SystemAdmin::command_line();
        let bad = sheet(&[
            &["区划代码", "区划名称", "上级区划代码"],
            &["511602001", "浓洄街道", "511602"],
            &["511602001001", "", ""],
            &["51160200X", "坏代码", ""],
            &["511602001", "重复", ""],
            &["511602099001", "无上级的村", ""],
            &["511602002", "北辰街道", "511603"],
        ]);
        let r = setup::import_regions(&app, &op, &bad, false).await.unwrap();
        assert_eq!(
            columns(&r.errors),
            [
                (3, "区划名称"),
                (4, "区划代码"),
                (5, "区划代码"),
                (6, "区划代码"),
                (7, "上级区划代码")
            ],
            "{:?}",
            r.errors
        );
        assert!(
            r.errors[3].to_string().contains("511602099"),
            "{}",
            r.errors[3]
        );
        assert!(
            app::org::region(&app, "511602001").await.is_err(),
            "nothing written"
        );

        let good = sheet(&[
            &["区划名称", "区划代码"],
            &["浓洄街道", "511602001000"],
            &["东街社区", "511602001001"],
            &["北辰街道", "511602002"],
        ]);
        let r = setup::import_regions(&app, &op, &good, false)
            .await
            .unwrap();
        assert_eq!(
            (r.added, r.updated, r.unchanged),
            (3, 0, 0),
            "{:?}",
            r.errors
        );
        let again = setup::import_regions(&app, &op, &good, false)
            .await
            .unwrap();
        assert_eq!((again.added, again.unchanged), (0, 3));
        let village = app::org::region(&app, "511602001001").await.unwrap();
        assert_eq!(village.parent.as_deref(), Some("511602001"));

        // A county administrator adds only below their own region.
        seed_org(&app).await;
        let admin = staff(
            &app,
            "sys",
            &[domain::account::Role::SystemAdmin],
            "511602",
            None,
        )
        .await
        .system_admin()
        .unwrap();
        let other = sheet(&[&["区划代码", "区划名称"], &["511603001", "前锋街道"]]);
        let r = setup::import_regions(&app, &admin, &other, false)
            .await
            .unwrap();
        assert!(r.errors[0].message.contains("管辖"), "{:?}", r.errors);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn departments_and_staff_come_from_spreadsheets_with_one_time_passwords() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        setup::ensure_defaults(&app).await.unwrap();
        let op = SystemAdmin::command_line();
        let bad = sheet(&[
            &["部门编码", "部门名称", "所属区划", "统一社会信用代码"],
            &[
                "511602-GAJ",
                "广安区公安分局",
                "511602",
                "11511602008745808R",
            ],
            &["511602-GAJ", "重复", "511602", "11511600MB1234567X"],
            &["511602 SJ", "", "999999", "123"],
        ]);
        let r = setup::import_departments(&app, &op, &bad, false)
            .await
            .unwrap();
        let cols = columns(&r.errors);
        assert!(
            cols.contains(&(3, "部门编码")) && cols.contains(&(4, "部门编码")),
            "{cols:?}"
        );
        assert!(
            cols.contains(&(4, "部门名称")) && cols.contains(&(4, "统一社会信用代码")),
            "{cols:?}"
        );
        assert!(cols.contains(&(4, "所属区划")), "{cols:?}");
        assert!(
            app::org::departments(&app).await.unwrap().is_empty(),
            "nothing written"
        );

        let good = sheet(&[
            &[
                "部门编码",
                "部门名称",
                "所属区划",
                "统一社会信用代码",
                "联系电话",
            ],
            &[
                "511602-GAJ",
                "广安区公安分局",
                "511602000000",
                "11511600MB1234567X",
                "0826-2222222",
            ],
            &[
                "511602-SCJG",
                "广安区市场监督管理局",
                "511602",
                "11511602MB1234567X",
                "",
            ],
        ]);
        let r = setup::import_departments(&app, &op, &good, false)
            .await
            .unwrap();
        assert_eq!((r.added, r.errors.len()), (2, 0), "{:?}", r.errors);
        let gaj = app::org::department(&app, "511602-GAJ").await.unwrap();
        assert_eq!(
            gaj.region, "511602",
            "a 12-digit region is read as the county"
        );
        let again = setup::import_departments(&app, &op, &good, false)
            .await
            .unwrap();
        assert_eq!(again.unchanged, 2);

        let staff_bad = sheet(&[
            &["登录名", "姓名", "角色", "所属区划", "所属部门编码"],
            &["clerk1", "王窗口", "综窗受理人员", "511602", ""],
            &[
                "rev1",
                "李审核",
                "承办审核人员、厨师",
                "511602",
                "511603-XX",
            ],
            &["clerk1", "重复", "综窗受理人员", "511602", ""],
        ]);
        let r = setup::import_staff(&app, &op, &staff_bad, false)
            .await
            .unwrap();
        assert_eq!(
            columns(&r.report.errors),
            [(3, "角色"), (3, "所属部门编码"), (4, "登录名")],
            "{:?}",
            r.report.errors
        );
        assert!(r.passwords.is_empty());
        let staff_good = sheet(&[
            &["登录名", "姓名", "角色", "所属区划", "所属部门编码"],
            &["clerk1", "王窗口", "综窗受理人员", "511602", ""],
            &[
                "rev1",
                "李审核",
                "承办审核人员、批准人",
                "511602",
                "511602-GAJ",
            ],
        ]);
        let r = setup::import_staff(&app, &op, &staff_good, false)
            .await
            .unwrap();
        assert_eq!(
            (r.report.added, r.passwords.len()),
            (2, 2),
            "{:?}",
            r.report.errors
        );
        // The one-time password signs in once, and must be changed.
        let p = &r.passwords[1];
        let login = app::auth::login(&app, None, &p.login, &p.password)
            .await
            .unwrap();
        assert!(login.must_change_password);
        let again = setup::import_staff(&app, &op, &staff_good, false)
            .await
            .unwrap();
        assert_eq!((again.report.unchanged, again.passwords.len()), (2, 0));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_catalog_imports_as_published_and_a_bad_one_reports_everything_at_once() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        seed_org(&app).await;
        let cap = app::auth::CatalogAdmin::command_line("t", "511600");
        // Sichuan's 55-character codes and a 12-digit region.
        let main = sample_main_item();
        let mut long = sample_item();
        long.code = "511A0138000000-511600000000-000-115113010833722043-1-00".into();
        long.region = "511600000000".into();
        let (items, materials) = exchange::to_sheets(&[main.clone(), long.clone()]);
        let r = exchange::import(&app, &cap, &items, &materials, false, true, |_, _| {})
            .await
            .unwrap();
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        let g = app::catalog::guide(&app, &app::auth::Actor::Anonymous, &long.code, None)
            .await
            .unwrap();
        assert_eq!(g.def().region, "511600");

        // Five kinds of problem in one file, all reported in one pass.
        let mut dup = sample_item();
        dup.code = "DUP".into();
        let mut dangling = sample_item();
        dangling.code = "DANGLING".into();
        dangling.parent_code = "NO-SUCH-PARENT".into();
        let mut bad_dept = sample_item();
        bad_dept.code = "BAD-DEPT".into();
        bad_dept.department = "NO-SUCH".into();
        let mut rule = sample_item();
        rule.code = "RULE".into();
        rule.consult_phone = "电话".into();
        let mut child_of_handling = sample_item();
        child_of_handling.code = "GRANDCHILD".into();
        child_of_handling.parent_code = "DUP".into();
        let (mut items, materials) = exchange::to_sheets(&[
            dup.clone(),
            dup,
            dangling,
            bad_dept,
            rule,
            child_of_handling,
        ]);
        items[4][5] = "不知道".into(); // 事项类型 of BAD-DEPT: a cell problem as well
        let r = exchange::import(&app, &cap, &items, &materials, false, true, |_, _| {})
            .await
            .unwrap();
        let cols = columns(&r.errors);
        for expected in [
            (3, "实施编码"),
            (4, "上级事项编码"),
            (5, "事项类型"),
            (5, "实施机关编码"),
            (6, "咨询电话"),
            (7, "上级事项编码"),
        ] {
            assert!(
                cols.contains(&expected),
                "{expected:?} missing from {cols:?}"
            );
        }
        assert!(r.nothing_written);
        let dangling_err = r.errors.iter().find(|e| e.row == 4).unwrap().to_string();
        assert!(dangling_err.contains("NO-SUCH-PARENT"), "{dangling_err}");

        // A loop of 上级事项 is named, and identical mistakes are counted together.
        let mut a = sample_item();
        a.code = "LOOP-A".into();
        a.node = NodeKind::Sub;
        a.parent_code = "LOOP-B".into();
        let mut b = a.clone();
        b.code = "LOOP-B".into();
        b.parent_code = "LOOP-A".into();
        let mut phones: Vec<_> = (0..30)
            .map(|i| {
                let mut d = sample_item();
                d.code = format!("P{i}");
                d.parent_code = main.code.clone();
                d.consult_phone = format!("电话{i}");
                d
            })
            .collect();
        phones.push(a);
        phones.push(b);
        let (items, materials) = exchange::to_sheets(&phones);
        let r = exchange::import(&app, &cap, &items, &materials, false, true, |_, _| {})
            .await
            .unwrap();
        assert!(
            r.errors.iter().any(|e| e.message.contains("循环")),
            "{:?}",
            r.errors
        );
        let groups = summarize(&r.errors);
        assert!(
            groups
                .iter()
                .any(|g| g.column == "咨询电话" && g.count == 30),
            "{groups:?}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn junk_and_files_that_are_not_spreadsheets_are_refused_with_nothing_written() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        setup::ensure_defaults(&app).await.unwrap();
        let op = SystemAdmin::command_line();
        // 100 000 junk rows: every one named, the same mistake counted once, nothing written.
        let mut junk: Sheet = vec![vec!["区划代码".into(), "区划名称".into()]];
        junk.extend((0..100_000).map(|i| vec![format!("x{i}"), "垃圾".into()]));
        let r = setup::import_regions(&app, &op, &junk, false)
            .await
            .unwrap();
        assert_eq!(r.errors.len(), 100_000);
        let groups = summarize(&r.errors);
        assert!(groups.len() <= 2, "{:?}", &groups[..groups.len().min(3)]);
        assert_eq!(groups.iter().map(|g| g.count).sum::<usize>(), 100_000);
        assert!(app::org::regions(&app).await.unwrap().len() < 4_000);
        // One row more is refused before any work.
        junk.push(vec!["x".into(), "y".into()]);
        let r = setup::import_regions(&app, &op, &junk, false)
            .await
            .unwrap();
        assert_eq!(r.errors.len(), 1);
        assert!(r.errors[0].message.contains("100000"), "{}", r.errors[0]);

        // A text file named .xlsx, and a file of another kind, say what is wrong.
        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join("regions.xlsx");
        std::fs::write(&fake, "区划代码,区划名称\n").unwrap();
        let e = setup::read_table(&fake).unwrap_err();
        assert!(format!("{e:?}").contains("Excel"), "{e:?}");
        let other = dir.path().join("regions.txt");
        std::fs::write(&other, "x").unwrap();
        let e = setup::read_table(&other).unwrap_err();
        assert!(format!("{e:?}").contains(".xlsx"), "{e:?}");
        // A sheet without the required columns names them.
        let wrong = vec![vec!["编码".to_string(), "名称".to_string()]];
        let r = setup::import_departments(&app, &op, &wrong, false)
            .await
            .unwrap();
        assert!(r.errors[0].message.contains("部门编码"), "{}", r.errors[0]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_pages_list_the_regions_served_not_the_whole_country() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        setup::ensure_defaults(&app).await.unwrap();
        seed_org(&app).await;
        assert!(app::org::regions(&app).await.unwrap().len() > 3_000);
        let served: Vec<String> = app::org::regions_in_use(&app)
            .await
            .unwrap()
            .iter()
            .map(|r| r.code.clone())
            .collect();
        assert_eq!(served, ["510000", "511600", "511602"]);
    })
    .await;
}
