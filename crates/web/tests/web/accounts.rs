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
    let mut attacker = site.another_at("203.0.113.7");
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
    let mut owner = site.another_at("198.51.100.20");
    let p = owner
        .login(&citizen_login(), app::demo::DEMO_PASSWORD)
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
}

#[tokio::test]
async fn one_address_failing_across_many_logins_is_throttled_for_that_address_only() {
    let site = site().await;
    let mut sprayer = site.another_at("203.0.113.9");
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
    let mut other = site.another_at("198.51.100.21");
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

/// The one-time password a page shows.
fn temporary_password(body: &str) -> String {
    let start = body
        .find("临时密码：<strong>")
        .expect("a temporary password")
        + "临时密码：<strong>".len();
    let end = start + body[start..].find("</strong>").unwrap();
    body[start..end].to_string()
}

async fn change_password_form(c: &mut Client, current: &str, new: &str, confirm: &str) -> Page {
    c.get("/account/password").await;
    let csrf = c.csrf();
    c.post_form(
        "/account/password",
        &[
            ("csrf", &csrf),
            ("current", current),
            ("new", new),
            ("confirm", confirm),
        ],
    )
    .await
}

#[tokio::test]
async fn a_person_changes_the_password_under_my_account_and_the_other_sessions_end() {
    let site = site().await;
    let mut here = site.another();
    let mut there = site.another();
    here.login_citizen().await;
    there.login_citizen().await;
    let page = here.get("/account/password").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("再次输入新密码"));
    let new = "Quiet-river-stone-7";
    let p = here
        .post_form(
            "/account/password",
            &[
                ("csrf", "forged"),
                ("current", app::demo::DEMO_PASSWORD),
                ("new", new),
                ("confirm", new),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = change_password_form(&mut here, app::demo::DEMO_PASSWORD, new, "another one").await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("两次输入的新密码不一致"), "{}", p.body);
    let p = change_password_form(
        &mut here,
        app::demo::DEMO_PASSWORD,
        "qwertyuiop",
        "qwertyuiop",
    )
    .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    let p = change_password_form(&mut here, app::demo::DEMO_PASSWORD, new, new).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert!(here.get(p.location()).await.body.contains("密码已修改"));
    assert_eq!(
        here.get("/account/password").await.status,
        StatusCode::OK,
        "this session stays"
    );
    assert_eq!(
        there.get("/account/password").await.location(),
        "/login",
        "the other one ended"
    );
    assert_eq!(
        site.another().login_citizen().await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let login = citizen_login();
    assert_eq!(
        site.another().login(&login, new).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn the_password_api_needs_a_session_and_the_csrf_header_and_names_the_field_at_fault() {
    let site = site().await;
    let mut c = site.another();
    c.get("/login").await;
    let csrf = c.csrf();
    let body = |new: &str| serde_json::json!({"current": app::demo::DEMO_PASSWORD, "new": new, "confirm": new});
    let p = c
        .post_json(
            "/api/v1/account/password",
            &body("Quiet-river-stone-7"),
            Some(&csrf),
        )
        .await;
    assert_eq!(p.status, StatusCode::UNAUTHORIZED);
    assert_eq!(p.json()["code"], "unauthenticated");
    c.login_citizen().await;
    let csrf = c.csrf();
    let p = c
        .post_json(
            "/api/v1/account/password",
            &body("Quiet-river-stone-7"),
            None,
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = c
        .post_json("/api/v1/account/password", &body("password12"), Some(&csrf))
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p.json()["field"], "new");
    assert_eq!(p.json()["code"], "validation_failed");
    let p = c
        .post_json(
            "/api/v1/account/password",
            &body("Quiet-river-stone-7"),
            Some(&csrf),
        )
        .await;
    assert_eq!(p.status, StatusCode::NO_CONTENT, "{}", p.body);
    let doc = c.get("/api/openapi.json").await.json();
    let op = &doc["paths"]["/api/v1/account/password"]["post"];
    assert_eq!(op["operationId"], "changePassword");
    for status in ["204", "401", "403", "422", "429", "500"] {
        assert!(op["responses"][status].is_object(), "{status}");
    }
}

#[tokio::test]
async fn an_admin_reset_gives_a_temporary_password_that_must_be_changed_before_anything_else() {
    let site = site().await;
    let mut clerk = site.another();
    clerk.login("clerk", app::demo::DEMO_PASSWORD).await;
    let mut outsider = site.another();
    outsider.login("catalog", app::demo::DEMO_PASSWORD).await;
    let csrf = outsider.csrf();
    let p = outsider
        .post_form(
            "/admin/accounts/reset-password",
            &[("csrf", &csrf), ("login", "clerk")],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);

    let mut admin = site.another();
    admin.login("admin", app::demo::DEMO_PASSWORD).await;
    assert!(admin.get("/admin/staff").await.body.contains("重置密码"));
    let csrf = admin.csrf();
    let p = admin
        .post_form(
            "/admin/accounts/reset-password",
            &[("csrf", &csrf), ("login", "clerk")],
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    let temp = temporary_password(&p.body);
    assert_eq!(
        clerk.get("/account/password").await.location(),
        "/login",
        "the clerk's session ended"
    );

    let mut fresh = site.another();
    let p = fresh.login("clerk", &temp).await;
    assert_eq!(p.location(), "/account/password");
    assert_eq!(
        fresh.get("/work").await.status,
        StatusCode::FORBIDDEN,
        "nothing else yet"
    );
    assert_eq!(fresh.get("/login").await.location(), "/account/password");
    assert!(
        fresh
            .get("/account/password")
            .await
            .body
            .contains("您正在使用临时密码")
    );
    let new = "Window-desk-2026";
    let p = change_password_form(&mut fresh, &temp, new, new).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(fresh.get("/work").await.status, StatusCode::OK);
    // An applicant's password too, by ID number.
    let p = admin
        .post_form(
            "/admin/accounts/reset-password",
            &[("csrf", &csrf), ("login", &citizen_login())],
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(p.body.contains("临时密码"));
}

#[tokio::test]
async fn a_clerk_may_register_an_early_credit_code_at_the_window_with_the_box_ticked() {
    let site = site().await;
    let mut citizen = site.another();
    citizen.login_citizen().await;
    assert_eq!(
        citizen.get("/window/register").await.status,
        StatusCode::FORBIDDEN
    );
    let mut clerk = site.another();
    clerk.login("clerk", app::demo::DEMO_PASSWORD).await;
    let page = clerk.get("/window/register?kind=enterprise").await;
    assert!(page.body.contains("accept_check_mismatch"));
    let csrf = clerk.csrf();
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("kind", "enterprise"),
        ("credit_code", "91350100M0001TGQXM"),
        ("enterprise_name", "某某早期赋码有限公司"),
        ("legal_representative", "张三"),
        ("phone", "13800138000"),
    ];
    let p = clerk.post_form("/window/register", &form).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("已核验"), "{}", p.body);
    form.push(("accept_check_mismatch", "1"));
    let p = clerk.post_form("/window/register", &form).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    let temp = temporary_password(&p.body);
    let p = site.another().login("91350100M0001TGQXM", &temp).await;
    assert_eq!(p.location(), "/account/password");
}

#[tokio::test]
async fn where_a_second_factor_is_required_staff_bind_one_before_working_and_log_in_with_it() {
    let mut clerk = site_with(|s| s.staff_second_factor = true).await;
    clerk.get("/login").await;
    let csrf = clerk.csrf();
    let r = clerk
        .post_form(
            "/login",
            &[
                ("csrf", &csrf),
                ("login", "clerk"),
                ("password", app::demo::DEMO_PASSWORD),
                ("next", "/work"),
            ],
        )
        .await;
    assert_eq!(r.location(), "/account/second-factor", "{}", r.body);
    let work = clerk.get("/work").await;
    assert_ne!(work.status, StatusCode::OK, "nothing else before binding");
    let page = clerk.get("/account/second-factor").await;
    let secret = page
        .body
        .split("id=\"totp-secret\">")
        .nth(1)
        .and_then(|t| t.split('<').next())
        .expect("the secret is shown")
        .to_string();
    let csrf = clerk.csrf();
    let code = app::auth::current_code(&clerk.app, &secret).unwrap();
    let bound = clerk
        .post_form(
            "/account/second-factor",
            &[("csrf", &csrf), ("code", &code)],
        )
        .await;
    assert_eq!(bound.status, StatusCode::SEE_OTHER, "{}", bound.body);
    assert_eq!(clerk.get("/work").await.status, StatusCode::OK);

    let mut again = clerk.another();
    again.get("/login").await;
    let csrf = again.csrf();
    let without = again
        .post_form(
            "/login",
            &[
                ("csrf", &csrf),
                ("login", "clerk"),
                ("password", app::demo::DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(without.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(without.body.contains("动态口令"), "{}", without.body);
}

#[tokio::test]
async fn a_person_chooses_email_reminders_and_a_wrong_address_is_named() {
    let site = site_with(|s| {
        s.notify_channels = vec![domain::notify::Channel::Sms, domain::notify::Channel::Email]
    })
    .await;
    let mut c = site.another();
    c.login_citizen().await;
    let page = c.get("/account/notifications").await;
    assert_eq!(page.status, StatusCode::OK);
    // By default: texts, no email.
    assert!(
        page.body.contains(r#"name="sms" value="1" checked"#),
        "{}",
        page.body
    );
    assert!(!page.body.contains(r#"name="email" value="1" checked"#));
    let csrf = c.csrf();
    let bad = c
        .post_form(
            "/account/notifications",
            &[
                ("csrf", &csrf),
                ("email", "1"),
                ("email_address", "zhang at example"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("邮箱地址格式不正确"), "{}", bad.body);
    assert!(
        bad.body.contains(r#"value="zhang at example""#),
        "what was typed stays"
    );
    let forged = c
        .post_form(
            "/account/notifications",
            &[
                ("csrf", "forged"),
                ("email", "1"),
                ("email_address", "a@b.cn"),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let ok = c
        .post_form(
            "/account/notifications",
            &[
                ("csrf", &csrf),
                ("email", "1"),
                ("email_address", "zhang@example.cn"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let page = c.get("/account/notifications?flash=saved").await;
    assert!(page.body.contains("消息提醒设置已保存"));
    assert!(page.body.contains(r#"name="email" value="1" checked"#));
    assert!(
        !page.body.contains(r#"name="sms" value="1" checked"#),
        "texts turned off"
    );
    assert!(page.body.contains("zhang@example.cn"));
    // Another person's page shows their own (default) choices, not these.
    let mut other = site.another();
    other
        .login(&app::demo::demo_credit_code(), app::demo::DEMO_PASSWORD)
        .await;
    let theirs = other.get("/account/notifications").await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert!(theirs.body.contains("提醒方式"), "{}", theirs.body);
    assert!(!theirs.body.contains("zhang@example.cn"));
}
