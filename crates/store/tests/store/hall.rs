//! The hall's counters and guards hold under concurrent writers: numbers never repeat, a
//! slot never takes more than its capacity, a ticket changed by another window is not
//! overwritten.

use domain::hall::queue::{Priority, Source, Ticket, TicketState};
use domain::hall::{Hall, HallRules, Window, WindowKind};
use domain::ids::RegionCode;
use domain::org::Region;
use store::hall::*;
use store::testing::on_both;
use time::macros::datetime;

async fn seed(s: &store::Store) {
    let mut tx = s.begin().await.unwrap();
    for code in ["510000", "511600", "511602"] {
        let r = Region {
            code: code.into(),
            name: code.into(),
        };
        store::org::upsert_region(&mut tx, &r, &RegionCode::parse(code).unwrap())
            .await
            .unwrap();
    }
    let h = Hall {
        code: "H1".into(),
        name: "大厅".into(),
        region: "511602".into(),
        address: "x".into(),
        hours: "y".into(),
        service_point: String::new(),
        lines: vec![],
        windows: vec![],
        rules: HallRules::default(),
    };
    upsert_hall(&mut tx, &h).await.unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn concurrent_kiosks_never_draw_the_same_number_and_slots_stop_at_capacity() {
    on_both(|s| async move {
        seed(&s).await;
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                let mut tx = s.begin().await.unwrap();
                let n = next_number(&mut tx, "H1", "2026-12-03", "A").await.unwrap();
                let placed = take_place(&mut tx, "H1", "A", "2026-12-03", "09:00", 7)
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
                (n, placed)
            }));
        }
        let mut numbers = Vec::new();
        let mut placed = 0;
        for t in tasks {
            let (n, p) = t.await.unwrap();
            numbers.push(n);
            placed += usize::from(p);
        }
        numbers.sort();
        assert_eq!(numbers, (1..=20).collect::<Vec<i64>>());
        assert_eq!(placed, 7);
        let mut c = s.conn().await.unwrap();
        assert_eq!(
            booked_on(&mut c, "H1", "A", "2026-12-03").await.unwrap(),
            vec![("09:00".to_string(), 7)]
        );
        let mut tx = s.begin().await.unwrap();
        assert_eq!(
            next_number(&mut tx, "H1", "2026-12-03", "B").await.unwrap(),
            1,
            "per line"
        );
        assert_eq!(
            next_number(&mut tx, "H1", "2026-12-04", "A").await.unwrap(),
            1,
            "per day"
        );
        release_place(&mut tx, "H1", "A", "2026-12-03", "09:00")
            .await
            .unwrap();
        assert!(
            take_place(&mut tx, "H1", "A", "2026-12-03", "09:00", 7)
                .await
                .unwrap()
        );
        assert!(
            !take_place(&mut tx, "H1", "A", "2026-12-03", "10:00", 0)
                .await
                .unwrap()
        );
        tx.commit().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_ticket_changed_by_another_window_is_not_overwritten() {
    on_both(|s| async move {
        seed(&s).await;
        let t = Ticket {
            id: "t1".into(),
            hall: "H1".into(),
            day: "2026-12-03".into(),
            line: "A".into(),
            number: "A001".into(),
            priority: Priority::Green,
            green_reason: "老年人".into(),
            source: Source::Kiosk,
            state: TicketState::Waiting,
            window: None,
            calls: 0,
            issued_at: datetime!(2026-12-03 01:00 UTC),
            called_at: None,
            finished_at: None,
            account: Some("acc".into()),
            holder: "张*".into(),
            appointment: None,
            staff: None,
            note: String::new(),
            cases: vec![],
        };
        let mut tx = s.begin().await.unwrap();
        insert_ticket(&mut tx, &t, "k1").await.unwrap();
        tx.commit().await.unwrap();
        let mut dup = t.clone();
        dup.id = "t2".into();
        let mut tx = s.begin().await.unwrap();
        assert!(
            insert_ticket(&mut tx, &dup, "k1").await.is_err(),
            "number unique per hall and day"
        );
        drop(tx);

        let mut tx = s.begin().await.unwrap();
        let mut one = t.clone();
        one.call("1", "s1", datetime!(2026-12-03 01:05 UTC));
        let mut two = t.clone();
        two.call("2", "s2", datetime!(2026-12-03 01:05 UTC));
        assert!(update_ticket(&mut tx, &one, 0).await.unwrap());
        assert!(!update_ticket(&mut tx, &two, 0).await.unwrap());
        tx.commit().await.unwrap();
        let mut c = s.conn().await.unwrap();
        let stored = get_ticket(&mut c, "t1").await.unwrap().unwrap();
        assert_eq!(
            (stored.ticket.window.as_deref(), stored.version),
            (Some("1"), 1)
        );
        assert_eq!(stored.ticket.called_at, one.called_at);
        let called = tickets_of_day(&mut c, "H1", "2026-12-03", &[TicketState::Called])
            .await
            .unwrap();
        assert_eq!(called.len(), 1);
        assert_eq!(open_tickets_of(&mut c, "acc").await.unwrap().len(), 1);
        assert_eq!(
            open_ticket_of_person(&mut c, "H1", "2026-12-03", "A", "k1")
                .await
                .unwrap()
                .as_deref(),
            Some("A001")
        );
        assert_eq!(
            open_ticket_of_person(&mut c, "H1", "2026-12-03", "B", "k1")
                .await
                .unwrap(),
            None
        );
    })
    .await;
}

/// A window chooses from the first ticket of each line, priority and reservation the same
/// ticket it would choose from the whole queue; the board's queries agree with the rows.
#[tokio::test]
async fn the_queue_queries_agree_with_the_whole_queue() {
    on_both(|s| async move {
        seed(&s).await;
        let priorities = [Priority::WalkIn, Priority::Booked, Priority::Green];
        let mut tx = s.begin().await.unwrap();
        let mut all = Vec::new();
        for i in 0..40i64 {
            let line = ["A", "B", "C"][(i % 3) as usize];
            let t = Ticket {
                id: format!("q{i}"),
                hall: "H1".into(),
                day: "2026-12-03".into(),
                line: line.into(),
                number: domain::hall::queue::ticket_number(line, i + 1),
                priority: priorities[((i * 7) % 5 % 3) as usize],
                green_reason: String::new(),
                source: Source::Kiosk,
                state: if i % 11 == 0 {
                    TicketState::Finished
                } else {
                    TicketState::Waiting
                },
                window: match i % 9 {
                    0 => Some("1".into()),
                    4 => Some("2".into()),
                    _ => None,
                },
                calls: 0,
                issued_at: datetime!(2026-12-03 01:00 UTC)
                    + time::Duration::seconds(37 * ((i * 13) % 40)),
                called_at: None,
                finished_at: None,
                account: None,
                holder: String::new(),
                appointment: None,
                staff: None,
                note: String::new(),
                cases: vec![],
            };
            insert_ticket(&mut tx, &t, "").await.unwrap();
            all.push(t);
        }
        tx.commit().await.unwrap();
        let rules = HallRules::default();
        let mut c = s.conn().await.unwrap();
        for (n, lines) in [("1", vec!["A", "B"]), ("2", vec!["C"]), ("3", vec![])] {
            let w = Window {
                number: n.into(),
                name: n.into(),
                kind: if n == "3" {
                    WindowKind::GreenChannel
                } else {
                    WindowKind::Comprehensive
                },
                department: None,
                lines: lines.iter().map(|l| l.to_string()).collect(),
            };
            let whole = domain::hall::queue::pick_next(&w, &rules, &all).map(|i| all[i].id.clone());
            let firsts: Vec<Ticket> = candidates(&mut c, "H1", "2026-12-03", n)
                .await
                .unwrap()
                .into_iter()
                .map(|s| s.ticket)
                .collect();
            let chosen =
                domain::hall::queue::pick_next(&w, &rules, &firsts).map(|i| firsts[i].id.clone());
            assert_eq!(chosen, whole, "window {n}");
        }
        let waiting: Vec<Ticket> = all
            .iter()
            .filter(|t| t.state == TicketState::Waiting)
            .cloned()
            .collect();
        for t in &waiting {
            let expected = domain::hall::queue::ahead_of(t, &waiting, &rules) as i64;
            assert_eq!(
                ahead_of(&mut c, t, true).await.unwrap(),
                expected,
                "{}",
                t.number
            );
        }
        let counts = waiting_counts(&mut c, "H1", "2026-12-03").await.unwrap();
        assert_eq!(
            counts.iter().map(|(_, n)| n).sum::<i64>(),
            waiting.len() as i64
        );
        let next = next_numbers(&mut c, "H1", "2026-12-03", true, 5)
            .await
            .unwrap();
        assert_eq!(next.len(), 5);
    })
    .await;
}
