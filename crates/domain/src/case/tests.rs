use std::collections::BTreeMap;

use proptest::prelude::*;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use super::*;
use crate::account::Role;
use crate::calendar::china_date;
use crate::case;
use crate::catalog::{CaseType, ItemDefinition, PromisedLimit};
use crate::fixtures::sample_item;
use crate::workflow::{AutoRule, Condition, FieldKind, FormField, Tolerance};

mod commitment;

const APPLICANT: &str = "applicant-1";

fn item() -> ItemDefinition {
    let mut i = sample_item();
    let mut non_key = i.materials[0].clone();
    non_key.name = "经营场所平面图".into();
    non_key.key = false;
    i.materials.push(non_key);
    i.form = vec![FormField {
        key: "shop_name".into(),
        label: "店名".into(),
        kind: FieldKind::Text,
        required: true,
        options: vec![],
        help: String::new(),
    }];
    i.workflow.tolerance = Some(Tolerance {
        days: 5,
        on_expiry: Default::default(),
    });
    i
}

fn applicant() -> CaseActor {
    CaseActor::Applicant {
        id: APPLICANT.into(),
    }
}
fn staff(id: &str, role: Role) -> CaseActor {
    CaseActor::Staff {
        id: id.into(),
        roles: vec![role],
    }
}

fn uploaded() -> Provision {
    Provision::Uploaded {
        file: "sm3:abc".into(),
        file_name: "a.pdf".into(),
        media_type: "application/pdf".into(),
    }
}

struct World {
    item: ItemDefinition,
    case: Case,
    now: OffsetDateTime,
    cal: WorkCalendar,
}

impl World {
    fn new(item: ItemDefinition) -> World {
        let now = datetime!(2026-11-23 09:00 +8);
        let case = Case::draft(
            "c1".into(),
            &item,
            1,
            APPLICANT.into(),
            Channel::Online,
            now,
        );
        World {
            item,
            case,
            now,
            cal: WorkCalendar::china(),
        }
    }
    fn run(&mut self, cmd: Command, actor: &CaseActor) -> Result<Vec<Event>, CaseError> {
        let events = decide(&self.case, &self.item, &cmd, actor, self.now, &self.cal)?;
        self.case = apply(self.case.clone(), &events);
        Ok(events)
    }
    fn ok(&mut self, cmd: Command, actor: &CaseActor) {
        if let Err(e) = self.run(cmd.clone(), actor) {
            panic!("{} failed: {e:?}", cmd.name());
        }
    }
    fn fill(&mut self, all: bool) {
        let form = BTreeMap::from([("shop_name".to_string(), "老王面馆".to_string())]);
        let mut materials = BTreeMap::new();
        for (i, m) in self.item.materials.clone().iter().enumerate() {
            if all || i == 0 {
                materials.insert(m.name.clone(), uploaded());
            }
        }
        self.ok(Command::Edit { form, materials }, &applicant());
    }
}

#[test]
fn the_full_lifecycle_with_one_supplement_and_three_review_steps() {
    let mut w = World::new(item());
    w.fill(false);
    w.ok(Command::Submit, &applicant());
    let clerk = staff("clerk", Role::Clerk);
    let ev = w
        .run(
            Command::RequestSupplement {
                materials: vec![],
                fields: vec![],
                note: "请补充平面图".into(),
            },
            &clerk,
        )
        .unwrap();
    assert!(
        matches!(&ev[0], Event::SupplementRequested { notice } if notice.materials == ["经营场所平面图"]),
        "the domain lists what is missing"
    );
    assert!(
        matches!(
            w.run(
                Command::Supply {
                    form: BTreeMap::new(),
                    materials: BTreeMap::new()
                },
                &applicant()
            ),
            Err(CaseError::Validation(_))
        ),
        "a supplement that still misses something"
    );
    w.ok(
        Command::Supply {
            form: BTreeMap::new(),
            materials: BTreeMap::from([("经营场所平面图".to_string(), uploaded())]),
        },
        &applicant(),
    );
    w.ok(
        Command::Accept {
            tolerate: vec![],
            commitment: false,
        },
        &clerk,
    );
    let reviewer = staff("r1", Role::Reviewer);
    let approver = staff("a1", Role::Approver);
    w.ok(Command::Claim, &reviewer);
    assert!(
        matches!(
            w.run(Command::Claim, &staff("r2", Role::Reviewer)),
            Err(CaseError::NotAllowed(_))
        ),
        "claiming is exclusive"
    );
    w.ok(
        Command::CompleteStep {
            opinion: "材料齐全".into(),
        },
        &reviewer,
    );
    let second = staff("r2", Role::Reviewer);
    w.ok(Command::Claim, &second);
    w.ok(
        Command::CompleteStep {
            opinion: "符合条件".into(),
        },
        &second,
    );
    assert!(
        matches!(
            w.run(Command::Claim, &reviewer),
            Err(CaseError::NotAllowed(_))
        ),
        "the last step needs an approver"
    );
    w.ok(Command::Claim, &approver);
    w.ok(
        Command::Approve {
            reason: "准予".into(),
            legal_basis: String::new(),
        },
        &approver,
    );
    w.ok(
        Command::Issue {
            delivery: Delivery::Window {
                window: "C01".into(),
            },
        },
        &clerk,
    );
    w.ok(Command::Complete, &clerk);
    assert_eq!(w.case.state, CaseState::Completed);
    assert!(matches!(
        w.run(
            Command::Withdraw {
                reason: String::new()
            },
            &applicant()
        ),
        Err(CaseError::InvalidTransition { .. })
    ));
}

#[test]
fn accepting_with_missing_materials_is_refused_unless_non_key_ones_are_tolerated() {
    let mut w = World::new(item());
    w.fill(false);
    w.ok(Command::Submit, &applicant());
    let clerk = staff("clerk", Role::Clerk);
    let err = w
        .run(
            Command::Accept {
                tolerate: vec![],
                commitment: false,
            },
            &clerk,
        )
        .unwrap_err();
    assert!(err.to_string().contains("经营场所平面图"), "{err}");
    let key = w.item.materials[0].name.clone();
    w.case.materials.insert(key.clone(), Provision::Missing);
    assert!(
        w.run(
            Command::Accept {
                tolerate: vec![key.clone()],
                commitment: false
            },
            &clerk
        )
        .unwrap_err()
        .to_string()
        .contains("核心材料")
    );
    w.case.materials.insert(key, uploaded());
    w.ok(
        Command::Accept {
            tolerate: vec!["经营场所平面图".into()],
            commitment: false,
        },
        &clerk,
    );
    assert!(matches!(
        w.case.materials["经营场所平面图"],
        Provision::Pending { .. }
    ));
}

#[test]
fn after_five_working_days_without_a_notice_the_case_counts_as_accepted_from_receipt() {
    let mut w = World::new(item());
    w.fill(true);
    w.ok(Command::Submit, &applicant());
    let received = w.case.submitted_at.unwrap();
    w.now += Duration::days(10);
    let clerk = staff("clerk", Role::Clerk);
    assert!(matches!(
        w.run(
            Command::RequestSupplement {
                materials: vec![],
                fields: vec!["shop_name".into()],
                note: String::new()
            },
            &clerk
        ),
        Err(CaseError::Rule(_))
    ));
    w.ok(
        Command::Accept {
            tolerate: vec![],
            commitment: false,
        },
        &clerk,
    );
    assert_eq!(w.case.accepted_at, Some(received));
}

#[test]
fn suspension_stops_the_clock_and_extension_is_allowed_once() {
    let mut w = World::new(item());
    w.fill(true);
    w.ok(Command::Submit, &applicant());
    w.ok(
        Command::Accept {
            tolerate: vec![],
            commitment: false,
        },
        &staff("clerk", Role::Clerk),
    );
    let before = w.case.deadlines(&w.item, &w.cal, w.now).promised.unwrap();
    assert_eq!(before.due, time::macros::date!(2026 - 12 - 07));
    let r = staff("r1", Role::Reviewer);
    w.ok(Command::Claim, &r);
    w.now = datetime!(2026-11-25 09:00 +8);
    w.ok(
        Command::Suspend {
            reason: "专家评审".into(),
            expected_days: 3,
        },
        &r,
    );
    w.now = datetime!(2026-11-27 16:00 +8);
    w.ok(Command::Resume, &r);
    let after = w.case.deadlines(&w.item, &w.cal, w.now).promised.unwrap();
    assert_eq!(
        (after.due, after.paused_working_days),
        (time::macros::date!(2026 - 12 - 10), 3)
    );
    let a = staff("a1", Role::Approver);
    w.ok(
        Command::Extend {
            days: 10,
            reason: "情况复杂".into(),
        },
        &a,
    );
    assert!(
        w.run(
            Command::Extend {
                days: 1,
                reason: "再延".into()
            },
            &a
        )
        .unwrap_err()
        .to_string()
        .contains("只能延长一次")
    );
}

#[test]
fn an_instant_item_is_decided_at_the_window() {
    let mut i = item();
    i.case_type = CaseType::Instant;
    i.promised_limit = PromisedLimit::Instant;
    let mut w = World::new(i);
    w.fill(true);
    w.ok(Command::Submit, &applicant());
    let clerk = staff("clerk", Role::Clerk);
    w.ok(
        Command::Accept {
            tolerate: vec![],
            commitment: false,
        },
        &clerk,
    );
    w.ok(
        Command::Approve {
            reason: "当场办结".into(),
            legal_basis: String::new(),
        },
        &clerk,
    );
    assert_eq!(w.case.state, CaseState::Approved);
}

#[test]
fn a_commitment_approval_is_revoked_when_verification_fails() {
    let mut i = item();
    i.workflow.commitment = Some(20);
    let mut w = World::new(i);
    w.fill(false);
    w.ok(Command::Submit, &applicant());
    w.ok(
        Command::Accept {
            tolerate: vec![],
            commitment: true,
        },
        &staff("clerk", Role::Clerk),
    );
    assert_eq!(w.case.state, CaseState::Approved);
    assert_eq!(w.case.materials["经营场所平面图"], Provision::Committed);
    assert!(w.case.decision.as_ref().unwrap().verification_due.is_some());
    w.ok(
        Command::Verify {
            passed: false,
            note: "现场与承诺不符".into(),
        },
        &staff("r", Role::Reviewer),
    );
    assert_eq!(w.case.state, CaseState::Revoked);
}

#[test]
fn an_auto_rule_decides_only_when_every_condition_holds() {
    let mut i = item();
    i.workflow.auto_approval = Some(AutoRule {
        name: "面馆秒批".into(),
        conditions: vec![Condition::Equals {
            field: "shop_name".into(),
            value: "老王面馆".into(),
        }],
    });
    let mut w = World::new(i);
    w.fill(true);
    w.ok(Command::Submit, &applicant());
    assert!(matches!(
        w.run(
            Command::AutoDecide {
                policies: Default::default(),
            },
            &staff("x", Role::Approver)
        ),
        Err(CaseError::NotAllowed(_))
    ));
    let ev = w
        .run(
            Command::AutoDecide {
                policies: Default::default(),
            },
            &CaseActor::System,
        )
        .unwrap();
    assert!(
        matches!(&ev[1], Event::Decided { decision } if decision.by_rule.as_deref() == Some("面馆秒批"))
    );
    assert!(ev[1].describe().contains("面馆秒批"));
}

#[test]
fn a_policy_condition_holds_only_on_the_platforms_verdict_that_the_subject_is_eligible() {
    let mut i = item();
    i.workflow.auto_approval = Some(AutoRule {
        name: "稳岗补贴秒批".into(),
        conditions: vec![Condition::PolicyEligible {
            policy: "p1".into(),
            title: "稳岗补贴".into(),
        }],
    });
    assert!(i.workflow.validate(&i.form).is_ok());
    let mut w = World::new(i);
    w.fill(true);
    w.ok(Command::Submit, &applicant());
    // Not judged, judged not eligible, or another policy judged: a person must look.
    for verdict in [
        BTreeMap::new(),
        BTreeMap::from([("p1".to_string(), false)]),
        BTreeMap::from([("p2".to_string(), true)]),
    ] {
        let e = w
            .run(
                Command::AutoDecide { policies: verdict },
                &CaseActor::System,
            )
            .unwrap_err();
        assert!(
            e.to_string().contains("符合政策“稳岗补贴”的全部条件"),
            "{e}"
        );
    }
    let ev = w
        .run(
            Command::AutoDecide {
                policies: BTreeMap::from([("p1".to_string(), true)]),
            },
            &CaseActor::System,
        )
        .unwrap();
    assert!(
        matches!(&ev[1], Event::Decided { decision } if decision.approved && decision.by_rule.as_deref() == Some("稳岗补贴秒批"))
    );
}

#[test]
fn a_policy_condition_must_name_its_policy() {
    let mut i = item();
    i.workflow.auto_approval = Some(AutoRule {
        name: "x".into(),
        conditions: vec![Condition::PolicyEligible {
            policy: " ".into(),
            title: String::new(),
        }],
    });
    let e = i.workflow.validate(&i.form).unwrap_err();
    assert_eq!(e[0].field, "workflow.auto_approval.conditions[0].policy");
}

#[test]
fn a_rule_on_government_materials_decides_only_when_licenses_or_shared_data_provide_them() {
    let mut i = item();
    i.workflow.auto_approval = Some(AutoRule {
        name: "证照齐全秒批".into(),
        conditions: vec![Condition::MaterialsFromGovernment],
    });
    // Uploaded by the applicant: a person must look.
    let mut w = World::new(i.clone());
    w.fill(true);
    w.ok(Command::Submit, &applicant());
    let e = w
        .run(
            Command::AutoDecide {
                policies: Default::default(),
            },
            &CaseActor::System,
        )
        .unwrap_err();
    assert!(e.to_string().contains("电子证照或共享数据"), "{e}");
    // Attached by the platform from the register: the rule decides.
    let mut w = World::new(i.clone());
    for (n, m) in i.materials.iter().enumerate() {
        let p = if n % 2 == 0 {
            Provision::License {
                license_id: format!("1.2.156.3005.2.X.Y.{n}.001.0"),
                type_name: "营业执照".into(),
                number: n.to_string(),
            }
        } else {
            Provision::Shared {
                source: "公安人口库".into(),
                summary: "户籍核验一致".into(),
            }
        };
        w.case.materials.insert(m.name.clone(), p);
    }
    w.case.form.insert("shop_name".into(), "老王面馆".into());
    w.ok(Command::Submit, &applicant());
    let ev = w
        .run(
            Command::AutoDecide {
                policies: Default::default(),
            },
            &CaseActor::System,
        )
        .unwrap();
    assert!(
        matches!(&ev[1], Event::Decided { decision } if decision.approved && decision.by_rule.as_deref() == Some("证照齐全秒批"))
    );
    // Nor can an applicant claim a license in a command: only the platform attaches them.
    let mut w = World::new(i.clone());
    let forged = BTreeMap::from([(
        i.materials[0].name.clone(),
        Provision::License {
            license_id: "x".into(),
            type_name: "营业执照".into(),
            number: "1".into(),
        },
    )]);
    assert!(matches!(
        w.run(
            Command::Edit {
                form: BTreeMap::new(),
                materials: forged
            },
            &applicant()
        ),
        Err(CaseError::Validation(_))
    ));
}

#[test]
fn strangers_cannot_act_on_someone_elses_case() {
    let mut w = World::new(item());
    w.fill(true);
    assert!(matches!(
        w.run(
            Command::Submit,
            &CaseActor::Applicant { id: "other".into() }
        ),
        Err(CaseError::NotAllowed(_))
    ));
    w.ok(Command::Submit, &applicant());
    assert!(matches!(
        w.run(
            Command::Accept {
                tolerate: vec![],
                commitment: false
            },
            &staff("r", Role::Reviewer)
        ),
        Err(CaseError::NotAllowed(_))
    ));
    assert!(matches!(
        w.run(
            Command::Withdraw {
                reason: String::new()
            },
            &CaseActor::Applicant { id: "other".into() }
        ),
        Err(CaseError::NotAllowed(_))
    ));
}

// --- property tests -------------------------------------------------------------------

fn arb_command() -> impl Strategy<Value = Command> {
    let names = prop_oneof![
        Just("食品经营许可申请书".to_string()),
        Just("经营场所平面图".to_string())
    ];
    prop_oneof![
        (prop::bool::ANY, names.clone()).prop_map(|(f, m)| Command::Edit {
            form: if f {
                BTreeMap::from([("shop_name".to_string(), "店".to_string())])
            } else {
                BTreeMap::new()
            },
            materials: BTreeMap::from([(
                m,
                Provision::Uploaded {
                    file: "h".into(),
                    file_name: "a.pdf".into(),
                    media_type: "application/pdf".into()
                }
            )]),
        }),
        Just(Command::Submit),
        Just(Command::RequestSupplement {
            materials: vec![],
            fields: vec!["shop_name".into()],
            note: String::new()
        }),
        names.clone().prop_map(|m| Command::Supply {
            form: BTreeMap::from([("shop_name".to_string(), "店".to_string())]),
            materials: BTreeMap::from([(
                m,
                Provision::Uploaded {
                    file: "h".into(),
                    file_name: "a.pdf".into(),
                    media_type: "application/pdf".into()
                }
            )]),
        }),
        prop::bool::ANY.prop_map(|t| Command::Accept {
            tolerate: if t {
                vec!["经营场所平面图".into()]
            } else {
                vec![]
            },
            commitment: false
        }),
        Just(Command::RejectAtIntake {
            reason: "不符合条件".into()
        }),
        Just(Command::Claim),
        Just(Command::CompleteStep {
            opinion: "同意".into()
        }),
        Just(Command::Approve {
            reason: "准予".into(),
            legal_basis: "法".into()
        }),
        Just(Command::Deny {
            reason: "不予".into(),
            legal_basis: "法".into()
        }),
        (1u32..20).prop_map(|d| Command::Suspend {
            reason: "检验".into(),
            expected_days: d
        }),
        Just(Command::Resume),
        (1u32..12).prop_map(|d| Command::Extend {
            days: d,
            reason: "复杂".into()
        }),
        Just(Command::Issue {
            delivery: Delivery::Electronic
        }),
        Just(Command::Complete),
        Just(Command::Withdraw {
            reason: String::new()
        }),
    ]
}

fn arb_actor() -> impl Strategy<Value = CaseActor> {
    prop_oneof![
        Just(applicant()),
        Just(staff("clerk", Role::Clerk)),
        Just(staff("r1", Role::Reviewer)),
        Just(staff("r2", Role::Reviewer)),
        Just(staff("a1", Role::Approver)),
        Just(CaseActor::System),
    ]
}

fn check_invariants(c: &Case, item: &ItemDefinition) {
    use CaseState as S;
    assert_eq!(
        c.open_pause.is_some(),
        c.state == S::Suspended,
        "open pause ⇔ suspended"
    );
    if c.state.is_accepted() {
        assert!(
            c.accepted_at.is_some(),
            "accepted states have an acceptance time"
        );
    }
    assert_eq!(
        c.decision.is_some(),
        matches!(
            c.state,
            S::Approved | S::Denied | S::Issuing | S::Completed | S::Revoked
        ),
        "decision ⇔ decided states"
    );
    assert!(c.step <= item.workflow.steps_for(item.case_type).len());
    assert!(c.extension_days <= limits::MAX_EXTENSION);
    assert_eq!(c.closed_at.is_some(), c.state.is_final(), "closed ⇔ final");
    if c.claimed_by.is_some() {
        assert!(
            matches!(c.state, S::InReview | S::Suspended),
            "only a case in review is claimed"
        );
    }
    if let Some(at) = c.accepted_at {
        assert!(c.submitted_at.is_some_and(|s| at <= s.max(at)));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// No sequence of commands, by anyone, at any pace, reaches an inconsistent case; the
    /// promised deadline never moves backwards; a rejected command changes nothing.
    #[test]
    fn no_command_sequence_reaches_an_inconsistent_state(prefix in 0usize..5, steps in prop::collection::vec((arb_command(), arb_actor(), 0i64..72), 1..40)) {
        let mut w = World::new(item());
        // Start part of the runs deep in the lifecycle, so random commands explore review,
        // suspension, decision and issuing, not only the draft.
        if prefix > 0 { w.fill(prefix != 2); w.ok(Command::Submit, &applicant()); }
        if prefix >= 3 {
            w.ok(Command::Accept { tolerate: vec![], commitment: false }, &staff("clerk", Role::Clerk));
        }
        if prefix == 4 { w.ok(Command::Claim, &staff("r1", Role::Reviewer)); }
        let mut last_due = None;
        for (cmd, actor, hours) in steps {
            w.now += Duration::hours(hours);
            let before = w.case.clone();
            match decide(&w.case, &w.item, &cmd, &actor, w.now, &w.cal) {
                Ok(events) => {
                    prop_assert!(!before.state.is_final() || matches!(cmd, Command::Verify { .. }), "a final state accepted {}", cmd.name());
                    let kind = cmd.kind();
                    prop_assert!(allowed(&before, &w.item, &actor, w.now, &w.cal).contains(&kind), "{} succeeded but was not offered", kind.name());
                    w.case = apply(w.case.clone(), &events);
                    let mut targets = table::TABLE.iter().filter(|t| t.command == kind && t.from.contains(&before.state)).flat_map(|t| t.targets());
                    prop_assert!(targets.any(|s| s == w.case.state), "{} led from {:?} to {:?}, which the table does not list", kind.name(), before.state, w.case.state);
                }
                Err(_) => prop_assert_eq!(&w.case, &before),
            }
            check_invariants(&w.case, &w.item);
            if let Some(d) = w.case.deadlines(&w.item, &w.cal, w.now).promised {
                if let Some(prev) = last_due { prop_assert!(d.due >= prev, "deadline moved back from {prev} to {}", d.due); }
                last_due = Some(d.due);
            }
        }
    }
}

#[test]
fn overdue_tolerated_materials_suspend_the_case_until_supplied() {
    let mut w = World::new(item());
    w.fill(false);
    w.case
        .materials
        .insert("经营场所平面图".into(), Provision::Missing);
    w.ok(Command::Submit, &applicant());
    w.ok(
        Command::Accept {
            tolerate: vec!["经营场所平面图".into()],
            commitment: false,
        },
        &staff("clerk", Role::Clerk),
    );
    assert!(
        matches!(
            w.run(Command::ExpireTolerance, &CaseActor::System),
            Err(CaseError::Rule(_))
        ),
        "not overdue yet"
    );
    w.now += Duration::days(14);
    w.ok(Command::ExpireTolerance, &CaseActor::System);
    assert_eq!(w.case.state, CaseState::Suspended);
    let supply = BTreeMap::from([("经营场所平面图".to_string(), uploaded())]);
    let ev = w
        .run(Command::SupplyPending { materials: supply }, &applicant())
        .unwrap();
    assert!(
        matches!(ev.last(), Some(Event::Resumed { .. })),
        "supplying ends the pause"
    );
    assert_eq!(w.case.state, CaseState::InReview);
    assert!(case::completeness(&w.case, &w.item, china_date(w.now)).is_complete());
}

#[test]
fn a_case_waits_for_the_window_or_the_role_of_its_current_step() {
    let mut w = World::new(item());
    assert_eq!(
        w.case.waiting_for(&w.item),
        None,
        "a draft waits for nobody"
    );
    w.fill(true);
    w.ok(Command::Submit, &applicant());
    assert_eq!(w.case.waiting_for(&w.item), Some(Role::Clerk));
    w.ok(
        Command::Accept {
            tolerate: vec![],
            commitment: false,
        },
        &staff("clerk", Role::Clerk),
    );
    assert_eq!(w.case.waiting_for(&w.item), Some(Role::Reviewer));
    w.case.step = 2;
    assert_eq!(w.case.waiting_for(&w.item), Some(Role::Approver));
    assert_eq!(w.case.verification_due(), None);
}

#[test]
fn every_command_has_a_row_and_every_row_a_consistent_target() {
    for k in CommandKind::ALL {
        assert!(
            table::TABLE.iter().any(|t| t.command == *k),
            "{} has no row",
            k.name()
        );
        assert_eq!(CommandKind::parse(k.name()), Some(*k));
    }
    for t in table::TABLE {
        assert!(!t.from.is_empty() && !t.to.is_empty());
        for s in t.from {
            assert!(
                // A 告知承诺 is verified after approval; paper originals may reach the
                // concluding office's archive after the case closed.
                !s.is_final()
                    || matches!(
                        t.command,
                        CommandKind::Verify
                            | CommandKind::SendOriginals
                            | CommandKind::ReceiveOriginals
                    ),
                "{} starts from the final state {:?}",
                t.command.name(),
                s
            );
        }
    }
}

#[test]
fn the_pages_offer_what_the_table_allows_each_actor() {
    let mut w = World::new(item());
    let names = |w: &World, a: &CaseActor| -> Vec<&str> {
        allowed(&w.case, &w.item, a, w.now, &w.cal)
            .into_iter()
            .map(CommandKind::name)
            .collect()
    };
    assert_eq!(names(&w, &applicant()), ["edit", "submit", "withdraw"]);
    assert!(
        names(&w, &staff("clerk", Role::Clerk)).is_empty(),
        "an online draft is the applicant's"
    );
    w.fill(true);
    w.ok(Command::Submit, &applicant());
    assert_eq!(names(&w, &applicant()), ["withdraw"]);
    assert_eq!(
        names(&w, &staff("clerk", Role::Clerk)),
        ["request_supplement", "accept", "reject_at_intake"]
    );
    w.ok(
        Command::Accept {
            tolerate: vec![],
            commitment: false,
        },
        &staff("clerk", Role::Clerk),
    );
    assert_eq!(names(&w, &staff("r1", Role::Reviewer)), ["claim"]);
    assert!(
        names(&w, &staff("a1", Role::Approver)).is_empty(),
        "the first step is the reviewer's"
    );
    match w.run(Command::Claim, &staff("a1", Role::Approver)) {
        Err(CaseError::NotAllowed(m)) => assert!(m.contains(Role::Reviewer.label()), "{m}"),
        other => panic!("an approver claimed the reviewer's step: {other:?}"),
    }
    w.ok(Command::Claim, &staff("r1", Role::Reviewer));
    assert_eq!(
        names(&w, &staff("r1", Role::Reviewer)),
        ["complete_step", "suspend"]
    );
    assert_eq!(
        names(&w, &staff("r2", Role::Reviewer)),
        ["suspend"],
        "a claimed step is the claimant's"
    );
    assert!(names(&w, &CaseActor::System).is_empty());
}

#[test]
fn one_person_does_not_hold_two_consecutive_steps_unless_the_item_allows_it() {
    let mut w = World::new(item());
    w.fill(true);
    w.ok(Command::Submit, &applicant());
    let accept = Command::Accept {
        tolerate: vec![],
        commitment: false,
    };
    w.ok(accept.clone(), &staff("clerk", Role::Clerk));
    let r1 = staff("r1", Role::Reviewer);
    w.ok(Command::Claim, &r1);
    w.ok(
        Command::CompleteStep {
            opinion: "同意".into(),
        },
        &r1,
    );
    // 审核 after 承办: not by the one who did 承办.
    let offered = allowed(&w.case, &w.item, &r1, w.now, &w.cal);
    assert!(!offered.contains(&CommandKind::Claim), "{offered:?}");
    match w.run(Command::Claim, &r1) {
        Err(CaseError::NotAllowed(m)) => assert!(m.contains("上一环节"), "{m}"),
        other => panic!("{other:?}"),
    }
    w.ok(Command::Claim, &staff("r2", Role::Reviewer));
    // An item may allow it (a one-person office).
    let mut small = item();
    small.workflow.same_person_steps = true;
    let mut w = World::new(small);
    w.fill(true);
    w.ok(Command::Submit, &applicant());
    w.ok(accept, &staff("clerk", Role::Clerk));
    w.ok(Command::Claim, &r1);
    w.ok(
        Command::CompleteStep {
            opinion: "同意".into(),
        },
        &r1,
    );
    w.ok(Command::Claim, &r1);
}

/// Renders the lifecycle table into docs/ARCHITECTURE.md between its markers; fails (after
/// rewriting the file) when the committed docs were out of date, so they cannot drift.
#[test]
fn lifecycle_docs() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/ARCHITECTURE.md");
    let doc = std::fs::read_to_string(path).expect("docs/ARCHITECTURE.md exists");
    let begin = doc
        .find("<!-- BEGIN GENERATED: case lifecycle")
        .expect("docs/ARCHITECTURE.md has the BEGIN GENERATED marker");
    let begin = begin + doc[begin..].find("-->").expect("marker closes") + 3;
    let end = doc
        .find("<!-- END GENERATED: case lifecycle -->")
        .expect("docs/ARCHITECTURE.md has the END GENERATED marker");
    let fresh = format!(
        "{}\n{}{}",
        &doc[..begin],
        table::render_markdown(),
        &doc[end..]
    );
    if fresh != doc {
        std::fs::write(path, &fresh).expect("docs/ARCHITECTURE.md is writable");
        panic!(
            "docs/ARCHITECTURE.md showed an old case lifecycle; it has been regenerated: commit it"
        );
    }
}

#[test]
fn filing_online_needs_every_mandatory_material_unless_tolerance_or_commitment_lets_one_follow() {
    let fields = |e: CaseError| match e {
        CaseError::Validation(v) => v.into_iter().map(|f| f.field).collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    // Neither 容缺 nor 告知承诺: the plan must come with the filing.
    let mut plain = item();
    plain.workflow.tolerance = None;
    let mut w = World::new(plain.clone());
    w.fill(false);
    let e = w.run(Command::Submit, &applicant()).unwrap_err();
    assert_eq!(fields(e), ["materials.经营场所平面图"]);
    // 容缺 (or 告知承诺) lets a non-key material follow, never a key one.
    let mut w = World::new(item());
    w.fill(false);
    w.ok(Command::Submit, &applicant());
    let mut w = World::new(item());
    w.ok(
        Command::Edit {
            form: BTreeMap::from([("shop_name".to_string(), "老王面馆".to_string())]),
            materials: BTreeMap::new(),
        },
        &applicant(),
    );
    let e = w.run(Command::Submit, &applicant()).unwrap_err();
    assert_eq!(
        fields(e),
        ["materials.食品经营许可申请书"],
        "the key material"
    );
    let mut committed = plain.clone();
    committed.workflow.commitment = Some(20);
    let mut w = World::new(committed);
    w.fill(false);
    w.ok(Command::Submit, &applicant());
    // At the window the clerk checks originals when accepting: filing is not held back.
    let mut w = World::new(plain);
    w.case.channel = Channel::Window;
    w.fill(false);
    w.run(Command::Submit, &applicant())
        .unwrap_or_else(|e| panic!("{e:?}"));
}

#[test]
fn the_public_timeline_says_what_happened_without_staff_opinions() {
    let step = Event::StepCompleted {
        step: 1,
        name: "审核".into(),
        opinion: "拟同意，建议批准".into(),
        by: "rev".into(),
    };
    assert_eq!(step.describe_public(), "审核环节已完成");
    assert!(
        step.describe().contains("拟同意"),
        "staff and the applicant's page keep it"
    );
    let denied = Event::Decided {
        decision: Decision {
            approved: false,
            reason: "场所面积不足，内部讨论意见".into(),
            legal_basis: "依法".into(),
            at: datetime!(2026-11-23 09:00 +8),
            by_rule: None,
            verification_due: None,
        },
    };
    assert!(!denied.describe_public().contains("内部"));
}

#[test]
fn a_material_named_in_the_notice_must_come_again_with_other_content() {
    let mut w = World::new(item());
    w.fill(true);
    w.ok(Command::Submit, &applicant());
    let name = w.item.materials[0].name.clone();
    w.ok(
        Command::RequestSupplement {
            materials: vec![name.clone()],
            fields: vec![],
            note: "申请书未签字".into(),
        },
        &staff("clerk", Role::Clerk),
    );
    let supply = |p: Option<Provision>| Command::Supply {
        form: BTreeMap::new(),
        materials: p
            .map(|p| BTreeMap::from([(name.clone(), p)]))
            .unwrap_or_default(),
    };
    let refused = |r: Result<Vec<Event>, CaseError>| match r {
        Err(CaseError::Validation(v)) => v[0].message.clone(),
        other => panic!("{other:?}"),
    };
    assert!(refused(w.run(supply(None), &applicant())).contains("重新提供"));
    // The same content under another name is not a correction.
    let renamed = Provision::Uploaded {
        file: "sm3:abc".into(),
        file_name: "申请书（已签字）.pdf".into(),
        media_type: "application/pdf".into(),
    };
    assert!(refused(w.run(supply(Some(renamed)), &applicant())).contains("重新提供"));
    let signed = Provision::Uploaded {
        file: "sm3:def".into(),
        file_name: "申请书（已签字）.pdf".into(),
        media_type: "application/pdf".into(),
    };
    w.ok(supply(Some(signed)), &applicant());
    assert_eq!(w.case.state, CaseState::Submitted);
}

#[test]
fn the_applicant_hears_of_what_others_did_not_of_their_own_steps() {
    let at = datetime!(2026-12-03 10:00 +8);
    assert!(!Event::Submitted { at }.tells_applicant());
    assert!(
        !Event::Withdrawn {
            reason: String::new(),
            at
        }
        .tells_applicant()
    );
    assert!(
        !Event::Claimed {
            step: 0,
            by: "x".into()
        }
        .tells_applicant()
    );
    assert!(Event::Completed { at }.tells_applicant());
    assert!(
        Event::Extended {
            days: 5,
            reason: "x".into()
        }
        .tells_applicant()
    );
    assert!(
        !Event::Verified {
            passed: true,
            note: String::new(),
            at
        }
        .tells_applicant()
    );
    assert!(
        Event::Verified {
            passed: false,
            note: String::new(),
            at
        }
        .tells_applicant()
    );
}

#[test]
fn a_window_refusal_needs_a_second_person_and_a_reason_in_plain_words() {
    let mut w = World::new(item());
    w.fill(true);
    w.ok(Command::Submit, &applicant());
    let clerk = staff("c1", Role::Clerk);
    let e = w
        .run(
            Command::RejectAtIntake {
                reason: "不符合".into(),
            },
            &clerk,
        )
        .unwrap_err();
    assert!(
        matches!(&e, CaseError::Validation(v) if v[0].code == "too_short"),
        "{e:?}"
    );
    let reason = "申请人提交的营业执照已注销，不具备申请主体资格";
    w.ok(
        Command::RejectAtIntake {
            reason: reason.into(),
        },
        &clerk,
    );
    assert_eq!(w.case.state, CaseState::RefusalPending);
    assert!(w.case.closed_at.is_none(), "not refused until confirmed");
    // Neither the clerk nor the proposer in another role confirms it.
    assert!(matches!(
        w.run(Command::ConfirmRefusal, &clerk),
        Err(CaseError::NotAllowed(_))
    ));
    assert!(matches!(
        w.run(Command::ConfirmRefusal, &staff("c1", Role::Approver)),
        Err(CaseError::NotAllowed(_))
    ));
    let chief = staff("a1", Role::Approver);
    assert!(
        w.run(Command::OverturnRefusal { note: " ".into() }, &chief)
            .is_err()
    );
    w.ok(
        Command::OverturnRefusal {
            note: "执照状态为存续，应予受理".into(),
        },
        &chief,
    );
    assert_eq!(w.case.state, CaseState::Submitted);
    assert!(w.case.proposed_refusal.is_none());
    w.ok(
        Command::RejectAtIntake {
            reason: reason.into(),
        },
        &clerk,
    );
    let ev = w.run(Command::ConfirmRefusal, &chief).unwrap();
    assert!(matches!(&ev[0], Event::RejectedAtIntake { reason: r, .. } if r == reason));
    assert_eq!(w.case.state, CaseState::RejectedAtIntake);
    assert_eq!(w.case.close_reason, reason);
}

// --- 收件与办结分离 ------------------------------------------------------------------------

fn relayed(w: &mut World) {
    let point = |code: &str| relay::PointRef {
        code: code.into(),
        name: format!("{code}便民服务站"),
        region: "511602001001".into(),
    };
    w.case.channel = Channel::Window;
    w.case.relay = Some(relay::Relay {
        received_at: point("WUFU"),
        basis: relay::RelayBasis::PointRight,
        pickup: point("WUFU"),
        originals: vec![],
        originals_sent: None,
        originals_received: None,
    });
}

#[test]
fn the_system_submits_and_completes_only_what_a_partner_platform_forwarded() {
    let form = BTreeMap::from([("shop_name".to_string(), "老王面馆".to_string())]);
    // A case of this platform: the system neither submits it nor completes it on its word.
    let mut w = World::new(item());
    relayed(&mut w);
    w.case.form = form.clone();
    assert!(matches!(
        w.run(Command::Submit, &CaseActor::System),
        Err(CaseError::NotAllowed(_) | CaseError::Rule(_))
    ));
    // A partner's forward: submitted by the system, its pickup fixed at the partner's window,
    // completed by the system once issued.
    let mut w = World::new(item());
    relayed(&mut w);
    w.case.relay.as_mut().unwrap().basis = relay::RelayBasis::Partner;
    w.case.form = form;
    for m in w.item.materials.clone() {
        w.case.materials.insert(m.name.clone(), uploaded());
    }
    w.ok(Command::Submit, &CaseActor::System);
    assert_eq!(w.case.state, CaseState::Submitted);
    let clerk = staff("clerk", Role::Clerk);
    let elsewhere = relay::PointRef {
        code: "ZX".into(),
        name: "政务服务中心".into(),
        region: "511602".into(),
    };
    assert!(matches!(
        w.run(Command::ChoosePickup { point: elsewhere }, &clerk),
        Err(CaseError::Rule(m)) if m.contains("不能改选")
    ));
    w.case.state = CaseState::Approved;
    assert!(
        w.run(Command::Complete, &CaseActor::System).is_err(),
        "not before it is issued"
    );
    w.case.state = CaseState::Issuing;
    w.ok(Command::Complete, &CaseActor::System);
    assert_eq!(w.case.state, CaseState::Completed);
}

#[test]
fn originals_checked_at_the_receiving_window_are_sent_once_and_signed_for_by_the_department() {
    let mut w = World::new(item());
    relayed(&mut w);
    let clerk = staff("wufu", Role::Clerk);
    let mut materials = BTreeMap::new();
    for m in w.item.materials.clone() {
        materials.insert(m.name.clone(), uploaded());
    }
    let first = w.item.materials[0].name.clone();
    materials.insert(
        first.clone(),
        Provision::CheckedOriginal { by: "wufu".into() },
    );
    let form = BTreeMap::from([("shop_name".to_string(), "老王面馆".to_string())]);
    w.ok(Command::Edit { form, materials }, &clerk);
    w.ok(Command::Submit, &clerk);
    assert!(
        matches!(
            w.run(Command::SendOriginals, &clerk),
            Err(CaseError::InvalidTransition { .. })
        ),
        "nothing travels before 受理"
    );
    w.ok(
        Command::Accept {
            tolerate: vec![],
            commitment: false,
        },
        &clerk,
    );
    let reviewer = staff("r1", Role::Reviewer);
    assert!(
        matches!(
            w.run(Command::ReceiveOriginals, &reviewer),
            Err(CaseError::Rule(_))
        ),
        "nothing to sign for yet"
    );
    w.ok(Command::SendOriginals, &clerk);
    let r = w.case.relay.clone().unwrap();
    assert_eq!(r.originals, vec![first]);
    assert_eq!(r.originals_sent.unwrap().by, "wufu");
    assert!(matches!(
        w.run(Command::SendOriginals, &clerk),
        Err(CaseError::Rule(_))
    ));
    assert!(
        matches!(
            w.run(Command::ReceiveOriginals, &clerk),
            Err(CaseError::NotAllowed(_))
        ),
        "the window does not sign for its own hand-over"
    );
    w.ok(Command::ReceiveOriginals, &reviewer);
    assert_eq!(w.case.relay.unwrap().originals_received.unwrap().by, "r1");
}

#[test]
fn a_case_received_by_its_own_department_has_nothing_to_hand_over() {
    let mut w = World::new(item());
    w.case.state = CaseState::Accepted;
    w.case.materials.insert(
        w.item.materials[0].name.clone(),
        Provision::CheckedOriginal { by: "c".into() },
    );
    assert!(matches!(
        w.run(Command::SendOriginals, &staff("c", Role::Clerk)),
        Err(CaseError::Rule(_))
    ));
}

#[test]
fn the_receiving_point_files_and_accepts_but_does_not_review_or_decide() {
    use table::CommandKind as K;
    for k in [K::Submit, K::Accept, K::RejectAtIntake, K::SendOriginals] {
        assert!(relay::receiving_may(k), "{}", k.name());
        assert!(
            !relay::pickup_may(k),
            "{}: not where the result is collected",
            k.name()
        );
    }
    for k in [K::Issue, K::Complete] {
        assert!(relay::pickup_may(k), "{}", k.name());
        assert!(
            !relay::receiving_may(k),
            "{}: not where it was received",
            k.name()
        );
    }
    for k in [
        K::Claim,
        K::CompleteStep,
        K::Approve,
        K::Deny,
        K::ConfirmRefusal,
        K::ReceiveOriginals,
        K::AssessFee,
    ] {
        assert!(
            !relay::receiving_may(k) && !relay::pickup_may(k),
            "{}",
            k.name()
        );
    }
}

fn region() -> impl Strategy<Value = crate::ids::RegionCode> {
    (
        prop::sample::select(vec!["5116", "5101", "1101"]),
        prop::sample::select(vec!["02", "21", "22"]),
        prop::option::of(1u32..9),
    )
        .prop_map(|(city, county, town)| {
            let mut s = format!("{city}{county}");
            if let Some(t) = town {
                s.push_str(&format!("{t:03}"));
            }
            crate::ids::RegionCode::parse(&s).unwrap()
        })
}

proptest! {
    #[test]
    fn who_may_receive_an_item_for_another_office(
        point in region(),
        item in region(),
        accept in any::<bool>(),
        scope in prop::sample::select(crate::catalog::ServiceScope::ALL.to_vec()),
    ) {
        use crate::catalog::ServiceScope as Sc;
        use relay::RelayBasis as B;
        let powers = crate::rights::Powers { guide: false, accept, conclude: false };
        let got = relay::basis(powers, &point, &item, scope);
        let same_city = point.as_str()[..4] == item.as_str()[..4];
        let want = if accept {
            Some(B::PointRight)
        } else {
            match scope {
                Sc::Local => None,
                Sc::CrossCounty if same_city => Some(B::CityWide),
                Sc::CrossCounty => None,
                _ => Some(B::AnyWhere),
            }
        };
        prop_assert_eq!(got, want);
    }
}

// --- 窗口无否决权: a window 不予许可 of a 即办件 ---------------------------------------------

#[test]
fn a_window_denial_of_an_instant_item_waits_for_the_approver() {
    let mut instant = item();
    instant.case_type = CaseType::Instant;
    instant.promised_limit = PromisedLimit::Instant;
    let mut w = World::new(instant);
    w.fill(true);
    w.ok(Command::Submit, &applicant());
    let clerk = staff("clerk", Role::Clerk);
    w.ok(
        Command::Accept {
            tolerate: vec![],
            commitment: false,
        },
        &clerk,
    );
    let deny = |reason: &str| Command::Deny {
        reason: reason.into(),
        legal_basis: "《食品经营许可管理办法》第十条".into(),
    };
    assert!(
        matches!(w.run(deny("不符合"), &clerk), Err(CaseError::Validation(_))),
        "a one-word reason"
    );
    w.ok(deny("经营场所与登记住所不一致，且未取得使用证明"), &clerk);
    assert_eq!(w.case.state, CaseState::RefusalPending);
    assert_eq!(w.case.state_label(), "不予许可待复核");
    assert!(w.case.decision.is_none(), "nothing decided yet");
    assert!(
        matches!(
            w.run(Command::ConfirmRefusal, &staff("clerk", Role::Approver)),
            Err(CaseError::NotAllowed(_))
        ),
        "not by the one who proposed it"
    );
    let approver = staff("a1", Role::Approver);
    // Sent back: the window decides again, and may approve.
    w.ok(
        Command::OverturnRefusal {
            note: "使用证明可通过共享数据核验".into(),
        },
        &approver,
    );
    assert_eq!(w.case.state, CaseState::Accepted);
    w.ok(deny("经营场所与登记住所不一致，且未取得使用证明"), &clerk);
    w.ok(Command::ConfirmRefusal, &approver);
    assert_eq!(w.case.state, CaseState::Denied);
    let d = w.case.decision.clone().unwrap();
    assert!(!d.approved);
    assert_eq!(d.legal_basis, "《食品经营许可管理办法》第十条");
    assert!(d.reason.starts_with("经营场所"));
}

#[test]
fn the_person_chooses_where_to_collect_a_relayed_case_until_it_goes_out() {
    let other = relay::PointRef {
        code: "CENTRE".into(),
        name: "区政务服务中心".into(),
        region: "511602".into(),
    };
    let choose = |p: &relay::PointRef| Command::ChoosePickup { point: p.clone() };
    let mut plain = World::new(item());
    assert!(
        matches!(
            plain.run(choose(&other), &applicant()),
            Err(CaseError::Rule(_))
        ),
        "only a case received for another office"
    );
    let mut w = World::new(item());
    relayed(&mut w);
    let here = w.case.relay.clone().unwrap().pickup;
    assert!(matches!(
        w.run(choose(&here), &applicant()),
        Err(CaseError::Rule(_))
    ));
    w.ok(choose(&other), &applicant());
    assert_eq!(w.case.relay.clone().unwrap().pickup, other);
    w.case.state = CaseState::Issuing;
    assert!(
        matches!(
            w.run(choose(&here), &applicant()),
            Err(CaseError::InvalidTransition { .. })
        ),
        "not once the result went out"
    );
}
