use proptest::prelude::*;
use time::macros::{date, datetime};

use super::classes::{self, DispatchRule, Probe};
use super::flow::{self, Command, Context, Limits, Refusal, Seat};
use super::measures::{self, Tally, Weights};
use super::*;
use crate::calendar::WorkCalendar;

pub(super) fn ticket(kind: Kind) -> Ticket {
    Ticket {
        id: "t1".into(),
        number: "20261201-00001".into(),
        channel: Channel::Phone,
        kind,
        class: "0101".into(),
        region: "511602".into(),
        address: "北辰街道某小区".into(),
        position: None,
        caller: Caller {
            name: "张小明".into(),
            phone: "13800001234".into(),
            anonymous: false,
        },
        text: "小区电梯坏了一周没人修".into(),
        related_case: String::new(),
        related_item: String::new(),
        attachments: vec![],
        state: State::Open,
        department: None,
        co_handlers: vec![],
        created_at: datetime!(2026-12-01 09:00 +8),
        dispatched_at: None,
        respond_due: None,
        accepted_at: None,
        responded_in_time: None,
        due: None,
        returns: 0,
        return_reason: String::new(),
        extended: false,
        extension: None,
        reopened: 0,
        reply: None,
        co_replies: vec![],
        callback: None,
        sms_asked_at: None,
        article: None,
        answer: String::new(),
        merged_into: None,
        closed_at: None,
        account: None,
    }
}

pub(super) fn run(
    t: &mut Ticket,
    cmd: Command,
    seat: Seat,
    now: time::OffsetDateTime,
) -> Result<(), Refusal> {
    let cal = WorkCalendar::china();
    let limits = Limits::default();
    flow::apply(
        t,
        &cmd,
        &Context {
            now,
            calendar: &cal,
            limits: &limits,
            seats: &[seat],
            actor: "someone",
            department: None,
        },
    )
}

#[test]
fn a_complaint_goes_round_once_and_closes() {
    let mut t = ticket(Kind::Complaint);
    let d = |department: &str| Command::Dispatch {
        department: department.into(),
        co_handlers: vec![],
    };
    run(
        &mut t,
        d("511602-ZJJ"),
        Seat::Dispatcher,
        datetime!(2026-12-01 09:10 +8),
    )
    .unwrap();
    assert_eq!(t.state, State::Dispatched);
    // Tuesday + 5 working days.
    assert_eq!(t.due, Some(date!(2026 - 12 - 08)));
    assert_eq!(t.respond_due, Some(datetime!(2026-12-01 11:10 +8)));
    // Only the handler accepts, only the dispatcher rules.
    assert!(matches!(
        run(
            &mut t,
            Command::Accept,
            Seat::Operator,
            datetime!(2026-12-01 09:20 +8)
        ),
        Err(Refusal::Seat(_))
    ));
    let ret = Command::Return {
        reason: "  ".into(),
    };
    assert!(matches!(
        run(&mut t, ret, Seat::Handler, datetime!(2026-12-01 09:30 +8)),
        Err(Refusal::Field("reason", _))
    ));
    assert_eq!(t.state, State::Dispatched, "a refused step changes nothing");
    run(
        &mut t,
        Command::Return {
            reason: "不属于本单位职责".into(),
        },
        Seat::Handler,
        datetime!(2026-12-01 09:30 +8),
    )
    .unwrap();
    run(
        &mut t,
        Command::RuleReturn {
            upheld: true,
            note: String::new(),
        },
        Seat::Dispatcher,
        datetime!(2026-12-01 09:40 +8),
    )
    .unwrap();
    assert_eq!((t.state, t.department.clone()), (State::Open, None));
    run(
        &mut t,
        d("511602-WYGL"),
        Seat::Dispatcher,
        datetime!(2026-12-01 10:00 +8),
    )
    .unwrap();
    run(
        &mut t,
        Command::Accept,
        Seat::Handler,
        datetime!(2026-12-01 13:00 +8),
    )
    .unwrap();
    assert_eq!(t.responded_in_time, Some(false), "three hours is late");
    let ext = |days| Command::Extend {
        days,
        reason: "需协调维保单位".into(),
    };
    run(
        &mut t,
        ext(3),
        Seat::Handler,
        datetime!(2026-12-02 10:00 +8),
    )
    .unwrap();
    assert_eq!(t.due, Some(date!(2026 - 12 - 08)), "asked, not yet granted");
    let rule = |granted| Command::RuleExtension {
        granted,
        note: String::new(),
    };
    assert!(matches!(
        run(
            &mut t,
            rule(true),
            Seat::Handler,
            datetime!(2026-12-02 10:30 +8)
        ),
        Err(Refusal::Seat(_))
    ));
    run(
        &mut t,
        rule(true),
        Seat::Dispatcher,
        datetime!(2026-12-02 10:30 +8),
    )
    .unwrap();
    assert_eq!(t.due, Some(date!(2026 - 12 - 11)));
    assert!(matches!(
        run(
            &mut t,
            rule(true),
            Seat::Dispatcher,
            datetime!(2026-12-02 10:40 +8)
        ),
        Err(Refusal::State(_))
    ));
    assert!(matches!(
        run(
            &mut t,
            ext(1),
            Seat::Handler,
            datetime!(2026-12-02 11:00 +8)
        ),
        Err(Refusal::Field("days", _))
    ));
    let reply = |text: &str| Command::Reply {
        text: text.into(),
        evidence: vec![],
    };
    run(
        &mut t,
        reply("已联系物业"),
        Seat::Handler,
        datetime!(2026-12-03 10:00 +8),
    )
    .unwrap();
    let cb = |resolved, satisfied, reopen| Command::Callback {
        resolved,
        satisfied,
        method: CallbackMethod::Phone,
        note: String::new(),
        reopen,
    };
    run(
        &mut t,
        cb(false, false, true),
        Seat::Operator,
        datetime!(2026-12-03 15:00 +8),
    )
    .unwrap();
    assert_eq!((t.state, t.reopened), (State::Handling, 1));
    run(
        &mut t,
        reply("电梯已修复"),
        Seat::Handler,
        datetime!(2026-12-04 10:00 +8),
    )
    .unwrap();
    assert!(matches!(
        run(
            &mut t,
            cb(false, true, true),
            Seat::Operator,
            datetime!(2026-12-04 15:00 +8)
        ),
        Err(Refusal::Field("reopen", _))
    ));
    run(
        &mut t,
        cb(true, true, false),
        Seat::Operator,
        datetime!(2026-12-04 15:00 +8),
    )
    .unwrap();
    assert_eq!(t.state, State::Closed);
    assert!(matches!(
        run(
            &mut t,
            reply("again"),
            Seat::Handler,
            datetime!(2026-12-05 10:00 +8)
        ),
        Err(Refusal::State(_))
    ));
}

#[test]
fn rates_match_hand_computed_values() {
    // 8 dispatched, 6 in time: 75 %; 5 called back, 4 resolved (80 %), 3 satisfied (60 %).
    let t = Tally {
        received: 10,
        dispatched: 8,
        responded_in_time: 6,
        called_back: 5,
        resolved: 4,
        satisfied: 3,
        answered_directly: 2,
    };
    let r = measures::rates(&t, &Weights::default());
    assert_eq!(r.response, Some(75.0));
    assert_eq!(r.resolution, Some(80.0));
    assert_eq!(r.satisfaction, Some(60.0));
    // 0.10 × 75 + 0.45 × 80 + 0.45 × 60 = 7.5 + 36 + 27 = 70.5
    assert!((r.score.unwrap() - 70.5).abs() < 1e-9);
    // Nothing called back: the score is the response rate alone.
    let only = Tally {
        dispatched: 4,
        responded_in_time: 1,
        ..Tally::default()
    };
    let r = measures::rates(&only, &Weights::default());
    assert_eq!((r.resolution, r.score), (None, Some(25.0)));
    assert_eq!(
        measures::rates(&Tally::default(), &Weights::default()).score,
        None
    );
}

#[test]
fn a_late_extension_is_refused_and_a_fresh_dispatch_is_not_yet_late() {
    let mut t = ticket(Kind::Complaint);
    let d = Command::Dispatch {
        department: "D".into(),
        co_handlers: vec![" ".into(), " E ".into()],
    };
    run(&mut t, d, Seat::Dispatcher, datetime!(2026-12-01 09:00 +8)).unwrap();
    assert_eq!(
        t.co_handlers,
        vec!["E".to_string()],
        "trimmed, blanks dropped"
    );
    let mut tally = Tally::default();
    tally.add(&t, datetime!(2026-12-01 09:30 +8));
    assert_eq!(
        tally.dispatched, 0,
        "within its two hours it counts for nothing yet"
    );
    let mut tally = Tally::default();
    tally.add(&t, datetime!(2026-12-01 11:30 +8));
    assert_eq!(
        (tally.dispatched, tally.responded_in_time),
        (1, 0),
        "overdue counts as late"
    );
    run(
        &mut t,
        Command::Accept,
        Seat::Handler,
        datetime!(2026-12-01 10:00 +8),
    )
    .unwrap();
    let late = Command::Extend {
        days: 2,
        reason: "r".into(),
    };
    // Due 2026-12-08; on the 9th it is too late to ask.
    assert!(matches!(
        run(&mut t, late, Seat::Handler, datetime!(2026-12-09 09:00 +8)),
        Err(Refusal::Field("days", _))
    ));
    assert_eq!(classes::parent("0"), None);
    assert_eq!(classes::parent("0101"), Some("01"));
}

#[test]
fn phones_and_masks() {
    for ok in ["13800001234", "0826-2345678", "08262345678", "2345678"] {
        assert!(check_phone(ok).is_ok(), "{ok}");
    }
    for bad in ["1380000123", "abc", "23800001234", "0826-12", "", "12345"] {
        assert!(check_phone(bad).is_err(), "{bad}");
    }
    assert_eq!(mask_phone("13800001234"), "138****1234");
    assert_eq!(mask_phone("0826-2345678"), "0826-***5678");
    let c = Caller {
        name: "张小明".into(),
        phone: "13800001234".into(),
        anonymous: false,
    };
    assert_eq!(c.masked(false).name, "张*明");
    assert!(
        c.masked(true).phone.is_empty(),
        "a reporter stays confidential"
    );
}

#[test]
fn new_tickets_are_checked_whole() {
    let bad = NewTicket {
        kind: "闲聊".into(),
        region: "x".into(),
        text: "   ".into(),
        caller: Caller {
            name: String::new(),
            phone: "12".into(),
            anonymous: false,
        },
        ..NewTicket::default()
    };
    let e = check_new(&bad).unwrap_err();
    let fields: Vec<&str> = e.iter().map(|f| f.field.as_str()).collect();
    for f in ["kind", "text", "region", "caller.name", "caller.phone"] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    let good = NewTicket {
        kind: "投诉".into(),
        region: "511602".into(),
        text: "噪音扰民".into(),
        caller: Caller {
            name: String::new(),
            phone: " 138 0000 1234".into(),
            anonymous: true,
        },
        ..NewTicket::default()
    };
    let (k, c) = check_new(&good).unwrap();
    assert_eq!((k, c.phone.as_str()), (Kind::Complaint, "13800001234"));
}

#[test]
fn the_tree_ships_whole_and_rules_pick_the_most_specific() {
    let tree = classes::default_tree();
    classes::check_tree(&tree).unwrap();
    assert_eq!(classes::path(&tree, "0101"), "城乡建设/物业管理");
    let rule = |class: &str, region: &str, department: &str| DispatchRule {
        class: class.into(),
        region: region.into(),
        department: department.into(),
    };
    let rules = vec![
        rule("01", "511600", "511600-ZJJ"),
        rule("0101", "511600", "511600-ZJJ-WY"),
        rule("0101", "511602", "511602-WY"),
    ];
    let s = classes::suggest(&rules, &tree, "0101", "511602001").unwrap();
    assert_eq!(s.department, "511602-WY");
    assert!(s.why.contains("物业管理"));
    let s = classes::suggest(&rules, &tree, "0102", "511621").unwrap();
    assert_eq!(s.department, "511600-ZJJ");
    assert!(classes::suggest(&rules, &tree, "0301", "511602").is_none());
}

#[test]
fn duplicates_need_a_shared_phone_or_place_and_similar_words() {
    let w = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
    let (a, b, c) = (
        w("小区 电梯 坏了 没人 修"),
        w("电梯 坏了 没人 管"),
        w("路灯 不亮"),
    );
    let probe = |phone, address, words, at| Probe {
        phone,
        address,
        words,
        at,
    };
    let now = datetime!(2026-12-03 10:00 +8);
    let new = probe("13800001234", "", &a, now);
    assert!(
        classes::duplicate_of(
            &new,
            &probe("13800001234", "", &b, now - time::Duration::days(2)),
            7
        )
        .is_some()
    );
    assert!(classes::duplicate_of(&new, &probe("13800001234", "", &c, now), 7).is_none());
    assert!(classes::duplicate_of(&new, &probe("13900001234", "", &b, now), 7).is_none());
    assert!(
        classes::duplicate_of(
            &new,
            &probe("13800001234", "", &b, now - time::Duration::days(9)),
            7
        )
        .is_none()
    );
}

fn any_command() -> impl Strategy<Value = (Command, Seat)> {
    let seat = prop_oneof![
        Just(Seat::Operator),
        Just(Seat::Dispatcher),
        Just(Seat::Handler),
        Just(Seat::Caller)
    ];
    let cmd = prop_oneof![
        Just(Command::Dispatch {
            department: "D1".into(),
            co_handlers: vec![]
        }),
        Just(Command::Accept),
        Just(Command::Return { reason: "r".into() }),
        any::<bool>().prop_map(|upheld| Command::RuleReturn {
            upheld,
            note: String::new()
        }),
        (0u32..12).prop_map(|days| Command::Extend {
            days,
            reason: "r".into()
        }),
        Just(Command::Reply {
            text: "done".into(),
            evidence: vec![]
        }),
        (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(resolved, satisfied, reopen)| {
            Command::Callback {
                resolved,
                satisfied,
                method: CallbackMethod::Sms,
                note: String::new(),
                reopen,
            }
        }),
        any::<bool>().prop_map(|granted| Command::RuleExtension {
            granted,
            note: String::new()
        }),
        Just(Command::Answer {
            article: None,
            text: "答复".into()
        }),
        Just(Command::AskBySms),
    ];
    (cmd, seat)
}

proptest! {
    /// Whatever is tried in whatever order: a step is taken only if the table allows it,
    /// a refused step leaves the ticket as it was, 重办 and 延期 happen at most once, and a
    /// closed ticket stays closed.
    #[test]
    fn the_table_rules_every_step(steps in prop::collection::vec(any_command(), 1..40)) {
        let mut t = ticket(Kind::Help);
        let mut now = datetime!(2026-12-01 09:00 +8);
        for (cmd, seat) in steps {
            now += time::Duration::minutes(37);
            let before = t.clone();
            let allowed = flow::allowed(t.state, &[seat]).iter().any(|r| r.command == cmd.name());
            match run(&mut t, cmd, seat, now) {
                Ok(()) => prop_assert!(allowed),
                Err(_) => prop_assert_eq!(&t, &before),
            }
            if before.state == State::Closed {
                prop_assert_eq!(t.state, State::Closed);
            }
            prop_assert!(t.reopened <= 1);
            if t.state == State::Handling || t.state == State::Dispatched {
                prop_assert!(t.department.is_some() && t.due.is_some());
            }
        }
    }

    /// Rates stay within 0–100 and the score between the smallest and largest rate.
    #[test]
    fn rates_are_bounded(d in 0u64..50, i in 0u64..50, c in 0u64..50, r in 0u64..50, s in 0u64..50) {
        let t = Tally {
            dispatched: d.max(i),
            responded_in_time: i,
            called_back: c.max(r).max(s),
            resolved: r,
            satisfied: s,
            ..Tally::default()
        };
        let x = measures::rates(&t, &Weights::default());
        let present: Vec<f64> = [x.response, x.resolution, x.satisfaction].into_iter().flatten().collect();
        for v in &present {
            prop_assert!((0.0..=100.0).contains(v));
        }
        if let Some(score) = x.score {
            let lo = present.iter().cloned().fold(f64::MAX, f64::min);
            let hi = present.iter().cloned().fold(f64::MIN, f64::max);
            prop_assert!(score >= lo - 1e-9 && score <= hi + 1e-9);
        } else {
            prop_assert!(present.is_empty());
        }
    }

    /// Masked phones never show the middle digits.
    #[test]
    fn masked_phones_hide_the_middle(n in 0u64..100_000_000) {
        let phone = format!("138{n:08}");
        let m = mask_phone(&phone);
        prop_assert_eq!(m.len(), 11);
        prop_assert_eq!(&m[3..7], "****");
    }
}

#[test]
fn configured_limits_are_checked() {
    assert!(Limits::default().check().is_ok());
    let bad = Limits {
        respond_hours: 0,
        ..Limits::default()
    };
    assert!(bad.check().unwrap_err().contains("respond_hours"));
    let bad = Limits {
        finish_days: vec![(Kind::Report, 0)],
        ..Limits::default()
    };
    assert!(bad.check().unwrap_err().contains("举报"));
}

/// 协办意见: only a handler of a 协办 department, while the ticket runs; its latest opinion
/// replaces its earlier one; the lead department's reply is untouched.
#[test]
fn a_co_handler_adds_its_part_and_only_its_own() {
    let cal = WorkCalendar::china();
    let limits = Limits::default();
    let mut t = ticket(Kind::Complaint);
    let step = |t: &mut Ticket, cmd: Command, seat: Seat, department: Option<&str>| {
        flow::apply(
            t,
            &cmd,
            &Context {
                now: datetime!(2026-12-01 10:00 +8),
                calendar: &cal,
                limits: &limits,
                seats: &[seat],
                actor: "h1",
                department,
            },
        )
    };
    let co = |text: &str| Command::CoReply { text: text.into() };
    step(
        &mut t,
        Command::Dispatch {
            department: "511602-ZJJ".into(),
            co_handlers: vec!["511602-CGJ".into()],
        },
        Seat::Dispatcher,
        None,
    )
    .unwrap();
    // The lead department is no 协办; a department not named is refused; so is an empty text.
    assert!(matches!(
        step(&mut t, co("已处理"), Seat::Handler, Some("511602-ZJJ")),
        Err(Refusal::Seat(_))
    ));
    assert!(matches!(
        step(&mut t, co("已处理"), Seat::CoHandler, Some("511602-SCJG")),
        Err(Refusal::Seat(_))
    ));
    assert!(matches!(
        step(&mut t, co("  "), Seat::CoHandler, Some("511602-CGJ")),
        Err(Refusal::Field("text", _))
    ));
    step(
        &mut t,
        co("已清理占道堆物"),
        Seat::CoHandler,
        Some("511602-CGJ"),
    )
    .unwrap();
    step(
        &mut t,
        co("已清理占道堆物并约谈物业"),
        Seat::CoHandler,
        Some("511602-CGJ"),
    )
    .unwrap();
    assert_eq!(t.co_replies.len(), 1);
    assert_eq!(t.co_replies[0].text, "已清理占道堆物并约谈物业");
    assert_eq!(t.state, State::Dispatched, "an opinion moves nothing");
    assert!(t.reply.is_none());
    let allowed = |t: &Ticket| {
        flow::allowed(t.state, &[Seat::CoHandler])
            .iter()
            .map(|r| r.command)
            .collect::<Vec<_>>()
    };
    assert_eq!(allowed(&t), ["co_reply"]);
    t.state = State::Replied;
    assert!(allowed(&t).is_empty());
}
