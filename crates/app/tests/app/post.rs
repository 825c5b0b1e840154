//! 邮寄送达: the window ships an approved result through the courier simulator
//! (tests/sims/courier.py, its own process, checking our signature), the waybill lands on the
//! case, signed tracking callbacks are recorded once each, a signature completes the case, and
//! forged, stale or malformed callbacks change nothing. (The callback over real HTTP, from the
//! simulator to the server: crates/web/tests/web/post.rs.)

use app::AppError;
use app::auth::Actor;
use app::cases;
use app::post::{CourierConfig, Received};
use domain::account::Role;
use domain::case::{CaseState, Delivery};
use domain::catalog::{CaseType, PromisedLimit};
use domain::fixtures::sample_item;
use domain::outbox::SignatureAlgorithm;
use domain::post::Recipient;
use store::testing::{on_both, python_peer};

use crate::support::*;

const SECRET: &str = "courier-secret-0123456789";

fn courier(port: u16) -> CourierConfig {
    CourierConfig {
        link: app::platform::Link {
            url: format!("http://127.0.0.1:{port}"),
            secret: SECRET.into(),
            algorithm: SignatureAlgorithm::HmacSm3,
            timeout_ms: 3_000,
        },
        carrier: "中国邮政 EMS".into(),
        sender_name: "广安区政务服务中心出件窗口".into(),
        sender_phone: "08282345678".into(),
        sender_address: "四川省广安市广安区政务服务中心".into(),
    }
}

fn start_courier() -> store::testing::Peer {
    python_peer(
        "courier.py",
        &[
            SECRET.as_ref(),
            "hmac-sm3".as_ref(),
            "--callback".as_ref(),
            "http://127.0.0.1:9/unused".as_ref(),
        ],
    )
}

fn recipient() -> Recipient {
    Recipient::checked("张三", "13800001111", "四川省广安市广安区建设路 1 号").unwrap()
}

/// An app with the courier at `port`, the city, a citizen, a clerk and an instant case the
/// clerk has approved.
async fn approved(s: store::Store, port: u16) -> (Nodes, Actor, Actor, String) {
    let (app, _) = app_with(s, &std::env::temp_dir(), |st| {
        st.courier = Some(courier(port))
    })
    .await;
    seed_org(&app).await;
    let me = citizen(&app, "123").await;
    let clerk = staff(&app, "clerk", &[Role::Clerk], "511600", None).await;
    let mut item = sample_item();
    item.case_type = CaseType::Instant;
    item.promised_limit = PromisedLimit::Instant;
    let code = publish(&app, &item).await;
    let id = approved_instant_case(&app, &me, &clerk, &code).await;
    (app, me, clerk, id)
}

/// A callback body and its headers, signed with `secret` at the app's clock.
fn signed(app: &app::App, secret: &str, body: &serde_json::Value) -> (String, String, Vec<u8>) {
    let body = body.to_string().into_bytes();
    let ts = app.now().unix_timestamp();
    let sig = domain::signed::sign(SignatureAlgorithm::HmacSm3, secret.as_bytes(), ts, &body);
    (ts.to_string(), sig, body)
}

async fn callback(app: &app::App, body: serde_json::Value) -> Result<Received, AppError> {
    let (ts, sig, body) = signed(app, SECRET, &body);
    app::post::receive(app, Some(&ts), Some(&sig), &body).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_posted_result_is_tracked_to_its_signature_which_completes_the_case() {
    let sim = start_courier();
    let port = sim.port;
    on_both(|s| async move {
        let (app, me, clerk, id) = approved(s, port).await;

        // Only the window ships, and only a case it may issue now.
        assert!(matches!(
            app::post::ship(&app, &me, &id, recipient()).await,
            Err(AppError::State(_) | AppError::Forbidden(_))
        ));
        let c = app::post::ship(&app, &clerk, &id, recipient()).await.unwrap();
        assert_eq!(c.state, CaseState::Issuing);
        let Some(Delivery::Post { carrier, tracking }) = c.delivery.clone() else {
            panic!("{:?}", c.delivery)
        };
        assert_eq!(carrier, "中国邮政 EMS");
        assert!(tracking.starts_with("EMS"), "{tracking}");
        assert!(matches!(
            app::post::ship(&app, &clerk, &id, recipient()).await,
            Err(AppError::State(_))
        ));

        // The applicant sees the parcel in full; staff see the recipient masked.
        let mine = cases::view(&app, &me, &id).await.unwrap().shipment.unwrap();
        assert_eq!((mine.waybill.as_str(), mine.state.as_str()), (tracking.as_str(), "待揽收"));
        assert_eq!(mine.recipient, recipient());
        let theirs = cases::view(&app, &clerk, &id).await.unwrap().shipment.unwrap();
        assert_eq!(theirs.recipient.phone, "138****1111");
        assert!(cases::view(&app, &citizen(&app, "456").await, &id).await.is_err());

        // Forged, stale, unknown and malformed callbacks change nothing.
        let scan = |seq: i64, status: &str, signer: &str| {
            serde_json::json!({"waybill": tracking, "seq": seq, "status": status,
                "at_ms": app.now_ms(), "description": "广安揽投部", "signer": signer})
        };
        let (ts, _, body) = signed(&app, SECRET, &scan(1, "picked_up", ""));
        let (_, forged, _) = signed(&app, "another-secret-987654321", &scan(1, "picked_up", ""));
        for (ts, sig) in [(Some(ts.as_str()), Some(forged.as_str())), (Some(ts.as_str()), None), (Some("1000"), Some(forged.as_str()))] {
            assert!(matches!(app::post::receive(&app, ts, sig, &body).await, Err(AppError::Forbidden(_))));
        }
        let (ts, sig, _) = signed(&app, SECRET, &scan(1, "picked_up", ""));
        let mut tampered = body.clone();
        tampered.extend_from_slice(b" ");
        assert!(matches!(app::post::receive(&app, Some(&ts), Some(&sig), &tampered).await, Err(AppError::Forbidden(_))));
        let unknown = serde_json::json!({"waybill": "EMS404", "seq": 1, "status": "picked_up", "at_ms": 1});
        assert!(matches!(callback(&app, unknown).await, Err(AppError::NotFound(_))));
        let garbage = serde_json::json!({"waybill": tracking, "seq": 1, "status": "lost"});
        assert!(matches!(callback(&app, garbage).await, Err(AppError::Validation(_))));
        assert!(matches!(callback(&app, scan(3, "signed", "")).await, Err(AppError::Validation(v)) if v[0].field == "signer"));
        assert!(cases::view(&app, &me, &id).await.unwrap().shipment.unwrap().scans.is_empty());

        // Each scan once; a signature completes the case, whoever asks again.
        assert_eq!(callback(&app, scan(1, "picked_up", "")).await.unwrap(), Received::Recorded);
        assert_eq!(callback(&app, scan(1, "picked_up", "")).await.unwrap(), Received::Repeated);
        assert_eq!(callback(&app, scan(2, "out_for_delivery", "")).await.unwrap(), Received::Recorded);
        let t = cases::view(&app, &me, &id).await.unwrap();
        assert_eq!((t.case.state, t.shipment.unwrap().state.as_str()), (CaseState::Issuing, "派送中"));
        assert_eq!(callback(&app, scan(3, "signed", "本人")).await.unwrap(), Received::Recorded);
        assert_eq!(callback(&app, scan(3, "signed", "本人")).await.unwrap(), Received::Repeated);
        let done = cases::view(&app, &me, &id).await.unwrap();
        assert_eq!(done.case.state, CaseState::Completed);
        let t = done.shipment.unwrap();
        assert_eq!(t.state, "已签收");
        assert_eq!(t.scans.len(), 3);
        assert_eq!((t.scans[0].status.as_str(), t.scans[0].signer.as_str()), ("已签收", "本人"));
        assert!(done.timeline.iter().any(|e| e.who == "系统" && e.text.contains("办结")), "{:?}", done.timeline);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_address_or_a_courier_that_is_down_leaves_the_case_to_issue_again() {
    let sim = start_courier();
    let port = sim.port;
    on_both(|s| async move {
        let (app, _me, clerk, id) = approved(s, port).await;
        let far = Recipient::checked("张三", "13800001111", "西藏某地无法派送的牧区 9 号").unwrap();
        let e = app::post::ship(&app, &clerk, &id, far).await;
        assert!(matches!(&e, Err(AppError::Validation(v)) if v[0].field == "recipient_address" && v[0].message.contains("地址超出派送范围")), "{e:?}");
        let v = cases::view(&app, &clerk, &id).await.unwrap();
        assert_eq!(v.case.state, CaseState::Approved);
        assert!(v.shipment.is_none());
    })
    .await;
    drop(sim);
    let db = store::testing::sqlite().await;
    let (app, _me, clerk, id) = approved(db.store.clone(), port).await;
    let e = app::post::ship(&app, &clerk, &id, recipient()).await;
    assert!(
        matches!(&e, Err(AppError::Unavailable { what, .. }) if what == "中国邮政 EMS下单服务"),
        "{e:?}"
    );
    assert_eq!(
        cases::view(&app, &clerk, &id).await.unwrap().case.state,
        CaseState::Approved
    );
}
