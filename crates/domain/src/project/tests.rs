use proptest::prelude::*;
use time::macros::date;

use super::joint::{JointKind, JointState, Step};
use super::*;

const CODE: &str = "2026-511602-47-03-000123";

fn draft() -> ProjectDraft {
    ProjectDraft {
        code: CODE.into(),
        name: "协兴园区标准厂房".into(),
        funding: Funding::Enterprise,
        filing: Filing::Record,
        category: Category::LowRiskSmall,
        region: "511602".into(),
        land: "出让，川(2026)广安区不动产权第0001234号".into(),
        scale: "单层丙类仓库，建筑面积 4800 平方米".into(),
        floor_area_m2: 4800,
    }
}

fn path(category: Category, stages: &[Stage]) -> Path {
    Path {
        category,
        stages: stages
            .iter()
            .map(|&s| StagePlan {
                stage: s,
                bundle: format!("GCJS-{}", s.as_str()),
            })
            .collect(),
        promised_days: 80,
    }
}

fn codes(e: Vec<FieldError>) -> Vec<(String, &'static str)> {
    e.into_iter().map(|f| (f.field, f.code)).collect()
}

#[test]
fn a_project_code_is_24_characters_of_digits_letters_and_hyphens() {
    assert_eq!(check_code(" 2026-511602-47-03-000123 ").unwrap(), CODE);
    for bad in [
        "",
        "2026-511602-47-03-00012",
        "2026-511602-47-03-0001234",
        "2026-511602-47-03-00012？",
        "ABCDEFGHIJKLMNOPQRSTUVWX",
    ] {
        assert!(check_code(bad).is_err(), "{bad}");
    }
    assert_eq!(check_code("").unwrap_err().code, "required");
}

#[test]
fn filing_follows_funding_and_the_low_risk_path_is_for_small_enterprise_projects() {
    assert!(draft().validate().is_ok());
    let gov = ProjectDraft {
        funding: Funding::Government,
        ..draft()
    };
    let e = codes(gov.validate().unwrap_err());
    assert!(e.contains(&("filing".into(), "inconsistent")), "{e:?}");
    assert!(e.contains(&("category".into(), "inconsistent")), "{e:?}");
    let big = ProjectDraft {
        floor_area_m2: 12_000,
        ..draft()
    };
    assert_eq!(
        codes(big.validate().unwrap_err()),
        vec![("category".into(), "too_large")]
    );
    let general = ProjectDraft {
        category: Category::General,
        floor_area_m2: 120_000,
        filing: Filing::Verification,
        ..draft()
    };
    assert!(general.validate().is_ok());
}

#[test]
fn stages_start_in_order_once_each_after_their_predecessors_finish() {
    let all = path(Category::General, Stage::ALL);
    assert!(all.validate().is_ok());
    assert!(may_start(&all, Stage::Initiation, &[], &[]).is_ok());
    let e = may_start(
        &all,
        Stage::Construction,
        &[Stage::Initiation],
        &[Stage::Initiation],
    )
    .unwrap_err();
    assert_eq!(e.code, "predecessor");
    assert!(e.message.contains("工程建设许可"), "{}", e.message);
    assert_eq!(
        may_start(&all, Stage::Initiation, &[Stage::Initiation], &[])
            .unwrap_err()
            .code,
        "started"
    );
    let short = path(
        Category::LowRiskSmall,
        &[Stage::Permit, Stage::Construction, Stage::Acceptance],
    );
    assert_eq!(
        may_start(&short, Stage::Initiation, &[], &[])
            .unwrap_err()
            .code,
        "not_on_path"
    );
    assert!(
        may_start(&short, Stage::Permit, &[], &[]).is_ok(),
        "a merged path starts at its first stage"
    );
    assert_eq!(
        short.next(&[Stage::Permit]).unwrap().stage,
        Stage::Construction
    );
    let backwards = path(Category::General, &[Stage::Permit, Stage::Initiation]);
    assert_eq!(
        codes(backwards.validate().unwrap_err()),
        vec![("stages".into(), "order")]
    );
}

#[test]
fn the_clock_counts_working_days_outside_holds() {
    let cal = WorkCalendar::china();
    // Mon 2026-11-02 to Fri 2026-11-13: ten working days after the start day.
    let c = clock(date!(2026 - 11 - 02), date!(2026 - 11 - 13), &[], 80, &cal);
    assert_eq!((c.used, c.held, c.remaining, c.within), (9, 0, 71, true));
    let holds = [Hold {
        reason: HoldReason::Intermediary,
        from: date!(2026 - 11 - 04),
        to: Some(date!(2026 - 11 - 06)),
        note: "环评报告编制".into(),
    }];
    let c = clock(
        date!(2026 - 11 - 02),
        date!(2026 - 11 - 13),
        &holds,
        80,
        &cal,
    );
    assert_eq!((c.used, c.held), (6, 3));
    let open = [Hold {
        to: None,
        ..holds[0].clone()
    }];
    let c = clock(date!(2026 - 11 - 02), date!(2026 - 11 - 13), &open, 5, &cal);
    assert_eq!((c.used, c.held, c.remaining, c.within), (1, 8, 4, true));
    let c = clock(date!(2026 - 11 - 02), date!(2026 - 11 - 13), &[], 5, &cal);
    assert!(!c.within && c.remaining == 0);
}

#[test]
fn a_joint_step_closes_only_when_every_department_has_spoken_and_sends_back_one_notice() {
    let depts = vec!["ZJJ".to_string(), "XFJY".to_string(), "RFB".to_string()];
    let mut s = Step::new(JointKind::Acceptance, "ZJJ", &depts).unwrap();
    assert_eq!(
        s.opine("GAJ", true, &[], "x").unwrap_err().code,
        "not_taking_part"
    );
    assert_eq!(
        s.opine("XFJY", false, &[], "x").unwrap_err().code,
        "required"
    );
    s.opine("ZJJ", true, &[], "钱").unwrap();
    s.opine("XFJY", false, &["疏散指示标志缺失".into()], "孙")
        .unwrap();
    assert_eq!(s.close("XFJY").unwrap_err().code, "not_lead");
    let e = s.close("ZJJ").unwrap_err();
    assert!(e.message.contains("RFB"), "{}", e.message);
    s.opine("RFB", false, &["人防门未安装".into(), " ".into()], "周")
        .unwrap();
    assert_eq!(s.close("ZJJ").unwrap(), JointState::Rectifying);
    assert_eq!(s.notice.len(), 2, "every department's points in one notice");
    assert_eq!(s.notice["RFB"], vec!["人防门未安装".to_string()]);
    assert_eq!(
        s.opine("ZJJ", true, &[], "钱").unwrap_err().code,
        "not_open"
    );
    s.resubmit().unwrap();
    assert_eq!((s.round, s.opinions.len()), (2, 0));
    for d in &depts {
        s.opine(d, true, &[], "x").unwrap();
    }
    assert_eq!(s.close("ZJJ").unwrap(), JointState::Passed);
    assert!(s.resubmit().is_err());
    assert_eq!(
        Step::new(JointKind::DrawingReview, "ZJJ", &["ZJJ".into()])
            .unwrap_err()
            .code,
        "too_few"
    );
}

proptest! {
    /// Used and held days split the working days between start and today exactly, and holds
    /// never make the government's count larger.
    #[test]
    fn used_and_held_days_add_up(start in 0i64..400, len in 0i64..200, hold_at in 0i64..200, hold_len in 0i64..60, promised in 1u32..200) {
        let cal = WorkCalendar::china();
        let started = date!(2026 - 01 - 01) + time::Duration::days(start);
        let today = started + time::Duration::days(len);
        let from = started + time::Duration::days(hold_at);
        let holds = [Hold { reason: HoldReason::Publicity, from, to: Some(from + time::Duration::days(hold_len)), note: String::new() }];
        let with = clock(started, today, &holds, promised, &cal);
        let without = clock(started, today, &[], promised, &cal);
        prop_assert_eq!(with.used + with.held, without.used);
        prop_assert!(with.used <= without.used);
        prop_assert_eq!(with.within, with.used <= promised);
        prop_assert_eq!(with.remaining, promised.saturating_sub(with.used));
    }

    /// Any 24 characters of digits and hyphens with enough digits pass; any other length fails.
    #[test]
    fn codes_of_24_digits_and_hyphens_pass(digits in "[0-9]{20}", len in 1usize..40) {
        let code = format!("{}-{}-{}-{}-{}", &digits[..4], &digits[4..10], &digits[10..12], &digits[12..14], &digits[14..20]);
        prop_assert!(check_code(&code).is_ok());
        let other: String = "1".repeat(len);
        prop_assert_eq!(check_code(&other).is_ok(), len == CODE_LEN);
    }
}

#[test]
fn figures_count_started_projects_and_finished_stages_only() {
    let c = |used, within| {
        Some(Clock {
            used,
            held: 0,
            promised: 80,
            remaining: 80u32.saturating_sub(used),
            within,
        })
    };
    let facts = [
        ProjectFacts {
            category: Category::General,
            clock: c(40, true),
            completed: true,
        },
        ProjectFacts {
            category: Category::General,
            clock: c(90, false),
            completed: false,
        },
        ProjectFacts {
            category: Category::General,
            clock: None,
            completed: false,
        },
    ];
    let f = category_figures(&facts);
    assert_eq!(f.len(), 1, "no low-risk projects, no row");
    assert_eq!((f[0].projects, f[0].started, f[0].completed), (3, 2, 1));
    assert!((f[0].mean_used - 65.0).abs() < 1e-9 && (f[0].within_share - 0.5).abs() < 1e-9);
    let cal = WorkCalendar::china();
    let stages = [
        StageFacts {
            stage: Stage::Permit,
            started: date!(2026 - 11 - 02),
            finished: Some(date!(2026 - 11 - 06)),
            holds: vec![],
        },
        StageFacts {
            stage: Stage::Permit,
            started: date!(2026 - 11 - 02),
            finished: None,
            holds: vec![],
        },
    ];
    let s = stage_figures(&stages, &cal);
    assert_eq!((s[0].started, s[0].finished), (2, 1));
    assert!((s[0].mean_days - 4.0).abs() < 1e-9, "{s:?}");
}

#[test]
fn department_figures_count_closed_cases_against_their_due_dates() {
    use super::departments::{CaseFacts, department_figures};
    let cal = WorkCalendar::china();
    let f = |d: &str, a: Option<Date>, c: Option<Date>, due: Option<Date>| CaseFacts {
        department: d.into(),
        accepted: a,
        closed: c,
        due,
    };
    // Mon 2026-03-02 .. Fri 03-06 is 4 working days; due Mon 03-09 is 5.
    let mon = date!(2026 - 03 - 02);
    let cases = [
        f(
            "ZJJ",
            Some(mon),
            Some(date!(2026 - 03 - 06)),
            Some(date!(2026 - 03 - 09)),
        ),
        f(
            "ZJJ",
            Some(mon),
            Some(date!(2026 - 03 - 10)),
            Some(date!(2026 - 03 - 09)),
        ),
        f("ZJJ", Some(mon), None, Some(date!(2026 - 03 - 09))),
        f("GHJ", None, None, None),
    ];
    let figs = department_figures(&cases, &cal);
    assert_eq!(figs.len(), 2);
    assert_eq!(
        (figs[0].department.as_str(), figs[0].cases, figs[0].closed),
        ("GHJ", 1, 0)
    );
    assert_eq!(figs[0].within_share, 1.0, "nothing closed, nothing late");
    let z = &figs[1];
    assert_eq!((z.cases, z.closed), (3, 2));
    assert_eq!(z.mean_used, 5.0, "4 and 6 working days");
    assert_eq!(z.mean_promised, 5.0);
    assert_eq!(z.within_share, 0.5);
}

proptest! {
    /// Every case is counted once under its department; shares stay within 0–1.
    #[test]
    fn department_figures_count_every_case_once(spec in proptest::collection::vec((0u8..3, 0i64..60, proptest::option::of(0i64..40), proptest::option::of(0i64..40)), 0..30)) {
        use super::departments::{CaseFacts, department_figures};
        let cal = WorkCalendar::china();
        let base = date!(2026 - 01 - 05);
        let cases: Vec<CaseFacts> = spec.iter().map(|(d, a, c, due)| {
            let accepted = base + time::Duration::days(*a);
            CaseFacts {
                department: format!("D{d}"),
                accepted: Some(accepted),
                closed: c.map(|n| accepted + time::Duration::days(n)),
                due: due.map(|n| accepted + time::Duration::days(n)),
            }
        }).collect();
        let figs = department_figures(&cases, &cal);
        prop_assert_eq!(figs.iter().map(|f| f.cases).sum::<usize>(), cases.len());
        prop_assert_eq!(figs.iter().map(|f| f.closed).sum::<usize>(), cases.iter().filter(|c| c.closed.is_some()).count());
        for f in &figs {
            prop_assert!((0.0..=1.0).contains(&f.within_share));
            prop_assert!(f.closed <= f.cases);
        }
    }
}

#[test]
fn the_days_between_stages_are_the_enterprises() {
    let d =
        |m, day| Date::from_calendar_date(2026, time::Month::try_from(m).unwrap(), day).unwrap();
    // Stage one filed 3-02, finished 3-10; stage two filed 3-20, running.
    let spans = between_stages(&[(d(3, 20), None), (d(3, 2), Some(d(3, 10)))], 4);
    assert_eq!(spans.len(), 1);
    assert_eq!((spans[0].from, spans[0].to), (d(3, 11), Some(d(3, 20))));
    assert_eq!(spans[0].reason, HoldReason::Preparing);
    // Stage two finished, three not filed: open.
    let spans = between_stages(&[(d(3, 2), Some(d(3, 10))), (d(3, 20), Some(d(3, 30)))], 4);
    assert_eq!(spans[1].to, None);
    // Every stage finished: the last finish stops the clock, no open span; a next stage filed
    // the day its predecessor finished leaves no span either.
    let spans = between_stages(&[(d(3, 2), Some(d(3, 10))), (d(3, 10), Some(d(3, 30)))], 2);
    assert!(spans.is_empty(), "{spans:?}");
}
