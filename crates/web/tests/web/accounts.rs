//! Accounts over HTTP: login throttling by client address, registration rules, password
//! change and the administrator's reset.

use axum::http::StatusCode;

use crate::support::*;

fn citizen_login() -> String {
    app::demo::demo_id_number("19900101", "123")
}

#[tokio::test]
async fn wrong_passwords_from_one_address_do_not_lock_the_owner_out_from_another() {
    let site = site().await;
    let mut attacker = site.from_ip("203.0.113.7");
    for _ in 0..8 {
        let p = attacker.login(&citizen_login(), "guessed-wrong-1").await;
        assert_ne!(p.status, StatusCode::SEE_OTHER);
    }
    // The attacker's address is locked out of this login ...
    let p = attacker
        .login(&citizen_login(), app::demo::DEMO_PASSWORD)
        .await;
    assert_eq!(p.status, StatusCode::TOO_MANY_REQUESTS, "{}", p.body);
    // ... the owner, elsewhere, is not.
    let mut owner = site.from_ip("198.51.100.20");
    let p = owner
        .login(&citizen_login(), app::demo::DEMO_PASSWORD)
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
}

#[tokio::test]
async fn one_address_failing_across_many_logins_is_throttled_for_that_address_only() {
    let site = site().await;
    let mut sprayer = site.from_ip("203.0.113.9");
    for i in 0..20 {
        let login = app::demo::demo_id_number("19800101", &format!("{:03}", 100 + i));
        let p = sprayer.login(&login, "Spring-2026-guess").await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "attempt {i}");
        assert!(p.body.contains("账号或密码错误"));
    }
    let p = sprayer.login("catalog", app::demo::DEMO_PASSWORD).await;
    assert_eq!(p.status, StatusCode::TOO_MANY_REQUESTS, "{}", p.body);
    // Registration from that address is throttled too.
    let p = register_person(&mut sprayer, "19920202", "Quiet-river-stone-7").await;
    assert_eq!(p.status, StatusCode::TOO_MANY_REQUESTS, "{}", p.body);
    let mut other = site.from_ip("198.51.100.21");
    let p = other.login("catalog", app::demo::DEMO_PASSWORD).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
}

async fn register_person(c: &mut Client, birth: &str, password: &str) -> Page {
    c.get("/register").await;
    let csrf = c.csrf();
    let id = app::demo::demo_id_number(birth, "321");
    c.post_form(
        "/register",
        &[
            ("csrf", &csrf),
            ("kind", "natural_person"),
            ("id_number", &id),
            ("name", "王五"),
            ("phone", "13800138000"),
            ("password", password),
        ],
    )
    .await
}

#[tokio::test]
async fn an_id_number_born_in_the_future_or_before_1900_does_not_register() {
    let site = site().await;
    for birth in ["20991231", "18991231"] {
        let mut c = site.another();
        let p = register_person(&mut c, birth, "Quiet-river-stone-7").await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{birth}");
        assert!(p.body.contains("出生日期"), "{}", p.body);
    }
    let mut c = site.another();
    let p = register_person(&mut c, "19920202", "Quiet-river-stone-7").await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
}

#[tokio::test]
async fn self_registration_refuses_a_mismatching_credit_code_even_with_the_box_ticked() {
    let mut c = site().await;
    c.get("/register?kind=enterprise").await;
    let csrf = c.csrf();
    let p = c
        .post_form(
            "/register",
            &[
                ("csrf", &csrf),
                ("kind", "enterprise"),
                ("credit_code", "91350100M0001TGQXM"),
                ("enterprise_name", "某某早期赋码有限公司"),
                ("legal_representative", "张三"),
                ("phone", "13800138000"),
                ("password", "Quiet-river-stone-7"),
                ("accept_check_mismatch", "1"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert!(
        p.body
            .contains("统一社会信用代码校验位不符；如属早期赋码，请到窗口由工作人员核验后办理"),
        "{}",
        p.body
    );
    assert!(
        !p.body.contains("accept_check_mismatch"),
        "self-registration offers no override"
    );
}

#[tokio::test]
async fn common_sequential_and_personal_passwords_do_not_register() {
    let site = site().await;
    let id = app::demo::demo_id_number("19920202", "321");
    for pw in [
        "1234567890",
        "password12",
        "qwertyuiop",
        "QWERTYUIOP",
        "123456789a",
        "1qaz2wsx3edc",
        "woaini1314",
        "abcdefghijk",
        "13800138000",
        id.as_str(),
    ] {
        let mut c = site.another();
        let p = register_person(&mut c, "19920202", pw).await;
        assert_eq!(
            p.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{pw} was accepted"
        );
    }
}
