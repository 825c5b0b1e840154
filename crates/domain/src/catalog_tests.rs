use super::*;
use proptest::prelude::*;

use crate::fixtures::sample_item;

fn fields(item: &ItemDefinition) -> Vec<String> {
    item.validate()
        .err()
        .unwrap_or_default()
        .into_iter()
        .map(|e| e.field)
        .collect()
}

#[test]
fn the_sample_item_is_valid_and_round_trips_through_json() {
    let item = sample_item();
    assert_eq!(item.validate(), Ok(()));
    let json = serde_json::to_string(&item).unwrap();
    assert_eq!(serde_json::from_str::<ItemDefinition>(&json).unwrap(), item);
    assert_eq!(item.compression_ratio(), Some(0.5));
}

#[test]
fn an_instant_promise_requires_an_instant_case_type_and_back() {
    let mut item = sample_item();
    item.promised_limit = PromisedLimit::Instant;
    assert_eq!(fields(&item), ["case_type"]);
    item.case_type = CaseType::Instant;
    assert_eq!(fields(&item), Vec::<String>::new());
    item.promised_limit = PromisedLimit::Within(TimeLimit {
        days: 3,
        unit: DayUnit::Working,
        note: String::new(),
    });
    assert_eq!(fields(&item), ["promised_limit"]);
}

#[test]
fn visits_need_a_reason_and_zero_visits_need_full_online_depth() {
    let mut item = sample_item();
    item.visits_reason.clear();
    assert_eq!(fields(&item), ["visits_reason"]);
    let mut item = sample_item();
    item.visits = 0;
    assert_eq!(fields(&item), ["online_depth"]);
    item.online_depth = OnlineDepth::FullyOnline;
    assert_eq!(fields(&item), Vec::<String>::new());
    item.handling_forms = vec![HandlingForm::Window];
    item.supports_post = false;
    assert_eq!(fields(&item), ["visits"]);
}

#[test]
fn a_free_item_cannot_take_online_payment() {
    let mut item = sample_item();
    item.supports_online_payment = true;
    assert_eq!(fields(&item), ["supports_online_payment"]);
    item.fees.push(Fee {
        name: "工本费".into(),
        amount: "10元".into(),
        basis: String::new(),
    });
    assert_eq!(fields(&item), Vec::<String>::new());
}

#[test]
fn a_promise_longer_than_the_law_is_rejected() {
    let mut item = sample_item();
    item.promised_limit = PromisedLimit::Within(TimeLimit {
        days: 25,
        unit: DayUnit::Working,
        note: String::new(),
    });
    assert_eq!(fields(&item), ["promised_limit"]);
}

#[test]
fn materials_must_be_unique_and_key_materials_mandatory() {
    let mut item = sample_item();
    let mut m = item.materials[0].clone();
    m.mandatory = false;
    item.materials.push(m);
    assert_eq!(fields(&item), ["materials[1].name", "materials[1].key"]);
}

#[test]
fn codes_are_opaque_but_bounded() {
    let mut item = sample_item();
    // Sichuan's 55-character codes fit; beyond 64 is refused.
    item.code = "511A0138000000-511602000000-000-115113010833722043-1-00".into();
    assert!(item.validate().is_ok());
    item.code = "A".repeat(MAX_CODE_CHARS + 1);
    item.basic_code = "有中文".into();
    item.region = "5116".into();
    assert_eq!(fields(&item), ["code", "basic_code", "region"]);
}

#[test]
fn coded_enums_parse_codes_labels_and_names() {
    assert_eq!(ItemKind::parse("01"), Some(ItemKind::AdministrativeLicense));
    assert_eq!(
        ItemKind::parse("行政确认"),
        Some(ItemKind::AdministrativeConfirmation)
    );
    assert_eq!(
        ItemKind::parse("public_service"),
        Some(ItemKind::PublicService)
    );
    assert_eq!(ItemKind::parse("99"), None);
    for k in OnlineDepth::ALL {
        assert_eq!(OnlineDepth::parse(k.label()), Some(*k));
    }
}

fn arb_item() -> impl Strategy<Value = ItemDefinition> {
    (
        0u32..4,
        prop::bool::ANY,
        0usize..4,
        prop::bool::ANY,
        prop::bool::ANY,
        prop::bool::ANY,
        prop::option::of(1u32..40),
        prop::option::of(0u32..40),
    )
        .prop_map(
            |(visits, has_reason, depth, online, post, paid, legal, promised)| {
                let mut item = sample_item();
                item.visits = visits;
                item.visits_reason = if has_reason {
                    "核验原件".into()
                } else {
                    String::new()
                };
                item.online_depth = OnlineDepth::ALL[depth];
                item.handling_forms = if online {
                    vec![HandlingForm::OnlineMobile]
                } else {
                    vec![HandlingForm::Window]
                };
                item.supports_post = post;
                item.supports_online_payment = paid;
                item.legal_limit = legal.map(|days| TimeLimit {
                    days,
                    unit: DayUnit::Working,
                    note: String::new(),
                });
                match promised {
                    None => {
                        item.promised_limit = PromisedLimit::Instant;
                        item.case_type = CaseType::Instant;
                    }
                    Some(days) => {
                        item.promised_limit = PromisedLimit::Within(TimeLimit {
                            days,
                            unit: DayUnit::Working,
                            note: String::new(),
                        });
                        item.case_type = CaseType::Promise;
                    }
                }
                item
            },
        )
}

proptest! {
    /// Whatever validate() accepts satisfies every consistency rule of STANDARDS.md.
    #[test]
    fn every_accepted_item_satisfies_the_catalog_rules(item in arb_item()) {
        if item.validate().is_ok() {
            prop_assert_eq!(matches!(item.promised_limit, PromisedLimit::Instant), item.case_type == CaseType::Instant);
            prop_assert!(item.visits == 0 || !item.visits_reason.is_empty());
            prop_assert!(item.visits != 0 || item.has_online_channel() || item.supports_post);
            prop_assert!(!(item.is_free() && item.supports_online_payment));
            prop_assert_eq!(item.online_depth == OnlineDepth::FullyOnline, item.visits == 0);
            if let Some(r) = item.compression_ratio() { prop_assert!((0.0..=1.0).contains(&r)); }
        }
    }

    /// Validation reports problems; it never panics, whatever the text.
    #[test]
    fn validation_never_panics_on_arbitrary_text(name in "\\PC{0,300}", code in "\\PC{0,60}", phone in "\\PC{0,50}") {
        let mut item = sample_item();
        item.name = name;
        item.code = code;
        item.consult_phone = phone;
        let _ = item.validate();
    }
}

#[test]
fn only_an_item_for_people_may_be_filed_for_a_child_or_the_deceased() {
    let mut item = sample_item();
    assert_eq!(item.filed_for(), [FiledFor::Oneself]);
    assert!(!item.only_for_others());
    item.filed_for = vec![FiledFor::Minor];
    assert!(fields(&item).contains(&"filed_for".to_string()));
    item.subjects.push(SubjectType::NaturalPerson);
    assert!(!fields(&item).contains(&"filed_for".to_string()));
    assert!(item.only_for_others());
    // Stored definitions without the element read as before, and it is not written when empty.
    let json = serde_json::to_string(&sample_item()).unwrap();
    assert!(!json.contains("filed_for"));
    let back: ItemDefinition =
        serde_json::from_str(&serde_json::to_string(&item).unwrap()).unwrap();
    assert_eq!(back.filed_for, [FiledFor::Minor]);
}

#[test]
fn only_an_item_applied_for_online_by_its_depth_offers_online_application() {
    let mut item = sample_item();
    assert!(item.applies_online());
    item.online_depth = OnlineDepth::FormsOnline;
    assert!(!item.applies_online(), "二级 only offers forms to download");
    item.online_depth = OnlineDepth::FullyOnline;
    assert!(item.applies_online());
    item.node = NodeKind::Main;
    assert!(!item.applies_online());
}

/// Clears the value of `element`, as a source that lacks it leaves it, and marks it pending.
fn without(mut item: ItemDefinition, element: Pending) -> ItemDefinition {
    match element {
        Pending::LegalBasis => item.legal_basis.clear(),
        Pending::Conditions => item.conditions.clear(),
        Pending::Flow => item.flow.clear(),
        Pending::PromisedLimit => {
            item.promised_limit = PromisedLimit::Within(TimeLimit {
                days: 0,
                unit: DayUnit::Working,
                note: String::new(),
            })
        }
        Pending::Visits => item.visits = 0,
    }
    item.set_pending(element, true);
    item
}

#[test]
fn an_element_the_source_lacks_is_pending_a_draft_may_hold_it_publishing_may_not() {
    for element in Pending::ALL {
        let item = without(sample_item(), *element);
        assert_eq!(
            item.validate(),
            Ok(()),
            "{element:?} pending is a valid draft"
        );
        let errors = item.check_complete().unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, element.name());
        assert_eq!(errors[0].code, "pending");
        assert!(errors[0].message.contains(element.label()));
    }
    assert_eq!(sample_item().check_complete(), Ok(()));
    // Without the mark, the same empty values are errors as before.
    let mut unmarked = without(sample_item(), Pending::LegalBasis);
    unmarked.pending.clear();
    assert!(fields(&unmarked).contains(&"legal_basis".to_string()));
}

#[test]
fn a_pending_element_holds_no_value_and_is_named_once() {
    let mut item = sample_item();
    item.pending = vec![Pending::LegalBasis];
    assert!(
        fields(&item).contains(&"legal_basis".to_string()),
        "a value and the mark"
    );
    let mut item = without(sample_item(), Pending::Visits);
    item.pending.push(Pending::Visits);
    assert!(fields(&item).contains(&"pending".to_string()));
    // Filling the element in clears the mark.
    let mut item = without(sample_item(), Pending::Conditions);
    item.conditions = vec!["申请人具有完全民事行为能力".into()];
    item.set_pending(Pending::Conditions, false);
    assert_eq!(item.validate(), Ok(()));
    assert_eq!(item.check_complete(), Ok(()));
}

proptest! {
    /// Any set of missing elements: the draft is valid, and publishing names exactly those.
    #[test]
    fn any_set_of_missing_elements_is_a_valid_draft_naming_each(mask in 0u8..32) {
        let mut item = sample_item();
        let mut expected = Vec::new();
        for (i, e) in Pending::ALL.iter().enumerate() {
            if mask & (1 << i) != 0 {
                item = without(item, *e);
                expected.push(e.name().to_string());
            }
        }
        prop_assert_eq!(item.validate(), Ok(()));
        let named: Vec<String> = match item.check_complete() {
            Ok(()) => vec![],
            Err(e) => e.into_iter().map(|f| f.field).collect(),
        };
        prop_assert_eq!(named, expected);
        let back: ItemDefinition = serde_json::from_str(&serde_json::to_string(&item).unwrap()).unwrap();
        prop_assert_eq!(back, item);
    }
}
