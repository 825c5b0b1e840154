//! 统一公共支付: the department assesses the fee from the item's rules, the applicant pays on
//! the payment platform (tests/sims/pay_platform.py, its own process, checking our
//! signatures), the signed notice records the payment and its 电子票据 on the case, the case
//! can be issued only then, a payment for a superseded assessment is refunded, and the day
//! reconciles with the platform's statement. (The payer's round trip through the platform's
//! page and the notice over a real socket: crates/web/tests/web/payment.rs.)

use app::AppError;
use app::cases;
use app::payment::{PaymentConfig, Received};
use domain::account::Role;
use domain::case::{Command, Delivery};
use domain::catalog::{CaseType, Fee, PromisedLimit};
use domain::fixtures::sample_item;
use domain::outbox::SignatureAlgorithm;
use domain::payment::Mismatch;
use store::testing::{on_both, python_peer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::*;

const SECRET: &str = "payment-secret-0123456789";

fn fee(name: &str, amount: &str) -> Fee {
    Fee {
        name: name.into(),
        amount: amount.into(),
        basis: "示例".into(),
    }
}

/// Asks the simulator to take payment of `order` (as if the payer had paid); its notice to
/// the unreachable default address is lost, as a notice can be.
async fn paid_at_platform(port: u16, order: &str) {
    let body = serde_json::json!({ "order_id": order }).to_string();
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let req = format!(
        "POST /control/notify HTTP/1.0\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).await.unwrap();
    assert!(text.starts_with("HTTP/1.0 200"), "{text}");
}

async fn notice(
    app: &app::App,
    secret: &str,
    body: serde_json::Value,
) -> Result<Received, AppError> {
    let body = body.to_string().into_bytes();
    let ts = app.now().unix_timestamp();
    let sig = domain::signed::sign(SignatureAlgorithm::HmacSm3, secret.as_bytes(), ts, &body);
    app::payment::notify(app, Some(&ts.to_string()), Some(&sig), &body).await
}

fn order_of(url: &str) -> String {
    url.rsplit('/').next().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_assessed_fee_is_paid_on_the_platform_before_the_result_is_issued() {
    let sim = python_peer("pay_platform.py", &[SECRET.as_ref(), "hmac-sm3".as_ref()]);
    let port = sim.port;
    on_both(|s| async move {
        let (app, clock) = app_with(s, &std::env::temp_dir(), |st| {
            st.payment = Some(PaymentConfig {
                link: app::platform::Link {
                    url: format!("http://127.0.0.1:{port}"),
                    secret: SECRET.into(),
                    algorithm: SignatureAlgorithm::HmacSm3,
                    timeout_ms: 3_000,
                },
                merchant: "511602-GAJ".into(),
            })
        })
        .await;
        // The platform's statement is by its own day: our clock runs with it.
        clock.set(time::OffsetDateTime::now_utc());
        seed_org(&app).await;
        let me = citizen(&app, "123").await;
        let clerk = staff(&app, "clerk", &[Role::Clerk], "511600", None).await;
        let mut item = sample_item();
        item.case_type = CaseType::Instant;
        item.promised_limit = PromisedLimit::Instant;
        item.fees = vec![fee("工本费（申领）", "20元/证"), fee("工本费（补领）", "40元/证"), fee("体检费", "按标准收取")];
        let code = publish(&app, &item).await;
        let id = approved_instant_case(&app, &me, &clerk, &code).await;

        // Only staff assess, only priced rules; the applicant pays, staff do not.
        assert!(app::payment::assess(&app, &me, &id, vec![("工本费（补领）".into(), 1)]).await.is_err());
        let e = app::payment::assess(&app, &clerk, &id, vec![("体检费".into(), 1)]).await;
        assert!(matches!(&e, Err(AppError::Validation(v)) if v[0].code == "unpriced"), "{e:?}");
        app::payment::assess(&app, &clerk, &id, vec![("工本费（补领）".into(), 2)]).await.unwrap();
        let first = app::payment::pay(&app, &me, &id).await.unwrap();
        assert_eq!(app::payment::pay(&app, &me, &id).await.unwrap(), first, "the waiting order again");
        assert!(matches!(app::payment::pay(&app, &clerk, &id).await, Err(AppError::Forbidden(_))));
        // Assessed again before paying: the first order is superseded.
        let c = app::payment::assess(&app, &clerk, &id, vec![("工本费（补领）".into(), 1)]).await.unwrap();
        assert_eq!(c.fee.as_ref().unwrap().total_fen, 4000);
        let issue = Command::Issue { delivery: Delivery::Electronic };
        let e = cases::act(&app, &clerk, &id, issue.clone()).await;
        assert!(matches!(&e, Err(AppError::State(m)) if m.contains("40.00 元")), "{e:?}");
        let second = app::payment::pay(&app, &me, &id).await.unwrap();
        assert_ne!(second, first);
        let (a, b) = (order_of(&first), order_of(&second));

        // Forged, wrong and unknown notices change nothing.
        let good = serde_json::json!({"order_id": b, "trade_no": "T1", "amount_fen": 4000,
            "receipt_no": "5100000000000001", "receipt_url": "javascript:alert(1)"});
        assert!(matches!(notice(&app, "not-the-secret-0123", good.clone()).await, Err(AppError::Forbidden(_))));
        let mut wrong = good.clone();
        wrong["amount_fen"] = 1.into();
        assert!(matches!(notice(&app, SECRET, wrong).await, Err(AppError::Validation(v)) if v[0].field == "amount_fen"));
        let mut unknown = good.clone();
        unknown["order_id"] = "OW-unknown".into();
        assert!(matches!(notice(&app, SECRET, unknown).await, Err(AppError::NotFound(_))));
        assert!(cases::view(&app, &me, &id).await.unwrap().case.fee.unwrap().paid.is_none());

        // Paid: recorded once, with the receipt (a script is no link), and the case can go.
        paid_at_platform(port, &b).await;
        assert_eq!(notice(&app, SECRET, good.clone()).await.unwrap(), Received::Recorded);
        assert_eq!(notice(&app, SECRET, good).await.unwrap(), Received::Repeated);
        let v = cases::view(&app, &me, &id).await.unwrap();
        let paid = v.case.fee.unwrap().paid.unwrap();
        assert_eq!((paid.order.as_str(), paid.amount_fen, paid.receipt_url.as_str()), (b.as_str(), 4000, ""));
        assert!(v.timeline.iter().any(|t| t.text.contains("已缴费 40.00 元")), "{:?}", v.timeline);

        // The superseded order, paid too, is refunded at the platform.
        paid_at_platform(port, &a).await;
        let stale = serde_json::json!({"order_id": a, "trade_no": "T2", "amount_fen": 8000, "receipt_no": "5100000000000002"});
        assert_eq!(notice(&app, SECRET, stale).await.unwrap(), Received::Refunded);
        let orders = cases::view(&app, &me, &id).await.unwrap().orders;
        let states: Vec<_> = orders.iter().map(|o| (o.order_id.clone(), o.state.clone())).collect();
        assert!(states.contains(&(a.clone(), "已退款".into())) && states.contains(&(b.clone(), "已支付".into())), "{states:?}");
        cases::act(&app, &clerk, &id, issue).await.unwrap();

        // The day reconciles; a payment whose notice never came is named.
        let today = app.now().to_offset(domain::calendar::CHINA_OFFSET).date();
        let r = app::payment::reconcile(&app, today).await.unwrap();
        let ours: Vec<_> = r.mismatches.iter().filter(|m| !matches!(m, Mismatch::OnlyThere { .. })).collect();
        assert!(ours.is_empty(), "{:?}", r.mismatches);
        let other = approved_instant_case(&app, &me, &clerk, &code).await;
        app::payment::assess(&app, &clerk, &other, vec![("工本费（申领）".into(), 1)]).await.unwrap();
        let lost = order_of(&app::payment::pay(&app, &me, &other).await.unwrap());
        paid_at_platform(port, &lost).await;
        let r = app::payment::reconcile(&app, today).await.unwrap();
        assert!(r.mismatches.contains(&Mismatch::OnlyThere { order: lost, amount_fen: 2000 }), "{:?}", r.mismatches);
    })
    .await;
}
