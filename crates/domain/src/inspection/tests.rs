use proptest::prelude::*;

use super::*;

fn plan(targets: u32) -> Plan {
    Plan {
        title: "2026 年食品经营者双随机抽查".into(),
        department: "511600-SCJG".into(),
        region: "511600".into(),
        license_types: vec!["食品经营许可证".into()],
        scope: "经营场所卫生、从业人员健康证明".into(),
        targets,
        inspectors_per_target: 2,
    }
}

fn firms(n: usize) -> Vec<Candidate> {
    (0..n)
        .map(|i| Candidate {
            id: format!("9151160{i:011}"),
            name: format!("商户{i}"),
            region: if i % 2 == 0 { "511602" } else { "511621" }.into(),
            approved_by: if i == 0 { vec!["s0".into()] } else { vec![] },
        })
        .collect()
}

fn staff(n: usize) -> Vec<Inspector> {
    (0..n)
        .map(|i| Inspector {
            id: format!("s{i}"),
            name: format!("检查员{i}"),
            residence: if i % 3 == 0 { "511602" } else { "511623" }.into(),
        })
        .collect()
}

#[test]
fn a_draw_re_runs_to_the_same_result_and_another_seed_differs() {
    let a = draw("20261205-001", &plan(3), &firms(20), &staff(6)).unwrap();
    let b = draw("20261205-001", &plan(3), &firms(20), &staff(6)).unwrap();
    assert_eq!(a, b);
    let c = draw("20261205-002", &plan(3), &firms(20), &staff(6)).unwrap();
    assert_ne!(
        a.iter().map(|x| &x.target.id).collect::<Vec<_>>(),
        c.iter().map(|x| &x.target.id).collect::<Vec<_>>()
    );
    let expected = hex::encode(<sm3::Sm3 as sm3::Digest>::digest(
        format!("20261205-001:t:{}", a[0].target.id).as_bytes(),
    ));
    assert_eq!(
        a[0].digest, expected,
        "anyone can re-run it with an SM3 tool"
    );
}

#[test]
fn too_few_inspectors_without_conflicts_is_an_error_naming_the_target() {
    // Two inspectors, both living in 511602: no one may go to a firm of 511602.
    let staff = vec![
        Inspector {
            id: "a".into(),
            name: "甲".into(),
            residence: "511602".into(),
        },
        Inspector {
            id: "b".into(),
            name: "乙".into(),
            residence: "511602".into(),
        },
    ];
    let firms = vec![Candidate {
        id: "X".into(),
        name: "商户X".into(),
        region: "511602".into(),
        approved_by: vec![],
    }];
    assert_eq!(
        draw("s", &plan(1), &firms, &staff),
        Err(DrawError::TooFewInspectors("商户X".into(), 2))
    );
    assert_eq!(draw(" ", &plan(1), &firms, &staff), Err(DrawError::NoSeed));
}

#[test]
fn a_plan_names_its_problems() {
    let mut p = plan(0);
    p.inspectors_per_target = 1;
    p.license_types = vec![];
    let fields: Vec<String> = p
        .validate()
        .unwrap_err()
        .into_iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(
        fields,
        ["license_types", "targets", "inspectors_per_target"]
    );
    assert!(check_result(Outcome::Rectify, " ").is_err());
    assert!(check_result(Outcome::Passed, "").is_ok());
}

proptest! {
    #[test]
    fn nobody_inspects_where_they_live_or_what_they_approved(
        seed in "[a-z0-9]{1,12}", n in 1usize..30, k in 4usize..12, t in 1u32..6,
    ) {
        let firms = firms(n);
        let staff = staff(k);
        if let Ok(a) = draw(&seed, &plan(t), &firms, &staff) {
            prop_assert_eq!(a.len(), (t as usize).min(n));
            let mut seen = std::collections::BTreeSet::new();
            for x in &a {
                prop_assert!(seen.insert(x.target.id.clone()), "a target twice");
                prop_assert_eq!(x.inspectors.len(), 2);
                for i in &x.inspectors {
                    prop_assert!(conflict(i, &x.target).is_none());
                }
            }
        }
    }
}
