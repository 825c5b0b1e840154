//! Tests of the identifiers and their check characters.

use super::*;
use proptest::prelude::*;

#[test]
fn a_known_valid_id_number_parses_and_reports_birth_and_sex() {
    let id = IdNumber::parse("11010519491231002x").unwrap();
    assert_eq!(id.as_str(), "11010519491231002X");
    assert_eq!(id.birth_date(), time::macros::date!(1949 - 12 - 31));
    assert!(!id.is_male());
    assert_eq!(id.masked(), "1101**********002X");
}

#[test]
fn a_wrong_check_digit_names_the_expected_one() {
    assert_eq!(
        IdNumber::parse("110105194912310021"),
        Err(IdError::CheckCharacter {
            expected: 'X',
            found: '1'
        })
    );
}

fn id_born(birth: &str) -> String {
    let first = format!("511602{birth}123");
    format!("{first}{}", id_check_char(&first))
}

#[test]
fn an_id_number_entered_today_may_not_be_born_in_the_future_or_before_1900() {
    let today = time::macros::date!(2026 - 11 - 27);
    for birth in ["20991231", "20261128", "18991231", "18500101"] {
        assert_eq!(
            IdNumber::parse_on(&id_born(birth), today),
            Err(IdError::BirthDateOutOfRange(birth.into())),
            "{birth}"
        );
        // Stored numbers still read back.
        assert!(IdNumber::parse(&id_born(birth)).is_ok());
    }
    for birth in ["20261127", "19000101", "19491231"] {
        assert!(
            IdNumber::parse_on(&id_born(birth), today).is_ok(),
            "{birth}"
        );
    }
}

#[test]
fn an_impossible_birth_date_is_rejected() {
    let first = "11010519490230002";
    let id = format!("{first}{}", id_check_char(first));
    assert!(matches!(IdNumber::parse(&id), Err(IdError::BirthDate(_))));
}

#[test]
fn the_early_credit_code_from_the_standard_is_a_warning_not_a_rejection() {
    let (code, check) = CreditCode::parse_lenient("91350100M0001TGQXM").unwrap();
    assert_eq!(code.as_str(), "91350100M0001TGQXM");
    assert!(matches!(check, CreditCheck::CheckMismatch { .. }));
    assert!(CreditCode::parse("91350100M0001TGQXM").is_err());
}

#[test]
fn a_known_credit_code_is_valid() {
    // Check character computed by hand from GB 32100 weights.
    let first = "91110000600037341";
    let code = format!("{first}{}", credit_check_char(first));
    assert_eq!(CreditCode::parse(&code).unwrap().as_str(), code);
    assert!(matches!(
        CreditCode::parse("9111000060003734I"),
        Err(IdError::Length { .. })
    ));
    assert!(matches!(
        CreditCode::parse("91110000600037341I"),
        Err(IdError::Character { position: 18, .. })
    ));
}

#[test]
fn region_codes_know_their_level_and_parent() {
    let village = RegionCode::parse("511602001001").unwrap();
    assert_eq!(village.level(), RegionLevel::Village);
    let chain: Vec<_> = village
        .ancestry()
        .iter()
        .map(|c| c.as_str().to_string())
        .collect();
    assert_eq!(
        chain,
        ["510000", "511600", "511602", "511602001", "511602001001"]
    );
    assert!(village.is_within(&RegionCode::parse("511600").unwrap()));
    assert!(!village.is_within(&RegionCode::parse("511603").unwrap()));
    assert!(RegionCode::parse("5116").is_err());
    assert!(RegionCode::parse("51160A").is_err());
    assert!(RegionCode::parse("000000").is_err());
    assert!(RegionCode::parse("510001").is_err());
}

#[test]
fn twelve_digit_codes_read_as_the_level_they_stand_for() {
    for (published, read) in [
        ("511602000000", "511602"),
        ("511602001000", "511602001"),
        ("511602001002", "511602001002"),
        ("511600000000", "511600"),
        ("511602000", "511602"),
    ] {
        assert_eq!(RegionCode::parse(published).unwrap().as_str(), read);
    }
}

proptest! {
    /// Any county, township or village code padded to twelve digits reads back as itself.
    #[test]
    fn padding_to_twelve_digits_changes_nothing(county in 110101u32..659999, town in 0u32..1000, village in 0u32..1000) {
        let county = format!("{county:06}");
        prop_assume!(RegionCode::parse(&county).is_ok());
        let code = if town == 0 {
            county.clone()
        } else if village == 0 {
            format!("{county}{town:03}")
        } else {
            format!("{county}{town:03}{village:03}")
        };
        let padded = format!("{code:0<12}");
        let read = RegionCode::parse(&padded).unwrap();
        prop_assert_eq!(read.as_str(), code.as_str());
    }
}

fn valid_birth() -> impl Strategy<Value = Date> {
    (1900i32..2025, 1u8..=12, 1u8..=28)
        .prop_map(|(y, m, d)| Date::from_calendar_date(y, Month::try_from(m).unwrap(), d).unwrap())
}

proptest! {
    #[test]
    fn any_id_with_its_computed_check_digit_parses(addr in 110000u32..660000, birth in valid_birth(), seq in 0u32..1000) {
        let first = format!("{addr:06}{:04}{:02}{:02}{seq:03}", birth.year(), birth.month() as u8, birth.day());
        let id = format!("{first}{}", id_check_char(&first));
        let parsed = IdNumber::parse(&id).unwrap();
        prop_assert_eq!(parsed.birth_date(), birth);
        prop_assert_eq!(parsed.is_male(), seq % 2 == 1);
    }

    #[test]
    fn parse_on_accepts_exactly_the_birth_dates_from_1900_to_today(
        birth in (1850i32..2100, 1u8..=12, 1u8..=28), today in valid_birth(),
    ) {
        let birth = Date::from_calendar_date(birth.0, Month::try_from(birth.1).unwrap(), birth.2).unwrap();
        let first = format!("511602{:04}{:02}{:02}123", birth.year(), birth.month() as u8, birth.day());
        let id = format!("{first}{}", id_check_char(&first));
        let ok = IdNumber::parse_on(&id, today).is_ok();
        prop_assert_eq!(ok, birth <= today && birth.year() >= 1900);
    }

    #[test]
    fn changing_any_one_digit_of_an_id_is_detected(addr in 110000u32..660000, birth in valid_birth(), seq in 0u32..1000, pos in 0usize..17, delta in 1u8..10) {
        let first = format!("{addr:06}{:04}{:02}{:02}{seq:03}", birth.year(), birth.month() as u8, birth.day());
        let id = format!("{first}{}", id_check_char(&first));
        let mut bytes = id.into_bytes();
        bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
        let tampered = String::from_utf8(bytes).unwrap();
        // MOD 11-2 detects every single-digit substitution.
        prop_assert!(IdNumber::parse(&tampered).is_err());
    }

    #[test]
    fn any_credit_code_with_its_computed_check_char_parses(body in proptest::collection::vec(0usize..31, 17)) {
        let first: String = body.iter().map(|i| CREDIT_ALPHABET.as_bytes()[*i] as char).collect();
        let code = format!("{first}{}", credit_check_char(&first));
        prop_assert!(CreditCode::parse(&code).is_ok());
    }

    #[test]
    fn arbitrary_text_never_panics_the_parsers(s in "\\PC{0,30}") {
        let _ = IdNumber::parse(&s);
        let _ = CreditCode::parse_lenient(&s);
        let _ = RegionCode::parse(&s);
    }

    #[test]
    fn masking_keeps_length_and_hides_the_middle(s in "[0-9X]{18}") {
        let m = mask_middle(&s, 4, 4);
        prop_assert_eq!(m.chars().count(), 18);
        prop_assert_eq!(&m[4..14], "**********");
    }
}

#[test]
fn personal_values_are_masked_and_others_kept() {
    let first17 = "51160219900101123";
    let id = format!("{first17}{}", id_check_char(first17));
    assert_eq!(mask_personal(&id).chars().filter(|c| *c == '*').count(), 10);
    assert_eq!(mask_personal("13800138000"), "138****8000");
    assert_eq!(mask_personal("广安市公安局"), "广安市公安局");
    assert_eq!(mask_personal("2026-01-01"), "2026-01-01");
}

proptest! {
    #[test]
    fn masking_never_panics_and_keeps_the_length(s in "\\PC{0,30}") {
        let m = mask_personal(&s);
        prop_assert!(m == s || (m.contains('*') && m.chars().count() == s.trim().chars().count()));
    }
}

/// `is_within` as the hierarchy defines it: `other` is met walking up from `code`.
fn within_by_walking(code: &RegionCode, other: &RegionCode) -> bool {
    let mut cur = Some(code.clone());
    while let Some(c) = cur {
        if &c == other {
            return true;
        }
        cur = c.parent();
    }
    false
}

/// Region codes of every level, with digits from a small set so that codes often share parts.
fn any_region_code() -> impl Strategy<Value = RegionCode> {
    let part = || prop::sample::select(vec!["00", "01", "02", "11"]);
    let three = || prop::sample::select(vec!["000", "001", "002", "101"]);
    (
        prop::sample::select(vec!["11", "51"]),
        part(),
        part(),
        three(),
        three(),
    )
        .prop_filter_map("not a code", |(p, c, d, t, v)| {
            RegionCode::parse(&format!("{p}{c}{d}{t}{v}")).ok()
        })
}

proptest! {
    #[test]
    fn within_by_prefix_is_within_by_walking_up(
        code in any_region_code(),
        other in any_region_code(),
    ) {
        prop_assert_eq!(code.is_within(&other), within_by_walking(&code, &other));
        prop_assert!(code.is_within(&code));
        if let Some(p) = code.parent() {
            prop_assert!(code.is_within(&p));
        }
    }
}
