//! 统一公共支付 as people see it: a window clerk assesses the fee of 张三's 临时居民身份证 case
//! on the case page, 张三 presses 去缴费 and lands on the payment platform's page (the
//! simulator tests/sims/pay_platform.py, its own process), pays there, and the platform's
//! signed notice reaches the server over a real socket; back on the case page the fee shows
//! paid with its 电子票据, and only then may the result be issued.

use axum::http::StatusCode;
use domain::outbox::SignatureAlgorithm;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::*;

const SECRET: &str = "payment-secret-0123456789";
const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n";

/// A plain HTTP/1.0 request to the platform, as the payer's browser makes it; the answer's
/// head and body.
async fn browse(port: u16, method: &str, path: &str) -> String {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let req = format!("{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).await.unwrap();
    text
}

async fn command(c: &mut Client, id: &str, body: serde_json::Value) -> Page {
    let csrf = c.csrf();
    c.post_json(&format!("/api/v1/cases/{id}/commands"), &body, Some(&csrf))
        .await
}

async fn act(c: &mut Client, id: &str, fields: &[(&str, &str)]) -> Page {
    let csrf = c.csrf();
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    c.post_multipart(&format!("/cases/{id}/act"), &all, &[])
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_pays_on_the_platform_and_the_notice_settles_the_case() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let public = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let sim =
        store::testing::python_peer("pay_platform.py", &[SECRET.as_ref(), "hmac-sm3".as_ref()]);
    let mut citizen = site_with(|s| {
        s.public_url = public.clone();
        s.payment = Some(app::payment::PaymentConfig {
            link: app::platform::Link {
                url: format!("http://127.0.0.1:{}", sim.port),
                secret: SECRET.into(),
                algorithm: SignatureAlgorithm::HmacSm3,
                timeout_ms: 3_000,
            },
            merchant: "511600-GAJ".into(),
        })
    })
    .await;
    let router = citizen.router.clone();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
    });

    // 张三 asks at the window for a temporary ID card (a 即办件 with a 10 元 fee, window only).
    let item = demo_item("临时居民身份证申领");
    citizen.login_citizen().await;
    let mut clerk = citizen.another();
    clerk.login("clerk", app::demo::DEMO_PASSWORD).await;
    let csrf = clerk.csrf();
    let applicant = app::demo::demo_id_number("19900101", "123");
    let started = clerk
        .post_json(
            "/api/v1/cases",
            &serde_json::json!({"item_code": item.code, "applicant": applicant}),
            Some(&csrf),
        )
        .await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.body);
    let id = started.json()["id"].as_str().unwrap().to_string();
    edit_with_sample_form(&mut clerk, &id, &item).await;
    for (i, m) in item
        .materials
        .iter()
        .enumerate()
        .filter(|(_, m)| m.mandatory)
    {
        let up = clerk
            .post_multipart_with_csrf_header(
                &format!("/api/v1/cases/{id}/materials/{i}"),
                &csrf,
                &[("file", &format!("{}.pdf", m.name), PDF)],
            )
            .await;
        assert_eq!(up.status, StatusCode::OK, "{}", up.body);
    }
    for body in [
        serde_json::json!({"command": "submit"}),
        serde_json::json!({"command": "accept", "tolerate": [], "commitment": false}),
        serde_json::json!({"command": "approve", "reason": "符合条件", "legal_basis": "居民身份证法"}),
    ] {
        let r = command(&mut clerk, &id, body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }

    // The clerk assesses the fee on the case page; 10 元 is now owed and blocks issuing.
    let page = clerk.get(&format!("/cases/{id}")).await.body;
    assert!(
        page.contains("核定收费") && page.contains("临时居民身份证工本费"),
        "{page}"
    );
    let bad = act(
        &mut clerk,
        &id,
        &[("action", "assess_fee"), ("fee", "0"), ("fee_qty_0", "x")],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.body.contains("id=\"fees-err\""), "{}", bad.body);
    let ok = act(
        &mut clerk,
        &id,
        &[("action", "assess_fee"), ("fee", "0"), ("fee_qty_0", "1")],
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let early = act(
        &mut clerk,
        &id,
        &[("action", "issue"), ("delivery", "electronic")],
    )
    .await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
    assert!(
        early.body.contains("应缴 10.00 元 尚未缴纳"),
        "{}",
        early.body
    );

    // 张三 goes to pay: sent to the platform's page, which shows the amount.
    let shown = citizen.get(&format!("/cases/{id}")).await;
    let page = shown.body;
    assert!(
        page.contains("去缴费（10.00 元）") && page.contains("id=\"fee-state\">待缴费"),
        "{page}"
    );
    // The form's answer sends the browser to the platform, which the CSP must allow.
    let csp = shown.headers["content-security-policy"].to_str().unwrap();
    let platform = format!("http://127.0.0.1:{}", sim.port);
    assert!(
        csp.contains(&format!("form-action 'self' {platform};")),
        "{csp}"
    );
    let go = act(&mut citizen, &id, &[("action", "pay")]).await;
    assert_eq!(go.status, StatusCode::SEE_OTHER, "{}", go.body);
    let pay_url = go.location().to_string();
    let prefix = format!("http://127.0.0.1:{}/pay/", sim.port);
    assert!(pay_url.starts_with(&prefix), "{pay_url}");
    let path = &pay_url["http://127.0.0.1:".len() + sim.port.to_string().len()..];
    let shown = browse(sim.port, "GET", path).await;
    assert!(
        shown.contains("<strong id=amount>10.00</strong>"),
        "{shown}"
    );

    // Paying there: the platform notifies the server, then sends the browser back.
    let back = browse(sim.port, "POST", path).await;
    assert!(
        back.contains(&format!("location: {public}/cases/{id}?flash=paid")),
        "{back}"
    );
    let page = citizen.get(&format!("/cases/{id}")).await.body;
    assert!(
        page.contains("id=\"fee-state\">已缴费（电子票据号 <a href=\"http://127.0.0.1:"),
        "{page}"
    );
    assert!(
        page.contains("已支付") && !page.contains("去缴费"),
        "{page}"
    );
    let api = citizen.get(&format!("/api/v1/cases/{id}")).await.json();
    assert_eq!(api["orders"][0]["state"], "已支付", "{api}");
    assert_eq!(api["case"]["fee"]["total_fen"], 1000, "{api}");
    let issued = act(
        &mut clerk,
        &id,
        &[("action", "issue"), ("delivery", "electronic")],
    )
    .await;
    assert_eq!(issued.status, StatusCode::SEE_OTHER, "{}", issued.body);

    // An unsigned notice is refused.
    let forged = citizen
        .post_json(
            "/api/payments/notify",
            &serde_json::json!({"order_id": "x"}),
            None,
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.body);
}
