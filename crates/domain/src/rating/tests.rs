#[test]
fn only_actions_that_fit_the_ticket_are_offered() {
    let codes = |s: &TicketState, sup| {
        s.staff_actions(sup)
            .into_iter()
            .map(|(c, _)| c)
            .collect::<Vec<_>>()
    };
    assert_eq!(codes(&TicketState::Open, true), ["contact", "staff_appeal"]);
    assert_eq!(
        codes(&TicketState::Contacted, false),
        ["fixed", "explained", "staff_appeal"]
    );
    let claim = TicketState::MaliciousClaim {
        before: Box::new(TicketState::Open),
    };
    assert_eq!(codes(&claim, true), ["uphold", "reject"]);
    assert!(codes(&claim, false).is_empty(), "only a supervisor decides");
    assert!(codes(&TicketState::Excluded, true).is_empty());
}

proptest::proptest! {
    /// Every offered action is accepted by the rules, from every state.
    #[test]
    fn every_offered_action_is_accepted(pick in 0usize..8, sup in proptest::bool::ANY) {
        let states = [
            TicketState::Open,
            TicketState::Contacted,
            TicketState::Handled { fixed: true },
            TicketState::Closed { satisfied: false },
            TicketState::Closed { satisfied: true },
            TicketState::MaliciousClaim { before: Box::new(TicketState::Contacted) },
            TicketState::Excluded,
            TicketState::Handled { fixed: false },
        ];
        let s = &states[pick];
        for (code, _) in s.staff_actions(sup) {
            let a = TicketAction::from_code(code, "说明".into()).unwrap();
            proptest::prop_assert!(next(s, &a).is_ok(), "{code} from {s:?}");
        }
    }
}

fn step<'a>(actor: &'a str, roles: &'a str, kind: &'a str, day: u8) -> Step<'a> {
    Step {
        actor,
        roles,
        kind,
        day: time::Date::from_calendar_date(2026, time::Month::December, day).unwrap(),
    }
}

#[test]
fn each_day_a_clerk_served_the_case_is_one_visit_to_rate_once() {
    let steps = [
        step("u1", "applicant", "created", 1),
        step("c1", "clerk", "accepted", 1),
        step("c1", "clerk", "supplement_requested", 1),
        step("c1", "clerk", "rated", 2),
        step("r1", "reviewer", "step_completed", 2),
        step("c2", "clerk,reviewer", "issued", 3),
    ];
    let v = window_visits(&steps);
    assert_eq!(v.len(), 2, "{v:?}");
    assert_eq!(
        counter_act(&v, "c1", steps[1].day).as_deref(),
        Some("counter:1")
    );
    assert_eq!(
        counter_act(&v, "c2", steps[5].day).as_deref(),
        Some("counter:2")
    );
    assert_eq!(
        counter_act(&v, "c1", steps[3].day),
        None,
        "recording a rating is no visit"
    );
    assert!(act_exists("case", 0));
    assert!(act_exists("counter:2", 2));
    assert!(!act_exists("counter:3", 2));
    assert!(!act_exists("counter:0", 2));
    assert!(!act_exists("counter:+1", 2));
}

proptest! {
    #[test]
    fn there_are_never_more_counter_acts_than_clerk_days(
        steps in proptest::collection::vec((0u8..4, 0u8..3, 1u8..10, any::<bool>()), 0..60)
    ) {
        let actors = ["c0", "c1", "c2", "c3"];
        let roles = ["clerk", "reviewer", "applicant"];
        let list: Vec<Step> = steps.iter().map(|(a, r, d, rated)| step(
            actors[*a as usize], roles[*r as usize], if *rated { "rated" } else { "accepted" }, *d,
        )).collect();
        let visits = window_visits(&list);
        let distinct: std::collections::BTreeSet<_> = list.iter()
            .filter(|s| s.roles == "clerk" && s.kind != "rated")
            .map(|s| (s.actor, s.day)).collect();
        prop_assert_eq!(visits.len(), distinct.len());
        let acts: std::collections::BTreeSet<_> = distinct.iter()
            .filter_map(|(a, d)| counter_act(&visits, a, *d)).collect();
        prop_assert_eq!(acts.len(), distinct.len(), "each visit its own act");
        for a in &acts {
            prop_assert!(act_exists(a, visits.len()));
        }
    }
}

use super::*;
use proptest::prelude::*;

#[test]
fn a_bad_review_needs_a_reason_and_tags_come_from_the_right_list() {
    assert!(validate(Satisfaction::Satisfied, &[], "").is_ok());
    let e = validate(Satisfaction::VeryDissatisfied, &[], " ").unwrap_err();
    assert_eq!(e[0].field, "text");
    assert!(validate(Satisfaction::Dissatisfied, &["超过承诺时限".into()], "").is_ok());
    let e = validate(Satisfaction::Satisfied, &["超过承诺时限".into()], "").unwrap_err();
    assert_eq!(e[0].field, "tags");
    assert_eq!(Satisfaction::from_code(4), Some(Satisfaction::Dissatisfied));
    assert!(Satisfaction::from_code(4).unwrap().is_bad() && !Satisfaction::Basic.is_bad());
}

#[test]
fn a_ticket_runs_contact_handle_revisit_and_refuses_a_revisit_when_closed() {
    let note = |s: &str| s.to_string();
    let s = next(
        &TicketState::Open,
        &TicketAction::Contact {
            note: note("已电话联系"),
        },
    )
    .unwrap();
    let s = next(
        &s,
        &TicketAction::Handle {
            fixed: true,
            note: note("补充告知材料清单"),
        },
    )
    .unwrap();
    let s = next(
        &s,
        &TicketAction::Revisit {
            satisfied: false,
            note: note("仍不满意"),
        },
    )
    .unwrap();
    assert_eq!(s, TicketState::Closed { satisfied: false });
    let e = next(
        &s,
        &TicketAction::Revisit {
            satisfied: true,
            note: note("再次回访"),
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("不能回访"), "{e}");
    let reopened = next(
        &s,
        &TicketAction::RaterAppeal {
            reason: note("问题没有解决"),
        },
    )
    .unwrap();
    assert_eq!(reopened, TicketState::Open);
    assert_eq!(
        next(
            &TicketState::Open,
            &TicketAction::Contact { note: note(" ") }
        ),
        Err(TicketError::NoteRequired("核实联系"))
    );
    // A malicious-rating appeal goes back where it was when rejected.
    let claim = next(
        &TicketState::Contacted,
        &TicketAction::StaffAppeal {
            reason: note("评价人并未办件"),
        },
    )
    .unwrap();
    assert_eq!(
        next(
            &claim,
            &TicketAction::Decide {
                upheld: false,
                note: note("驳回")
            }
        )
        .unwrap(),
        TicketState::Contacted
    );
    assert_eq!(
        next(
            &claim,
            &TicketAction::Decide {
                upheld: true,
                note: note("成立")
            }
        )
        .unwrap(),
        TicketState::Excluded
    );
}

fn arb_action() -> impl Strategy<Value = TicketAction> {
    let n = || "[a-z]{0,3}";
    prop_oneof![
        n().prop_map(|note| TicketAction::Contact { note }),
        (any::<bool>(), n()).prop_map(|(fixed, note)| TicketAction::Handle { fixed, note }),
        (any::<bool>(), n())
            .prop_map(|(satisfied, note)| TicketAction::Revisit { satisfied, note }),
        n().prop_map(|reason| TicketAction::RaterAppeal { reason }),
        n().prop_map(|reason| TicketAction::StaffAppeal { reason }),
        (any::<bool>(), n()).prop_map(|(upheld, note)| TicketAction::Decide { upheld, note }),
    ]
}

proptest! {
    /// Whatever is tried: a ticket is closed only through a revisit, excluded only by an
    /// upheld appeal, and an excluded ticket never changes again.
    #[test]
    fn tickets_close_only_by_revisit_and_exclusion_is_final(actions in proptest::collection::vec(arb_action(), 0..30)) {
        let mut s = TicketState::Open;
        for a in &actions {
            let before = s.clone();
            if let Ok(n) = next(&s, a) {
                match (&n, a) {
                    (TicketState::Closed { .. }, TicketAction::Revisit { .. }) => {}
                    (TicketState::Closed { .. }, _) => prop_assert!(false, "closed without a revisit"),
                    (TicketState::Excluded, TicketAction::Decide { upheld: true, .. }) => {}
                    (TicketState::Excluded, _) => prop_assert!(false, "excluded without a decision"),
                    _ => {}
                }
                prop_assert!(before != TicketState::Excluded, "an excluded ticket changed");
                s = n;
            }
        }
    }
}
