use proptest::prelude::*;
use time::macros::datetime;

use super::*;
use crate::case::{Case, CaseState, Channel, Decision, Delivery, Event, SupplementNotice};
use crate::catalog::ItemDefinition;
use crate::fixtures::sample_item;
use crate::subject::Subject;

fn person() -> Party {
    Party {
        natural_person: true,
        name: "王小明".into(),
        id: "11010519491231002X".into(),
    }
}

fn case() -> Case {
    let item = sample_item();
    let mut c = Case::draft(
        "c1".into(),
        &item,
        3,
        "acct-1".into(),
        Channel::Online,
        datetime!(2026-11-23 09:00 +8),
    );
    c.number = "5116022026112300007".into();
    c.state = CaseState::Accepted;
    c.submitted_at = Some(datetime!(2026-11-23 09:05 +8));
    c.accepted_at = Some(datetime!(2026-11-23 10:00 +8));
    c
}

fn step(seq: i64, kind: &str, event: Option<Event>, state: &str) -> Step {
    Step {
        seq,
        kind: kind.into(),
        at_ms: 1_795_400_000_000,
        event,
        handler: "李受理".into(),
        role: "window_clerk".into(),
        state: state.into(),
    }
}

fn facts<'a>(case: &'a Case, item: &'a ItemDefinition, who: &'a Party) -> CaseFacts<'a> {
    CaseFacts {
        case,
        item,
        applicant: who,
        licenses: &[],
    }
}

fn kinds(records: &[Record]) -> Vec<&'static str> {
    records
        .iter()
        .map(|r| match r {
            Record::CaseBasic(_) => "basic",
            Record::CaseProcess(_) => "process",
            Record::CaseResult(_) => "result",
            Record::Rating(_) => "rating",
        })
        .collect()
}

#[test]
fn acceptance_sends_the_particulars_then_the_step() {
    let (c, item, who) = (case(), sample_item(), person());
    let f = facts(&c, &item, &who);
    let r = case_records(&f, &step(4, "accepted", None, "accepted"));
    assert_eq!(kinds(&r), ["basic", "process"]);
    let Record::CaseBasic(b) = &r[0] else {
        unreachable!()
    };
    assert_eq!(b.case_number, "5116022026112300007");
    assert_eq!(b.applicant_name, "王小明");
    assert_eq!(b.applicant_id, "11010519491231002X");
    assert_eq!(b.applicant_type, "1");
    assert_eq!(b.applicant_id_type, "居民身份证");
    assert_eq!(b.handling_form, "2");
    assert_eq!(b.item_type, item.kind.code());
    assert_eq!(b.accepted_at.as_deref(), Some("2026-11-23T10:00:00+08:00"));
    assert_eq!(b.subject_name, None);
    let Record::CaseProcess(p) = &r[1] else {
        unreachable!()
    };
    assert_eq!((p.seq, p.step_name.as_str()), (4, "受理"));
    assert_eq!(p.handler, "李受理");
}

#[test]
fn a_review_step_carries_its_name_and_opinion_and_changes_no_particulars() {
    let (c, item, who) = (case(), sample_item(), person());
    let f = facts(&c, &item, &who);
    let done = Event::StepCompleted {
        step: 0,
        name: "科室审核".into(),
        by: "s1".into(),
        opinion: "材料齐全，同意".into(),
    };
    let r = case_records(&f, &step(6, "step_completed", Some(done), "in_review"));
    assert_eq!(kinds(&r), ["process"]);
    let Record::CaseProcess(p) = &r[0] else {
        unreachable!()
    };
    assert_eq!(p.step_name, "科室审核");
    assert_eq!(p.opinion, "材料齐全，同意");
}

#[test]
fn a_supplement_notice_lists_everything_asked_for() {
    let (c, item, who) = (case(), sample_item(), person());
    let f = facts(&c, &item, &who);
    let notice = SupplementNotice {
        materials: vec!["营业执照".into(), "场所平面图".into()],
        fields: vec!["经营场所".into()],
        note: "平面图需标明尺寸".into(),
        issued_at: datetime!(2026-11-23 09:30 +8),
    };
    let asked = Event::SupplementRequested { notice };
    let r = case_records(
        &f,
        &step(
            3,
            "supplement_requested",
            Some(asked),
            "supplement_requested",
        ),
    );
    let Record::CaseProcess(p) = &r[0] else {
        unreachable!()
    };
    assert_eq!(
        p.opinion,
        "需补正：营业执照、场所平面图、经营场所；平面图需标明尺寸"
    );
}

#[test]
fn a_decision_concludes_the_case_and_names_the_result_and_licenses() {
    let (mut c, item, who) = (case(), sample_item(), person());
    c.state = CaseState::Approved;
    c.subject = Subject::Person {
        name: "王小宝".into(),
        id_number: "110105202601010011".into(),
        relation: "父亲".into(),
        reserved: true,
    };
    c.decision = Some(Decision {
        approved: true,
        reason: "符合条件".into(),
        legal_basis: "《食品经营许可和备案管理办法》".into(),
        at: datetime!(2026-11-25 15:00 +8),
        by_rule: None,
        verification_due: None,
    });
    let licenses = vec!["JY15116020000123".to_string()];
    let f = CaseFacts {
        case: &c,
        item: &item,
        applicant: &who,
        licenses: &licenses,
    };
    let decided = Event::Decided {
        decision: c.decision.clone().unwrap(),
    };
    let r = case_records(&f, &step(8, "decided", Some(decided), "approved"));
    assert_eq!(kinds(&r), ["basic", "process", "result"]);
    let Record::CaseBasic(b) = &r[0] else {
        unreachable!()
    };
    // The applicant filed; the decision is about the child.
    assert_eq!(b.applicant_name, "王小明");
    assert_eq!(b.subject_name.as_deref(), Some("王小宝"));
    assert_eq!(b.subject_id.as_deref(), Some("110105202601010011"));
    let Record::CaseResult(res) = &r[2] else {
        unreachable!()
    };
    assert_eq!(res.result, "approved");
    assert_eq!(res.concluded_at, "2026-11-25T15:00:00+08:00");
    assert_eq!(res.licenses, licenses);
    assert_eq!(res.result_document, item.result_name);
    assert_eq!(res.completed_at, None);
}

#[test]
fn completion_by_post_reports_the_tracking_number() {
    let (mut c, item, who) = (case(), sample_item(), person());
    c.state = CaseState::Completed;
    c.closed_at = Some(datetime!(2026-11-27 11:00 +8));
    c.delivery = Some(Delivery::Post {
        carrier: "EMS".into(),
        tracking: "1190012345678".into(),
    });
    let f = facts(&c, &item, &who);
    let done = Event::Completed {
        at: datetime!(2026-11-27 11:00 +8),
    };
    let r = case_records(&f, &step(10, "completed", Some(done), "completed"));
    let Some(Record::CaseResult(res)) = r.last() else {
        panic!("{r:?}")
    };
    assert_eq!(res.delivery.as_deref(), Some("post"));
    assert_eq!(res.tracking.as_deref(), Some("1190012345678"));
    assert_eq!(
        res.completed_at.as_deref(),
        Some("2026-11-27T11:00:00+08:00")
    );
}

#[test]
fn a_failed_verification_reports_the_revocation_a_passed_one_does_not() {
    let (mut c, item, who) = (case(), sample_item(), person());
    c.state = CaseState::Revoked;
    let f = facts(&c, &item, &who);
    let verified = |passed| {
        Some(Event::Verified {
            passed,
            note: "现场核查".into(),
            at: datetime!(2026-12-01 10:00 +8),
        })
    };
    let failed = case_records(&f, &step(9, "verified", verified(false), "revoked"));
    assert_eq!(kinds(&failed), ["basic", "process", "result"]);
    let mut kept = c.clone();
    kept.state = CaseState::Approved;
    let f = facts(&kept, &item, &who);
    let passed = case_records(&f, &step(9, "verified", verified(true), "approved"));
    assert_eq!(kinds(&passed), ["basic", "process"]);
}

#[test]
fn private_steps_send_nothing() {
    let (c, item, who) = (case(), sample_item(), person());
    let f = facts(&c, &item, &who);
    assert!(case_records(&f, &step(1, "edited", None, "draft")).is_empty());
    assert!(case_records(&f, &step(1, "demo_backdated", None, "accepted")).is_empty());
}

#[test]
fn a_rating_carries_the_standard_level_code_and_name() {
    let Record::Rating(r) = rating_record(
        "r1",
        "5116022026112300007",
        "X",
        "D",
        "511602",
        "hall_tablet",
        4,
        vec!["多次跑动".into()],
        "跑了两趟",
        true,
        1_795_400_000_000,
    ) else {
        unreachable!()
    };
    assert_eq!((r.level, r.level_name.as_str()), (4, "不满意"));
    assert!(r.rated_at.ends_with("+08:00"));
}

#[test]
fn reconciliation_names_what_is_missing_and_ignores_what_is_extra() {
    let events = |ks: &[&str]| -> Vec<(i64, String)> {
        ks.iter()
            .enumerate()
            .map(|(i, k)| (i as i64 + 1, k.to_string()))
            .collect()
    };
    let done = expected(
        "A",
        CaseState::Completed,
        &events(&[
            "edited",
            "submitted",
            "accepted",
            "decided",
            "issued",
            "completed",
        ]),
    );
    assert_eq!(done.steps, [2, 3, 4, 5, 6]);
    assert!(done.basic && done.result);
    let open = expected(
        "B",
        CaseState::InReview,
        &events(&["submitted", "accepted"]),
    );
    assert!(!open.result);
    let remote = vec![Holding {
        case_number: "A".into(),
        basic: true,
        steps: vec![2, 3, 4, 6, 99],
        result: false,
    }];
    let gaps = missing(&[done, open], &remote);
    assert_eq!(gaps.len(), 2);
    assert_eq!(gaps[0].steps, [5]);
    assert!(gaps[0].result && !gaps[0].basic && !gaps[0].unknown);
    assert_eq!(gaps[0].describe(), "缺过程信息（环节 5）；缺结果信息");
    assert!(gaps[1].unknown);
    assert_eq!(gaps[1].describe(), "上级平台无此办件");
}

proptest! {
    /// Whatever the upper platform holds, a case is reported missing exactly when it lacks
    /// one of the expected records, and never for a step it has.
    #[test]
    fn a_shortfall_is_exactly_what_is_not_held(
        local_steps in proptest::collection::btree_set(1i64..40, 0..12),
        held in proptest::collection::btree_set(1i64..40, 0..12),
        basic_up in any::<bool>(),
        result_up in any::<bool>(),
        result_due in any::<bool>(),
    ) {
        let local = Holding {
            case_number: "N".into(),
            basic: true,
            steps: local_steps.iter().copied().collect(),
            result: result_due,
        };
        let remote = Holding {
            case_number: "N".into(),
            basic: basic_up,
            steps: held.iter().copied().collect(),
            result: result_up,
        };
        let gaps = missing(std::slice::from_ref(&local), &[remote]);
        let lacking: Vec<i64> = local_steps.difference(&held).copied().collect();
        let complete = basic_up && lacking.is_empty() && (result_up || !result_due);
        prop_assert_eq!(gaps.is_empty(), complete);
        if let Some(g) = gaps.first() {
            prop_assert_eq!(&g.steps, &lacking);
            prop_assert!(g.steps.iter().all(|s| !held.contains(s)));
        }
    }
}

#[test]
fn times_are_given_in_china_time() {
    assert_eq!(china_time(0), "1970-01-01T08:00:00+08:00");
}
