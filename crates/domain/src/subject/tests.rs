use std::collections::BTreeMap;

use proptest::prelude::*;
use time::macros::date;

use super::*;
use crate::ids::{CreditCode, IdNumber, RegionCode};

fn form(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn newborn() -> SubjectSpec {
    SubjectSpec::Newborn {
        name_field: "baby_name".into(),
        sex_field: "baby_sex".into(),
        birth_date_field: "birth_date".into(),
        relation: "监护人".into(),
    }
}

#[test]
fn a_newborn_needs_name_sex_and_a_recent_birth_date() {
    let today = date!(2026 - 12 - 02);
    let errs = newborn().resolve(&form(&[]), today).unwrap_err();
    let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        ["form.baby_name", "form.baby_sex", "form.birth_date"]
    );
    let future = form(&[
        ("baby_name", "张小宝"),
        ("baby_sex", "男"),
        ("birth_date", "2026-12-03"),
    ]);
    assert_eq!(
        newborn().resolve(&future, today).unwrap_err()[0].field,
        "form.birth_date"
    );
    let ok = form(&[
        ("baby_name", "张小宝"),
        ("baby_sex", "女"),
        ("birth_date", "2026-11-28"),
    ]);
    let (s, facts) = newborn().resolve(&ok, today).unwrap();
    assert_eq!(s.name(), Some("张小宝"));
    assert_eq!(s.holder_id(), None, "the number is drawn later");
    assert_eq!(
        facts,
        Some(BirthFacts {
            birth_date: date!(2026 - 11 - 28),
            male: false
        })
    );
}

#[test]
fn a_new_enterprise_has_no_code_until_registered() {
    let spec = SubjectSpec::NewEnterprise {
        name_field: "company_name".into(),
        assigned_by: "X".into(),
    };
    let today = date!(2026 - 12 - 02);
    assert!(
        spec.resolve(&form(&[("company_name", "张三")]), today)
            .is_err()
    );
    let (s, _) = spec
        .resolve(&form(&[("company_name", "广安市张记餐饮有限公司")]), today)
        .unwrap();
    assert!(s.being_established());
    assert_eq!(s.holder_id(), None);
    assert!(!s.is_natural_person());
    assert_eq!(s.relation(), "法定代表人");
}

#[test]
fn an_enterprise_filing_to_establish_one_is_itself_the_subject() {
    let spec = SubjectSpec::NewEnterprise {
        name_field: "company_name".into(),
        assigned_by: "X".into(),
    };
    assert_eq!(spec.for_applicant(true), &SubjectSpec::Applicant);
    assert_eq!(spec.for_applicant(false), &spec);
    assert_eq!(newborn().for_applicant(true), &newborn());
}

#[test]
fn another_person_needs_a_valid_id_number() {
    let spec = SubjectSpec::Person {
        name_field: "name".into(),
        id_field: "id".into(),
        relation: "亲属".into(),
    };
    let today = date!(2026 - 12 - 02);
    let e = spec
        .resolve(
            &form(&[("name", "李四"), ("id", "511602195001011234")]),
            today,
        )
        .unwrap_err();
    assert_eq!(e[0].field, "form.id");
    assert!(
        e[0].message.contains("511602195001011234"),
        "{}",
        e[0].message
    );
}

#[test]
fn the_organisation_check_matches_a_published_example() {
    // GB 11714's worked example: D2143569 → X.
    assert_eq!(org_check_char("D2143569"), 'X');
}

proptest! {
    #[test]
    fn drawn_newborn_numbers_are_valid_and_carry_the_sex(
        n in 1u32..=499, male: bool, days in 0i64..366,
    ) {
        let birth = date!(2026 - 12 - 01) - time::Duration::days(days);
        let region = RegionCode::parse("511602").unwrap();
        let id = newborn_id_number(&region, BirthFacts { birth_date: birth, male }, n).unwrap();
        let parsed = IdNumber::parse_on(&id, date!(2026 - 12 - 02)).unwrap();
        prop_assert_eq!(parsed.birth_date(), birth);
        prop_assert_eq!(parsed.is_male(), male);
        prop_assert!(id.starts_with("511602"));
    }

    #[test]
    fn distinct_serials_give_distinct_valid_credit_codes(a in 1u64..800_000_000, b in 1u64..800_000_000) {
        let region = RegionCode::parse("511600").unwrap();
        let ca = new_enterprise_credit_code(&region, a).unwrap();
        let cb = new_enterprise_credit_code(&region, b).unwrap();
        prop_assert!(CreditCode::parse(&ca).is_ok());
        prop_assert!(ca.starts_with("91511600MA"));
        prop_assert_eq!(ca == cb, a == b);
        let body = &ca[8..16];
        prop_assert_eq!(ca.chars().nth(16).unwrap(), org_check_char(body));
    }
}

#[test]
fn sequences_outside_the_range_draw_nothing() {
    let region = RegionCode::parse("511602").unwrap();
    let f = BirthFacts {
        birth_date: date!(2026 - 11 - 28),
        male: true,
    };
    assert!(newborn_id_number(&region, f, 0).is_none());
    assert!(newborn_id_number(&region, f, 500).is_none());
    assert!(new_enterprise_credit_code(&region, 0).is_none());
}

proptest::proptest! {
    /// Statistics count a case for whom it decides: an enterprise subject is 法人 and another
    /// person is 自然人 whoever filed; only the applicant themself follows the account's kind.
    #[test]
    fn a_case_counts_for_its_subject_not_for_who_filed(applicant_is_enterprise in proptest::bool::ANY) {
        let company = Subject::Enterprise { name: "新公司".into(), credit_code: String::new() };
        let baby = Subject::Person {
            name: "张小宝".into(),
            id_number: String::new(),
            relation: "监护人".into(),
            reserved: true,
        };
        proptest::prop_assert!(company.is_enterprise(applicant_is_enterprise));
        proptest::prop_assert!(!baby.is_enterprise(applicant_is_enterprise));
        proptest::prop_assert_eq!(Subject::Applicant.is_enterprise(applicant_is_enterprise), applicant_is_enterprise);
    }
}

fn id_born(birth: time::Date) -> String {
    let first = format!(
        "511602{:04}{:02}{:02}123",
        birth.year(),
        birth.month() as u8,
        birth.day()
    );
    format!("{first}{}", crate::ids::id_check_char(&first))
}

#[test]
fn a_minor_is_named_with_a_valid_number_and_the_guardian_relation() {
    let today = date!(2026 - 12 - 03);
    let id = id_born(date!(2019 - 05 - 01));
    let s = named_person(FiledFor::Minor, " 李小明 ", &id, "510000", today).unwrap();
    assert_eq!(
        s,
        Subject::Person {
            name: "李小明".into(),
            id_number: id,
            relation: "监护人".into(),
            reserved: false,
        }
    );
    assert_eq!(
        named_person(FiledFor::Oneself, "", "", "x", today).unwrap(),
        Subject::Applicant
    );
}

#[test]
fn naming_someone_reports_every_problem_by_field() {
    let today = date!(2026 - 12 - 03);
    let errs = named_person(FiledFor::Deceased, "", "123", "x", today).unwrap_err();
    let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["subject.name", "subject.id_number"]);
    assert!(errs[1].message.contains("123"), "{}", errs[1].message);
    // One's own number is not someone else's.
    let own = id_born(date!(1980 - 01 - 01));
    let errs = named_person(FiledFor::Deceased, "王五", &own, &own, today).unwrap_err();
    assert_eq!(errs[0].code, "self");
}

#[test]
fn an_adult_is_not_filed_for_as_a_minor() {
    let today = date!(2026 - 12 - 03);
    let adult = id_born(date!(2008 - 12 - 03));
    let errs = named_person(FiledFor::Minor, "李大", &adult, "x", today).unwrap_err();
    assert_eq!(errs[0].code, "adult");
    assert!(errs[0].message.contains("2008-12-03"));
    // A deceased relative may be of any age.
    assert!(named_person(FiledFor::Deceased, "李大", &adult, "x", today).is_ok());
}

#[test]
fn coming_of_age_on_a_leap_day_birthday() {
    let born = date!(2008 - 02 - 29);
    assert!(is_minor(born, date!(2026 - 02 - 28)));
    assert!(!is_minor(born, date!(2026 - 03 - 01)));
}

proptest! {
    /// Minority flips exactly on the eighteenth birthday.
    #[test]
    fn minor_until_the_eighteenth_birthday(days in 0i64..365 * 40, offset in -400i64..400) {
        let born = date!(1990 - 01 - 01) + time::Duration::days(days);
        let adult = time::Date::from_calendar_date(born.year() + 18, born.month(), born.day())
            .unwrap_or_else(|_| time::Date::from_calendar_date(born.year() + 18, time::Month::March, 1).unwrap());
        let today = adult + time::Duration::days(offset);
        prop_assert_eq!(is_minor(born, today), today < adult);
    }
}
