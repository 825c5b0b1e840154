//! Going live in a county from an empty data directory with the documented commands alone
//! (README, 上线准备): regions below the shipped national list, departments, staff with
//! one-time passwords, and a real-shaped catalog of 1 050 items with Sichuan's 55-character
//! 实施编码 and 12-digit 实施区划; then search answers an everyday word and a clerk signed in
//! with an imported account accepts a case. Bad files are refused whole, naming the row.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use domain::catalog::{ItemDefinition, NodeKind};
use domain::fixtures::sample_item;

/// Runs the binary on `dir`; (succeeded, stdout + stderr).
fn onewindow(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_onewindow"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("ONEWINDOW_LOG", "warn")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

/// A county catalog shaped like a published one: 50 主项, each with 20 业务办理项. Only one
/// item is about food; none carries the everyday word as an alias, so the dictionary must
/// find it.
fn county_catalog() -> Vec<ItemDefinition> {
    let plain = || ItemDefinition {
        aliases: vec![],
        keywords: vec![],
        result_name: "许可决定书".into(),
        ..sample_item()
    };
    let depts = [
        "511602-SCJG",
        "511602-GAJ",
        "511602-RSJ",
        "511602-MZJ",
        "511602-ZJJ",
    ];
    let mut out = Vec::new();
    for m in 0..50 {
        let dept = depts[m % depts.len()];
        let main_code = format!("511A01380000{m:02}-511602000000-000-115113010833722{m:03}-0-00");
        let main = ItemDefinition {
            code: main_code.clone(),
            basic_code: format!("0001310{m:05}"),
            name: format!("县级许可事项{m}"),
            node: NodeKind::Main,
            parent_code: String::new(),
            department: dept.into(),
            region: "511602000000".into(),
            ..plain()
        };
        out.push(main);
        for c in 1..=20 {
            out.push(ItemDefinition {
                code: format!("511A01380000{m:02}-511602000000-000-115113010833722{m:03}-1-{c:02}"),
                basic_code: format!("0001310{m:05}"),
                name: if m == 0 && c == 1 {
                    "食品经营许可（新办）".into()
                } else {
                    format!("县级许可事项{m}（情形{c}）")
                },
                node: NodeKind::Handling,
                parent_code: main_code.clone(),
                department: dept.into(),
                region: "511602000000".into(),
                ..plain()
            });
        }
    }
    out
}

#[tokio::test]
async fn a_county_goes_live_from_an_empty_data_dir_with_documented_commands() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let files = tmp.path();

    // Regions: a village without its township is refused, naming the row; nothing written.
    let bad = write(
        files,
        "bad-regions.csv",
        "区划代码,区划名称\n511602001,浓洄街道\n511602099001,无上级的村\n",
    );
    let (ok, out) = onewindow(&data, &["import", "regions", &bad]);
    assert!(
        !ok && out.contains("第 3 行") && out.contains("511602099"),
        "{out}"
    );
    assert!(
        out.contains("全国省、市、县三级行政区划"),
        "the first run loads the defaults: {out}"
    );
    let regions = write(
        files,
        "regions.csv",
        "区划代码,区划名称\n511602001000,浓洄街道\n511602001001,东街社区\n511602002,北辰街道\n",
    );
    let (ok, out) = onewindow(&data, &["import", "regions", &regions]);
    assert!(ok && out.contains("新增 3"), "{out}");

    let departments = write(
        files,
        "departments.csv",
        "部门编码,部门名称,所属区划,统一社会信用代码,联系电话\n\
         511602-SCJG,广安区市场监督管理局,511602,11511602MB1234567X,0826-2000001\n\
         511602-GAJ,广安区公安分局,511602,11511600MB1234567X,0826-2000002\n\
         511602-RSJ,广安区人力资源和社会保障局,511602,11511601MB1234567X,0826-2000003\n\
         511602-MZJ,广安区民政局,511602,11511603MB1234567X,0826-2000004\n\
         511602-ZJJ,广安区住房和城乡建设局,511602,11511604MB1234567X,0826-2000005\n",
    );
    let (ok, out) = onewindow(&data, &["import", "departments", "--dry-run", &departments]);
    assert!(ok && out.contains("检查通过"), "{out}");
    let (ok, out) = onewindow(&data, &["import", "departments", &departments]);
    assert!(ok && out.contains("新增 5"), "{out}");

    let points = write(
        files,
        "points.csv",
        "场所编码,场所名称,类型,所属区划,地址,办公时间,咨询电话,坐标
         GA-ZX,广安区政务服务中心,政务服务中心,511602000000,金安大道一段,工作日 9:00-17:00,0826-2345678,\"30.4561,106.6332\"
         NH-ZX,浓洄街道便民服务中心,便民服务中心,511602001,浓洄路 8 号,工作日 9:00-17:00,0826-2345679,
         DJ-Z,东街社区便民服务站,便民服务站,511602001001,东街 2 号,周一至周六 9:00-17:00,0826-2345680,
",
    );
    let (ok, out) = onewindow(&data, &["import", "service-points", &points]);
    assert!(ok && out.contains("新增 3"), "{out}");

    let staff = write(
        files,
        "staff.csv",
        "登录名,姓名,角色,所属区划,所属部门编码\n\
         window1,王窗口,综窗受理人员,511602,\n\
         scjg1,李审核,承办审核人员、批准人,511602,511602-SCJG\n",
    );
    let passwords = files.join("passwords.csv");
    let (ok, out) = onewindow(
        &data,
        &[
            "import",
            "staff",
            &staff,
            "--passwords",
            &passwords.display().to_string(),
        ],
    );
    assert!(ok && out.contains("新增 2"), "{out}");
    let pw = std::fs::read_to_string(&passwords).unwrap();
    let clerk_password = pw
        .lines()
        .find(|l| l.starts_with("window1,"))
        .and_then(|l| l.rsplit(',').next())
        .unwrap()
        .to_string();

    // The catalog: real-length codes, every problem of a bad file at once.
    let defs = county_catalog();
    assert!(defs.len() >= 1_050);
    let (items, materials) = app::exchange::to_sheets(&defs);
    let catalog = files.join("catalog.csv");
    std::fs::write(&catalog, app::exchange::write_csv(&items).unwrap()).unwrap();
    std::fs::write(
        app::exchange::materials_csv_path(&catalog),
        app::exchange::write_csv(&materials).unwrap(),
    )
    .unwrap();
    let (ok, out) = onewindow(
        &data,
        &["import", "catalog", &catalog.display().to_string()],
    );
    assert!(ok && out.contains(&format!("新建 {}", defs.len())), "{out}");

    // Open the same data directory as the server would, and use it.
    let store = app::Store::connect(&app::Store::sqlite_url(&data))
        .await
        .unwrap();
    let settings = app::Settings {
        data_dir: data.clone(),
        staff_second_factor: false,
        ..Default::default()
    };
    let app = app::App::open(store, settings, Arc::new(app::SystemClock), true)
        .await
        .unwrap();
    let hits = app::catalog::search(
        &app,
        &app::catalog::SearchParams {
            q: "开饭店".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        hits.hits.first().map(|h| h.name.as_str()),
        Some("食品经营许可（新办）"),
        "{:?}",
        hits.hits.iter().take(3).collect::<Vec<_>>()
    );

    // The clerk signs in with the one-time password, must change it, then accepts a case.
    let s = app::auth::login(&app, None, "window1", &clerk_password)
        .await
        .unwrap();
    assert!(s.must_change_password);
    let new = "Window-Clerk-2026!";
    app::auth::change_password(
        &app,
        None,
        &s.token,
        &app::auth::PasswordChange {
            current: clerk_password.clone(),
            new: new.into(),
            confirm: new.into(),
        },
    )
    .await
    .unwrap();
    let clerk = app::auth::login(&app, None, "window1", new)
        .await
        .unwrap()
        .actor;
    let walk_in = app::cases::WalkIn {
        login: "511602199001011236".into(),
        name: "张三".into(),
        phone: "13800000000".into(),
        ..Default::default()
    };
    let c = app::cases::start_for_walk_in(&app, &clerk, &defs[1].code, &walk_in)
        .await
        .unwrap();
    assert_eq!(c.region, "511602");
}
