use axum::http::StatusCode;

use crate::support::*;

#[tokio::test]
async fn the_dashboard_shows_charts_drills_down_and_exports_and_the_monthly_report_is_public() {
    let mut c = site().await;
    let public = c.get("/reports/monthly").await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(
        public.body.contains("政务服务月报") && public.body.contains("<svg class=\"chart\""),
        "{}",
        public.body
    );
    assert!(
        !public.body.contains("/supervision/stats?"),
        "no drill-down for the public"
    );

    c.login("supervisor", app::demo::DEMO_PASSWORD).await;
    let page = c.get("/supervision/stats").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("评价等级分布") && page.body.contains("广安市市场监督管理局"),
        "{}",
        page.body
    );
    let drill = page
        .body
        .split("href=\"/supervision/stats?")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .find(|s| s.contains("department="))
        .expect("a drill-down link")
        .replace("&#38;", "&");
    let dept = c.get(&format!("/supervision/stats?{drill}")).await;
    assert_eq!(dept.status, StatusCode::OK, "{drill}: {}", dept.body);
    assert!(
        dept.body.contains("分事项统计"),
        "one level down lists items: {drill} {}",
        dept.body.split("<main").nth(1).unwrap_or("")
    );
    // One-click periods, and a heading that names the last day, not the day after.
    let month = c
        .get("/supervision/stats?from=2026-11-01&to=2026-12-01")
        .await;
    assert!(
        month.body.contains("统计期间：2026-11-01 至 2026-11-30"),
        "{}",
        month.body
    );
    for label in ["本月", "上月", "本季度", "本年"] {
        assert!(
            month.body.contains(&format!(">{label}</a>")),
            "no {label} preset"
        );
    }
    assert!(month.body.contains("收件（已提交）"));
    let people = c.get("/supervision/stats?group=staff").await;
    assert!(people.body.contains("分审批人员统计"), "{}", people.body);
    let xlsx = c.get("/supervision/stats.xlsx").await;
    assert_eq!(
        xlsx.headers[axum::http::header::CONTENT_TYPE],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(xlsx.body.starts_with("PK"), "a zip container");
    let long = c
        .get("/supervision/stats?from=2016-01-01&to=2026-01-01")
        .await;
    assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(long.body.contains("最长一年"));
}

#[tokio::test]
async fn the_api_serves_statistics_and_rating_records_to_supervisors_only() {
    let mut c = site().await;
    c.login("reviewer", app::demo::DEMO_PASSWORD).await;
    assert_eq!(
        c.get("/api/v1/ratings?from=2026-11-01&to=2026-12-01")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let own = c
        .get("/api/v1/statistics?from=2026-11-01&to=2026-12-31")
        .await;
    assert_eq!(
        own.status,
        StatusCode::OK,
        "department staff see their own department"
    );
    assert_eq!(own.json()["level"], "item");
    c.login("supervisor", app::demo::DEMO_PASSWORD).await;
    let r = c.get("/api/v1/ratings?from=2026-11-01&to=2026-12-31").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.json()["items"].is_array());
    let bad = c
        .get("/api/v1/statistics?from=2026-13-01&to=2026-12-31")
        .await;
    assert_eq!(
        (bad.status, bad.json()["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("from"))
    );
}
