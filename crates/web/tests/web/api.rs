use axum::http::StatusCode;

use crate::support::*;

#[tokio::test]
async fn search_and_items_answer_in_the_list_envelope() {
    let mut c = site().await;
    let s = c
        .get(&format!("/api/v1/search?q={}&limit=5", enc("办护照")))
        .await
        .json();
    assert!(s["total"].as_u64().unwrap() >= 1);
    assert!(
        s["items"][0]["name"].as_str().unwrap().contains("护照"),
        "{s}"
    );
    let items = c
        .get("/api/v1/items?audience=natural_person&limit=10")
        .await
        .json();
    assert_eq!(items["items"].as_array().unwrap().len(), 10);
    let code = items["items"][0]["code"].as_str().unwrap().to_string();
    let one = c.get(&format!("/api/v1/items/{}", enc(&code))).await.json();
    assert_eq!(one["definition"]["code"], code.as_str());
    assert!(one["definition"]["materials"].as_array().is_some());
    assert!(
        c.get("/api/v1/departments").await.json()["total"]
            .as_i64()
            .unwrap()
            >= 12
    );
}

#[tokio::test]
async fn bad_parameters_get_structured_errors_naming_the_parameter() {
    let mut c = site().await;
    let long = c
        .get(&format!("/api/v1/search?q={}", "开".repeat(10_000)))
        .await;
    assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);
    let e = long.json();
    assert_eq!(
        (e["code"].as_str(), e["field"].as_str()),
        (Some("validation_failed"), Some("q"))
    );
    let bad = c.get("/api/v1/items?limit=abc").await;
    assert_eq!(
        (bad.status, bad.json()["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("query"))
    );
    let missing = c.get("/api/v1/items/NO-SUCH").await;
    assert_eq!(
        (missing.status, missing.json()["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    assert_eq!(c.get("/api/v1/nothing").await.json()["code"], "not_found");
}

#[tokio::test]
async fn writes_need_a_catalog_admin_session_and_the_csrf_header() {
    let mut c = site().await;
    let def = app::demo::demo_data().unwrap().items.remove(0);
    let mut new = serde_json::to_value(&def).unwrap();
    new["code"] = "API-NEW-1".into();
    assert_eq!(
        c.post_json("/api/v1/items", &new, None).await.status,
        StatusCode::FORBIDDEN
    );
    c.login("catalog", app::demo::DEMO_PASSWORD).await;
    assert_eq!(
        c.post_json("/api/v1/items", &new, Some("wrong"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let csrf = c.csrf();
    let created = c.post_json("/api/v1/items", &new, Some(&csrf)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let malformed = c
        .post_json(
            "/api/v1/items",
            &serde_json::json!({"code": 1}),
            Some(&csrf),
        )
        .await;
    assert_eq!(
        (malformed.status, malformed.json()["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("body"))
    );
    let published = c
        .post_json(
            "/api/v1/items/API-NEW-1/publish",
            &serde_json::json!({}),
            Some(&csrf),
        )
        .await;
    assert_eq!(published.json()["version"], 1);
    assert_eq!(
        c.get("/api/v1/items/API-NEW-1").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_openapi_document_describes_the_search_endpoint() {
    let mut c = site().await;
    let doc = c.get("/api/openapi.json").await.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert!(doc["paths"]["/api/v1/search"]["get"].is_object());
}

/// Every operation the hand-written document used to describe, now generated from the code.
const OPERATIONS: &[(&str, &str)] = &[
    ("get", "/api/openapi.json"),
    ("get", "/api/v1/items"),
    ("post", "/api/v1/items"),
    ("get", "/api/v1/items/{code}"),
    ("put", "/api/v1/items/{code}/draft"),
    ("post", "/api/v1/items/{code}/publish"),
    ("get", "/api/v1/search"),
    ("get", "/api/v1/departments"),
    ("get", "/api/v1/regions"),
    ("get", "/api/v1/synonyms"),
    ("get", "/api/v1/cases"),
    ("post", "/api/v1/cases"),
    ("get", "/api/v1/cases/{id}"),
    ("post", "/api/v1/cases/{id}/commands"),
    ("post", "/api/v1/cases/{id}/materials/{index}"),
    ("get", "/api/v1/progress"),
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
    ("post", "/api/v1/cases/agent"),
    ("get", "/api/v1/cases/{id}/notices/{kind}"),
    ("get", "/api/v1/licenses"),
    ("get", "/api/v1/licenses/{id}"),
    ("post", "/api/v1/licenses/{id}/revoke"),
    ("get", "/api/v1/licenses/verify"),
    ("get", "/api/v1/licenses/keys"),
    ("get", "/api/v1/statistics/materials-avoided"),
    ("get", "/api/v1/bundles"),
    ("get", "/api/v1/bundles/{code}"),
    ("put", "/api/v1/bundles/{code}"),
    ("post", "/api/v1/bundles/{code}/applications"),
    ("get", "/api/v1/bundle-cases/{id}"),
    ("post", "/api/v1/uploads"),
    ("get", "/api/v1/statistics"),
    ("get", "/api/v1/ratings"),
];

#[tokio::test]
async fn the_generated_openapi_document_describes_every_operation_with_its_answers() {
    let mut c = site().await;
    let doc = c.get("/api/openapi.json").await.json();
    for (method, path) in OPERATIONS {
        let op = &doc["paths"][path][method];
        assert!(op.is_object(), "{method} {path} is missing");
        assert!(
            op["responses"].is_object(),
            "{method} {path} has no responses"
        );
        if path.starts_with("/api/v1/") {
            assert!(
                op["responses"]["500"].is_object(),
                "{method} {path} does not document the internal error"
            );
        }
        if *method != "get" {
            assert!(
                op["requestBody"].is_object() || path.ends_with("/publish"),
                "{method} {path} has no request body"
            );
        }
    }
    for name in ["Error", "ItemDefinition", "Case", "Command", "Provision"] {
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "schema {name} is missing"
        );
    }
}

/// Every `#[utoipa::path]` written on a handler is in the served document (a handler left
/// out of its module's `paths()` list is not), and every write asks for the session and the
/// CSRF token (the document adds that requirement once for all writes).
#[tokio::test]
async fn every_annotated_operation_is_served_and_every_write_asks_for_the_csrf_token() {
    let mut c = site().await;
    let doc = c.get("/api/openapi.json").await.json();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api");
    let mut annotated = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for at in text.split("#[utoipa::path(").skip(1) {
            let method = at.split(',').next().unwrap().trim();
            let path = at
                .split("path = \"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            let op = &doc["paths"][path][method];
            assert!(
                op.is_object(),
                "{method} {path} is annotated but not served"
            );
            annotated += 1;
            if method != "get" && path.starts_with("/api/") {
                let wanted = serde_json::json!({
                    "sessionCookie": [], "csrfCookie": [], "csrfHeader": []
                });
                let security = op["security"]
                    .as_array()
                    .expect("a write names its security");
                assert!(security.contains(&wanted), "{method} {path}: {security:?}");
            }
        }
    }
    assert!(
        annotated > 80,
        "only {annotated} annotated operations found"
    );
}

#[tokio::test]
async fn a_clerk_serves_a_walk_in_through_the_api_and_a_bad_phone_names_its_field() {
    let mut c = site().await;
    c.login("clerk", app::demo::DEMO_PASSWORD).await;
    let csrf = c.csrf();
    let code = food_item().code;
    let who = app::demo::demo_id_number("19850505", "778");
    let body = |phone: &str| {
        serde_json::json!({
            "item_code": code, "applicant": who,
            "walk_in": { "name": "王小三", "phone": phone },
        })
    };
    let bad = c
        .post_json("/api/v1/cases", &body("139"), Some(&csrf))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert_eq!(bad.json()["field"], "walk_in.phone");
    let made = c
        .post_json("/api/v1/cases", &body("13912345678"), Some(&csrf))
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    assert_eq!(made.json()["channel"], "window");
}
