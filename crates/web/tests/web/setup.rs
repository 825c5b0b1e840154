//! Organisation set-up from the admin pages and the API: a county's townships, service points
//! and staff from spreadsheets, every problem of a file named at once, one-time passwords
//! shown once; the public sees the service points on its region's page and in the API.

use axum::http::StatusCode;

use crate::support::*;

const REGIONS: &str = "\u{feff}区划代码,区划名称,上级区划代码\n511602120,新设街道,511602\n";
const POINTS: &str = "场所编码,场所名称,类型,所属区划,地址,办公时间,咨询电话,坐标\n\
    NH-ZX,浓洄街道便民服务中心,便民服务中心,511602001,浓洄路 8 号,工作日 9:00-17:00,0826-2345679,\"30.47,106.64\"\n";

#[tokio::test]
async fn a_system_admin_sets_up_townships_service_points_and_staff_from_the_pages() {
    let mut c = site().await;
    c.login("admin", app::demo::DEMO_PASSWORD).await;
    let page = c.get("/admin/setup").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("组织机构设置") && page.body.contains("setup-staff"));
    let csrf = c.csrf();

    // Checked first, then written.
    let check = c
        .post_multipart(
            "/admin/setup/regions",
            &[("csrf", &csrf), ("dry_run", "1")],
            &[("file", "regions.csv", REGIONS.as_bytes())],
        )
        .await;
    assert_eq!(check.status, StatusCode::OK, "{}", check.body);
    assert!(check.body.contains("检查通过（未写入）"), "{}", check.body);
    let done = c
        .post_multipart(
            "/admin/setup/regions",
            &[("csrf", &csrf)],
            &[("file", "regions.csv", REGIONS.as_bytes())],
        )
        .await;
    assert!(
        done.body.contains("导入完成") && done.body.contains("新增 1"),
        "{}",
        done.body
    );

    // A service point; its region's page shows it with its phone and a map link.
    let points = c
        .post_multipart(
            "/admin/setup/service-points",
            &[("csrf", &csrf)],
            &[("file", "points.csv", POINTS.as_bytes())],
        )
        .await;
    assert!(points.body.contains("导入完成"), "{}", points.body);
    let region = c.get("/regions/511602").await;
    assert!(
        region.body.contains("浓洄街道便民服务中心"),
        "{}",
        region.body
    );
    assert!(region.body.contains("tel:0826-2345679"));
    assert!(region.body.contains("geo:30.470000,106.640000"));

    // Every problem of a bad file at once, with the value, and identical ones counted.
    let bad = "场所编码,场所名称,类型,所属区划,地址,办公时间,咨询电话\n\
        A,甲,大厅,511602,路,工作日,1\nB,乙,大厅,511602,路,工作日,1\nC,丙,便民服务站,511602,路,工作日,电话\n";
    let r = c
        .post_multipart(
            "/admin/setup/service-points",
            &[("csrf", &csrf)],
            &[("file", "points.csv", bad.as_bytes())],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("未写入任何数据"), "{}", r.body);
    assert!(
        r.body.contains("“大厅”") && r.body.contains("共 2 行"),
        "{}",
        r.body
    );
    assert!(r.body.contains("“电话”"), "{}", r.body);

    // Not a spreadsheet: said plainly.
    let txt = c
        .post_multipart(
            "/admin/setup/staff",
            &[("csrf", &csrf)],
            &[("file", "staff.txt", b"hello")],
        )
        .await;
    assert_eq!(txt.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        txt.body.contains("只支持 .xlsx 和 .csv 文件"),
        "{}",
        txt.body
    );

    // Staff: one-time passwords shown once, and they work.
    let staff = "登录名,姓名,角色,所属区划\nnh-clerk,浓洄窗口,综窗受理人员,511602\n";
    let made = c
        .post_multipart(
            "/admin/setup/staff",
            &[("csrf", &csrf)],
            &[("file", "staff.csv", staff.as_bytes())],
        )
        .await;
    assert!(
        made.body.contains("一次性密码只显示这一次"),
        "{}",
        made.body
    );
    let password = made
        .body
        .split("<td class=\"code\">")
        .nth(1)
        .and_then(|s| s.split("</td>").next())
        .unwrap()
        .to_string();
    let again = c.get("/admin/setup").await;
    assert!(!again.body.contains(&password), "shown once only");
    let mut clerk = c.another();
    let login = clerk.login("nh-clerk", &password).await;
    assert_ne!(login.status, StatusCode::UNAUTHORIZED, "{}", login.body);

    // An empty table to fill in.
    let t = c.get("/admin/setup/staff/template.csv").await;
    assert_eq!(t.status, StatusCode::OK);
    assert!(t.body.contains("登录名,姓名,角色"));
}

#[tokio::test]
async fn the_api_imports_a_table_as_rows_and_lists_service_points() {
    let mut c = site().await;
    c.login("admin", app::demo::DEMO_PASSWORD).await;
    let csrf = c.csrf();
    let rows = serde_json::json!({
        "rows": [
            ["区划代码", "区划名称", "上级区划代码"],
            ["511602001", "浓洄街道", "511602"],
            ["5116020", "坏代码", ""]
        ]
    });
    let r = c
        .post_json("/api/v1/setup/regions", &rows, Some(&csrf))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let j = r.json();
    assert_eq!(j["written"], false);
    assert_eq!(j["problems"][0]["row"], 3);
    assert_eq!(j["problems"][0]["value"], "5116020");

    let good = serde_json::json!({ "rows": [
        ["区划代码", "区划名称", "上级区划代码"], ["511602001", "浓洄街道", "511602"]
    ]});
    let r = c
        .post_json("/api/v1/setup/regions", &good, Some(&csrf))
        .await;
    assert_eq!(r.json()["written"], true, "{}", r.body);
    let points: Vec<Vec<&str>> = POINTS
        .lines()
        .map(|l| {
            let mut v: Vec<&str> = l.splitn(8, ',').collect();
            if let Some(last) = v.last_mut() {
                *last = last.trim_matches('"');
            }
            v
        })
        .collect();
    let r = c
        .post_json(
            "/api/v1/setup/service-points",
            &serde_json::json!({ "rows": points }),
            Some(&csrf),
        )
        .await;
    assert_eq!(r.json()["added"], 1, "{}", r.body);
    let unknown = c.post_json("/api/v1/setup/halls", &good, Some(&csrf)).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    let mut public = c.another();
    let list = public.get("/api/v1/service-points?region=511602").await;
    assert_eq!(list.status, StatusCode::OK);
    let j = list.json();
    // The demo's own points of the district are listed too; the imported one is among them.
    let items = j["items"].as_array().unwrap();
    let imported: Vec<_> = items
        .iter()
        .filter(|p| p["location"]["latitude"] == 30.47)
        .collect();
    assert_eq!(imported.len(), 1, "{j}");
    assert_eq!(imported[0]["kind"], "township");
    assert!(
        items
            .iter()
            .all(|p| p["region"].as_str().unwrap().starts_with("511602"))
    );
    let bad = public.get("/api/v1/service-points?region=51").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["field"], "region");
}
