//! Texts and emails against real peers (tests/sims/sms_gateway.py and tests/sims/smtp_sink.py,
//! an aiosmtpd server), on both backends: the default sends a text to the account's phone;
//! a person who chose email gets a mail instead; a gateway that does not answer in time is
//! tried again and the text goes once; a mailbox the server refuses fails for good; a fourth
//! message within the hour is held back by the rate limit; a notification too old is not sent.

use std::ffi::OsStr;
use std::time::Duration;

use domain::account::AccountKind;
use domain::notify::Limits;
use domain::outbox::SignatureAlgorithm;
use relay::notify::{Config, Dispatcher, SmsGateway, Smtp};
use store::Store;
use store::accounts::AccountRow;
use store::agents::NotificationRow;
use store::notify::{MessageRow, PrefsRow};

use crate::support::*;

const SECRET: &str = "sms-gateway-secret-0123";

fn person(id: &str, phone: &str) -> AccountRow {
    AccountRow {
        phone: phone.into(),
        ..account(id, AccountKind::NaturalPerson, &format!("login-{id}"), id)
    }
}

fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

async fn seed(store: &Store) {
    let mut tx = store.begin().await.unwrap();
    for a in [
        person("ann", "13800001111"),
        person("bo", "13800002222"),
        person("cy", "13800003333"),
        person("dan", "13800004444"),
    ] {
        store::accounts::insert_account(&mut tx, &a).await.unwrap();
    }
    for (who, address) in [("bo", "bo@example.cn"), ("cy", "nobody@example.cn")] {
        let p = PrefsRow {
            account_id: who.into(),
            sms: 0,
            email: 1,
            email_address: address.into(),
            updated_at: 1,
        };
        store::notify::save_prefs(&mut tx, &p).await.unwrap();
    }
    let now = now_ms();
    let n = |id: &str, who: &str, at: i64, text: &str| NotificationRow {
        id: id.into(),
        account_id: who.into(),
        at,
        kind: "case_progress".into(),
        text: text.into(),
        case_id: None,
        read_at: None,
    };
    let rows = [
        n(
            "n1",
            "ann",
            now,
            "办件 5116002026120300001（食品经营许可）：已受理",
        ),
        n(
            "n2",
            "bo",
            now,
            "办件 5116002026120300002（个体工商户登记）：准予许可",
        ),
        n("n3", "cy", now, "办件 5116002026120300003：需补正材料"),
        n("n4", "dan", now, "办件 A：已受理"),
        n("n5", "dan", now + 1, "办件 A：审查通过"),
        n("n6", "dan", now + 2, "办件 A：准予许可"),
        n("old", "ann", now - 7 * 3_600_000, "昨天的消息"),
    ];
    for r in &rows {
        store::agents::insert_notification(&mut tx, r)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

async fn messages(store: &Store) -> Vec<MessageRow> {
    let mut c = store.conn().await.unwrap();
    store::notify::recent(&mut c, None, 100).await.unwrap()
}

fn lines(path: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test]
async fn texts_and_emails_go_as_chosen_retried_limited_and_recorded() {
    each_backend(|store, label| async move {
        let dir = tempfile::tempdir().unwrap();
        let (sms_log, mail_log) = (dir.path().join("sms.jsonl"), dir.path().join("mail.jsonl"));
        let gateway = python_peer(
            "sms_gateway.py",
            &[
                OsStr::new(SECRET),
                OsStr::new("hmac-sm3"),
                sms_log.as_os_str(),
                OsStr::new("--templates"),
                OsStr::new("SMS_2001,SMS_0000"),
                OsStr::new("--slow-first"),
                OsStr::new("1"),
            ],
        );
        let smtp = python_peer("smtp_sink.py", &[mail_log.as_os_str()]);
        seed(&store).await;
        let cfg = Config {
            sms: Some(SmsGateway {
                url: format!("http://127.0.0.1:{}/sms/send", gateway.port),
                secret: SECRET.into(),
                algorithm: SignatureAlgorithm::HmacSm3,
                sign_name: "一窗通办".into(),
                templates: [("case_progress".to_string(), "SMS_2001".to_string())].into(),
                default_template: "SMS_0000".into(),
                timeout_ms: 500,
            }),
            email: Some(Smtp {
                host: "127.0.0.1".into(),
                port: smtp.port,
                tls: "none".into(),
                username: String::new(),
                password: String::new(),
                from: "一窗通办 <noreply@onewindow.example.cn>".into(),
                timeout_ms: 5_000,
            }),
            limits: Limits {
                per_hour: 2,
                per_day: 10,
                give_up_minutes: 360,
            },
        };
        cfg.check().unwrap();
        let mut d = Dispatcher::new(store.clone(), &cfg).unwrap();
        for _ in 0..60 {
            d.round().await.unwrap();
            if !messages(&store).await.iter().any(|m| m.state == "queued") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let all = messages(&store).await;
        let of = |n: &str| -> Vec<&MessageRow> {
            all.iter().filter(|m| m.notification_id == n).collect()
        };
        // Ann: a text, after one attempt the gateway left unanswered.
        let ann = of("n1");
        assert_eq!(ann.len(), 1, "{label}: {all:?}");
        assert_eq!(
            (ann[0].channel.as_str(), ann[0].state.as_str()),
            ("sms", "sent")
        );
        assert_eq!(ann[0].attempts, 2, "{label}: {:?}", ann[0]);
        assert!(!ann[0].provider_id.is_empty());
        let texts = lines(&sms_log);
        let to_ann: Vec<_> = texts
            .iter()
            .filter(|t| t["phone"] == "13800001111")
            .collect();
        assert_eq!(to_ann.len(), 1, "{label}: sent once, {texts:?}");
        assert_eq!(to_ann[0]["template_code"], "SMS_2001");
        assert_eq!(to_ann[0]["sign_name"], "一窗通办");
        assert!(
            to_ann[0]["params"]["content"]
                .as_str()
                .unwrap()
                .contains("已受理")
        );
        // Bo: an email, no text.
        let bo = of("n2");
        assert_eq!(bo.len(), 1);
        assert_eq!(
            (bo[0].channel.as_str(), bo[0].state.as_str()),
            ("email", "sent")
        );
        let mails = lines(&mail_log);
        assert_eq!(mails.len(), 1, "{label}: {mails:?}");
        assert_eq!(mails[0]["to"], serde_json::json!(["bo@example.cn"]));
        assert_eq!(mails[0]["subject"], "一窗通办：办件进展");
        assert!(mails[0]["text"].as_str().unwrap().contains("准予许可"));
        assert!(!texts.iter().any(|t| t["phone"] == "13800002222"));
        // Cy: the server refuses the mailbox: failed at once, not retried.
        let cy = of("n3");
        assert_eq!(cy[0].state, "failed", "{label}: {:?}", cy[0]);
        assert_eq!(cy[0].attempts, 1);
        assert!(cy[0].last_error.contains("550"), "{}", cy[0].last_error);
        // Dan: two texts within the hour, the third held back (and still recorded).
        let states: Vec<&str> = ["n4", "n5", "n6"]
            .iter()
            .map(|n| of(n)[0].state.as_str())
            .collect();
        assert_eq!(states, ["sent", "sent", "limited"], "{label}");
        assert!(of("n6")[0].last_error.contains("频率限制"));
        // Too old to send: looked at, nothing sent.
        assert!(of("old").is_empty());
        let mut c = store.conn().await.unwrap();
        assert!(
            store::notify::undispatched(&mut c, 10)
                .await
                .unwrap()
                .is_empty()
        );
    })
    .await;
}
