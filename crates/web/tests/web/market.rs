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
