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

#[tokio::test]
async fn the_hall_tablet_records_one_rating_per_real_window_visit_and_no_more() {
    let mut clerk = site().await;
    let app = clerk.app.clone();
    let mut conn = app.store.conn().await.unwrap();
    let (cases, _) = store::cases::queue(&mut conn, "clerk", &["511600".into()], None, 50, 0, 100)
        .await
        .unwrap();
    // A case no clerk has served yet.
    let mut fresh = None;
    for (c, _) in &cases {
        let events = store::cases::events(&mut conn, &c.id).await.unwrap();
        if c.state == domain::case::CaseState::Submitted
            && !events.iter().any(|e| e.role.contains("clerk"))
        {
            fresh = Some(c.clone());
            break;
        }
    }
    drop(conn);
    let fresh = fresh.expect("a case waiting for its first window visit");
    let number = fresh.number.clone();
    assert_eq!(
        clerk.get("/tablet").await.status,
        StatusCode::SEE_OTHER,
        "log in first"
    );
    clerk.login("clerk", app::demo::DEMO_PASSWORD).await;
    let page = clerk.get(&format!("/tablet?number={number}")).await;
    assert!(page.body.contains("tablet-form") && page.body.contains("非常满意"));
    // A kiosk facing the applicant: no staff menu and no 退出.
    assert!(
        !page.body.contains("我的待办") && !page.body.contains("退出"),
        "{}",
        page.body
    );
    let csrf = clerk.csrf();
    let rate = |level: &'static str| {
        [
            ("csrf", csrf.clone()),
            ("number", number.to_string()),
            ("level", level.to_string()),
        ]
    };
    let post = async |clerk: &mut Client, level: &'static str| {
        let f = rate(level);
        let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        clerk.post_form("/tablet", &pairs).await
    };
    // No visit yet: the clerk has not served this case today, so there is nothing to rate.
    let early = post(&mut clerk, "1").await;
    assert_eq!(
        early.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        early.body
    );
    assert!(early.body.contains("本次窗口服务"), "{}", early.body);
    let id = fresh.id.to_string();
    let accepted = clerk
        .post_multipart(
            &format!("/cases/{id}/act"),
            &[("csrf", &csrf), ("action", "accept")],
            &[],
        )
        .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    let bad = post(&mut clerk, "5").await;
    assert_eq!(
        bad.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a bad review needs a reason"
    );
    let first = post(&mut clerk, "1").await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    for _ in 0..5 {
        let again = post(&mut clerk, "1").await;
        assert_eq!(
            again.status,
            StatusCode::CONFLICT,
            "one visit, one rating: {}",
            again.body
        );
    }
    let mut conn = app.store.conn().await.unwrap();
    let case = store::cases::find_by_number(&mut conn, &number)
        .await
        .unwrap()
        .unwrap();
    let rated = store::ratings::ratings_of_case(&mut conn, &case.id)
        .await
        .unwrap();
    let acts: Vec<(&str, &str)> = rated
        .iter()
        .map(|r| (r.act.as_str(), r.channel.as_str()))
        .collect();
    assert_eq!(acts, [("counter:1", "hall_tablet")]);
    assert!(
        rated
            .iter()
            .all(|r| r.rater_id == case.applicant_id && r.named == 0)
    );
}
