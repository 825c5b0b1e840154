use axum::http::StatusCode;

use crate::support::*;

#[tokio::test]
async fn a_supervisor_sees_a_red_warning_sends_a_notice_and_the_department_resolves_it() {
    let mut sup = site().await;
    // A demo case in market regulation, made overdue by hand (the clock is real here).
    let app = sup.app.clone();
    let mut conn = app.store.conn().await.unwrap();
    let (cases, _) = store::cases::queue(&mut conn, "clerk", &["511600".into()], None, 50, 0, 100)
        .await
        .unwrap();
    let (case, _) = cases
        .into_iter()
        .find(|(c, _)| c.department == "511600-SCJG")
        .expect("a demo case waiting at the window");
    let watch = store::supervision::WatchRow {
        case_id: case.id.to_string(),
        case_number: case.number.to_string(),
        kind: "pre_review".into(),
        due_date: "2020-01-02".into(),
        yellow_from: "2020-01-01".into(),
        region: case.region.clone(),
        department: case.department.clone(),
        responsible: None,
    };
    store::supervision::set_watch(&mut conn, &case.id, Some(&watch), 1)
        .await
        .unwrap();
    drop(conn);
    assert!(app::supervision::scan(&app).await.unwrap().raised >= 1);

    let anonymous = sup.get("/supervision").await;
    assert_eq!(
        anonymous.status,
        StatusCode::SEE_OTHER,
        "anonymous visitors are sent to log in"
    );
    sup.login("supervisor", app::demo::DEMO_PASSWORD).await;
    let page = sup.get("/supervision").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("红色预警") && page.body.contains(case.number.as_str()),
        "{}",
        page.body
    );
    let warning_id = page
        .body
        .split("/supervision/warnings/")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap()
        .to_string();
    let csrf = sup.csrf();
    let sent = sup
        .post_form(
            &format!("/supervision/warnings/{warning_id}/notice"),
            &[("csrf", &csrf), ("message", "请今日内完成预审")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);

    let mut dept = sup.another();
    dept.login("reviewer", app::demo::DEMO_PASSWORD).await;
    let work = dept.get("/work").await;
    assert!(
        work.body.contains("督办件") && work.body.contains("请今日内完成预审"),
        "{}",
        work.body
    );
    let notice_id = work
        .body
        .split("/supervision/notices/")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap()
        .to_string();
    let csrf = dept.csrf();
    let done = dept
        .post_form(
            &format!("/supervision/notices/{notice_id}/resolve"),
            &[("csrf", &csrf), ("resolution", "已完成预审")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert!(
        sup.get("/supervision")
            .await
            .body
            .contains("已处理：已完成预审")
    );
    // A county's supervisor reads the county's 督办件, not the city's.
    let cap = app::auth::actor_for_login(&app, "admin")
        .await
        .unwrap()
        .system_admin()
        .unwrap();
    let county = app::auth::NewStaff {
        login: "sup-gaq".into(),
        name: "区监察".into(),
        phone: String::new(),
        password: app::demo::DEMO_PASSWORD.into(),
        roles: vec![domain::account::Role::Supervisor],
        region: "511602".into(),
        department: None,
    };
    app::auth::create_staff(&app, &cap, &county).await.unwrap();
    let mut county = sup.another();
    county.login("sup-gaq", app::demo::DEMO_PASSWORD).await;
    let work = county.get("/work").await;
    assert_eq!(work.status, StatusCode::OK);
    assert!(!work.body.contains("请今日内完成预审"), "{}", work.body);
    // An applicant has no supervision page.
    let mut citizen = sup.another();
    citizen.login_citizen().await;
    assert_eq!(
        citizen.get("/supervision").await.status,
        StatusCode::FORBIDDEN
    );
}
