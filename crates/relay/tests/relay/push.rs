//! 数据汇聚 against the upper-platform simulator (tests/sims/upper_platform.py, its own
//! process): a completed case of an enterprise, its license and two ratings, written to the
//! store as the app writes them; the push sink turns the outbox into records the simulator
//! checks and keeps. A rating the platform refuses (a level outside 1–5) ends as a dead letter
//! and what follows it still goes.

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::Path;

use domain::account::AccountKind;
use domain::case::{Case, CaseState, Channel, Decision, Delivery, Event};
use domain::fixtures::sample_item;
use domain::outbox::{CaseChange, RatingGiven, RetryPolicy, SignatureAlgorithm, case_topic};
use relay::{Config, PushSink, Worker};
use store::Store;
use store::cases::{CaseIndex, EventRow};
use store::outbox::OutboxRow;
use store::ratings::RatingRow;
use time::macros::datetime;

use crate::support::*;

const SECRET: &str = "province-secret-0123456789";
const NUMBER: &str = "5116022026112700003";
const CREDIT: &str = "92511602MA6DEMO01F";

fn upper(state: &Path, fail_first: u32) -> Peer {
    let n = fail_first.to_string();
    let args: [&OsStr; 5] = [
        SECRET.as_ref(),
        "hmac-sha256".as_ref(),
        state.as_os_str(),
        "--fail-first".as_ref(),
        n.as_ref(),
    ];
    python_peer("upper_platform.py", &args)
}

/// The simulator's unsigned inspection endpoint (a plain HTTP/1.0 GET, test-only).
fn inspect(port: u16, path: &str) -> serde_json::Value {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn rating(id: &str, level: i64) -> RatingRow {
    RatingRow {
        id: id.into(),
        case_id: "case-1".into(),
        case_number: NUMBER.into(),
        // One rating per case and act: the bad one rates another act (the window's service).
        act: if level == 4 { "case" } else { "window" }.into(),
        channel: "hall_tablet".into(),
        rater_id: "ent-1".into(),
        named: 1,
        level,
        tags: r#"["多次跑动"]"#.into(),
        text: "跑了两趟".into(),
        region: "511602".into(),
        department: "511600-SCJG".into(),
        item_code: sample_item().code,
        rated_at: 1_795_700_000_000,
        excluded: 0,
    }
}

/// A completed case with its five reported events, its license, and ratings; the outbox rows
/// the app would have written, plus a 12345 event the upper platform does not take.
async fn world(store: &Store) {
    let item = sample_item();
    let mut c = Case::draft(
        "case-1".into(),
        &item,
        1,
        "ent-1".into(),
        Channel::Window,
        datetime!(2026-11-27 09:00 +8),
    );
    c.number = NUMBER.into();
    c.state = CaseState::Completed;
    c.submitted_at = Some(datetime!(2026-11-27 09:10 +8));
    c.accepted_at = Some(datetime!(2026-11-27 09:30 +8));
    let decision = Decision {
        approved: true,
        reason: "材料齐全，符合条件".into(),
        legal_basis: "《中华人民共和国食品安全法》第三十五条".into(),
        at: datetime!(2026-11-28 16:00 +8),
        by_rule: None,
        verification_due: None,
    };
    c.decision = Some(decision.clone());
    c.delivery = Some(Delivery::Electronic);
    c.closed_at = Some(datetime!(2026-11-29 10:00 +8));
    let mut tx = store.begin().await.unwrap();
    store::catalog::create_item(&mut tx, &item, "admin", 1)
        .await
        .unwrap();
    for a in [
        account(
            "ent-1",
            AccountKind::Enterprise,
            CREDIT,
            "广安市演示餐饮有限公司",
        ),
        account("staff-1", AccountKind::Staff, "lisp", "李审批"),
    ] {
        store::accounts::insert_account(&mut tx, &a).await.unwrap();
    }
    store::cases::insert_case(&mut tx, &c, &CaseIndex::default(), 1)
        .await
        .unwrap();
    let at = datetime!(2026-11-27 09:10 +8);
    let steps: [(&str, &str, Option<Event>); 5] = [
        ("ent-1", "applicant", Some(Event::Submitted { at })),
        (
            "staff-1",
            "window_clerk",
            Some(Event::Accepted {
                at,
                effective: at,
                pending: Default::default(),
                committed: vec![],
            }),
        ),
        ("staff-1", "approver", Some(Event::Decided { decision })),
        ("system", "system", None),
        ("staff-1", "window_clerk", Some(Event::Completed { at })),
    ];
    let kinds = [
        "submitted",
        "accepted",
        "decided",
        "license_issued",
        "completed",
    ];
    let mut rows = Vec::new();
    for (i, ((actor, role, event), kind)) in steps.into_iter().zip(kinds).enumerate() {
        let seq = i as i64 + 1;
        let payload = match &event {
            Some(e) => serde_json::to_string(e).unwrap(),
            None => r#"{"license_id":"lic-1"}"#.into(),
        };
        let row = EventRow {
            case_id: "case-1".into(),
            seq,
            at: 1_795_700_000_000 + seq * 60_000,
            actor: actor.into(),
            role: role.into(),
            kind: kind.into(),
            payload,
            prev_hash: format!("h{}", seq - 1),
            hash: format!("h{seq}"),
        };
        store::cases::append_event(&mut tx, &row).await.unwrap();
        let change = CaseChange {
            case_id: "case-1".into(),
            number: NUMBER.into(),
            item_code: item.code.clone(),
            region: "511602".into(),
            department: "511600-SCJG".into(),
            state: "completed".into(),
            event: kind.into(),
            seq,
            approved: None,
            license: None,
        };
        rows.push(outbox(case_topic(kind, true).unwrap(), &change));
    }
    let permit = domain::license::LicenseType {
        code: "11100000000013338W002".into(),
        name: "食品经营许可证".into(),
        department: "511600-SCJG".into(),
        holder: domain::license::HolderKind::Organization,
        validity_years: 5,
        single_per_holder: false,
        fields: vec![],
        produced_by: vec![item.code.clone()],
    };
    store::licenses::upsert_type(&mut tx, &permit)
        .await
        .unwrap();
    store::licenses::insert_license(
        &mut tx,
        &store::licenses::LicenseRow {
            id: "lic-1".into(),
            number: "JY15116020000123".into(),
            type_code: permit.code.clone(),
            holder_id: CREDIT.into(),
            holder_name: "广安市演示餐饮有限公司".into(),
            department: "511600-SCJG".into(),
            issued: "2026-11-28".into(),
            valid_until: Some("2031-11-27".into()),
            status: "valid".into(),
            status_note: String::new(),
            fields: "{}".into(),
            token: "OWL1.x.y".into(),
            case_id: Some("case-1".into()),
            created_at: 1,
            updated_at: 1,
        },
    )
    .await
    .unwrap();
    // A level the standard does not have: the upper platform refuses the record.
    for (id, level) in [("rating-bad", 9), ("rating-1", 4)] {
        store::ratings::insert_rating(&mut tx, &rating(id, level))
            .await
            .unwrap();
        let given = RatingGiven {
            rating_id: id.into(),
            case_id: "case-1".into(),
            level,
            channel: "hall_tablet".into(),
            department: "511600-SCJG".into(),
            region: "511602".into(),
        };
        rows.push(outbox("rating.given", &given));
    }
    rows.push(outbox(
        "ticket.created",
        &serde_json::json!({"ticket": "t-1"}),
    ));
    store::outbox::insert(&mut tx, &rows).await.unwrap();
    tx.commit().await.unwrap();
}

fn outbox(topic: &str, data: &impl serde::Serialize) -> OutboxRow {
    OutboxRow {
        id: uuid::Uuid::now_v7().to_string(),
        topic: topic.into(),
        aggregate: "case:case-1".into(),
        payload: serde_json::to_string(data).unwrap(),
        created_at: 1_795_700_000_000,
    }
}

#[tokio::test]
async fn a_completed_case_and_its_ratings_reach_the_upper_platform_as_standard_records() {
    each_backend(|store, label| async move {
        let dir = tempfile::tempdir().unwrap();
        world(&store).await;
        let up = upper(&dir.path().join("upper.json"), 2);
        let cfg = Config {
            push: vec![PushSink {
                name: "province".into(),
                url: format!("http://127.0.0.1:{}", up.port),
                secret: SECRET.into(),
                algorithm: SignatureAlgorithm::HmacSha256,
                source: "guang-an".into(),
                topics: vec![
                    "case.*".into(),
                    "license.issued".into(),
                    "rating.given".into(),
                ],
                timeout_ms: 5_000,
            }],
            retry: RetryPolicy {
                base_ms: 5,
                cap_ms: 50,
                max_rejections: 2,
            },
            ..Config::default()
        };
        for mut w in Worker::all(&store, &cfg, "node-a") {
            until_idle(&mut w, 40).await;
        }
        let c = inspect(up.port, &format!("/records?case={NUMBER}"));
        let b = &c["basic"];
        assert_eq!(b["applicant_name"], "广安市演示餐饮有限公司", "{label}");
        assert_eq!(b["applicant_id"], CREDIT);
        assert_eq!(b["applicant_type"], "2");
        assert_eq!(b["applicant_id_type"], "统一社会信用代码");
        assert_eq!(b["handling_form"], "1");
        assert_eq!(b["state"], "completed");
        let steps: Vec<(i64, String, String)> = c["process"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["seq"].as_i64().unwrap(),
                    s["step_name"].as_str().unwrap().to_string(),
                    s["handler"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let names = |v: &[(i64, &str, &str)]| -> Vec<(i64, String, String)> {
            v.iter()
                .map(|(a, b, c)| (*a, b.to_string(), c.to_string()))
                .collect()
        };
        assert_eq!(
            steps,
            names(&[
                (1, "申请", "申请人"),
                (2, "受理", "李审批"),
                (3, "决定", "李审批"),
                (4, "电子证照签发", "系统"),
                (5, "办结", "李审批"),
            ]),
            "{label}"
        );
        assert_eq!(c["process"][2]["opinion"], "材料齐全，符合条件");
        let r = &c["result"];
        assert_eq!(r["result"], "approved");
        assert_eq!(r["concluded_at"], "2026-11-28T16:00:00+08:00");
        assert_eq!(r["licenses"], serde_json::json!(["JY15116020000123"]));
        assert_eq!(r["delivery"], "electronic");
        assert_eq!(r["completed_at"], "2026-11-29T10:00:00+08:00");
        let ratings = c["ratings"].as_array().unwrap();
        assert_eq!(ratings.len(), 1, "{label}: {ratings:?}");
        assert_eq!(ratings[0]["level_name"], "不满意");
        assert_eq!(ratings[0]["tags"], serde_json::json!(["多次跑动"]));
        assert_eq!(ratings[0]["channel"], "hall_tablet");

        let mut conn = store.conn().await.unwrap();
        let dead = store::outbox::dead_letters(&mut conn, 10).await.unwrap();
        assert_eq!(dead.len(), 1, "{label}");
        assert_eq!(dead[0].topic, "rating.given");
        assert!(
            dead[0].last_error.contains("level"),
            "{}",
            dead[0].last_error
        );
        // Everything was passed, the 12345 event without reaching the platform.
        let cur = cursor(&store, "province").await;
        let head = store::outbox::head(&mut conn).await.unwrap();
        assert_eq!(cur.position, head, "{label}");
        assert_eq!(inspect(up.port, "/records")["batches"], 6, "{label}");
    })
    .await;
}
