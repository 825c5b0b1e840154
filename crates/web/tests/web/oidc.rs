//! 统一身份认证 end to end: the login page's button sends the browser to a real OpenID Connect
//! provider (the npm oidc-provider, tests/sims/oidc_provider.mjs, its own process), which logs
//! the person named by login_hint in and sends the browser back; the server exchanges the code
//! (PKCE, client secret) at the provider, verifies the ID token against the provider's keys
//! and logs the person in: a new person gets an account, a registered one is linked, staff
//! log in by their login. Then what must be refused: a callback from another browser, a
//! replayed callback, the provider's own refusal, and ID tokens with a wrong audience, expired,
//! unsigned, for another nonce or signed by a key that is not the provider's.

use std::collections::HashMap;

use axum::http::StatusCode;
use openidconnect::core::{
    CoreGenderClaim, CoreIdToken, CoreIdTokenClaims, CoreJwsSigningAlgorithm,
    CoreRsaPrivateSigningKey,
};
use openidconnect::{
    Audience, EmptyAdditionalClaims, EndUserName, IssuerUrl, JsonWebKeyId, LocalizedClaim, Nonce,
    StandardClaims, SubjectIdentifier,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::*;

const CLIENT: &str = "onewindow-county";
const SECRET: &str = "oidc-client-secret-0123456789";
const REDIRECT: &str = "http://127.0.0.1:8080/login/oidc/callback";
const KEY: &str = include_str!("../../../../tests/sims/oidc-test-key.pem");
/// Another RSA key, the forger's.
const FORGER: &str = include_str!("../../../../tests/sims/oidc-forger-key.pem");

/// An ID number and a credit code with correct check characters.
fn id_number(birth: &str, seq: &str) -> String {
    app::demo::demo_id_number(birth, seq)
}
fn credit_code(body: &str) -> String {
    format!("{body}{}", domain::ids::credit_check_char(body))
}

struct Provider {
    _peer: store::testing::Peer,
    _accounts: tempfile::NamedTempFile,
    issuer: String,
}

fn provider(accounts: serde_json::Value) -> Provider {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), accounts.to_string()).unwrap();
    let peer = store::testing::node_peer(
        "oidc_provider.mjs",
        &[
            CLIENT.as_ref(),
            SECRET.as_ref(),
            REDIRECT.as_ref(),
            file.path().as_os_str(),
        ],
    );
    Provider {
        issuer: format!("http://127.0.0.1:{}", peer.port),
        _peer: peer,
        _accounts: file,
    }
}

async fn site_for(p: &Provider, change: impl FnOnce(&mut app::auth::oidc::OidcConfig)) -> Client {
    let mut cfg = app::auth::oidc::OidcConfig {
        issuer: p.issuer.clone(),
        client_id: CLIENT.into(),
        client_secret: SECRET.into(),
        redirect_url: String::new(),
        label: "四川政务服务网统一身份认证".into(),
        claims: Default::default(),
        staff_required: false,
        timeout_ms: 5_000,
    };
    change(&mut cfg);
    site_with(|s| {
        s.public_url = "http://127.0.0.1:8080".into();
        s.oidc = Some(cfg);
    })
    .await
}

/// One GET at the provider as the browser makes it, with the provider's cookies: the status,
/// the Location and the body.
async fn browse(jar: &mut HashMap<String, String>, url: &str) -> (u16, String, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut s = tokio::net::TcpStream::connect(host).await.unwrap();
    let cookies = jar
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nCookie: {cookies}\r\nConnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head[9..12].parse().unwrap();
    let mut location = String::new();
    for line in head.lines().skip(1) {
        let (name, value) = line.split_once(": ").unwrap_or(("", ""));
        match name.to_ascii_lowercase().as_str() {
            "location" => location = value.to_string(),
            "set-cookie" => {
                let kv = value.split(';').next().unwrap();
                let (k, v) = kv.split_once('=').unwrap();
                jar.insert(k.to_string(), v.to_string());
            }
            _ => {}
        }
    }
    (status, location, body.to_string())
}

/// Presses the login page's button and goes through the provider as `subject`; the callback
/// path (with code and state) the provider sent the browser back to.
async fn through_provider(c: &mut Client, subject: &str) -> String {
    let login = c.get("/login?next=/cases").await;
    assert!(
        login.body.contains("四川政务服务网统一身份认证"),
        "{}",
        login.body
    );
    // Browsers hold the redirect after the form to the CSP's form-action.
    let csp = login.headers["content-security-policy"].to_str().unwrap();
    let issuer = &c.app.settings.oidc.as_ref().unwrap().issuer;
    assert!(
        csp.contains(&format!("form-action 'self' {issuer};")),
        "{csp}"
    );
    let csrf = c.csrf();
    let start = c
        .post_form("/login/oidc", &[("csrf", &csrf), ("next", "/cases")])
        .await;
    assert_eq!(start.status, StatusCode::SEE_OTHER, "{}", start.body);
    let auth = start.location().to_string();
    assert!(auth.contains("code_challenge_method=S256"), "PKCE: {auth}");
    assert!(auth.contains("nonce="), "{auth}");
    let mut jar = HashMap::new();
    let mut url = format!("{auth}&login_hint={subject}");
    for _ in 0..5 {
        let (status, location, body) = browse(&mut jar, &url).await;
        assert!(status == 302 || status == 303, "{status} at {url}: {body}");
        if location.starts_with(REDIRECT) {
            return location
                .trim_start_matches("http://127.0.0.1:8080")
                .to_string();
        }
        url = if location.starts_with('/') {
            let origin: String = url.split('/').take(3).collect::<Vec<_>>().join("/");
            format!("{origin}{location}")
        } else {
            location
        };
    }
    panic!("the provider never sent the browser back")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_log_in_through_the_provider_and_are_linked_once() {
    let registered = app::demo::demo_id_number("19900101", "123");
    let newcomer = id_number("19850505", "456");
    let code = credit_code("91511600MA62A1B2C");
    let p = provider(serde_json::json!({
        "zhang": {"name": "张三", "id_number": registered, "phone_number": "13800138000"},
        "li": {"name": "李四", "id_number": newcomer.to_lowercase(), "phone_number": "13900139000"},
        "firm": {"name": "广安某某科技有限公司", "credit_code": code, "legal_representative": "王五"},
        "anon": {"name": "无名"},
    }));
    let mut c = site_for(&p, |_| {}).await;

    // A person seen for the first time gets an account under their ID number.
    let back = through_provider(&mut c, "li").await;
    let done = c.get(&back).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), "/cases");
    assert!(
        !c.cookies.contains_key("ow_oidc"),
        "the state cookie is spent"
    );
    let mine = c.get("/cases").await;
    assert!(mine.body.contains("李四"), "{}", mine.body);
    let mut conn = c.app.store.conn().await.unwrap();
    let li = store::accounts::find_by_login(&mut conn, &newcomer)
        .await
        .unwrap()
        .expect("created");
    assert_eq!(li.display_name, "李四");
    assert_eq!(li.phone, "13900139000");
    assert_eq!(li.kind, domain::account::AccountKind::NaturalPerson);
    // It has no password anyone could guess.
    let mut other = c.another();
    let pw = other.login(&newcomer, "!oidc").await;
    assert_eq!(pw.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The second time, the same account by the link.
    let mut again = c.another();
    let back = through_provider(&mut again, "li").await;
    assert_eq!(again.get(&back).await.status, StatusCode::SEE_OTHER);
    let linked = store::oidc::linked_account(&mut conn, &p.issuer, "li")
        .await
        .unwrap();
    assert_eq!(linked.as_deref(), Some(li.id.as_str()));
    let still = store::accounts::find_by_login(&mut conn, &newcomer)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(still.id, li.id, "no second account");

    // Someone who registered with a password is linked to that account, not given another.
    let before = store::accounts::find_by_login(&mut conn, &registered)
        .await
        .unwrap()
        .unwrap();
    // Someone logged in with that password before (perhaps not the person at all).
    let mut squatter = c.another();
    let pw = squatter.login(&registered, app::demo::DEMO_PASSWORD).await;
    assert_eq!(pw.status, StatusCode::SEE_OTHER, "{}", pw.body);
    let mut zhang = c.another();
    let back = through_provider(&mut zhang, "zhang").await;
    assert_eq!(zhang.get(&back).await.status, StatusCode::SEE_OTHER);
    let link = store::oidc::linked_account(&mut conn, &p.issuer, "zhang")
        .await
        .unwrap();
    assert_eq!(link.as_deref(), Some(before.id.as_str()));
    // The provider has checked who this is: the earlier password and its session end.
    let old = squatter.get("/cases").await;
    assert_ne!(old.status, StatusCode::OK, "the older session is over");
    assert!(!old.body.contains("张三"), "{}", old.body);
    let again = c
        .another()
        .login(&registered, app::demo::DEMO_PASSWORD)
        .await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        again.body
    );
    let mine = zhang.get("/cases").await;
    assert_eq!(mine.status, StatusCode::OK, "the new session stays");

    // An enterprise by its credit code.
    let mut firm = c.another();
    let back = through_provider(&mut firm, "firm").await;
    assert_eq!(firm.get(&back).await.status, StatusCode::SEE_OTHER);
    let f = store::accounts::find_by_login(&mut conn, &code)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(f.kind, domain::account::AccountKind::Enterprise);
    assert_eq!(f.legal_representative.as_deref(), Some("王五"));

    // The provider vouches for someone without an ID number: refused, said why, no account.
    let mut anon = c.another();
    let back = through_provider(&mut anon, "anon").await;
    let refused = anon.get(&back).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("未提供身份证号码或统一社会信用代码"),
        "{}",
        refused.body
    );
    assert!(!anon.cookies.contains_key("ow_session"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_log_in_by_their_login_and_may_be_required_to() {
    let p = provider(serde_json::json!({
        "c-001": {"name": "窗口人员", "preferred_username": "clerk"},
        "x-999": {"name": "外单位", "preferred_username": "nobody-here"},
    }));
    let mut c = site_for(&p, |o| {
        o.claims.staff_login = "preferred_username".into();
        o.staff_required = true;
    })
    .await;
    let back = through_provider(&mut c, "c-001").await;
    let done = c.get(&back).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let work = c.get("/work").await;
    assert_eq!(
        work.status,
        StatusCode::OK,
        "staff pages open: {}",
        work.body
    );

    // With the provider required, the clerk's password no longer logs in; the system
    // administrator's still does (the way in when the provider is down).
    let mut pw = c.another();
    let refused = pw.login("clerk", app::demo::DEMO_PASSWORD).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("工作人员请使用统一身份认证登录"),
        "{}",
        refused.body
    );
    let admin = c.another().login("admin", app::demo::DEMO_PASSWORD).await;
    assert_eq!(admin.status, StatusCode::SEE_OTHER, "{}", admin.body);

    // A login the platform has no staff account for is refused by name.
    let mut stranger = c.another();
    let back = through_provider(&mut stranger, "x-999").await;
    let no = stranger.get(&back).await;
    assert_eq!(no.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no.body.contains("nobody-here"), "{}", no.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callbacks_from_elsewhere_replays_and_refusals_log_no_one_in() {
    let p = provider(serde_json::json!({
        "li": {"name": "李四", "id_number": id_number("19850505", "456")},
    }));
    let mut c = site_for(&p, |_| {}).await;
    let back = through_provider(&mut c, "li").await;

    // The same callback link opened in another browser (login CSRF): no state cookie there.
    let mut elsewhere = c.another();
    let other = elsewhere.get(&back).await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(other.body.contains("不是从本浏览器发起"), "{}", other.body);

    // The right browser logs in once; the same callback again is spent.
    let cookie = c.cookies.get("ow_oidc").cloned().unwrap();
    assert_eq!(c.get(&back).await.status, StatusCode::SEE_OTHER);
    let mut replay = c.another();
    replay.cookies.insert("ow_oidc".into(), cookie);
    let spent = replay.get(&back).await;
    assert_eq!(spent.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(spent.body.contains("已使用或已失效"), "{}", spent.body);

    // The provider's own refusal is shown, not followed.
    let mut denied = c.another();
    denied.get("/login").await;
    let csrf = denied.csrf();
    denied
        .post_form("/login/oidc", &[("csrf", &csrf), ("next", "/")])
        .await;
    let state = denied.cookies.get("ow_oidc").cloned().unwrap();
    let page = denied
        .get(&format!(
            "/login/oidc/callback?state={state}&error=access_denied&error_description=%E7%94%A8%E6%88%B7%E5%8F%96%E6%B6%88"
        ))
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains("统一身份认证未完成：用户取消"),
        "{}",
        page.body
    );

    // A code the provider did not give is refused there, and the person is told.
    let mut forged = c.another();
    forged.get("/login").await;
    let csrf = forged.csrf();
    forged
        .post_form("/login/oidc", &[("csrf", &csrf), ("next", "/")])
        .await;
    let state = forged.cookies.get("ow_oidc").cloned().unwrap();
    let page = forged
        .get(&format!("/login/oidc/callback?state={state}&code=made-up"))
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("未接受本次登录"), "{}", page.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_that_is_down_is_said_so() {
    let gone = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", gone.local_addr().unwrap());
    drop(gone);
    let mut c = site_with(|s| {
        s.oidc = Some(app::auth::oidc::OidcConfig {
            issuer,
            client_id: CLIENT.into(),
            client_secret: SECRET.into(),
            redirect_url: String::new(),
            label: "统一身份认证登录".into(),
            claims: Default::default(),
            staff_required: false,
            timeout_ms: 1_000,
        })
    })
    .await;
    c.get("/login").await;
    let csrf = c.csrf();
    let page = c
        .post_form("/login/oidc", &[("csrf", &csrf), ("next", "/")])
        .await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        page.body.contains("统一身份认证暂时不可用"),
        "{}",
        page.body
    );
    // Password logins go on.
    assert!(page.body.contains(r#"action="/login""#));
}

/// A token signed with the provider's key (the test key it was started with) or another.
fn token(
    issuer: &str,
    audience: &str,
    nonce: &str,
    expires_in: chrono::Duration,
    key: &CoreRsaPrivateSigningKey,
) -> String {
    let now = chrono::Utc::now();
    let mut name = LocalizedClaim::new();
    name.insert(None, EndUserName::new("李四".into()));
    let claims = CoreIdTokenClaims::new(
        IssuerUrl::new(issuer.into()).unwrap(),
        vec![Audience::new(audience.into())],
        now + expires_in,
        now - chrono::Duration::minutes(1),
        StandardClaims::<CoreGenderClaim>::new(SubjectIdentifier::new("li".into()))
            .set_name(Some(name)),
        EmptyAdditionalClaims {},
    )
    .set_nonce(Some(Nonce::new(nonce.into())));
    CoreIdToken::new(
        claims,
        key,
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        None,
        None,
    )
    .unwrap()
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn id_tokens_are_checked_against_the_providers_keys() {
    let p = provider(serde_json::json!({}));
    let c = site_for(&p, |_| {}).await;
    let provinces =
        CoreRsaPrivateSigningKey::from_pem(KEY, Some(JsonWebKeyId::new("province-test-1".into())))
            .unwrap();
    let hour = chrono::Duration::hours(1);
    let verify = |raw: String, nonce: &'static str| {
        let app = c.app.clone();
        async move { app::auth::oidc::verify_id_token(&app, &raw, nonce).await }
    };

    // The control: a token as the provider would sign it passes.
    let good = verify(token(&p.issuer, CLIENT, "n-1", hour, &provinces), "n-1").await;
    let good = good.expect("the provider's own token");
    assert_eq!(good.subject, "li");
    assert_eq!(good.claims.get("name").map(String::as_str), Some("李四"));

    let refused = |r: Result<app::auth::oidc::Verified, app::AppError>| match r {
        Err(app::AppError::Validation(v)) => v[0].code.to_string(),
        other => panic!("not refused: {other:?}"),
    };
    // For another client.
    let wrong_aud = verify(
        token(&p.issuer, "another-app", "n-1", hour, &provinces),
        "n-1",
    )
    .await;
    assert_eq!(refused(wrong_aud), "bad_token");
    // Expired an hour ago.
    let expired = verify(token(&p.issuer, CLIENT, "n-1", -hour, &provinces), "n-1").await;
    assert_eq!(refused(expired), "bad_token");
    // For another login (nonce).
    let other_nonce = verify(token(&p.issuer, CLIENT, "n-2", hour, &provinces), "n-1").await;
    assert_eq!(refused(other_nonce), "bad_token");
    // From another issuer.
    let other_iss = verify(
        token("http://127.0.0.1:1", CLIENT, "n-1", hour, &provinces),
        "n-1",
    )
    .await;
    assert_eq!(refused(other_iss), "bad_token");
    // Unsigned (alg none), with the provider's own claims.
    let good_raw = token(&p.issuer, CLIENT, "n-1", hour, &provinces);
    let payload = good_raw.split('.').nth(1).unwrap();
    let unsigned = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");
    assert_eq!(refused(verify(unsigned, "n-1").await), "bad_token");
    // Signed by a key that is not the provider's, under the provider's key id.
    let forger = CoreRsaPrivateSigningKey::from_pem(
        FORGER,
        Some(JsonWebKeyId::new("province-test-1".into())),
    )
    .unwrap();
    let forged = verify(token(&p.issuer, CLIENT, "n-1", hour, &forger), "n-1").await;
    assert_eq!(refused(forged), "bad_token");
    // Not a token at all.
    assert_eq!(refused(verify("garbage".into(), "n-1").await), "bad_token");
}
