//! 中介超市 pages: an enterprise applies to join, the city's administrator approves it, the
//! city's clerk posts a job for a government buyer, the intermediary bids; prices stay sealed
//! to everyone else while the window is open, and a bid over the cap is refused in Chinese.

use axum::http::StatusCode;

use crate::support::*;

#[tokio::test]
async fn an_intermediary_joins_and_bids_and_its_price_stays_sealed_until_the_deadline() {
    let site = site().await;
    let password = app::demo::DEMO_PASSWORD;
    let code = app::demo::demo_credit_code();

    let mut firm = site.another();
    firm.login(&code, password).await;
    let csrf = firm.csrf();
    let form = [
        ("csrf", csrf.as_str()),
        ("name", "广安演示测绘有限公司"),
        ("phone", "0826-2000000"),
        ("staff", "8"),
        ("regions", "511600"),
        ("service", "surveying"),
        ("qualification", "乙级测绘资质"),
        ("number", "乙测资字5116001"),
        ("valid_until", "2020-01-01"),
    ];
    let expired = firm.post_form("/market/intermediaries", &form).await;
    assert_eq!(expired.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        expired.body.contains("缺少有效期内的资质证书"),
        "{}",
        expired.body
    );
    let mut form = form;
    form[8].1 = "2030-06-30";
    let applied = firm.post_form("/market/intermediaries", &form).await;
    assert_eq!(
        applied.location(),
        "/market/intermediaries?flash=registered"
    );

    let mut admin = site.another();
    admin.login("admin", password).await;
    let page = admin.get("/market/intermediaries").await;
    assert!(page.body.contains("待审核的入驻申请") && page.body.contains(&code));
    let csrf = admin.csrf();
    let reviewed = admin
        .post_form(
            &format!("/market/intermediaries/{code}/review"),
            &[("csrf", &csrf), ("decision", "approve"), ("note", "")],
        )
        .await;
    assert_eq!(reviewed.location(), "/market/intermediaries?flash=reviewed");
    assert!(
        site.another()
            .get("/market/intermediaries")
            .await
            .body
            .contains("广安演示测绘有限公司")
    );

    let mut clerk = site.another();
    clerk.login("clerk", password).await;
    let csrf = clerk.csrf();
    let deadline = (time::OffsetDateTime::now_utc().to_offset(domain::calendar::CHINA_OFFSET)
        + time::Duration::days(3))
    .format(time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]"
    ))
    .unwrap();
    let posted = clerk
        .post_form(
            "/market/jobs",
            &[
                ("csrf", &csrf),
                ("title", "广安区便民服务中心改造 地形图测绘"),
                ("service", "surveying"),
                ("scope", "1:500 地形图，约 1 公顷"),
                ("budget", "30000"),
                ("deadline", &deadline),
                ("days", "15"),
                ("method", "random"),
                ("region", "511602"),
            ],
        )
        .await;
    let job = posted.location().to_string();
    assert!(job.starts_with("/market/jobs/"), "{}", posted.body);
    assert!(
        site.another()
            .get("/market")
            .await
            .body
            .contains("地形图测绘")
    );

    let csrf = firm.csrf();
    let over = firm
        .post_form(
            &format!("{job}/bid"),
            &[("csrf", &csrf), ("price", "30000.01"), ("days", "10")],
        )
        .await;
    assert_eq!(over.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(over.body.contains("报价超过最高限价"), "{}", over.body);
    let bid = firm
        .post_form(
            &format!("{job}/bid"),
            &[("csrf", &csrf), ("price", "28500"), ("days", "10")],
        )
        .await;
    assert_eq!(bid.location(), format!("{job}?flash=bid"));
    assert!(
        firm.get(&job).await.body.contains("28500.00 元"),
        "the bidder sees its own price"
    );
    for mut other in [site.another(), clerk] {
        let page = other.get(&job).await.body;
        assert!(
            page.contains("保密") && !page.contains("28500"),
            "sealed: {page}"
        );
        assert!(
            page.contains("报名截止后公开") && !page.contains("广安演示测绘有限公司"),
            "who bid is sealed too: {page}"
        );
    }
}

/// The same market through the JSON API: registration, review, a job, a bid; sealed to
/// others, errors as `{code, message, field}`.
#[tokio::test]
async fn the_market_api_takes_a_registration_a_job_and_a_sealed_bid() {
    let site = site().await;
    let password = app::demo::DEMO_PASSWORD;
    let code = app::demo::demo_credit_code();

    let mut firm = site.another();
    firm.login(&code, password).await;
    let csrf = firm.csrf();
    let registration = serde_json::json!({
        "credit_code": code, "name": "广安演示测绘有限公司", "services": ["surveying"],
        "regions": ["511600"], "staff": 8, "phone": "0826-2000000",
        "qualifications": [{"service": "surveying", "name": "乙级测绘资质",
            "number": "乙测资字5116001", "valid_until": "2030-06-30"}],
    });
    let no_token = firm
        .post_json("/api/v1/market/intermediaries", &registration, None)
        .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    let joined = firm
        .post_json("/api/v1/market/intermediaries", &registration, Some(&csrf))
        .await;
    assert_eq!(joined.status, StatusCode::CREATED, "{}", joined.body);
    assert_eq!(joined.json()["standing"], "pending");
    let hidden = site
        .another()
        .get(&format!("/api/v1/market/intermediaries/{code}"))
        .await;
    assert_eq!(
        hidden.status,
        StatusCode::NOT_FOUND,
        "pending is not public"
    );

    let mut admin = site.another();
    admin.login("admin", password).await;
    let pending = admin
        .get("/api/v1/market/intermediaries?standing=pending")
        .await
        .json();
    assert_eq!(pending["total"], 1);
    let csrf = admin.csrf();
    let no_reason = admin
        .post_json(
            &format!("/api/v1/market/intermediaries/{code}/review"),
            &serde_json::json!({"approve": false}),
            Some(&csrf),
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(no_reason.json()["field"], "note");
    let approved = admin
        .post_json(
            &format!("/api/v1/market/intermediaries/{code}/review"),
            &serde_json::json!({"approve": true}),
            Some(&csrf),
        )
        .await;
    assert_eq!(approved.json()["standing"], "approved", "{}", approved.body);

    let mut clerk = site.another();
    clerk.login("clerk", password).await;
    let csrf = clerk.csrf();
    let deadline = (time::OffsetDateTime::now_utc() + time::Duration::days(3))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let mut job = serde_json::json!({
        "title": "广安区便民服务中心改造 地形图测绘", "service": "surveying",
        "scope": "1:500 地形图，约 1 公顷", "budget_cap": 3_000_000,
        "bid_deadline": deadline, "delivery_days": 15, "method": "random", "region": "511602",
    });
    job["bid_deadline"] = "2020-01-01T00:00:00+08:00".into();
    let past = clerk
        .post_json("/api/v1/market/jobs", &job, Some(&csrf))
        .await;
    assert_eq!(past.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(past.json()["field"], "bid_deadline", "{}", past.body);
    job["bid_deadline"] = deadline.into();
    let posted = clerk
        .post_json("/api/v1/market/jobs", &job, Some(&csrf))
        .await;
    assert_eq!(posted.status, StatusCode::CREATED, "{}", posted.body);
    let id = posted.json()["id"].as_str().unwrap().to_string();
    assert_eq!(
        posted.json()["buyer_name"],
        "广安市（经办人：赵综窗）",
        "a government buyer is its region or department, with the staff member acting"
    );

    let csrf = firm.csrf();
    let bid = |price: i64| serde_json::json!({"price": price, "days": 10});
    let over = firm
        .post_json(
            &format!("/api/v1/market/jobs/{id}/bids"),
            &bid(3_000_001),
            Some(&csrf),
        )
        .await;
    assert_eq!(over.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(over.json()["field"], "price", "{}", over.body);
    let placed = firm
        .post_json(
            &format!("/api/v1/market/jobs/{id}/bids"),
            &bid(2_850_000),
            Some(&csrf),
        )
        .await;
    assert_eq!(
        placed.json()["bids"][0]["price"],
        2_850_000,
        "{}",
        placed.body
    );
    let seen = site
        .another()
        .get(&format!("/api/v1/market/jobs/{id}"))
        .await
        .json();
    assert_eq!(seen["bids"][0]["price"], serde_json::Value::Null);
    assert_eq!(seen["bids"][0]["credit_code"], "", "who bid is sealed too");
    let list = site
        .another()
        .get("/api/v1/market/jobs?state=open")
        .await
        .json();
    assert!(list["total"].as_i64().unwrap() >= 1);
    let bad = site
        .another()
        .get("/api/v1/market/jobs?state=nonsense")
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["field"], "state");
    let early = clerk
        .post_json(
            &format!("/api/v1/market/jobs/{id}/select"),
            &serde_json::json!({}),
            Some(&clerk.csrf()),
        )
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
}
