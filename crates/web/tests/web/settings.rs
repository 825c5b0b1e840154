use axum::http::StatusCode;

use crate::support::*;

#[tokio::test]
async fn a_new_synonym_changes_search_at_once_and_can_be_deleted() {
    let mut c = site().await;
    c.login("catalog", app::demo::DEMO_PASSWORD).await;
    let before = c
        .get(&format!("/api/v1/search?q={}", enc("拿护照")))
        .await
        .json();
    let csrf = c.csrf();
    let bad = c
        .post_form(
            "/admin/synonyms",
            &[("csrf", &csrf), ("phrase", ""), ("terms", "")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("用户说法不能为空"));
    let ok = c
        .post_form(
            "/admin/synonyms",
            &[
                ("csrf", &csrf),
                ("phrase", "拿护照"),
                ("terms", "普通护照\n出入境"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let after = c
        .get(&format!("/api/v1/search?q={}", enc("拿护照")))
        .await
        .json();
    assert!(
        after["items"][0]["name"].as_str().unwrap().contains("护照"),
        "{after} (before: {before})"
    );
    let del = c
        .post_form(
            "/admin/synonyms/delete",
            &[("csrf", &csrf), ("phrase", "拿护照")],
        )
        .await;
    assert_eq!(del.status, StatusCode::SEE_OTHER);
    assert!(!c.get("/admin/synonyms").await.body.contains("拿护照"));
}

#[tokio::test]
async fn a_system_admin_loads_next_years_holidays_and_bad_dates_are_named() {
    let mut c = site().await;
    c.login("admin", app::demo::DEMO_PASSWORD).await;
    let csrf = c.csrf();
    let bad = c
        .post_form(
            "/admin/calendar",
            &[
                ("csrf", &csrf),
                ("year", "2027"),
                ("holidays", "元旦|2027-01-01|2027-13-01"),
                ("makeup_days", "2027-01-05"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("“2027-13-01”不是 YYYY-MM-DD 格式的日期"),
        "{}",
        bad.body
    );
    let weekday = c
        .post_form(
            "/admin/calendar",
            &[
                ("csrf", &csrf),
                ("year", "2027"),
                ("holidays", "元旦|2027-01-01|2027-01-01"),
                ("makeup_days", "2027-01-05"),
            ],
        )
        .await;
    assert!(weekday.body.contains("不是周末"));
    let ok = c
        .post_form(
            "/admin/calendar",
            &[
                ("csrf", &csrf),
                ("year", "2027"),
                ("holidays", "元旦|2027-01-01|2027-01-03"),
                ("makeup_days", ""),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let cal = c.app.calendar.read().unwrap().clone();
    assert!(cal.has_notice(2027));
    assert!(!cal.is_working_day(time::macros::date!(2027 - 01 - 01)));
    let mut clerk = site().await;
    clerk.login("catalog", app::demo::DEMO_PASSWORD).await;
    assert_eq!(
        clerk.get("/admin/calendar").await.status,
        StatusCode::FORBIDDEN
    );
}
