//! Logging in at a self-service kiosk: a reading signed by the kiosk's reader leaves a link
//! that opens one short session for the person on the card. An unknown kiosk, a bad
//! signature, an unmatched face and a card whose name differs from the account's are refused
//! with nothing issued; the link works once, at its own hall, within a minute; the session
//! ends after ten minutes however busy. (Over HTTP with the `kiosk-reader` command:
//! tests/browser/kiosk.test.mjs.)

use app::AppError;
use app::hall::kiosk::{self, KioskConfig};
use domain::hall::reader::Reading;
use domain::outbox::SignatureAlgorithm;
use store::testing::on_both;
use time::Duration;

use crate::support::*;

const SECRET: &str = "kiosk-secret-0123456789";
const HALL: &str = "GA-DT";

fn reading(app: &app::App, name: &str, id_number: &str, face_match: bool) -> Reading {
    Reading {
        hall: HALL.into(),
        name: name.into(),
        id_number: id_number.into(),
        face_match,
        read_at: app.now().unix_timestamp(),
    }
}

/// A signed reading as the kiosk's shell sends it: (timestamp, signature, body).
fn signed(app: &app::App, secret: &str, r: &Reading) -> (String, String, Vec<u8>) {
    let body = serde_json::to_vec(r).unwrap();
    let ts = app.now().unix_timestamp();
    let sig = domain::signed::sign(SignatureAlgorithm::HmacSm3, secret.as_bytes(), ts, &body);
    (ts.to_string(), sig, body)
}

async fn report(
    app: &app::App,
    kiosk_id: &str,
    secret: &str,
    r: &Reading,
) -> Result<kiosk::Entry, AppError> {
    let (ts, sig, body) = signed(app, secret, r);
    kiosk::read_identity(app, Some(kiosk_id), Some(&ts), Some(&sig), &body).await
}

fn token(e: &kiosk::Entry) -> String {
    e.url.split_once("token=").unwrap().1.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_read_at_the_kiosk_opens_one_short_session_for_its_person() {
    on_both(|s| async move {
        let (app, clock) = app_with(s, &std::env::temp_dir(), |st| {
            st.kiosks = vec![KioskConfig {
                id: "GA-DT-K01".into(),
                hall: HALL.into(),
                secret: SECRET.into(),
                algorithm: SignatureAlgorithm::HmacSm3,
            }]
        })
        .await;
        let me = citizen(&app, "123").await;
        let id = app::demo::demo_id_number("19900101", "123");
        // Before: the account registered online logs in with its password.
        let online = app::auth::login(&app, None, &id, "a long passphrase")
            .await
            .unwrap();

        // Refused, each for its reason.
        let forged = report(
            &app,
            "GA-DT-K01",
            "not-the-secret-000000",
            &reading(&app, "张三", &id, true),
        )
        .await;
        assert!(
            matches!(&forged, Err(AppError::Forbidden(m)) if m.contains("签名不符")),
            "{forged:?}"
        );
        let stranger = report(&app, "ELSEWHERE", SECRET, &reading(&app, "张三", &id, true)).await;
        assert!(
            matches!(&stranger, Err(AppError::Forbidden(m)) if m.contains("未知的终端")),
            "{stranger:?}"
        );
        let face = report(
            &app,
            "GA-DT-K01",
            SECRET,
            &reading(&app, "张三", &id, false),
        )
        .await;
        assert!(
            matches!(&face, Err(AppError::Validation(v)) if v[0].field == "face_match"),
            "{face:?}"
        );
        let other_name = report(&app, "GA-DT-K01", SECRET, &reading(&app, "李四", &id, true)).await;
        assert!(
            matches!(&other_name, Err(AppError::State(m)) if m.contains("不一致")),
            "{other_name:?}"
        );

        // The card of the registered person: one link, good once, at its own hall.
        let (ts, sig, body) = signed(&app, SECRET, &reading(&app, "张三", &id, true));
        let entry = kiosk::read_identity(&app, Some("GA-DT-K01"), Some(&ts), Some(&sig), &body)
            .await
            .unwrap();
        // The same signed reading again (caught on the wire, or a retry) opens nothing more.
        let replay =
            kiosk::read_identity(&app, Some("GA-DT-K01"), Some(&ts), Some(&sig), &body).await;
        assert!(
            matches!(&replay, Err(AppError::State(m)) if m.contains("已使用过")),
            "{replay:?}"
        );
        assert!(entry.url.starts_with("/halls/GA-DT/kiosk/enter?token="));
        let (session, ended) = kiosk::enter(&app, HALL, &token(&entry)).await.unwrap();
        assert_eq!(session.actor.login(), me.login());
        // The first check in person (the card read, refused readings aside) ended the password
        // set online and its sessions, once (account pre-hijacking: anyone could have
        // registered with this ID number).
        assert!(ended);
        assert!(
            app::auth::login(&app, None, &id, "a long passphrase")
                .await
                .is_err()
        );
        let (gone, _) = app::auth::resolve(&app, Some(&online.token)).await.unwrap();
        assert!(gone.is_anonymous(), "the online session ended");
        let again = kiosk::enter(&app, HALL, &token(&entry)).await;
        assert!(
            matches!(&again, Err(AppError::State(m)) if m.contains("已使用或已失效")),
            "{again:?}"
        );
        clock.advance(Duration::seconds(1));
        let elsewhere = report(&app, "GA-DT-K01", SECRET, &reading(&app, "张三", &id, true))
            .await
            .unwrap();
        assert!(
            kiosk::enter(&app, "GA-QT", &token(&elsewhere))
                .await
                .is_err()
        );
        // ...and that link is spent too, not left for its own hall.
        assert!(kiosk::enter(&app, HALL, &token(&elsewhere)).await.is_err());

        // A link not opened within a minute has lapsed.
        clock.advance(Duration::seconds(1));
        let late = report(&app, "GA-DT-K01", SECRET, &reading(&app, "张三", &id, true))
            .await
            .unwrap();
        clock.advance(Duration::seconds(61));
        assert!(kiosk::enter(&app, HALL, &token(&late)).await.is_err());
        // A later check ends nothing more.
        let later = report(&app, "GA-DT-K01", SECRET, &reading(&app, "张三", &id, true))
            .await
            .unwrap();
        let (later, ended) = kiosk::enter(&app, HALL, &token(&later)).await.unwrap();
        assert!(!ended);
        app::auth::logout(&app, &later.token).await.unwrap();

        // The session ends after ten minutes, even in use.
        let (actor, _) = app::auth::resolve(&app, Some(&session.token))
            .await
            .unwrap();
        assert_eq!(actor.login(), me.login());
        for _ in 0..10 {
            clock.advance(Duration::minutes(1));
            app::auth::resolve(&app, Some(&session.token))
                .await
                .unwrap();
        }
        let (after, _) = app::auth::resolve(&app, Some(&session.token))
            .await
            .unwrap();
        assert!(
            after.is_anonymous(),
            "the kiosk session outlived its ten minutes"
        );

        // Someone without an account gets one in the card's name, without a password.
        let new_id = app::demo::demo_id_number("19850505", "456");
        let first = report(
            &app,
            "GA-DT-K01",
            SECRET,
            &reading(&app, "王五", &new_id, true),
        )
        .await
        .unwrap();
        let (s, ended) = kiosk::enter(&app, HALL, &token(&first)).await.unwrap();
        assert!(!ended, "a new account had no password to end");
        assert_eq!(s.actor.login(), Some(new_id.as_str()));
        assert_eq!(s.actor.display_name(), "王五");
        let pw = app::auth::login(&app, None, &new_id, "").await;
        assert!(
            pw.is_err(),
            "a kiosk-made account has no password to log in with"
        );
    })
    .await;
}
