//! The hall: book online, check in at the kiosk, be called on the board ahead of walk-ins,
//! be served; 绿色通道 first; a no-show after three calls; bookings suspended after three
//! missed appointments; every bad request refused with nothing changed.

use app::AppError;
use app::auth::Actor;
use app::hall::booking::{self, BookRequest};
use app::hall::tickets::{self, TakeTicket, WindowAction};
use app::hall::{Person, board, figures};
use domain::account::Role;
use domain::hall::queue::{Priority, Source, TicketState};
use domain::hall::{Hall, HallRules, Line, Window, WindowKind};
use store::testing::on_both;
use time::macros::datetime;

use crate::support::*;

fn the_hall(capacity: u32) -> Hall {
    let line = |c: &str, n: &str| Line {
        code: c.into(),
        name: n.into(),
        items: vec![],
    };
    let window = |n: &str, kind, lines: &[&str]| Window {
        number: n.into(),
        name: format!("{n} 号窗口"),
        kind,
        department: None,
        lines: lines.iter().map(|l| l.to_string()).collect(),
    };
    let mut rules = HallRules::default();
    for b in &mut rules.bands {
        b.capacity = capacity;
    }
    Hall {
        code: "GA-DT".into(),
        name: "广安区政务服务大厅".into(),
        region: "511602".into(),
        address: "金安大道".into(),
        hours: "工作日 9:00-17:00".into(),
        service_point: String::new(),
        lines: vec![line("A", "综合"), line("B", "不动产")],
        windows: vec![
            window("1", WindowKind::Comprehensive, &["A", "B"]),
            window("2", WindowKind::Comprehensive, &["B"]),
            window("9", WindowKind::GreenChannel, &[]),
        ],
        rules,
    }
}

async fn set_up(app: &app::App, capacity: u32) {
    seed_org(app).await;
    let mut tx = app.store.begin().await.unwrap();
    let other = domain::org::Region {
        code: "511603".into(),
        name: "前锋区".into(),
    };
    store::org::upsert_region(
        &mut tx,
        &other,
        &domain::ids::RegionCode::parse("511603").unwrap(),
    )
    .await
    .unwrap();
    store::hall::upsert_hall(&mut tx, &the_hall(capacity))
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

fn person(name: &str, birth: &str, seq: &str) -> Person {
    Person {
        name: name.into(),
        id_number: app::demo::demo_id_number(birth, seq),
        phone: "13900001111".into(),
    }
}

fn walk_in(line: &str, p: Person, green: &str) -> TakeTicket {
    TakeTicket {
        line: line.into(),
        person: Some(p),
        green_reason: green.into(),
        position: None,
    }
}

fn book_req(line: &str, day: &str, band: &str, p: Option<Person>) -> BookRequest {
    BookRequest {
        line: line.into(),
        day: day.into(),
        band: band.into(),
        person: p,
        ..Default::default()
    }
}

fn field_of(e: AppError) -> String {
    match e {
        AppError::Validation(v) => format!("{}:{}", v[0].field, v[0].code),
        other => format!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn booked_green_and_walk_in_people_are_called_in_order_and_served() {
    on_both(|s| async move {
        let (app, clock) = app(s).await;
        set_up(&app, 1).await;
        let me = citizen(&app, "001").await;
        let anon = Actor::Anonymous;
        // Friday 2026-11-27 09:00: book Monday 09:00.
        let a = booking::book(
            &app,
            &me,
            "GA-DT",
            &book_req("A", "2026-11-30", "09:00", None),
        )
        .await
        .unwrap();
        assert_eq!(a.code.len(), 8);
        let again = booking::book(
            &app,
            &me,
            "GA-DT",
            &book_req("A", "2026-11-30", "10:00", None),
        )
        .await
        .unwrap_err();
        assert!(matches!(again, AppError::Conflict { .. }), "{again:?}");
        let full = booking::book(
            &app,
            &anon,
            "GA-DT",
            &book_req(
                "A",
                "2026-11-30",
                "09:00",
                Some(person("李四", "19800101", "002")),
            ),
        )
        .await
        .unwrap_err();
        assert_eq!(field_of(full), "band:full");
        let past = booking::book(
            &app,
            &me,
            "GA-DT",
            &book_req("B", "2026-11-27", "09:00", None),
        )
        .await
        .unwrap_err();
        assert_eq!(field_of(past), "band:past");
        let saturday = booking::book(
            &app,
            &me,
            "GA-DT",
            &book_req("B", "2026-11-28", "09:00", None),
        )
        .await
        .unwrap_err();
        assert_eq!(field_of(saturday), "day:closed");
        let mut bad = person("王五", "19800101", "003");
        let last = bad.id_number.pop().unwrap();
        bad.id_number.push(if last == '0' { '1' } else { '0' });
        let bad_id = booking::book(
            &app,
            &anon,
            "GA-DT",
            &book_req("B", "2026-11-30", "09:00", Some(bad)),
        )
        .await
        .unwrap_err();
        assert!(field_of(bad_id).starts_with("id_number:"));
        let slots = booking::slots(&app, "GA-DT", "A", "2026-11-30")
            .await
            .unwrap();
        assert_eq!((slots[0].left, slots[0].open, slots[1].left), (0, false, 1));

        // Monday 08:40: a walk-in, an elderly person (绿色通道 by ID), then the booked person.
        clock.set(datetime!(2026-11-30 08:40 +8));
        let mut feed = app.hall_hub.subscribe();
        let w = tickets::take(
            &app,
            &anon,
            "GA-DT",
            Source::Kiosk,
            &walk_in("A", person("赵六", "19900101", "004"), ""),
        )
        .await
        .unwrap();
        assert_eq!((w.ticket.number.as_str(), w.ahead), ("A001", 0));
        let twice = tickets::take(
            &app,
            &anon,
            "GA-DT",
            Source::Kiosk,
            &walk_in("A", person("赵六", "19900101", "004"), ""),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(twice, AppError::Conflict { message, .. } if message.contains("A001")),
            "one waiting ticket per person and line"
        );
        let young_green = tickets::take(
            &app,
            &anon,
            "GA-DT",
            Source::Kiosk,
            &walk_in("A", person("孙七", "19900101", "005"), "老年人"),
        )
        .await
        .unwrap_err();
        assert_eq!(field_of(young_green), "green_reason:not_eligible");
        let g = tickets::take(
            &app,
            &anon,
            "GA-DT",
            Source::Kiosk,
            &walk_in("A", person("周八", "19500101", "006"), "老年人"),
        )
        .await
        .unwrap();
        assert_eq!(
            (g.ticket.number.as_str(), g.ticket.priority, g.ahead),
            ("A002", Priority::Green, 0)
        );
        assert_eq!(g.ticket.holder, "周*");
        let wrong_id = booking::check_in(
            &app,
            &anon,
            &a.code,
            &person("x", "19700101", "007").id_number,
            None,
        )
        .await
        .unwrap_err();
        assert!(matches!(wrong_id, AppError::NotFound(_)));
        let elsewhere = booking::check_in(
            &app,
            &anon,
            &a.code,
            &app::demo::demo_id_number("19900101", "001"),
            Some("YC-DT"),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(elsewhere, AppError::State(m) if m.contains("请到该大厅签到")),
            "another hall's kiosk issues nothing"
        );
        let b = booking::check_in(
            &app,
            &anon,
            &a.code,
            &app::demo::demo_id_number("19900101", "001"),
            Some("GA-DT"),
        )
        .await
        .unwrap();
        assert_eq!(
            (b.ticket.number.as_str(), b.ticket.priority, b.ahead),
            ("A003", Priority::Booked, 1)
        );
        assert!(
            booking::check_in(&app, &me, &a.code, "", Some("GA-DT"))
                .await
                .is_err(),
            "checked in once"
        );
        let w_view = tickets::ticket(&app, &me, &b.ticket.id).await.unwrap();
        assert_eq!(w_view.ticket.number, "A003");
        assert!(
            tickets::ticket(&app, &citizen(&app, "009").await, &b.ticket.id)
                .await
                .is_err()
        );
        assert_eq!(feed.recv().await.unwrap().hall, "GA-DT");

        let clerk = staff(&app, "clerk1", &[Role::Clerk], "511602", None).await;
        let outsider = staff(&app, "clerk2", &[Role::Clerk], "511603", None).await;
        assert!(matches!(
            tickets::sign_in(&app, &outsider, "GA-DT", "2").await,
            Err(AppError::Forbidden(_))
        ));
        assert!(
            matches!(
                tickets::call_next(&app, &clerk).await,
                Err(AppError::State(_))
            ),
            "not signed in"
        );
        tickets::sign_in(&app, &clerk, "GA-DT", "1").await.unwrap();
        let taken = staff(&app, "clerk3", &[Role::Clerk], "511602", None).await;
        assert!(matches!(
            tickets::sign_in(&app, &taken, "GA-DT", "1").await,
            Err(AppError::Conflict { .. })
        ));

        let first = tickets::call_next(&app, &clerk).await.unwrap();
        assert_eq!(first.number, "A002", "绿色通道 first");
        assert!(
            matches!(
                tickets::call_next(&app, &clerk).await,
                Err(AppError::State(_))
            ),
            "finish first"
        );
        clock.set(datetime!(2026-11-30 08:50 +8));
        tickets::act(
            &app,
            &clerk,
            &first.id,
            &WindowAction::Finish {
                cases: vec!["5116022026113000001".into()],
            },
        )
        .await
        .unwrap();
        let twice = tickets::act(
            &app,
            &clerk,
            &first.id,
            &WindowAction::Finish { cases: vec![] },
        )
        .await
        .unwrap_err();
        assert!(matches!(twice, AppError::State(m) if m.contains("已办结")));

        let second = tickets::call_next(&app, &clerk).await.unwrap();
        assert_eq!(second.number, "A003", "booked before the earlier walk-in");
        let mut announced = None;
        // The feed is one node's: it hears of calls made on others through the database.
        app.settle();
        while let Ok(u) = feed.try_recv() {
            if u.announce.is_some() {
                announced = u.announce.clone();
            }
        }
        assert_eq!(announced.as_deref(), Some("请 A003 号到 1 号窗口"));
        let b2 = board::board(&app, "GA-DT").await.unwrap();
        assert_eq!(b2.calling[0].text, "请 A003 号到 1 号窗口");
        assert_eq!(b2.next, vec!["A001"]);
        tickets::act(
            &app,
            &clerk,
            &second.id,
            &WindowAction::Finish { cases: vec![] },
        )
        .await
        .unwrap();

        let third = tickets::call_next(&app, &clerk).await.unwrap();
        assert_eq!(third.number, "A001");
        let early = tickets::act(&app, &clerk, &third.id, &WindowAction::NoShow)
            .await
            .unwrap_err();
        assert!(matches!(early, AppError::State(m) if m.contains("呼满 3 次")));
        tickets::act(&app, &clerk, &third.id, &WindowAction::Recall)
            .await
            .unwrap();
        tickets::act(&app, &clerk, &third.id, &WindowAction::Recall)
            .await
            .unwrap();
        let gone = tickets::act(&app, &clerk, &third.id, &WindowAction::NoShow)
            .await
            .unwrap();
        assert_eq!(gone.state, TicketState::NoShow);
        let none = tickets::call_next(&app, &clerk).await.unwrap_err();
        assert!(matches!(none, AppError::State(m) if m.contains("没有等候")));

        let f = figures::figures(&app, &clerk, "GA-DT", "", "")
            .await
            .unwrap();
        assert_eq!(
            (f.total.tickets, f.total.served, f.total.no_shows),
            (3, 2, 1)
        );
        assert_eq!((f.appointments, f.appointments_kept), (1, 1));
        assert!(figures::figures(&app, &me, "GA-DT", "", "").await.is_err());
        tickets::sign_out(&app, &clerk).await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfer_keeps_the_number_and_waits_for_the_named_window() {
    on_both(|s| async move {
        let (app, clock) = app(s).await;
        set_up(&app, 6).await;
        clock.set(datetime!(2026-11-30 09:10 +8));
        let anon = Actor::Anonymous;
        let t = tickets::take(&app, &anon, "GA-DT", Source::Kiosk, &walk_in("A", person("赵六", "19900101", "004"), "")).await.unwrap();
        let c1 = staff(&app, "c1", &[Role::Clerk], "511602", None).await;
        let c2 = staff(&app, "c2", &[Role::Clerk], "511602", None).await;
        tickets::sign_in(&app, &c1, "GA-DT", "1").await.unwrap();
        tickets::sign_in(&app, &c2, "GA-DT", "2").await.unwrap();
        let called = tickets::call_next(&app, &c1).await.unwrap();
        assert_eq!(called.id, t.ticket.id);
        let not_mine = tickets::act(&app, &c2, &called.id, &WindowAction::Recall).await.unwrap_err();
        assert!(matches!(not_mine, AppError::State(_)));
        let no_reason = WindowAction::Transfer { line: "B".into(), window: Some("2".into()), reason: " ".into() };
        assert!(matches!(tickets::act(&app, &c1, &called.id, &no_reason).await, Err(AppError::Validation(_))));
        let other_hall_window = WindowAction::Transfer { line: "B".into(), window: Some("7".into()), reason: "不动产".into() };
        assert!(matches!(tickets::act(&app, &c1, &called.id, &other_hall_window).await, Err(AppError::Validation(_))));
        let moved = tickets::act(&app, &c1, &called.id, &WindowAction::Transfer { line: "B".into(), window: Some("2".into()), reason: "需办理不动产登记".into() }).await.unwrap();
        assert_eq!((moved.number.as_str(), moved.line.as_str(), moved.state), ("A001", "B", TicketState::Waiting));
        assert!(tickets::call_next(&app, &c1).await.is_err(), "window 1 may not take it back");
        let at2 = tickets::call_next(&app, &c2).await.unwrap();
        assert_eq!(at2.id, t.ticket.id);
        assert!(at2.note.contains("需办理不动产登记"));
        tickets::pause(&app, &c1, true).await.unwrap();
        tickets::take(&app, &anon, "GA-DT", Source::Kiosk, &walk_in("A", person("钱九", "19900101", "010"), "")).await.unwrap();
        assert!(matches!(tickets::call_next(&app, &c1).await, Err(AppError::State(m)) if m.contains("暂停")));
        // Reception confirms a 孕妇 for 绿色通道; a kiosk may not.
        let mom = walk_in("B", person("吴十", "19950101", "011"), "孕妇");
        assert!(tickets::take(&app, &anon, "GA-DT", Source::Kiosk, &mom).await.is_err());
        assert!(matches!(tickets::take(&app, &anon, "GA-DT", Source::Reception, &mom).await, Err(AppError::Unauthenticated)));
        let g = tickets::take(&app, &c1, "GA-DT", Source::Reception, &mom).await.unwrap();
        assert_eq!((g.ticket.number.as_str(), g.ticket.green_reason.as_str()), ("B001", "孕妇"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_missed_appointments_suspend_online_booking() {
    on_both(|s| async move {
        let (app, clock) = app(s).await;
        set_up(&app, 6).await;
        let me = citizen(&app, "001").await;
        for day in ["2026-11-30", "2026-12-01", "2026-12-02"] {
            booking::book(&app, &me, "GA-DT", &book_req("A", day, "09:00", None))
                .await
                .unwrap();
        }
        let cancel_me = booking::book(
            &app,
            &me,
            "GA-DT",
            &book_req("B", "2026-12-02", "10:00", None),
        )
        .await
        .unwrap();
        clock.set(datetime!(2026-12-02 09:30 +8));
        let late = booking::cancel(&app, &me, &cancel_me.code, "")
            .await
            .unwrap_err();
        assert!(matches!(late, AppError::State(m) if m.contains("60 分钟")));
        clock.set(datetime!(2026-12-02 08:30 +8));
        assert!(
            booking::cancel(&app, &Actor::Anonymous, &cancel_me.code, "")
                .await
                .is_err(),
            "a stranger may not"
        );
        // 改约 before the cut-off: the old place is freed, the new one taken.
        let moved = booking::change(&app, &me, &cancel_me.code, "", "2026-12-02", "11:00")
            .await
            .unwrap();
        assert_eq!(
            (moved.day.as_str(), moved.band.as_str()),
            ("2026-12-02", "11:00")
        );
        let slots = booking::slots(&app, "GA-DT", "B", "2026-12-02")
            .await
            .unwrap();
        assert_eq!((slots[1].left, slots[2].left), (6, 5));
        let unchanged = booking::change(&app, &me, &cancel_me.code, "", "2026-12-02", "11:00")
            .await
            .unwrap_err();
        assert_eq!(field_of(unchanged), "band:unchanged");
        booking::cancel(&app, &me, &cancel_me.code, "")
            .await
            .unwrap();
        clock.set(datetime!(2026-12-02 12:00 +8));
        let swept = booking::sweep(&app).await.unwrap();
        assert_eq!(swept.no_shows, 3);
        assert_eq!(
            booking::sweep(&app).await.unwrap().no_shows,
            0,
            "counted once"
        );
        let suspended = booking::book(
            &app,
            &me,
            "GA-DT",
            &book_req("A", "2026-12-03", "09:00", None),
        )
        .await
        .unwrap_err();
        assert_eq!(field_of(suspended), "person:suspended");
        let mine = booking::mine(&app, &me).await.unwrap();
        assert_eq!(mine.len(), 4);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_day_before_a_booking_its_holder_is_reminded_once() {
    on_both(|s| async move {
        let (app, clock) = app(s).await;
        set_up(&app, 6).await;
        let me = citizen(&app, "001").await;
        booking::book(
            &app,
            &me,
            "GA-DT",
            &book_req("A", "2026-11-30", "09:00", None),
        )
        .await
        .unwrap();
        clock.set(datetime!(2026-11-29 18:00 +8));
        assert_eq!(booking::sweep(&app).await.unwrap().reminders, 1);
        assert_eq!(booking::sweep(&app).await.unwrap().reminders, 0);
        let notes = app::agents::notifications(&app, &me).await.unwrap();
        assert!(
            notes
                .iter()
                .any(|n| n.text.contains("明天（2026-11-30）09:00")),
            "{notes:?}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hall_is_set_up_whole_by_an_administrator_of_its_region() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        set_up(&app, 6).await;
        let city = staff(&app, "adm-city", &[Role::SystemAdmin], "511600", None)
            .await
            .system_admin()
            .unwrap();
        let other = staff(&app, "adm-qf", &[Role::SystemAdmin], "511603", None)
            .await
            .system_admin()
            .unwrap();
        let mut h = the_hall(4);
        h.lines.push(Line {
            code: "C".into(),
            name: "社保".into(),
            items: vec![],
        });
        assert!(matches!(
            app::hall::setup::save(&app, &other, &h).await,
            Err(AppError::Forbidden(_))
        ));
        h.service_point = "NOWHERE".into();
        let unknown = app::hall::setup::save(&app, &city, &h).await.unwrap_err();
        assert_eq!(field_of(unknown), "service_point:unknown");
        h.service_point = String::new();
        h.windows[1].lines.push("Z".into());
        let bad_line = app::hall::setup::save(&app, &city, &h).await.unwrap_err();
        assert_eq!(field_of(bad_line), "windows[1].lines[1]:unknown");
        h.windows[1].lines.pop();
        app::hall::setup::save(&app, &city, &h).await.unwrap();
        assert_eq!(app::hall::hall(&app, "GA-DT").await.unwrap().lines.len(), 3);
    })
    .await;
}

/// Two nodes on one PostgreSQL: a number taken at a kiosk served by node A shows on the boards
/// node B feeds, within a second.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_board_on_another_node_sees_the_queue_move() {
    let Some(db) = store::testing::postgres().await else {
        return;
    };
    let (a, _) = one_app(db.store.clone()).await;
    let (b, _) = one_app(db.another_node().await).await;
    app::cluster::listen(&b).await.unwrap();
    set_up(&a, 1).await;
    let mut board_b = b.hall_hub.subscribe();
    let t = tickets::take(
        &a,
        &Actor::Anonymous,
        "GA-DT",
        Source::Kiosk,
        &walk_in("A", person("赵六", "19900101", "004"), ""),
    )
    .await
    .unwrap();
    let u = tokio::time::timeout(std::time::Duration::from_secs(1), board_b.recv())
        .await
        .expect("node B's boards hear within a second")
        .unwrap();
    assert_eq!(u.hall, "GA-DT");
    assert!(u.json.contains(&t.ticket.number), "{}", u.json);
    a.store.close().await;
    b.store.close().await;
    db.cleanup().await;
}
