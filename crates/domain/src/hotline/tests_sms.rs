//! 短信回访: who may ask and answer, and the rule that reopens.

use proptest::prelude::*;
use time::macros::datetime;

use super::callback::{self, caller_reopens};
use super::flow::{Command, Refusal, Seat};
use super::tests::{run, ticket};
use super::*;

/// A complaint dispatched, accepted and replied to on 2026-12-03.
fn replied() -> Ticket {
    let mut t = ticket(Kind::Complaint);
    let at = datetime!(2026-12-01 10:00 +8);
    let dispatch = Command::Dispatch {
        department: "D1".into(),
        co_handlers: vec![],
    };
    run(&mut t, dispatch, Seat::Dispatcher, at).unwrap();
    run(&mut t, Command::Accept, Seat::Handler, at).unwrap();
    let reply = Command::Reply {
        text: "已联系物业，电梯已修好".into(),
        evidence: vec![],
    };
    run(&mut t, reply, Seat::Handler, datetime!(2026-12-03 10:00 +8)).unwrap();
    t
}

fn answer(resolved: bool, satisfied: bool, reopen: bool) -> Command {
    Command::Callback {
        resolved,
        satisfied,
        method: CallbackMethod::Sms,
        note: String::new(),
        reopen,
    }
}

#[test]
fn the_operator_asks_once_per_reply_and_only_a_mobile() {
    let now = datetime!(2026-12-03 11:00 +8);
    let mut t = replied();
    assert!(matches!(
        run(&mut t, Command::AskBySms, Seat::Handler, now),
        Err(Refusal::Seat(_))
    ));
    assert!(!t.awaiting_sms_answer());
    run(&mut t, Command::AskBySms, Seat::Operator, now).unwrap();
    assert_eq!(t.sms_asked_at, Some(now));
    assert!(callback::asked_for_this_reply(&t));
    assert!(t.awaiting_sms_answer());
    assert!(matches!(
        run(&mut t, Command::AskBySms, Seat::Operator, now),
        Err(Refusal::Field("ask_by_sms", _))
    ));

    let mut landline = replied();
    landline.caller.phone = "0826-2345678".into();
    assert!(matches!(
        run(&mut landline, Command::AskBySms, Seat::Operator, now),
        Err(Refusal::Field("phone", _))
    ));
}

#[test]
fn the_caller_answers_only_after_a_text_and_the_rule_decides_reopening() {
    let now = datetime!(2026-12-03 12:00 +8);
    let mut t = replied();
    // No text sent for this reply: the caller cannot answer.
    assert!(matches!(
        run(&mut t, answer(true, true, false), Seat::Caller, now),
        Err(Refusal::Seat(_))
    ));
    run(&mut t, Command::AskBySms, Seat::Operator, now).unwrap();
    // By phone is the operator's, not the caller's.
    let by_phone = Command::Callback {
        resolved: true,
        satisfied: true,
        method: CallbackMethod::Phone,
        note: String::new(),
        reopen: false,
    };
    assert!(matches!(
        run(&mut t, by_phone, Seat::Caller, now),
        Err(Refusal::Seat(_))
    ));
    // Unsatisfied, first time: the caller cannot opt out of the rule's 重办.
    assert!(matches!(
        run(&mut t, answer(true, false, false), Seat::Caller, now),
        Err(Refusal::Field("reopen", _))
    ));
    run(&mut t, answer(true, false, true), Seat::Caller, now).unwrap();
    assert!(!t.awaiting_sms_answer(), "answered: nothing awaited");
    assert_eq!(t.state, State::Handling);
    assert_eq!(t.reopened, 1);
    // The new reply needs a new text; the old one no longer counts.
    let reply = Command::Reply {
        text: "已更换电梯控制柜".into(),
        evidence: vec![],
    };
    run(&mut t, reply, Seat::Handler, datetime!(2026-12-04 10:00 +8)).unwrap();
    assert!(!callback::asked_for_this_reply(&t));
    assert!(matches!(
        run(&mut t, answer(false, false, false), Seat::Caller, now),
        Err(Refusal::Seat(_))
    ));
    let later = datetime!(2026-12-04 11:00 +8);
    run(&mut t, Command::AskBySms, Seat::Operator, later).unwrap();
    // Reopened once already: unsatisfied now closes, and counts as unsatisfied.
    run(&mut t, answer(false, false, false), Seat::Caller, later).unwrap();
    assert_eq!(t.state, State::Closed);
    let c = t.callback.as_ref().unwrap();
    assert!(!c.resolved && !c.satisfied && c.method == CallbackMethod::Sms);
}

#[test]
fn links_lapse_after_seven_days() {
    let sent = datetime!(2026-12-03 12:00 +8);
    assert!(callback::link_fresh(sent, sent + time::Duration::days(7)));
    assert!(!callback::link_fresh(
        sent,
        sent + time::Duration::days(7) + time::Duration::seconds(1)
    ));
}

#[test]
fn texts_name_the_ticket_and_the_link() {
    let link = "https://zwfw.example.cn/cb/0123456789abcdef01234567";
    let ask = callback::ask_text("20261203-00001", link);
    assert!(ask.contains("20261203-00001") && ask.contains(link));
    let merged = callback::merged_text("20261203-00002", "20261203-00001", link);
    assert!(merged.contains("20261203-00002") && merged.contains("20261203-00001"));
    assert!(callback::result_text("20261203-00002", link).contains(link));
}

proptest! {
    /// The rule: reopen exactly when not resolved or not satisfied, the first time.
    #[test]
    fn reopening_follows_the_rule(resolved: bool, satisfied: bool, reopened in 0u32..3) {
        let mut t = replied();
        t.reopened = reopened;
        prop_assert_eq!(
            caller_reopens(&t, resolved, satisfied),
            !(resolved && satisfied) && reopened == 0
        );
    }
}
