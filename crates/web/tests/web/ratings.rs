use axum::http::StatusCode;

use crate::support::*;

#[tokio::test]
async fn an_applicant_rates_a_finished_case_and_the_department_works_the_bad_review() {
    let mut citizen = site().await;
    citizen
        .login(&app::demo::demo_credit_code(), app::demo::DEMO_PASSWORD)
        .await;
    let mine = citizen.get("/api/v1/cases?limit=100").await.json();
    let done = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["state"] == "completed" && c["department"] == "511600-SCJG")
        .unwrap_or_else(|| panic!("a finished demo case of market regulation: {mine}"))
        .clone();
    let id = done["id"].as_str().unwrap();
    assert!(
        citizen
            .get(&format!("/cases/{id}"))
            .await
            .body
            .contains("rate-link")
    );
    let decision = citizen.get(&format!("/cases/{id}/notices/decision")).await;
    assert!(
        decision.body.contains("<svg") && decision.body.contains("扫码评价"),
        "the decision notice carries the rating QR"
    );
    let page = citizen
        .get(&format!("/cases/{id}/rate?channel=qr_code"))
        .await;
    assert!(page.body.contains("rate-form") && page.body.contains("value=\"qr_code\""));
    let csrf = citizen.csrf();
    let bare = citizen
        .post_form(
            &format!("/cases/{id}/rate"),
            &[("csrf", &csrf), ("channel", "qr_code"), ("level", "5")],
        )
        .await;
    assert_eq!(bare.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bare.body.contains("差评请选择原因"), "{}", bare.body);
    let ok = citizen
        .post_form(
            &format!("/cases/{id}/rate"),
            &[
                ("csrf", &csrf),
                ("channel", "qr_code"),
                ("level", "5"),
                ("tag", "多次跑动"),
                ("tag", "服务态度不好"),
                ("text", "跑了三次"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let after = citizen.get(&format!("/cases/{id}/rate?flash=rated")).await;
    assert!(
        after.body.contains("非常不满意")
            && after.body.contains("待核实联系")
            && !after.body.contains("rate-form")
    );

    let mut dept = citizen.another();
    dept.login("reviewer", app::demo::DEMO_PASSWORD).await;
    let work = dept.get("/work").await;
    assert!(
        work.body.contains("差评整改") && work.body.contains("多次跑动、服务态度不好"),
        "{}",
        work.body
    );
    assert!(
        !work.body.contains("张三"),
        "the rater stays anonymous unless named"
    );
    let ticket = work
        .body
        .split("/tickets/")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap()
        .to_string();
    let csrf = dept.csrf();
    let acted = dept
        .post_form(
            &format!("/tickets/{ticket}/act"),
            &[
                ("csrf", &csrf),
                ("action", "contact"),
                ("note", "已电话联系"),
            ],
        )
        .await;
    assert_eq!(acted.status, StatusCode::SEE_OTHER, "{}", acted.body);
    assert!(
        citizen
            .get(&format!("/cases/{id}/rate"))
            .await
            .body
            .contains("已联系，整改中")
    );
}
