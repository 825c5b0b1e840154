use proptest::prelude::*;

use super::*;

fn clause(fact: &str, test: Test) -> Clause {
    Clause {
        fact: fact.into(),
        test,
    }
}

/// 小微企业 in 广安, registered within three years, with at least five staff, holding a 营业执照.
fn small_new_firms() -> Rule {
    Rule {
        target: Target::Enterprise,
        clauses: vec![
            clause("size", Test::OneOf(vec!["小型".into(), "微型".into()])),
            clause("region", Test::Under(vec!["5116".into()])),
            clause("years_registered", Test::AtMost(3)),
            clause("employees", Test::AtLeast(5)),
            clause("licenses", Test::Holds("营业执照".into())),
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
            clause("revenue", Test::AtLeast(1)),
            clause("age", Test::AtLeast(18)),
            clause("size", Test::AtLeast(3)),
            clause("size", Test::OneOf(vec!["特大型".into()])),
            clause("region", Test::Under(vec!["51-16".into()])),
            clause("employees", Test::AtLeast(-1)),
            clause("licenses", Test::Holds(" ".into())),
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
            clause("employees", Test::AtLeast(50)),
            clause("employees", Test::AtMost(20)),
        ]),
        contradicting(vec![
            clause("size", Test::OneOf(vec!["大型".into()])),
            clause("size", Test::OneOf(vec!["小型".into(), "微型".into()])),
        ]),
        contradicting(vec![
            clause("region", Test::Under(vec!["5116".into()])),
            clause("region", Test::Under(vec!["5101".into(), "5107".into()])),
        ]),
        contradicting(vec![
            clause("licenses", Test::Holds("营业执照".into())),
            clause("licenses", Test::LacksLicense("营业执照".into())),
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
        clause("region", Test::Under(vec!["5116".into()])),
        clause("region", Test::Under(vec!["511602".into(), "5101".into()])),
        clause("employees", Test::AtLeast(5)),
        clause("employees", Test::AtMost(5)),
    ]);
    assert_eq!(fine.validate(), Ok(()));
}

#[test]
fn a_person_rule_reads_person_facts() {
    let rule = Rule {
        target: Target::Person,
        clauses: vec![
            clause("age", Test::AtLeast(60)),
            clause("hukou_region", Test::Under(vec!["511602".into()])),
            clause("licenses", Test::Holds("残疾人证".into())),
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
                clause("employees", Test::AtLeast(lo)),
                clause("employees", Test::AtMost(hi)),
                clause("size", Test::OneOf(vec!["小型".into(), "微型".into()])),
                clause("region", Test::Under(under)),
                clause("licenses", Test::Holds("营业执照".into())),
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
                clause("employees", a.clone()),
                clause("employees", b.clone()),
                clause("region", Test::Under(pa.clone())),
                clause("region", Test::Under(pb.clone())),
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
