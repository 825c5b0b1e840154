//! 工程建设项目 pages: the owner's list and registration (a wrong code refused in Chinese),
//! a project's page with its stages, clock and holds, staff recording a hold, and a stage
//! filed from its bundle's page carrying the project.

use axum::http::StatusCode;

use crate::support::*;

#[tokio::test]
async fn the_owner_registers_a_project_and_staff_hold_its_clock() {
    let site = site().await;
    let password = app::demo::DEMO_PASSWORD;
    let mut owner = site.another();
    owner.login(&app::demo::demo_credit_code(), password).await;
    let list = owner.get("/projects").await;
    assert!(
        list.body.contains("协兴园区食材仓库（演示）"),
        "{}",
        list.body
    );

    let csrf = owner.csrf();
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("code", "2026-511602-47-03-00012"),
        ("name", "广安演示制造有限公司二期厂房"),
        ("funding", "enterprise-record"),
        ("category", "general"),
        ("region", "511602"),
        ("floor_area", "20000"),
        ("land", "出让用地"),
        ("scale", "厂房两栋"),
    ];
    let bad = owner.post_form("/projects", &form).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("投资项目代码长度为 23 位"),
        "{}",
        bad.body
    );
    assert!(
        bad.body.contains(r#"value="广安演示制造有限公司二期厂房""#)
            && bad.body.contains("厂房两栋</textarea>"),
        "what was typed is kept: {}",
        bad.body
    );
    form[1].1 = "2026-511602-47-03-000124";
    let made = owner.post_form("/projects", &form).await;
    assert_eq!(
        made.location(),
        "/projects/2026-511602-47-03-000124?flash=registered"
    );
    let page = owner.get("/projects/2026-511602-47-03-000124").await.body;
    assert!(
        page.contains("广安区（511602）"),
        "the place by name: {page}"
    );
    assert!(
        page.contains("首个阶段申报后开始计时") && page.contains("申报本阶段"),
        "{page}"
    );
    assert!(
        page.contains("/bundles/GCJS-LXYD?project=2026-511602-47-03-000124&amp;stage=initiation"),
        "the first stage is filed on its bundle's page: {page}"
    );
    let guide = owner
        .get("/bundles/GCJS-LXYD?project=2026-511602-47-03-000124&stage=initiation")
        .await
        .body;
    assert!(
        guide.contains("为工程建设项目") && guide.contains(r#"name="stage" value="initiation""#),
        "{guide}"
    );
    let stranger = site
        .another()
        .get("/bundles/GCJS-LXYD?project=2026-511602-47-03-000124&stage=initiation")
        .await
        .body;
    assert!(
        !stranger.contains("为工程建设项目"),
        "a stranger gets the plain guide"
    );

    // The warehouse: its first stage runs, its clock is held for the intermediary.
    let owner_actor = app::auth::actor_for_login(&site.app, &app::demo::demo_credit_code())
        .await
        .unwrap();
    let stage = domain::project::Stage::Permit;
    app::demo_projects_run::start(
        &site.app,
        &owner_actor,
        app::demo_projects::WAREHOUSE,
        stage,
    )
    .await
    .unwrap();
    let warehouse = format!("/projects/{}", app::demo_projects::WAREHOUSE);
    let page = owner.get(&warehouse).await.body;
    assert!(
        page.contains("中介服务") && page.contains("进行中"),
        "{page}"
    );
    assert!(
        page.contains("建设工程规划许可证核发"),
        "the stage's cases: {page}"
    );

    let mut clerk = site.another();
    clerk.login("clerk", password).await;
    let csrf = clerk.csrf();
    let today = domain::calendar::china_date(time::OffsetDateTime::now_utc()).to_string();
    let no_note = clerk
        .post_form(
            &format!("{warehouse}/holds"),
            &[
                ("csrf", &csrf),
                ("reason", "publicity"),
                ("from", &today),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(no_note.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        no_note.body.contains("请写明暂停计时的事由"),
        "{}",
        no_note.body
    );
    let held = clerk
        .post_form(
            &format!("{warehouse}/holds"),
            &[
                ("csrf", &csrf),
                ("reason", "publicity"),
                ("from", &today),
                ("note", "规划方案批前公示"),
            ],
        )
        .await;
    assert_eq!(held.location(), format!("{warehouse}?flash=hold"));
    assert!(
        owner
            .get(&warehouse)
            .await
            .body
            .contains("规划方案批前公示")
    );
    let stats = clerk.get("/projects/stats").await;
    assert!(
        stats.body.contains("社会投资低风险小型项目") && stats.body.contains("<svg"),
        "figures as a chart and a table: {}",
        stats.body
    );
    assert_eq!(
        owner.get("/projects/stats").await.status,
        StatusCode::FORBIDDEN
    );
    let stranger = site.another().get(&warehouse).await;
    assert_ne!(stranger.status, StatusCode::OK, "not public");
}
