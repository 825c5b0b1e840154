use proptest::prelude::*;

use super::*;

/// 小微企业 in 广安, registered within three years, with at least five staff, holding a 营业执照.
fn small_new_firms() -> Rule {
    Rule {
        target: Target::Enterprise,
        clauses: vec![
            Clause::new("size", Test::OneOf(vec!["小型".into(), "微型".into()])),
            Clause::new("region", Test::Under(vec!["5116".into()])),
            Clause::new("years_registered", Test::AtMost(3)),
            Clause::new("employees", Test::AtLeast(5)),
            Clause::new("licenses", Test::Holds("营业执照".into())),
        ],
    }
}

fn firm() -> Facts {
    Facts {
        industry: Some("H6210".into()),
        size: Some("小型".into()),
        region: Some("511602".into()),
        years_registered: Some(2),
        employees: Some(12),
        licenses: ["营业执照".to_string()].into_iter().collect(),
        ..Facts::default()
    }
}

fn codes(r: Result<(), Vec<FieldError>>) -> Vec<(String, &'static str)> {
    r.err()
        .unwrap_or_default()
        .into_iter()
        .map(|e| (e.field, e.code))
        .collect()
}

#[test]
fn a_good_rule_passes_and_explains_each_clause() {
    let rule = small_new_firms();
    assert_eq!(rule.validate(), Ok(()));
    let d = decide(&rule, &firm());
    assert!(d.eligible && eligible(&rule, &firm()));
    assert_eq!(d.clauses.len(), 5);
    assert_eq!(d.clauses[0].condition, "企业规模为小型或微型");
    assert_eq!(d.clauses[0].actual, "小型");
    assert!(d.missing().is_empty());

    // Older, and nothing known of its staff: two clauses missing, one of them unknown.
    let old = Facts {
        years_registered: Some(7),
        employees: None,
        ..firm()
    };
    let d = decide(&rule, &old);
    assert!(!d.eligible && !eligible(&rule, &old));
    let missing: Vec<(&str, Option<bool>)> = d
        .missing()
        .iter()
        .map(|c| (c.actual.as_str(), c.holds))
        .collect();
    assert_eq!(missing, [("7", Some(false)), ("未掌握", None)]);
    assert_eq!(d.closeness(), 0.6);
}

#[test]
fn unknown_facts_wrong_targets_and_wrong_tests_are_named_by_clause() {
    let rule = Rule {
        target: Target::Enterprise,
        clauses: vec![
            Clause::new("revenue", Test::AtLeast(1)),
            Clause::new("age", Test::AtLeast(18)),
            Clause::new("size", Test::AtLeast(3)),
            Clause::new("size", Test::OneOf(vec!["特大型".into()])),
            Clause::new("region", Test::Under(vec!["51-16".into()])),
            Clause::new("employees", Test::AtLeast(-1)),
            Clause::new("licenses", Test::Holds(" ".into())),
        ],
    };
    assert_eq!(
        codes(rule.validate()),
        [
            ("clauses[0].fact".to_string(), "unknown_fact"),
            ("clauses[1].fact".to_string(), "not_for_target"),
            ("clauses[2].value".to_string(), "invalid"),
            ("clauses[3].value".to_string(), "invalid"),
            ("clauses[4].value".to_string(), "invalid"),
            ("clauses[5].value".to_string(), "invalid"),
            ("clauses[6].value".to_string(), "invalid"),
        ]
    );
    let empty = Rule {
        target: Target::Person,
        clauses: vec![],
    };
    assert_eq!(
        codes(empty.validate()),
        [("clauses".to_string(), "required")]
    );
    assert!(
        !eligible(&empty, &Facts::default()),
        "an empty rule grants nothing"
    );
}

#[test]
fn clauses_that_cannot_hold_together_are_refused() {
    let contradicting = |clauses: Vec<Clause>| Rule {
        target: Target::Enterprise,
        clauses,
    };
    for rule in [
        contradicting(vec![
            Clause::new("employees", Test::AtLeast(50)),
            Clause::new("employees", Test::AtMost(20)),
        ]),
        contradicting(vec![
            Clause::new("size", Test::OneOf(vec!["大型".into()])),
            Clause::new("size", Test::OneOf(vec!["小型".into(), "微型".into()])),
        ]),
        contradicting(vec![
            Clause::new("region", Test::Under(vec!["5116".into()])),
            Clause::new("region", Test::Under(vec!["5101".into(), "5107".into()])),
        ]),
        contradicting(vec![
            Clause::new("licenses", Test::Holds("营业执照".into())),
            Clause::new("licenses", Test::LacksLicense("营业执照".into())),
        ]),
    ] {
        assert_eq!(
            codes(rule.validate()),
            [("clauses".to_string(), "contradiction")],
            "{rule:?}"
        );
    }
    // Overlapping ones are fine: a county inside a city, a range with room.
    let fine = contradicting(vec![
        Clause::new("region", Test::Under(vec!["5116".into()])),
        Clause::new("region", Test::Under(vec!["511602".into(), "5101".into()])),
        Clause::new("employees", Test::AtLeast(5)),
        Clause::new("employees", Test::AtMost(5)),
    ]);
    assert_eq!(fine.validate(), Ok(()));
}

#[test]
fn a_person_rule_reads_person_facts() {
    let rule = Rule {
        target: Target::Person,
        clauses: vec![
            Clause::new("age", Test::AtLeast(60)),
            Clause::new("hukou_region", Test::Under(vec!["511602".into()])),
            Clause::new("licenses", Test::Holds("残疾人证".into())),
        ],
    };
    assert_eq!(rule.validate(), Ok(()));
    let person = Facts {
        age: Some(67),
        hukou_region: Some("511602".into()),
        licenses: ["残疾人证".to_string()].into_iter().collect(),
        ..Facts::default()
    };
    assert!(decide(&rule, &person).eligible);
    let d = decide(
        &rule,
        &Facts {
            age: Some(59),
            ..person
        },
    );
    assert_eq!(d.missing()[0].condition, "年龄（周岁）不少于 60");
}

#[test]
fn rules_are_stored_as_json_with_facts_by_key() {
    let rule = small_new_firms();
    let json = serde_json::to_string(&rule).unwrap();
    assert!(
        json.contains(r#"{"fact":"years_registered","test":"at_most","value":3}"#),
        "{json}"
    );
    let back: Rule = serde_json::from_str(&json).unwrap();
    assert_eq!(back, rule);
}

fn number_test() -> impl Strategy<Value = Test> {
    prop_oneof![
        (0i64..100).prop_map(Test::AtLeast),
        (0i64..100).prop_map(Test::AtMost),
    ]
}

fn prefixes() -> impl Strategy<Value = Vec<String>> {
    proptest::collection::vec("51(0[1-7]|16)(0[0-3])?", 1..3)
}

proptest! {
    /// The bulk check and the explained decision agree, and a decision is eligible exactly
    /// when every clause held.
    #[test]
    fn eligible_agrees_with_the_explained_decision(
        lo in 0i64..10, hi in 0i64..10, employees in proptest::option::of(0i64..12),
        size in proptest::option::of(0usize..4), region in "51(0[1-7]|16)0[0-3]",
        under in prefixes(), held in proptest::bool::ANY,
    ) {
        let rule = Rule {
            target: Target::Enterprise,
            clauses: vec![
                Clause::new("employees", Test::AtLeast(lo)),
                Clause::new("employees", Test::AtMost(hi)),
                Clause::new("size", Test::OneOf(vec!["小型".into(), "微型".into()])),
                Clause::new("region", Test::Under(under)),
                Clause::new("licenses", Test::Holds("营业执照".into())),
            ],
        };
        let facts = Facts {
            employees,
            size: size.map(|i| SIZES[i].to_string()),
            region: Some(region),
            licenses: if held { ["营业执照".to_string()].into_iter().collect() } else { BTreeSet::new() },
            ..Facts::default()
        };
        let d = decide(&rule, &facts);
        prop_assert_eq!(d.eligible, eligible(&rule, &facts));
        prop_assert_eq!(d.eligible, d.clauses.iter().all(|c| c.holds == Some(true)));
        prop_assert_eq!(d.eligible, d.missing().is_empty());
    }

    /// A rule refused as contradictory holds for no one; one accepted holds for someone
    /// (numbers: the range's floor; codes: the longer of two meeting prefixes).
    #[test]
    fn contradictions_are_exactly_the_rules_nobody_meets(
        a in number_test(), b in number_test(), pa in prefixes(), pb in prefixes(),
        probe in 0i64..100,
    ) {
        let rule = Rule {
            target: Target::Enterprise,
            clauses: vec![
                Clause::new("employees", a.clone()),
                Clause::new("employees", b.clone()),
                Clause::new("region", Test::Under(pa.clone())),
                Clause::new("region", Test::Under(pb.clone())),
            ],
        };
        let witness_region = pa.iter().flat_map(|x| pb.iter().map(move |y| (x, y)))
            .find(|(x, y)| x.starts_with(y.as_str()) || y.starts_with(x.as_str()))
            .map(|(x, y)| if x.len() >= y.len() { x.clone() } else { y.clone() });
        let floor = [&a, &b].iter().filter_map(|t| match t { Test::AtLeast(n) => Some(*n), _ => None }).max().unwrap_or(0);
        let at = |n: i64, r: Option<String>| Facts { employees: Some(n), region: r, ..Facts::default() };
        match rule.validate() {
            Ok(()) => {
                prop_assert!(eligible(&rule, &at(floor, witness_region.clone())), "{:?}", rule);
            }
            Err(_) => {
                let r = witness_region.clone().or(Some(pa[0].clone()));
                prop_assert!(!eligible(&rule, &at(probe, r)));
                prop_assert!(!eligible(&rule, &at(floor, witness_region)));
            }
        }
    }
}

fn terms() -> Terms {
    Terms {
        title: "小微企业稳岗补贴".into(),
        document: "广安区人社发〔2026〕8号".into(),
        department: "d-rs".into(),
        region: "511602".into(),
        benefit: "一次性稳岗补贴".into(),
        amount: 300_000,
        legal_basis: "第三条".into(),
        summary: String::new(),
        mode: Mode::Exempt,
        item_code: String::new(),
        valid_from: time::macros::date!(2026 - 01 - 01),
        valid_until: time::macros::date!(2026 - 12 - 31),
        rule: small_new_firms(),
    }
}

#[test]
fn terms_name_each_problem_including_the_rules() {
    assert_eq!(terms().validate(), Ok(()));
    let mut t = terms();
    t.title = " ".into();
    t.region = "51".into();
    t.amount = -1;
    t.valid_until = time::macros::date!(2025 - 12 - 31);
    t.mode = Mode::Apply;
    t.rule.clauses[1].fact = "turnover".into();
    assert_eq!(
        codes(t.validate()),
        vec![
            ("title".to_string(), "required"),
            ("region".to_string(), "invalid"),
            ("amount".to_string(), "invalid"),
            ("valid_until".to_string(), "inconsistent"),
            ("item_code".to_string(), "required"),
            ("rule.clauses[1].fact".to_string(), "unknown_fact"),
        ]
    );
    assert!(terms().in_force(time::macros::date!(2026 - 12 - 31)));
    assert!(!terms().in_force(time::macros::date!(2027 - 01 - 01)));
}

#[test]
fn grants_go_granted_confirmed_paid_and_only_for_money() {
    assert_eq!(confirm(GrantState::Granted, 100), Ok(GrantState::Confirmed));
    assert_eq!(pay(GrantState::Confirmed, 100), Ok(GrantState::Paid));
    assert_eq!(pay(GrantState::Granted, 100), Err(GrantError::NotConfirmed));
    assert_eq!(confirm(GrantState::Paid, 100), Err(GrantError::AlreadyPaid));
    assert_eq!(confirm(GrantState::Granted, 0), Err(GrantError::NotMoney));
}

#[test]
fn bank_accounts_are_digits_and_shown_masked() {
    assert_eq!(
        bank_account(" 四川农信 ", "6217 0000 1234 5678"),
        Ok(("四川农信".into(), "6217000012345678".into()))
    );
    let e = bank_account("", "62x7").unwrap_err();
    assert_eq!(e[0].field, "bank");
    assert_eq!(e[1].field, "account");
    assert_eq!(mask_account("6217000012345678"), "****5678");
}

#[test]
fn an_enterprises_region_comes_from_its_credit_code_when_shared_data_is_silent() {
    let first17 = "91511602MA62B0001";
    let code = format!("{first17}{}", crate::ids::credit_check_char(first17));
    let today = time::macros::date!(2026 - 12 - 05);
    let r = Record {
        subject_id: code,
        registered_on: Some(time::macros::date!(2023 - 12 - 06)),
        ..Record::default()
    };
    let f = facts_of(Target::Enterprise, &r, today);
    assert_eq!(f.region.as_deref(), Some("511602"));
    assert_eq!(f.years_registered, Some(2));
    assert_eq!(f.size, None);
    let shared = Record {
        region: "511621".into(),
        ..r
    };
    assert_eq!(
        facts_of(Target::Enterprise, &shared, today)
            .region
            .as_deref(),
        Some("511621")
    );
}

#[test]
fn a_persons_age_comes_from_the_id_number() {
    let first17 = "51160219900615123";
    let id = format!("{first17}{}", crate::ids::id_check_char(first17));
    let r = Record {
        subject_id: id,
        ..Record::default()
    };
    let f = facts_of(Target::Person, &r, time::macros::date!(2026 - 06 - 14));
    assert_eq!(f.age, Some(35));
    let f = facts_of(Target::Person, &r, time::macros::date!(2026 - 06 - 15));
    assert_eq!(f.age, Some(36));
    assert_eq!(f.region, None);
}

proptest! {
    #[test]
    fn whole_years_never_exceed_the_calendar_difference(
        a in 0i32..40_000, b in 0i32..40_000,
    ) {
        let base = time::macros::date!(1950 - 01 - 01);
        let from = base + time::Duration::days(a.into());
        let to = base + time::Duration::days(b.into());
        let y = whole_years(from, to);
        prop_assert!(y >= 0);
        prop_assert!(y <= i64::from((to.year() - from.year()).max(0)));
        // A year later is one more whole year (29 February aside).
        if !(from.month() == time::Month::February && from.day() == 29) && to >= from {
            let next = from.replace_year(from.year() + 1).unwrap();
            if next <= to {
                prop_assert_eq!(whole_years(next, to) + 1, y);
            }
        }
    }

    #[test]
    fn payment_needs_a_confirmed_account(amount in 1i64..1_000_000) {
        for &s in GrantState::ALL {
            let paid = pay(s, amount);
            prop_assert_eq!(paid.is_ok(), s == GrantState::Confirmed);
            if let Ok(c) = confirm(s, amount) {
                prop_assert_eq!(pay(c, amount), Ok(GrantState::Paid));
            }
        }
    }
}

#[test]
fn a_target_is_stored_as_serde_names_it() {
    for t in [Target::Person, Target::Enterprise] {
        assert_eq!(Target::parse(t.as_str()), Some(t));
        assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
    }
    assert_eq!(Target::parse("company"), None);
}
