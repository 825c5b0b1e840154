//! The kiosk's identity reader (身份证阅读器 with 人证比对): a kiosk vendor's shell reads the
//! card, compares the face before it with the card's photo, and reports the result signed
//! with the kiosk's secret. These are the rules a report must meet before anyone is logged
//! in on its word; the app checks the signature, the store keeps the one-time entry.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::error::{FieldError, Problems};
use crate::ids::IdNumber;

/// How old a reading may be when it arrives (seconds): the card was read just now, at this
/// kiosk, not replayed from an earlier visit.
pub const MAX_READING_AGE_SECS: i64 = 60;

/// How long the entry link a reading returns may wait for the kiosk's browser to open it.
pub const ENTRY_SECONDS: i64 = 60;

/// How long a kiosk session lasts at most, however busy: the kiosk stands in a public hall
/// and the next person must never inherit it. The page also ends it after 60 s idle.
pub const SESSION_MINUTES: i64 = 10;

/// What the reader reports: who the card names and whether the face matched it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reading {
    /// The hall the kiosk stands in (its code); must be the kiosk's own.
    pub hall: String,
    pub name: String,
    pub id_number: String,
    /// 人证比对: the face before the kiosk matched the card's photo.
    pub face_match: bool,
    /// When the card was read (Unix seconds).
    pub read_at: i64,
}

/// A reading that passed: the person it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reader {
    pub name: String,
    pub id: IdNumber,
}

/// Checks a reading from the kiosk of `hall` at `now` (Unix seconds) on `today`: the kiosk's
/// own hall, a matched face, a fresh reading, a name and a valid ID number.
pub fn check(r: &Reading, hall: &str, now: i64, today: Date) -> Result<Reader, Vec<FieldError>> {
    let mut p = Problems::default();
    if r.hall != hall {
        p.push("hall", "other_hall", "读卡报告的大厅不是本自助终端所在大厅");
    }
    if !r.face_match {
        p.push(
            "face_match",
            "face_mismatch",
            "人证比对未通过，请本人持身份证重新刷卡，或到窗口办理",
        );
    }
    if !(0..=MAX_READING_AGE_SECS).contains(&(now - r.read_at)) {
        p.push(
            "read_at",
            "stale",
            format!("读卡时间与当前时间相差超过 {MAX_READING_AGE_SECS} 秒，请重新刷卡"),
        );
    }
    p.text("name", &r.name, "姓名", 30);
    let id = match IdNumber::parse_on(&r.id_number, today) {
        Ok(id) => Some(id),
        Err(e) => {
            p.push("id_number", "invalid", format!("身份证号码无效：{e}"));
            None
        }
    };
    p.into_result()?;
    Ok(Reader {
        name: r.name.trim().to_string(),
        id: id.expect("no problem means the ID parsed"),
    })
}

/// Whether an account's name allows the reader's card to log it in: the card is the
/// authority, and an account registered under this ID number with another name is someone
/// else's mistake (or worse) for a window to sort out, not for the kiosk to paper over.
pub fn name_matches(account_name: &str, card_name: &str) -> bool {
    account_name.trim() == card_name.trim()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 12 - 05);
    const NOW: i64 = 1_796_000_000;

    fn reading() -> Reading {
        Reading {
            hall: "511600-ZWZX".into(),
            name: "张三".into(),
            id_number: format!(
                "51160219900101123{}",
                crate::ids::id_check_char("51160219900101123")
            ),
            face_match: true,
            read_at: NOW - 2,
        }
    }

    fn fields(r: &Reading) -> Vec<String> {
        match check(r, "511600-ZWZX", NOW, TODAY) {
            Ok(_) => vec![],
            Err(e) => e.into_iter().map(|f| f.field).collect(),
        }
    }

    #[test]
    fn a_fresh_matched_reading_names_the_person() {
        let ok = check(&reading(), "511600-ZWZX", NOW, TODAY).unwrap();
        assert_eq!(ok.name, "张三");
        assert_eq!(ok.id.as_str(), reading().id_number);
    }

    #[test]
    fn each_broken_rule_names_its_field() {
        let mut r = reading();
        r.face_match = false;
        assert_eq!(fields(&r), ["face_match"]);
        let mut r = reading();
        r.hall = "511602-ZWZX".into();
        assert_eq!(fields(&r), ["hall"]);
        let mut r = reading();
        r.id_number = "511602199001011230".into();
        assert_eq!(fields(&r), ["id_number"]);
        let mut r = reading();
        r.name = "  ".into();
        assert_eq!(fields(&r), ["name"]);
        let mut r = reading();
        r.read_at = NOW + 5;
        assert_eq!(fields(&r), ["read_at"]);
    }

    #[test]
    fn the_card_name_must_be_the_accounts() {
        assert!(name_matches("张三 ", "张三"));
        assert!(!name_matches("李四", "张三"));
    }

    proptest! {
        #[test]
        fn only_readings_of_the_last_minute_pass(age in -1000i64..1000) {
            let mut r = reading();
            r.read_at = NOW - age;
            let passed = check(&r, "511600-ZWZX", NOW, TODAY).is_ok();
            prop_assert_eq!(passed, (0..=MAX_READING_AGE_SECS).contains(&age));
        }

        #[test]
        fn an_unmatched_face_never_passes(age in 0i64..=MAX_READING_AGE_SECS) {
            let mut r = reading();
            r.read_at = NOW - age;
            r.face_match = false;
            prop_assert!(check(&r, "511600-ZWZX", NOW, TODAY).is_err());
        }
    }
}
