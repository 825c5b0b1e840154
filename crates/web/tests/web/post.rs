//! 邮寄送达 over real HTTP: the window ships the demo's approved case through the courier
//! simulator (tests/sims/courier.py, its own process), which then calls the server back on a
//! real socket with signed scans; the applicant's page follows the parcel to its signature,
//! which completes the case. An unsigned callback is refused.

use axum::http::StatusCode;
use domain::outbox::SignatureAlgorithm;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::*;

const SECRET: &str = "courier-secret-0123456789";

/// POSTs JSON to the simulator's control door; its answer's body.
async fn control(port: u16, body: &serde_json::Value) -> serde_json::Value {
    let body = body.to_string();
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let req = format!(
        "POST /control/scan HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).await.unwrap();
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("no {start} in {text}"))
        + start.len();
    let len = text[from..].find(end).unwrap();
    &text[from..from + len]
}

async fn act(c: &mut Client, case: &str, fields: &[(&str, &str)]) -> Page {
    let csrf = c.csrf();
    let mut all = vec![("csrf", csrf.as_str()), ("action", "issue")];
    all.extend_from_slice(fields);
    c.post_multipart(&format!("/cases/{case}/act"), &all, &[])
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_courier_calls_back_over_http_and_the_applicant_watches_the_parcel_arrive() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let callback = format!(
        "http://127.0.0.1:{}/api/post/scans",
        listener.local_addr().unwrap().port()
    );
    let sim = store::testing::python_peer(
        "courier.py",
        &[
            SECRET.as_ref(),
            "hmac-sm3".as_ref(),
            "--callback".as_ref(),
            callback.as_ref(),
        ],
    );
    let mut ent = site_with(|s| {
        s.courier = Some(app::post::CourierConfig {
            link: app::platform::Link {
                url: format!("http://127.0.0.1:{}", sim.port),
                secret: SECRET.into(),
                algorithm: SignatureAlgorithm::HmacSm3,
                timeout_ms: 3_000,
            },
            carrier: "中国邮政 EMS".into(),
            sender_name: "广安市政务服务中心出件窗口".into(),
            sender_phone: "08282345678".into(),
            sender_address: "四川省广安市政务服务中心".into(),
        })
    })
    .await;
    let router = ent.router.clone();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
    });

    // The demo enterprise's approved 公司变更登记, issued by post at the window.
    ent.login(&app::demo::demo_credit_code(), app::demo::DEMO_PASSWORD)
        .await;
    let mine = ent.get("/api/v1/cases").await.json();
    let case = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["state"] == "approved")
        .unwrap_or_else(|| panic!("an approved case: {mine}"))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut clerk = ent.another();
    clerk.login("clerk", app::demo::DEMO_PASSWORD).await;
    let page = clerk.get(&format!("/cases/{case}")).await.body;
    assert!(
        page.contains("邮寄由中国邮政 EMS上门揽收") && page.contains("收件人手机号（邮寄）"),
        "{page}"
    );
    let address = ("recipient_address", "四川省广安市广安区建设路 8 号");
    let bad = act(
        &mut clerk,
        &case,
        &[
            ("delivery", "post"),
            ("recipient_name", "王五"),
            ("recipient_phone", "123"),
            address,
        ],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("id=\"recipient_phone-err\"") && bad.body.contains("value=\"王五\""),
        "{}",
        bad.body
    );
    let ok = act(
        &mut clerk,
        &case,
        &[
            ("delivery", "post"),
            ("recipient_name", "王五"),
            ("recipient_phone", "13900002222"),
            address,
        ],
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);

    let page = ent.get(&format!("/cases/{case}")).await.body;
    let waybill = between(&page, "id=\"waybill\">", "<").to_string();
    assert!(waybill.starts_with("EMS"), "{waybill}");
    assert!(
        page.contains("王五，13900002222，四川省广安市广安区建设路 8 号")
            && page.contains("快递尚未揽收"),
        "{page}"
    );
    let staff_view = clerk.get(&format!("/cases/{case}")).await.body;
    assert!(staff_view.contains("王*，139****2222"), "{staff_view}");
    // The API says the same, masked for staff too.
    let api = clerk.get(&format!("/api/v1/cases/{case}")).await.json();
    assert_eq!(api["shipment"]["waybill"], waybill.as_str(), "{api}");
    assert_eq!(
        api["shipment"]["recipient"]["phone"], "139****2222",
        "{api}"
    );

    // The courier scans; each callback arrives over the socket, signed.
    let scan = |status: &str, description: &str, signer: &str| serde_json::json!({"waybill": waybill, "status": status, "description": description, "signer": signer});
    let r = control(sim.port, &scan("picked_up", "广安揽投部已揽收", "")).await;
    assert_eq!(
        (r["status"].as_i64(), r["body"].as_str()),
        (Some(200), Some(r#"{"received":"recorded"}"#)),
        "{r}"
    );
    let again = control(
        sim.port,
        &serde_json::json!({"waybill": waybill, "again": true}),
    )
    .await;
    assert_eq!(again["body"], r#"{"received":"repeated"}"#, "{again}");
    control(
        sim.port,
        &scan("out_for_delivery", "派送员 刘师傅 13811112222", ""),
    )
    .await;
    let page = ent.get(&format!("/cases/{case}")).await.body;
    assert_eq!(between(&page, "id=\"shipment-state\">", "<"), "派送中");
    assert_eq!(between(&page, "id=\"case-state\">", "<"), "出件中");
    let r = control(sim.port, &scan("signed", "已签收", "王五")).await;
    assert_eq!(r["status"], 200, "{r}");
    let page = ent.get(&format!("/cases/{case}")).await.body;
    assert_eq!(between(&page, "id=\"shipment-state\">", "<"), "已签收");
    assert!(page.contains("（签收人：王五）"), "{page}");
    assert_eq!(between(&page, "id=\"case-state\">", "<"), "已办结");

    // Without the courier's signature, nothing is taken.
    let forged = ent
        .post_json("/api/post/scans", &scan("returned", "退回", ""), None)
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.body);
    assert_eq!(forged.json()["code"], "forbidden");
}
