use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;
use crate::catalog::{ItemDefinition, PromisedLimit, TimeLimit};
use crate::fixtures::sample_item;
use crate::workflow::FormField;

fn item(
    code: &str,
    days: u32,
    fields: &[(&str, FieldKind, bool)],
    materials: &[(&str, &str)],
) -> ItemDefinition {
    let mut i = sample_item();
    i.code = code.into();
    i.name = format!("事项{code}");
    i.promised_limit = if days == 0 {
        PromisedLimit::Instant
    } else {
        PromisedLimit::Within(TimeLimit {
            days,
            unit: DayUnit::Working,
            note: String::new(),
        })
    };
    i.visits = 1;
    i.form = fields
        .iter()
        .map(|(k, kind, required)| FormField {
            key: k.to_string(),
            label: k.to_string(),
            kind: *kind,
            required: *required,
            options: vec![],
            help: String::new(),
        })
        .collect();
    let template = i.materials[0].clone();
    i.materials = materials
        .iter()
        .map(|(name, license)| {
            let mut m = template.clone();
            m.name = name.to_string();
            m.license_type = license.to_string();
            m
        })
        .collect();
    i
}

/// 开办餐饮店 in miniature: the business licence first, then three permits in parallel.
fn restaurant() -> (BundleDefinition, BTreeMap<String, ItemDefinition>) {
    let items = [
        item(
            "A",
            0,
            &[("name", FieldKind::Text, true)],
            &[("申请书", ""), ("身份证", "居民身份证")],
        ),
        item(
            "B",
            8,
            &[
                ("shop", FieldKind::Text, true),
                ("area", FieldKind::Number, false),
            ],
            &[("营业执照", "营业执照"), ("身份证明", "居民身份证")],
        ),
        item("C", 5, &[], &[("营业执照副本", "营业执照"), ("设计图", "")]),
        item(
            "D",
            10,
            &[("shop_name", FieldKind::Text, true)],
            &[("营业执照", "营业执照")],
        ),
    ];
    let member = |code: &str, needs: &[&str], optional: bool| Member {
        item_code: code.into(),
        optional,
        needs: needs.iter().map(|s| s.to_string()).collect(),
    };
    let d = BundleDefinition {
        code: "KBCYD".into(),
        name: "开办餐饮店".into(),
        description: String::new(),
        lead_department: "511600-SCJG".into(),
        region: "511600".into(),
        members: vec![
            member("A", &[], false),
            member("B", &["A"], false),
            member("C", &["A"], false),
            member("D", &["A"], true),
        ],
        fields: vec![
            MergedField {
                key: "name".into(),
                label: "店名".into(),
                kind: FieldKind::Text,
                required: true,
                options: vec![],
                help: String::new(),
                feeds: vec![
                    ("A".into(), "name".into()),
                    ("B".into(), "shop".into()),
                    ("D".into(), "shop_name".into()),
                ],
            },
            MergedField {
                key: "area".into(),
                label: "经营面积".into(),
                kind: FieldKind::Number,
                required: false,
                options: vec![],
                help: String::new(),
                feeds: vec![("B".into(), "area".into())],
            },
        ],
        promised_days: 10,
        subject: Default::default(),
    };
    (d, items.into_iter().map(|i| (i.code.clone(), i)).collect())
}

#[test]
fn the_critical_path_runs_through_the_slowest_chain_and_savings_count_what_is_shared() {
    let (d, items) = restaurant();
    assert_eq!(d.validate(&items), Ok(()));
    assert_eq!(
        d.critical_path(&items),
        (10, vec!["A".to_string(), "D".to_string()])
    );
    let s = d.savings(&items);
    assert_eq!((s.fields_separately, s.fields_bundled), (4, 2));
    // 申请书, 居民身份证 (twice), 营业执照 (three times under two names), 设计图 → 4 identities.
    assert_eq!((s.materials_separately, s.materials_bundled), (7, 4));
    assert_eq!((s.visits_separately, s.visits_bundled), (4, 1));
    assert_eq!((s.days_separately, s.days_bundled), (23, 10));
    assert_eq!(d.start_order(), ["A", "B", "C", "D"]);
}

#[test]
fn a_cycle_an_unmapped_required_field_and_a_type_clash_are_each_named() {
    let (mut d, items) = restaurant();
    d.members[0].needs = vec!["C".into()];
    let e = d.validate(&items).unwrap_err();
    let cycle = e
        .iter()
        .find(|f| f.code == "cycle")
        .expect("the cycle is reported");
    assert!(
        cycle.message.contains("事项A → 事项C → 事项A"),
        "{}",
        cycle.message
    );

    let (mut d, items) = restaurant();
    d.fields[0].feeds.retain(|(code, _)| code != "D");
    let e = d.validate(&items).unwrap_err();
    assert!(
        e.iter().any(|f| f.code == "unmapped"
            && f.message.contains("事项D")
            && f.message.contains("shop_name")),
        "{e:?}"
    );

    let (mut d, items) = restaurant();
    d.fields[1].feeds.push(("B".into(), "shop".into()));
    let e = d.validate(&items).unwrap_err();
    assert!(
        e.iter()
            .any(|f| f.code == "type_mismatch" && f.field == "fields[1].kind"),
        "{e:?}"
    );

    let (mut d, items) = restaurant();
    d.promised_days = 5;
    let e = d.validate(&items).unwrap_err();
    assert!(
        e.iter()
            .any(|f| f.field == "promised_days" && f.message.contains("关键路径 10")),
        "{e:?}"
    );

    let (mut d, items) = restaurant();
    d.members.push(Member {
        item_code: "X".into(),
        optional: false,
        needs: vec!["Y".into()],
    });
    let codes: Vec<&str> = d
        .validate(&items)
        .unwrap_err()
        .iter()
        .map(|f| f.code)
        .collect();
    assert!(codes.contains(&"unknown"));
}

/// A random DAG: member i may need only members before it.
fn arb_dag() -> impl Strategy<Value = (Vec<u32>, Vec<Vec<usize>>)> {
    (2usize..8).prop_flat_map(|n| {
        (
            proptest::collection::vec(0u32..20, n),
            proptest::collection::vec(proptest::collection::vec(0usize..8, 0..3), n),
        )
    })
}

proptest! {
    /// On any acyclic graph: no cycle is reported, the critical path is at least every
    /// member's own days and at most their sum, and the start order respects every need.
    #[test]
    fn critical_path_is_bounded_and_start_order_respects_needs((days, needs) in arb_dag()) {
        let n = days.len();
        let items: BTreeMap<String, ItemDefinition> = days
            .iter()
            .enumerate()
            .map(|(i, d)| (format!("I{i}"), item(&format!("I{i}"), *d, &[], &[("m", "")])))
            .collect();
        let members: Vec<Member> = (0..n)
            .map(|i| Member {
                item_code: format!("I{i}"),
                optional: false,
                needs: needs[i].iter().filter(|j| **j < i).map(|j| format!("I{j}")).collect(),
            })
            .collect();
        let d = BundleDefinition {
            code: "X".into(), name: "X".into(), description: String::new(),
            lead_department: "D".into(), region: "511600".into(),
            members, fields: vec![], promised_days: 1000, subject: Default::default(),
        };
        prop_assert_eq!(d.cycle(), None);
        let (cp, path) = d.critical_path(&items);
        prop_assert!(days.iter().all(|x| *x <= cp));
        prop_assert!(cp <= days.iter().sum::<u32>());
        prop_assert_eq!(path.iter().map(|c| item_days(&items[c])).sum::<u32>(), cp);
        let order = d.start_order();
        prop_assert_eq!(order.len(), n);
        for m in &d.members {
            let at = order.iter().position(|c| c == &m.item_code).unwrap();
            for need in &m.needs {
                prop_assert!(order.iter().position(|c| c == need).unwrap() < at);
            }
        }
    }

    /// Adding a back edge to a chain always makes a cycle that validation names.
    #[test]
    fn a_back_edge_is_always_found(n in 2usize..8, from in 0usize..8) {
        let from = from % n;
        let mut members: Vec<Member> = (0..n)
            .map(|i| Member {
                item_code: format!("I{i}"),
                optional: false,
                needs: if i > 0 { vec![format!("I{}", i - 1)] } else { vec![] },
            })
            .collect();
        members[from].needs.push(format!("I{}", n - 1));
        let d = BundleDefinition {
            code: "X".into(), name: "X".into(), description: String::new(),
            lead_department: "D".into(), region: "511600".into(),
            members, fields: vec![], promised_days: 0, subject: Default::default(),
        };
        let cycle = d.cycle().expect("a cycle");
        prop_assert_eq!(cycle.first(), cycle.last());
        prop_assert!(d.start_order().len() < n);
    }
}

#[test]
fn two_papers_of_one_item_stay_two_even_when_one_licence_type_covers_both() {
    let i = item(
        "A",
        0,
        &[],
        &[
            ("股东身份证明", "居民身份证"),
            ("任职文件及身份证明", "居民身份证"),
            ("章程", ""),
        ],
    );
    assert_eq!(
        identities(&i),
        ["证照:居民身份证", "任职文件及身份证明", "章程"]
    );
}

#[test]
fn a_new_enterprise_is_registered_before_any_other_member_starts() {
    use crate::subject::SubjectSpec;
    let (mut d, items) = restaurant();
    d.subject = SubjectSpec::NewEnterprise {
        name_field: "name".into(),
        assigned_by: "A".into(),
    };
    assert_eq!(d.validate(&items), Ok(()));
    assert!(d.depends_on("B", "A") && !d.depends_on("A", "B"));
    // C no longer waits for A: it would be filed before the enterprise has a code.
    d.members[2].needs.clear();
    let errs = d.validate(&items).unwrap_err();
    assert!(
        errs.iter()
            .any(|e| e.field == "members[2].needs" && e.code == "before_registration"),
        "{errs:?}"
    );
    // The subject's name must be a required field of the merged form.
    d.members[2].needs = vec!["A".into()];
    d.subject = SubjectSpec::NewEnterprise {
        name_field: "area".into(),
        assigned_by: "A".into(),
    };
    let errs = d.validate(&items).unwrap_err();
    assert!(
        errs.iter()
            .any(|e| e.field == "subject" && e.code == "optional"),
        "{errs:?}"
    );
    d.subject = SubjectSpec::NewEnterprise {
        name_field: "name".into(),
        assigned_by: "D".into(),
    };
    let errs = d.validate(&items).unwrap_err();
    assert!(
        errs.iter().any(|e| e.field == "subject.assigned_by"),
        "{errs:?}"
    );
}

#[test]
fn a_field_only_an_optional_member_needs_is_asked_only_when_it_is_chosen() {
    let (mut d, _) = restaurant();
    d.fields.push(MergedField {
        key: "licence_area".into(),
        label: "烟草经营面积".into(),
        kind: FieldKind::Number,
        required: true,
        options: vec![],
        help: String::new(),
        feeds: vec![("D".into(), "area".into())],
    });
    let required = |chosen: &[String]| {
        d.form_for(chosen)
            .into_iter()
            .filter(|f| f.required)
            .map(|f| f.key)
            .collect::<Vec<_>>()
    };
    assert_eq!(required(&[]), ["name"], "D not chosen");
    assert_eq!(required(&["D".to_string()]), ["name", "licence_area"]);
}

#[test]
fn a_result_provides_a_material_named_like_it_or_naming_it_as_its_license() {
    use super::result_provides;
    assert!(result_provides(
        "建设工程规划许可证",
        "证照:建设工程规划许可证",
        "建设工程规划许可证"
    ));
    assert!(result_provides(
        "建设工程规划许可证",
        "证照:建设工程规划许可证",
        "规划许可文件"
    ));
    assert!(result_provides(
        "建设项目用地预审与选址意见书",
        "建设项目用地预审与选址意见书",
        "建设项目用地预审与选址意见书"
    ));
    assert!(!result_provides("建设工程规划许可证", "施工图", "施工图"));
    assert!(
        !result_provides(" ", "", ""),
        "an item without a result provides nothing"
    );
}
