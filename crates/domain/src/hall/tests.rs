use proptest::prelude::*;
use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime};

use super::booking::{self, BookingState};
use super::queue::{self, Priority, Source, Ticket, TicketState};
use super::*;
use crate::calendar::WorkCalendar;

fn hall() -> Hall {
    Hall {
        code: "GA-DT".into(),
        name: "广安区政务服务大厅".into(),
        region: "511602".into(),
        address: "金安大道".into(),
        hours: "工作日".into(),
        service_point: "GA-ZX".into(),
        lines: vec![
            Line {
                code: "A".into(),
                name: "综合".into(),
                items: vec![],
            },
            Line {
                code: "B".into(),
                name: "不动产".into(),
                items: vec!["BDC-1".into()],
            },
        ],
        windows: vec![
            window("1", WindowKind::Comprehensive, &["A", "B"]),
            window("2", WindowKind::Comprehensive, &["B", "A"]),
            window("9", WindowKind::GreenChannel, &[]),
        ],
        rules: HallRules::default(),
    }
}

fn window(n: &str, kind: WindowKind, lines: &[&str]) -> Window {
    Window {
        number: n.into(),
        name: format!("{n} 号窗口"),
        kind,
        department: None,
        lines: lines.iter().map(|l| l.to_string()).collect(),
    }
}

fn ticket(line: &str, seq: i64, priority: Priority, minute: i64) -> Ticket {
    Ticket {
        id: format!("t{line}{seq}"),
        hall: "GA-DT".into(),
        day: "2026-12-03".into(),
        line: line.into(),
        number: queue::ticket_number(line, seq),
        priority,
        green_reason: String::new(),
        source: Source::Kiosk,
        state: TicketState::Waiting,
        window: None,
        calls: 0,
        issued_at: datetime!(2026-12-03 01:00 UTC) + Duration::minutes(minute),
        called_at: None,
        finished_at: None,
        account: None,
        holder: String::new(),
        appointment: None,
        staff: None,
        note: String::new(),
        cases: vec![],
    }
}

#[test]
fn a_hall_names_every_bad_line_window_and_band() {
    let mut h = hall();
    assert_eq!(h.validate(), Ok(()));
    h.lines[1].code = "a".into();
    h.windows[1].lines.push("Z".into());
    h.windows.push(window("1", WindowKind::Specialized, &[]));
    h.rules.bands.push(Band {
        start: "16:00".into(),
        end: "15:00".into(),
        capacity: 1,
    });
    let fields: Vec<String> = h
        .validate()
        .unwrap_err()
        .into_iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(
        fields,
        [
            "lines[1].code",
            "windows[0].lines[1]",
            "windows[1].lines[0]",
            "windows[1].lines[2]",
            "windows[3].number",
            "windows[3].department",
            "rules.bands[6]"
        ]
    );
}

#[test]
fn numbers_carry_the_line_letter_and_three_digits() {
    assert_eq!(queue::ticket_number("A", 1), "A001");
    assert_eq!(queue::ticket_number("B", 42), "B042");
    assert_eq!(queue::ticket_number("C", 1000), "C1000");
}

#[test]
fn a_window_calls_green_then_its_line_order_then_booked_then_earliest() {
    let h = hall();
    let w1 = h.window("1").unwrap();
    let w2 = h.window("2").unwrap();
    let green = h.window("9").unwrap();
    let ts = vec![
        ticket("A", 1, Priority::WalkIn, 0),
        ticket("B", 1, Priority::WalkIn, 1),
        ticket("A", 2, Priority::Booked, 2),
        ticket("B", 2, Priority::Green, 3),
    ];
    assert_eq!(
        queue::pick_next(w1, &h.rules, &ts),
        Some(3),
        "绿色通道 first"
    );
    let rest = &ts[..3];
    assert_eq!(
        queue::pick_next(w1, &h.rules, rest),
        Some(2),
        "booked A before walk-in A"
    );
    assert_eq!(
        queue::pick_next(w2, &h.rules, rest),
        Some(1),
        "window 2 serves B first"
    );
    let mut rules = h.rules.clone();
    rules.booked_first = false;
    assert_eq!(
        queue::pick_next(w1, &rules, rest),
        Some(0),
        "by arrival when booked are not first"
    );
    assert_eq!(queue::pick_next(green, &h.rules, &ts), Some(3));
    let mut ts2 = ts.clone();
    ts2[3].state = TicketState::Finished;
    assert_eq!(
        queue::pick_next(green, &h.rules, &ts2),
        Some(2),
        "then any line, booked first"
    );
    assert_eq!(queue::pick_next(w1, &h.rules, &[]), None);
}

#[test]
fn calling_recall_no_show_finish_and_transfer_follow_the_window() {
    let h = hall();
    let now = datetime!(2026-12-03 02:00 UTC);
    let mut t = ticket("A", 1, Priority::WalkIn, 0);
    assert!(matches!(t.finish("1", now), Err(HallError::State(m)) if m.contains("尚未叫号")));
    t.call("1", "clerk", now);
    assert!(matches!(t.recall("2"), Err(HallError::State(m)) if m.contains("由 1 号窗口叫号")));
    assert!(
        matches!(t.no_show("1", &h.rules, now), Err(HallError::State(m)) if m.contains("呼满 3 次"))
    );
    t.recall("1").unwrap();
    t.recall("1").unwrap();
    assert_eq!(t.calls, 3);
    let mut gone = t.clone();
    gone.no_show("1", &h.rules, now).unwrap();
    assert_eq!(gone.state, TicketState::NoShow);

    assert!(
        matches!(t.transfer("1", "B", None, " "), Err(HallError::Invalid(e)) if e.field == "reason")
    );
    t.transfer("1", "B", Some("2"), "需办理不动产登记").unwrap();
    assert_eq!(
        (t.state, t.line.as_str(), t.calls),
        (TicketState::Waiting, "B", 0)
    );
    assert_eq!(t.number, "A001", "the number stays");
    assert!(
        !queue::may_call(h.window("1").unwrap(), &h.rules, &t),
        "waits for window 2 only"
    );
    assert!(queue::may_call(h.window("2").unwrap(), &h.rules, &t));
    t.call("2", "clerk2", now + Duration::minutes(5));
    t.finish("2", now + Duration::minutes(12)).unwrap();
    assert_eq!(t.service_seconds(), Some(420));
    assert!(matches!(t.finish("2", now), Err(HallError::State(m)) if m.contains("已办结")));
    assert_eq!(queue::announcement("A012", "3"), "请 A012 号到 3 号窗口");
}

#[test]
fn the_wait_estimate_uses_recent_service_times_and_open_windows() {
    assert_eq!(queue::estimate_wait_minutes(0, &[600], 1), 0);
    assert_eq!(
        queue::estimate_wait_minutes(3, &[], 1),
        15,
        "five minutes each without history"
    );
    assert_eq!(queue::estimate_wait_minutes(4, &[240, 360], 2), 10);
    assert_eq!(
        queue::estimate_wait_minutes(1, &[61], 0),
        2,
        "no window open counts as one"
    );
}

fn cal() -> WorkCalendar {
    WorkCalendar::china()
}

#[test]
fn slots_are_working_days_ahead_within_the_horizon() {
    let r = HallRules::default();
    // Thursday 2026-12-03, 10:30 China time.
    let now = datetime!(2026-12-03 10:30 +8);
    assert_eq!(
        booking::check_slot(&r, &cal(), now, date!(2026 - 12 - 03), "11:00")
            .unwrap()
            .start,
        "11:00"
    );
    let past = booking::check_slot(&r, &cal(), now, date!(2026 - 12 - 03), "10:00").unwrap_err();
    assert!(matches!(past, HallError::Invalid(e) if e.code == "past"));
    let weekend = booking::check_slot(&r, &cal(), now, date!(2026 - 12 - 05), "09:00").unwrap_err();
    assert!(matches!(weekend, HallError::Invalid(e) if e.code == "closed"));
    let far = booking::check_slot(&r, &cal(), now, date!(2026 - 12 - 14), "09:00").unwrap_err();
    assert!(matches!(far, HallError::Invalid(e) if e.code == "too_far"));
    let band = booking::check_slot(&r, &cal(), now, date!(2026 - 12 - 04), "12:00").unwrap_err();
    assert!(matches!(band, HallError::Invalid(e) if e.field == "band"));
    // 2026-10-01 is 国庆节.
    let holiday = booking::check_slot(
        &r,
        &cal(),
        datetime!(2026-09-28 09:00 +8),
        date!(2026 - 10 - 01),
        "09:00",
    );
    assert!(holiday.is_err());
    let days = booking::bookable_days(&r, &cal(), now);
    assert_eq!(days.first(), Some(&date!(2026 - 12 - 03)));
    assert!(days.iter().all(|d| cal().is_working_day(*d)));
    assert_eq!(days.len(), 6, "Thu, Fri, Mon–Thu within seven days");
    assert!(booking::bands_of(&r, &cal(), date!(2026 - 12 - 06)).is_empty());
}

#[test]
fn changes_stop_at_the_cutoff_and_check_in_earns_the_booked_priority_within_the_band() {
    let r = HallRules::default();
    let band = &r.bands[0]; // 09:00-10:00
    let day = date!(2026 - 12 - 04);
    assert!(booking::check_change(&r, datetime!(2026-12-04 07:59 +8), day, band).is_ok());
    assert!(booking::check_change(&r, datetime!(2026-12-04 08:00 +8), day, band).is_err());
    assert!(booking::check_in(&r, datetime!(2026-12-04 08:29 +8), day, band).is_err());
    assert_eq!(
        booking::check_in(&r, datetime!(2026-12-04 08:30 +8), day, band),
        Ok(Priority::Booked)
    );
    assert_eq!(
        booking::check_in(&r, datetime!(2026-12-04 10:00 +8), day, band),
        Ok(Priority::Booked)
    );
    assert_eq!(
        booking::check_in(&r, datetime!(2026-12-04 10:01 +8), day, band),
        Ok(Priority::WalkIn)
    );
    assert!(booking::missed(datetime!(2026-12-04 10:01 +8), day, band));
    assert_eq!(BookingState::parse("no_show"), Some(BookingState::NoShow));
}

#[test]
fn three_no_shows_in_thirty_days_suspend_booking_for_thirty_days() {
    let r = HallRules::default();
    let t0 = datetime!(2026-11-01 02:00 UTC);
    let shows = [t0, t0 + Duration::days(10), t0 + Duration::days(20)];
    let now = t0 + Duration::days(21);
    assert_eq!(
        booking::suspended_until(&r, &shows, now),
        Some(t0 + Duration::days(50))
    );
    assert_eq!(booking::suspended_until(&r, &shows[..2], now), None);
    let spread = [t0, t0 + Duration::days(20), t0 + Duration::days(40)];
    assert_eq!(
        booking::suspended_until(&r, &spread, t0 + Duration::days(41)),
        None
    );
    assert_eq!(
        booking::suspended_until(&r, &shows, t0 + Duration::days(51)),
        None,
        "served its time"
    );
}

fn any_ticket() -> impl Strategy<Value = Ticket> {
    (
        prop_oneof![Just("A"), Just("B")],
        1i64..50,
        prop_oneof![
            Just(Priority::Green),
            Just(Priority::Booked),
            Just(Priority::WalkIn)
        ],
        0i64..300,
        prop_oneof![Just(None), Just(Some("1")), Just(Some("2"))],
        prop_oneof![
            Just(TicketState::Waiting),
            Just(TicketState::Called),
            Just(TicketState::Finished)
        ],
    )
        .prop_map(|(line, seq, p, minute, reserved, state)| {
            let mut t = ticket(line, seq, p, minute);
            t.window = reserved.map(str::to_string);
            t.state = state;
            t
        })
}

proptest! {
    /// The chosen ticket waits, the window may call it, and nothing it may call goes before
    /// it: green before others; among equals, the earliest issued.
    #[test]
    fn pick_next_is_the_first_callable_by_the_rules(ts in prop::collection::vec(any_ticket(), 0..30), w in 0usize..3) {
        let h = hall();
        let win = &h.windows[w];
        match queue::pick_next(win, &h.rules, &ts) {
            None => prop_assert!(ts.iter().all(|t| !queue::may_call(win, &h.rules, t))),
            Some(i) => {
                let chosen = &ts[i];
                prop_assert_eq!(chosen.state, TicketState::Waiting);
                prop_assert!(queue::may_call(win, &h.rules, chosen));
                for t in ts.iter().filter(|t| queue::may_call(win, &h.rules, t)) {
                    let reserved = |x: &Ticket| x.window.is_some();
                    if reserved(t) == reserved(chosen) && t.priority == Priority::Green {
                        prop_assert_eq!(chosen.priority, Priority::Green);
                    }
                    if reserved(t) == reserved(chosen) && t.line == chosen.line && t.priority == chosen.priority {
                        prop_assert!(chosen.issued_at <= t.issued_at);
                    }
                }
            }
        }
    }

    /// No-show suspension starts only with `limit` no-shows inside the window and lasts the
    /// configured days after the last.
    #[test]
    fn suspension_needs_the_limit_within_the_window(gaps in prop::collection::vec(0i64..40, 0..6), after in 0i64..60) {
        let r = HallRules::default();
        let t0 = datetime!(2026-01-01 00:00 UTC);
        let mut at = t0;
        let mut shows = vec![];
        for g in gaps { at += Duration::days(g); shows.push(at); }
        let now = at + Duration::days(after);
        let until = booking::suspended_until(&r, &shows, now);
        if let Some(u) = until {
            prop_assert!(u > now);
            prop_assert!(shows.len() >= 3);
            prop_assert!(u <= at + Duration::days(30));
        }
        if shows.len() >= 3 {
            let last3 = &shows[shows.len() - 3..];
            if last3[2] - last3[0] <= Duration::days(30) && after < 30 {
                prop_assert!(until.is_some());
            }
        }
        let _: Option<OffsetDateTime> = until;
    }
}

#[test]
fn green_channel_reads_age_from_the_id_and_other_reasons_need_staff() {
    let today = date!(2026 - 12 - 03);
    assert!(queue::check_green("老年人", Source::Kiosk, date!(1966 - 12 - 03), today).is_ok());
    let young =
        queue::check_green("老年人", Source::Kiosk, date!(1966 - 12 - 04), today).unwrap_err();
    assert!(matches!(young, HallError::Invalid(e) if e.message.contains("59 岁")));
    assert!(queue::check_green("孕妇", Source::Kiosk, date!(1990 - 01 - 01), today).is_err());
    assert!(queue::check_green("孕妇", Source::Reception, date!(1990 - 01 - 01), today).is_ok());
    assert!(queue::check_green("VIP", Source::Reception, date!(1990 - 01 - 01), today).is_err());
    assert_eq!(queue::mask_name("张三丰"), "张*丰");
    assert_eq!(queue::mask_name("李四"), "李*");
    assert_eq!(queue::mask_name("欧阳娜娜"), "欧**娜");
}
