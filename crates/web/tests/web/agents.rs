//! 帮办代办 grants over HTTP, and uploads nobody signed in for.

use axum::http::StatusCode;

use crate::support::*;

fn unique_pdf() -> Vec<u8> {
    format!("%PDF-1.7\n% {}\n", uuid::Uuid::now_v7()).into_bytes()
}

#[tokio::test]
async fn a_visitors_upload_is_answered_401_and_never_stored() {
    let mut visitor = site().await;
    visitor.get("/").await;
    let csrf = visitor.csrf();
    let bytes = unique_pdf();
    let hash = app::uploads::content_hash(&bytes);
    for (path, field) in [
        ("/api/v1/cases/agent", "letter"),
        ("/api/v1/uploads", "file"),
    ] {
        let r = visitor
            .post_multipart_api(
                path,
                &csrf,
                &[("item_code", "x"), ("applicant", "y")],
                &[(field, "a.pdf", &bytes)],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{path}: {}", r.body);
    }
    let page = visitor
        .post_multipart(
            "/cases/agent",
            &[("csrf", &csrf), ("item", "x"), ("applicant", "y")],
            &[("letter", "a.pdf", &bytes)],
        )
        .await;
    assert!(
        page.status.is_client_error() || page.status.is_redirection(),
        "{}",
        page.status
    );
    let window = visitor
        .post_multipart(
            "/agents/window",
            &[("csrf", &csrf)],
            &[("letter", "a.pdf", &bytes)],
        )
        .await;
    assert!(window.status.is_client_error() || window.status.is_redirection());
    assert!(
        !app::uploads::exists(&visitor.app, &hash).await.unwrap(),
        "the visitor's bytes were written to disk"
    );
}

#[tokio::test]
async fn grants_through_the_api_list_revoke_and_answer_strangers_404() {
    let mut principal = site().await;
    principal.login_citizen().await;
    let csrf = principal.csrf();
    let agent_login = app::demo::demo_credit_code();
    let bad = principal
        .post_json(
            "/api/v1/agent-grants",
            &serde_json::json!({"agent": agent_login, "days": 11}),
            Some(&csrf),
        )
        .await;
    assert_eq!(
        (bad.status, bad.json()["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("days"))
    );
    let g = principal
        .post_json(
            "/api/v1/agent-grants",
            &serde_json::json!({"agent": agent_login, "days": 30}),
            Some(&csrf),
        )
        .await;
    assert_eq!(g.status, StatusCode::CREATED, "{}", g.body);
    let id = g.json()["id"].as_str().unwrap().to_string();
    assert!(
        !g.body.contains(&agent_login),
        "the agent's number is masked: {}",
        g.body
    );
    let mut agent = principal.another();
    agent.login(&agent_login, app::demo::DEMO_PASSWORD).await;
    let received = agent.get("/api/v1/agent-grants").await.json();
    assert_eq!(received["received"][0]["id"], id.as_str());
    assert_eq!(received["received"][0]["party_name"], "张三");
    let told = agent.get("/api/v1/notifications").await.json();
    assert!(
        told["items"][0]["text"]
            .as_str()
            .unwrap()
            .contains("授权您"),
        "{told}"
    );

    let stranger_id = app::demo::demo_id_number("19850315", "456");
    app::auth::register(
        &principal.app,
        None,
        domain::account::ApplicantRegistration::NaturalPerson {
            id_number: stranger_id.clone(),
            name: "王五".into(),
            phone: "13900139000".into(),
            password: "Stranger-pass-2026".into(),
        },
    )
    .await
    .unwrap();
    let mut stranger = principal.another();
    stranger.login(&stranger_id, "Stranger-pass-2026").await;
    let scsrf = stranger.csrf();
    let r = stranger
        .post_json(
            &format!("/api/v1/agent-grants/{id}/revoke"),
            &serde_json::json!({}),
            Some(&scsrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let ok = principal
        .post_json(
            &format!("/api/v1/agent-grants/{id}/revoke"),
            &serde_json::json!({}),
            Some(&csrf),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let page = principal.get("/agents").await;
    assert!(page.body.contains("已撤销"), "{}", page.body);
}

#[tokio::test]
async fn a_clerk_records_a_grant_at_the_window_and_the_principal_is_told() {
    let mut clerk = site().await;
    clerk.login("clerk", app::demo::DEMO_PASSWORD).await;
    let page = clerk.get("/agents").await;
    assert!(page.body.contains("窗口登记代办授权"), "{}", page.body);
    let csrf = clerk.csrf();
    let principal_id = app::demo::demo_id_number("19900101", "123");
    let r = clerk
        .post_multipart(
            "/agents/window",
            &[
                ("csrf", &csrf),
                ("principal", &principal_id),
                ("agent", &app::demo::demo_credit_code()),
                ("days", "90"),
            ],
            &[("letter", "委托书.pdf", &unique_pdf())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mut principal = clerk.another();
    principal.login_citizen().await;
    let mine = principal.get("/cases").await;
    assert!(mine.body.contains("为您登记了代办授权"), "{}", mine.body);
    let grants = principal.get("/agents").await;
    assert!(
        grants.body.contains("窗口登记") && grants.body.contains("撤销"),
        "{}",
        grants.body
    );
}
