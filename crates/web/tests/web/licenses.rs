use axum::http::StatusCode;

use crate::support::*;

/// The demo citizen's imported 居民身份证: (id, token).
async fn id_card(c: &mut Client) -> (String, String) {
    let wallet = c.get("/api/v1/licenses").await.json();
    let card = wallet["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["type_name"] == "居民身份证")
        .expect("the demo citizen holds an ID card")
        .clone();
    (
        card["id"].as_str().unwrap().to_string(),
        card["token"].as_str().unwrap().to_string(),
    )
}

#[tokio::test]
async fn the_holder_shows_a_license_the_public_verifies_it_and_an_application_uses_it() {
    let mut citizen = site().await;
    citizen.login_citizen().await;
    let page = citizen.get("/licenses").await;
    assert!(
        page.body.contains("居民身份证") && page.body.contains("居民户口簿"),
        "{}",
        page.body
    );
    let (id, token) = id_card(&mut citizen).await;
    let one = citizen.get(&format!("/licenses/{}", enc(&id))).await;
    assert_eq!(one.status, StatusCode::OK);
    assert!(
        one.body.contains("<svg") && one.body.contains("亮证") && one.body.contains("用证记录")
    );
    let pdf = citizen.get(&format!("/licenses/{}/pdf", enc(&id))).await;
    assert!(pdf.body.starts_with("%PDF-"));

    // Anyone scanning the QR sees validity and the minimum: masked name and ID number.
    let mut visitor = citizen.another();
    let v = visitor.get(&format!("/v/{token}")).await;
    assert_eq!(v.status, StatusCode::OK);
    assert!(
        v.body.contains("有效") && v.body.contains("张*") && v.body.contains("5116**********1236"),
        "{}",
        v.body
    );
    assert!(!v.body.contains("511602199001011236"));
    let api = visitor
        .get(&format!("/api/v1/licenses/verify?token={}", enc(&token)))
        .await
        .json();
    assert_eq!(
        (api["signature_valid"].as_bool(), api["status"].as_str()),
        (Some(true), Some("valid"))
    );
    let mut forged = license::Token::parse(&token).unwrap();
    forged.core.holder = "李四".into();
    let api = visitor
        .get(&format!(
            "/api/v1/licenses/verify?token={}",
            enc(&forged.encode())
        ))
        .await
        .json();
    assert_eq!(api["status"], "invalid");
    assert!(api["reason"].as_str().unwrap().contains("签名与内容不符"));
    // Someone else cannot open the license itself.
    visitor
        .login(&app::demo::demo_credit_code(), app::demo::DEMO_PASSWORD)
        .await;
    assert_eq!(
        visitor.get(&format!("/licenses/{}", enc(&id))).await.status,
        StatusCode::NOT_FOUND
    );

    // Applying for the food permit: the ID card fills 身份证明 without an upload.
    let food = demo_item("食品（含保健食品）经营许可核发");
    let csrf = citizen.csrf();
    let started = citizen
        .post_json(
            "/api/v1/cases",
            &serde_json::json!({"item_code": food.code}),
            Some(&csrf),
        )
        .await;
    assert_eq!(started.status, StatusCode::CREATED);
    let case = started.json();
    let m = &case["materials"]["法定代表人（负责人）及食品安全管理人员身份证明"];
    assert_eq!(
        (m["how"].as_str(), m["license_id"].as_str()),
        (Some("license"), Some(id.as_str())),
        "{case}"
    );
    let case_page = citizen
        .get(&format!("/cases/{}", case["id"].as_str().unwrap()))
        .await;
    assert!(case_page.body.contains("电子证照（A 级，免提交）"));
    let used = citizen.get(&format!("/licenses/{}", enc(&id))).await;
    assert!(
        used.body.contains("广安市市场监督管理局")
            && used.body.contains("食品（含保健食品）经营许可核发"),
        "the use is logged"
    );

    // The issuing department revokes it; verification then fails with the reason.
    let mut admin = citizen.another();
    admin.login("approver", app::demo::DEMO_PASSWORD).await;
    let csrf = admin.csrf();
    let refused = admin
        .post_json(
            &format!("/api/v1/licenses/{}/revoke", enc(&id)),
            &serde_json::json!({"reason": "x"}),
            Some(&csrf),
        )
        .await;
    assert_ne!(
        refused.status,
        StatusCode::OK,
        "market regulation does not revoke police licenses"
    );
    admin.login("admin", app::demo::DEMO_PASSWORD).await;
    let csrf = admin.csrf();
    let done = admin
        .post_form(
            &format!("/licenses/{}/revoke", enc(&id)),
            &[("csrf", &csrf), ("reason", "证件遗失，申请注销")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let v = citizen.another().get(&format!("/v/{token}")).await;
    assert!(
        v.body.contains("已注销") && v.body.contains("证件遗失"),
        "{}",
        v.body
    );
}

#[tokio::test]
async fn a_birth_registration_proved_by_licenses_and_shared_data_is_approved_in_seconds() {
    let mut citizen = site().await;
    citizen.login_citizen().await;
    let item = demo_item("户口登记（出生登记）");
    let csrf = citizen.csrf();
    let case = citizen
        .post_json(
            "/api/v1/cases",
            &serde_json::json!({"item_code": item.code}),
            Some(&csrf),
        )
        .await
        .json();
    let how: Vec<&str> = item
        .materials
        .iter()
        .map(|m| case["materials"][&m.name]["how"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(how, ["license", "license", "license", "shared"], "{case}");
    let id = case["id"].as_str().unwrap();
    edit_with_sample_form(&mut citizen, id, &item).await;
    let done = citizen
        .post_json(
            &format!("/api/v1/cases/{id}/commands"),
            &serde_json::json!({"command": "submit"}),
            Some(&csrf),
        )
        .await
        .json();
    assert_eq!(done["state"], "approved", "{done}");
    assert_eq!(done["decision"]["by_rule"], "出生登记证照齐全秒批");
}

#[tokio::test]
async fn the_window_sees_which_materials_the_register_already_provides_for_an_id_or_a_qr() {
    let mut citizen = site().await;
    citizen.login_citizen().await;
    let (_, token) = id_card(&mut citizen).await;
    let food = demo_item("食品（含保健食品）经营许可核发");
    let url = |who: &str| format!("/work/coverage?item={}&who={}", enc(&food.code), enc(who));
    assert_eq!(
        citizen.get(&url(&token)).await.status,
        StatusCode::FORBIDDEN,
        "applicants cannot look others up"
    );
    let mut clerk = citizen.another();
    clerk.login("clerk", app::demo::DEMO_PASSWORD).await;
    for who in [app::demo::demo_id_number("19900101", "123"), token] {
        let page = clerk.get(&url(&who)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("电子证照：居民身份证"), "{}", page.body);
        assert!(page.body.contains("需提交"));
    }
    let bad = clerk.get(&url("12345")).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("有效的公民身份号码"));
}

#[tokio::test]
async fn statistics_count_the_materials_that_licenses_and_shared_data_spared() {
    let mut citizen = site().await;
    citizen.login_citizen().await;
    let item = demo_item("户口登记（出生登记）");
    let csrf = citizen.csrf();
    citizen
        .post_json(
            "/api/v1/cases",
            &serde_json::json!({"item_code": item.code}),
            Some(&csrf),
        )
        .await;
    let today = time::OffsetDateTime::now_utc().date();
    let url = format!(
        "/api/v1/statistics/materials-avoided?from={}&to={}",
        today - time::Duration::days(1),
        today + time::Duration::days(2)
    );
    assert_eq!(citizen.get(&url).await.status, StatusCode::FORBIDDEN);
    let mut admin = citizen.another();
    admin.login("admin", app::demo::DEMO_PASSWORD).await;
    let stats = admin.get(&url).await.json();
    let births: i64 = stats["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["item_name"] == "户口登记（出生登记）")
        .map(|r| r["count"].as_i64().unwrap())
        .sum();
    assert!(births >= 4, "three licenses and one shared record: {stats}");
    let long = admin
        .get("/api/v1/statistics/materials-avoided?from=2016-01-01&to=2026-01-01")
        .await;
    assert_eq!(
        (long.status, long.json()["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("to"))
    );
}

#[tokio::test]
async fn staff_read_a_license_masked_every_read_is_logged_and_the_holder_sees_who_read() {
    let mut citizen = site().await;
    citizen.login_citizen().await;
    let (id, _) = id_card(&mut citizen).await;
    let full = app::demo::demo_id_number("19900101", "123");
    let mut admin = citizen.another();
    admin.login("admin", app::demo::DEMO_PASSWORD).await;
    let page = admin.get(&format!("/licenses/{}", enc(&id))).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        !page.body.contains(&full),
        "the full ID number is shown to staff"
    );
    assert!(
        !page.body.contains("verify-link"),
        "staff get no QR to show"
    );
    let api = admin.get(&format!("/api/v1/licenses/{}", enc(&id))).await;
    assert!(!api.body.contains(&full), "{}", api.body);
    assert_eq!(
        admin
            .get(&format!("/licenses/{}/pdf", enc(&id)))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let mut clerk = citizen.another();
    clerk.login("clerk", app::demo::DEMO_PASSWORD).await;
    let food = demo_item("食品（含保健食品）经营许可核发");
    let looked = clerk
        .get(&format!(
            "/work/coverage?item={}&who={}",
            enc(&food.code),
            enc(&full)
        ))
        .await;
    assert_eq!(looked.status, StatusCode::OK);
    let reads = citizen.get("/account/reads").await;
    assert!(
        reads.body.contains("查看电子证照 居民身份证") && reads.body.contains("一证通办查询"),
        "{}",
        reads.body
    );
    assert!(
        citizen
            .get(&format!("/licenses/{}", enc(&id)))
            .await
            .body
            .contains(&full),
        "the holder sees their own"
    );
}
