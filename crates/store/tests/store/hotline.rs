//! 12345 tickets on both backends: numbers never repeat under concurrent operators, a ticket
//! changed by someone else is not overwritten, lists and duplicate candidates filter as the
//! desk needs, the measures' GROUP BY agrees with the domain's tally of the same tickets, and
//! articles keep every version.

use domain::hotline::knowledge::Article;
use domain::hotline::measures::Tally;
use domain::hotline::{Callback, CallbackMethod, Caller, Channel, Kind, State, Ticket};
use store::hotline::*;
use store::testing::on_both;
use time::macros::{date, datetime};

fn ticket(i: usize) -> Ticket {
    let created = datetime!(2026-11-20 10:00 +8) + time::Duration::hours(i as i64);
    Ticket {
        id: format!("t{i:03}"),
        number: format!("20261120-{i:05}"),
        channel: Channel::Phone,
        kind: if i.is_multiple_of(2) {
            Kind::Complaint
        } else {
            Kind::Help
        },
        class: if i.is_multiple_of(3) {
            "0101".into()
        } else {
            "0201".into()
        },
        region: if i.is_multiple_of(4) {
            "511621001".into()
        } else {
            "511602001".into()
        },
        address: format!("某路 {} 号", i % 5),
        position: None,
        caller: Caller {
            name: "某人".into(),
            phone: format!("1380000{:04}", i % 7),
            anonymous: false,
        },
        text: "电梯坏了".into(),
        related_case: String::new(),
        related_item: String::new(),
        attachments: vec![],
        state: if i.is_multiple_of(5) {
            State::Open
        } else {
            State::Closed
        },
        department: (!i.is_multiple_of(5)).then(|| {
            if i.is_multiple_of(2) {
                "D1".to_string()
            } else {
                "D2".to_string()
            }
        }),
        co_handlers: if i == 7 { vec!["D3".into()] } else { vec![] },
        created_at: created,
        dispatched_at: (!i.is_multiple_of(5)).then_some(created),
        respond_due: None,
        accepted_at: None,
        responded_in_time: (!i.is_multiple_of(5)).then_some(i % 3 != 1),
        due: None,
        returns: 0,
        return_reason: String::new(),
        extended: false,
        extension: None,
        reopened: 0,
        reply: None,
        co_replies: vec![],
        callback: (!i.is_multiple_of(5)).then_some(Callback {
            resolved: i % 4 != 1,
            satisfied: i % 6 != 1,
            method: CallbackMethod::Phone,
            note: String::new(),
            at: created,
        }),
        sms_asked_at: None,
        article: None,
        answer: String::new(),
        merged_into: None,
        closed_at: None,
        account: None,
    }
}

#[tokio::test]
async fn numbers_never_repeat_and_a_stale_write_is_refused() {
    on_both(|s| async move {
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                let mut tx = s.begin().await.unwrap();
                let n = next_number(&mut tx, "2026-12-03").await.unwrap();
                tx.commit().await.unwrap();
                n
            }));
        }
        let mut numbers = Vec::new();
        for t in tasks {
            numbers.push(t.await.unwrap());
        }
        numbers.sort();
        assert_eq!(numbers, (1..=20).collect::<Vec<i64>>());

        let mut c = s.conn().await.unwrap();
        let mut t = ticket(1);
        insert_ticket(&mut c, &t).await.unwrap();
        t.state = State::Handling;
        assert!(update_ticket(&mut c, &t, 0).await.unwrap());
        assert!(
            !update_ticket(&mut c, &t, 0).await.unwrap(),
            "version 0 is gone"
        );
        let stored = get(&mut c, "20261120-00001").await.unwrap().unwrap();
        assert_eq!((stored.ticket.state, stored.version), (State::Handling, 1));
    })
    .await;
}

#[tokio::test]
async fn lists_duplicates_and_measures_agree_with_the_tickets() {
    on_both(|s| async move {
        let mut c = s.conn().await.unwrap();
        let all: Vec<Ticket> = (0..30).map(ticket).collect();
        for t in &all {
            insert_ticket(&mut c, t).await.unwrap();
        }
        // The department's list holds its own and those it assists.
        let f = Filter {
            department: Some("D3".into()),
            ..Filter::default()
        };
        let ids: Vec<String> = list(&mut c, &f, 100, 0)
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.id)
            .collect();
        assert_eq!(ids, vec!["t007"]);
        let f = Filter {
            states: vec!["open".into()],
            region_prefix: Some("511602".into()),
            ..Filter::default()
        };
        let open = list(&mut c, &f, 100, 0).await.unwrap();
        assert!(
            open.iter()
                .all(|t| t.state == State::Open && t.region.starts_with("511602"))
        );
        assert_eq!(
            open.len(),
            all.iter()
                .filter(|t| t.state == State::Open && t.region.starts_with("511602"))
                .count()
        );
        // Duplicate candidates: open ones with the phone or the address.
        let alike = recent_alike(&mut c, "13800000000", "", datetime!(2026-11-01 0:00 +8))
            .await
            .unwrap();
        assert!(!alike.is_empty());
        assert!(
            alike
                .iter()
                .all(|t| t.caller.phone == "13800000000" && t.state == State::Open)
        );

        // The measures' GROUP BY equals the domain's tally.
        let p = Period {
            from_month: "2026-11".into(),
            to_month: "2026-12".into(),
            region_prefix: "5116".into(),
            department: None,
        };
        let now = datetime!(2027-01-01 0:00 +8);
        let by = tallies(&mut c, &p, GroupBy::Department, now).await.unwrap();
        for (dep, got) in by.iter().filter(|(d, _)| !d.is_empty()) {
            let mut want = Tally::default();
            for t in all
                .iter()
                .filter(|t| t.department.as_deref() == Some(dep.as_str()))
            {
                want.add(t, now);
            }
            assert_eq!(got, &want, "department {dep}");
        }
        let months = tallies(&mut c, &p, GroupBy::Month, now).await.unwrap();
        let total: u64 = months.iter().map(|(_, t)| t.received).sum();
        assert_eq!(total, 30);
    })
    .await;
}

#[tokio::test]
async fn articles_keep_every_version_and_a_catalog_change_flags_them() {
    on_both(|s| async move {
        let mut c = s.conn().await.unwrap();
        let mut a = Article {
            id: "KB1".into(),
            version: 1,
            question: "身份证丢了怎么办".into(),
            answer: "补领".into(),
            regions: vec!["511600".into()],
            valid_from: date!(2026 - 01 - 01),
            valid_to: None,
            source: String::new(),
            items: vec!["ITEM-1".into()],
            owner: "D1".into(),
            review_by: date!(2027 - 01 - 01),
            flagged: String::new(),
            updated_at: datetime!(2026-11-01 9:00 +8),
        };
        knowledge::save_article(&mut c, &a, "x").await.unwrap();
        a.version = 2;
        a.answer = "到户政窗口补领".into();
        knowledge::save_article(&mut c, &a, "x").await.unwrap();
        let latest = knowledge::latest_articles(&mut c, None).await.unwrap();
        assert_eq!(latest.len(), 1);
        assert_eq!(latest[0].answer, "到户政窗口补领");
        let first = knowledge::article_version(&mut c, "KB1", Some(1))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(first.answer, "补领");
        assert_eq!(
            knowledge::flag_articles_of_item(&mut c, "ITEM-1", "事项已变更")
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            knowledge::flag_articles_of_item(&mut c, "ITEM-2", "x")
                .await
                .unwrap(),
            0
        );
        let now = knowledge::article_version(&mut c, "KB1", None)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(now.flagged, "事项已变更");
    })
    .await;
}
