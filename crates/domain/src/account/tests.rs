use super::*;
use crate::ids::id_check_char;
use proptest::prelude::*;
use time::macros::date;

const TODAY: Date = date!(2026 - 11 - 27);

#[test]
fn only_the_top_region_sets_platform_settings_and_a_county_only_its_own() {
    let county = StaffScope {
        region: "511602".into(),
        department: None,
    };
    let city = StaffScope {
        region: "511600".into(),
        department: None,
    };
    let dept = StaffScope {
        region: "511600".into(),
        department: Some("511600-SCJG".into()),
    };
    assert!(!county.may_set(&SettingScope::Platform, false));
    assert!(city.may_set(&SettingScope::Platform, true));
    assert!(county.may_set(&SettingScope::Region("511602".into()), false));
    assert!(!county.may_set(&SettingScope::Region("511600".into()), false));
    assert!(city.may_set(&SettingScope::Region("511602".into()), true));
    assert!(!dept.may_set(&SettingScope::Region("511600".into()), true));
}

proptest! {
    #[test]
    fn authority_over_a_region_is_never_wider_than_the_scope(
        mine in "51(16|17)0[0-3]", theirs in "51(16|17)0[0-3]", top in any::<bool>()
    ) {
        let s = StaffScope { region: mine.clone(), department: None };
        let target = SettingScope::Region(theirs.clone());
        prop_assert_eq!(s.may_set(&target, top), s.covers_region(&theirs));
    }
}

#[test]
fn a_department_scope_covers_only_its_department_in_its_region_and_below() {
    let s = StaffScope {
        region: "511600".into(),
        department: Some("511600-SCJG".into()),
    };
    assert!(s.covers("511600", Some("511600-SCJG")));
    assert!(s.covers("511602", Some("511600-SCJG")));
    assert!(!s.covers("511600", Some("511600-WJW")));
    assert!(!s.covers("510100", Some("511600-SCJG")));
    let region_wide = StaffScope {
        region: "511602".into(),
        department: None,
    };
    assert!(region_wide.covers("511602001", Some("x")));
    assert!(!region_wide.covers("511603", None));
}

#[test]
fn registration_reports_every_bad_field_at_once() {
    let r = ApplicantRegistration::NaturalPerson {
        id_number: "123".into(),
        name: "".into(),
        phone: "12".into(),
        password: "short".into(),
    };
    let fields: Vec<_> = r
        .validate(TODAY)
        .unwrap_err()
        .into_iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(fields, ["id_number", "name", "phone", "password"]);
}

fn enterprise(code: &str) -> ApplicantRegistration {
    ApplicantRegistration::Enterprise {
        credit_code: code.into(),
        name: "某某有限公司".into(),
        legal_representative: "张三".into(),
        phone: "13800138000".into(),
        password: "correct horse battery".into(),
    }
}

#[test]
fn an_early_credit_code_registers_only_at_a_window_whose_clerk_confirms_it() {
    let early = "91350100M0001TGQXM";
    let refused = enterprise(early).validate(TODAY).unwrap_err();
    assert_eq!(refused[0].code, "check_mismatch");
    assert_eq!(refused[0].message, SELF_CHECK_MISMATCH);
    let clerk = |accept| RegisteredBy::Clerk {
        accept_check_mismatch: accept,
    };
    let unconfirmed = enterprise(early).validate_by(clerk(false), TODAY);
    assert_eq!(unconfirmed.unwrap_err()[0].code, "check_mismatch");
    let ok = enterprise(early).validate_by(clerk(true), TODAY).unwrap();
    assert_eq!(ok.login, early);
    assert!(ok.check_overridden.is_some());
}

proptest! {
    /// A walk-in is recorded without a password, but with the identity checked as fully
    /// as a registration's: only the password is never asked.
    #[test]
    fn a_walk_in_needs_every_identity_field_but_no_password(seq in 100u32..999, bad_phone in any::<bool>(), bad_name in any::<bool>()) {
        let first = format!("51160219900101{seq}");
        let reg = ApplicantRegistration::NaturalPerson {
            id_number: format!("{first}{}", id_check_char(&first)),
            name: if bad_name { " ".into() } else { "张三".into() },
            phone: if bad_phone { "12".into() } else { "13800138000".into() },
            password: String::new(),
        };
        let fields: Vec<String> = match reg.validate_by(RegisteredBy::WalkIn, TODAY) {
            Ok(v) => { prop_assert!(v.password.is_empty()); vec![] }
            Err(e) => e.into_iter().map(|e| e.field).collect(),
        };
        let mut expected = vec![];
        if bad_name { expected.push("name"); }
        if bad_phone { expected.push("phone"); }
        prop_assert_eq!(fields, expected);
    }
}

#[test]
fn a_walk_in_enterprise_with_a_failed_check_is_sent_to_window_registration() {
    let e = enterprise("91350100M0001TGQXM")
        .validate_by(RegisteredBy::WalkIn, TODAY)
        .unwrap_err();
    assert_eq!(e[0].code, "check_mismatch");
    assert!(e[0].message.contains("窗口注册"), "{}", e[0].message);
}

#[test]
fn a_person_born_in_the_future_does_not_register() {
    let first = "51160220991231123";
    let reg = ApplicantRegistration::NaturalPerson {
        id_number: format!("{first}{}", id_check_char(first)),
        name: "张三".into(),
        phone: "13800138000".into(),
        password: "a long passphrase".into(),
    };
    let e = reg.validate(TODAY).unwrap_err();
    assert_eq!(e[0].field, "id_number");
    assert!(e[0].message.contains("出生日期"), "{}", e[0].message);
}

#[test]
fn a_registration_password_may_not_hold_the_id_number_or_phone() {
    let first = "51160219900101123";
    let id = format!("{first}{}", id_check_char(first));
    for pw in [
        id.clone(),
        format!("my{}", id.to_lowercase()),
        "13800138000".into(),
    ] {
        let reg = ApplicantRegistration::NaturalPerson {
            id_number: id.clone(),
            name: "张三".into(),
            phone: "13800138000".into(),
            password: pw.clone(),
        };
        let e = reg.validate(TODAY).unwrap_err();
        assert_eq!(
            (e[0].field.as_str(), e[0].code),
            ("password", "personal"),
            "{pw}"
        );
    }
}

proptest! {
    #[test]
    fn self_registration_never_accepts_a_failed_credit_check(body in proptest::collection::vec(0usize..31, 17), wrong in 1usize..31) {
        use crate::ids::{CREDIT_ALPHABET, credit_check_char};
        let first: String = body.iter().map(|i| CREDIT_ALPHABET.as_bytes()[*i] as char).collect();
        let right = credit_check_char(&first);
        let at = (CREDIT_ALPHABET.find(right).unwrap() + wrong) % 31;
        let code = format!("{first}{}", CREDIT_ALPHABET.as_bytes()[at] as char);
        let e = enterprise(&code).validate(TODAY).unwrap_err();
        prop_assert_eq!(e[0].code, "check_mismatch");
        let clerk = RegisteredBy::Clerk { accept_check_mismatch: true };
        prop_assert!(enterprise(&code).validate_by(clerk, TODAY).is_ok());
    }
}
