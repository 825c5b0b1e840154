//! The working-day calendar (工作日). Time limits of the 行政许可法 count working days,
//! excluding the State Council's statutory holidays and including the weekend make-up
//! working days (调休上班). Notices are data: 2025 and 2026 ship with the code, an
//! administrator adds next year's when it is published each November. A date in a year
//! with no notice counts Monday–Friday and is marked provisional.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime, UtcOffset, Weekday, macros::date};

use crate::error::{FieldError, Problems};

/// Beijing time: days and deadlines are counted in China's civil date.
pub const CHINA_OFFSET: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};

/// A date written as YYYY-MM-DD, as forms and APIs carry it.
pub fn parse_iso_date(s: &str) -> Result<Date, time::error::Parse> {
    Date::parse(
        s.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
}

/// The civil date of an instant in China.
pub fn china_date(t: OffsetDateTime) -> Date {
    t.to_offset(CHINA_OFFSET).date()
}

/// One holiday of a notice, as a closed range of dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holiday {
    pub name: String,
    pub first: Date,
    pub last: Date,
}

/// One year's State Council notice on holiday arrangements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearNotice {
    pub year: i32,
    pub holidays: Vec<Holiday>,
    /// Weekend days that are working days (调休上班).
    pub makeup_days: Vec<Date>,
}

impl YearNotice {
    /// A notice must stay inside its year, name each holiday, and list only weekend days as
    /// make-up days (a weekday is a working day anyway).
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut p = Problems::default();
        if !(2000..=2100).contains(&self.year) {
            p.push("year", "invalid", "年份应在 2000 至 2100 之间");
        }
        for (i, h) in self.holidays.iter().enumerate() {
            p.text(&format!("holidays[{i}].name"), &h.name, "节日名称", 20);
            if h.last < h.first {
                p.push(
                    format!("holidays[{i}].last"),
                    "invalid",
                    "假期结束日期不能早于开始日期",
                );
            }
            if h.first.year() != self.year && h.last.year() != self.year {
                p.push(
                    format!("holidays[{i}].first"),
                    "invalid",
                    format!("假期不在 {} 年内", self.year),
                );
            }
            if (h.last - h.first).whole_days() > 15 {
                p.push(
                    format!("holidays[{i}].last"),
                    "invalid",
                    "一段假期不能超过 16 天",
                );
            }
        }
        for (i, d) in self.makeup_days.iter().enumerate() {
            if !is_weekend(*d) {
                p.push(
                    format!("makeup_days[{i}]"),
                    "invalid",
                    format!("{d} 不是周末，无需调休上班"),
                );
            }
            if self.holidays.iter().any(|h| (h.first..=h.last).contains(d)) {
                p.push(
                    format!("makeup_days[{i}]"),
                    "inconsistent",
                    format!("{d} 同时被列为假日和调休上班日"),
                );
            }
        }
        p.into_result()
    }
}

fn is_weekend(d: Date) -> bool {
    matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

fn holiday(name: &str, first: Date, last: Date) -> Holiday {
    Holiday {
        name: name.to_string(),
        first,
        last,
    }
}

/// The notices that ship with OneWindow (国务院办公厅关于2025年、2026年部分节假日安排的通知,
/// as listed in STANDARDS.md).
pub fn shipped_notices() -> Vec<YearNotice> {
    vec![
        YearNotice {
            year: 2025,
            holidays: vec![
                holiday("元旦", date!(2025 - 01 - 01), date!(2025 - 01 - 01)),
                holiday("春节", date!(2025 - 01 - 28), date!(2025 - 02 - 04)),
                holiday("清明节", date!(2025 - 04 - 04), date!(2025 - 04 - 06)),
                holiday("劳动节", date!(2025 - 05 - 01), date!(2025 - 05 - 05)),
                holiday("端午节", date!(2025 - 05 - 31), date!(2025 - 06 - 02)),
                holiday(
                    "国庆节、中秋节",
                    date!(2025 - 10 - 01),
                    date!(2025 - 10 - 08),
                ),
            ],
            makeup_days: vec![
                date!(2025 - 01 - 26),
                date!(2025 - 02 - 08),
                date!(2025 - 04 - 27),
                date!(2025 - 09 - 28),
                date!(2025 - 10 - 11),
            ],
        },
        YearNotice {
            year: 2026,
            holidays: vec![
                holiday("元旦", date!(2026 - 01 - 01), date!(2026 - 01 - 03)),
                holiday("春节", date!(2026 - 02 - 15), date!(2026 - 02 - 23)),
                holiday("清明节", date!(2026 - 04 - 04), date!(2026 - 04 - 06)),
                holiday("劳动节", date!(2026 - 05 - 01), date!(2026 - 05 - 05)),
                holiday("端午节", date!(2026 - 06 - 19), date!(2026 - 06 - 21)),
                holiday("中秋节", date!(2026 - 09 - 25), date!(2026 - 09 - 27)),
                holiday("国庆节", date!(2026 - 10 - 01), date!(2026 - 10 - 07)),
            ],
            makeup_days: vec![
                date!(2026 - 01 - 04),
                date!(2026 - 02 - 14),
                date!(2026 - 02 - 28),
                date!(2026 - 05 - 09),
                date!(2026 - 09 - 20),
                date!(2026 - 10 - 10),
            ],
        },
    ]
}

/// A span during which the clock stops (补正 before acceptance, 特别程序 after it):
/// working days from `first` to `last` inclusive do not count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pause {
    pub first: Date,
    pub last: Date,
    pub reason: String,
}

/// A computed deadline with what it took to compute it, so a page can explain it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deadline {
    /// The last day on which the act is on time.
    pub due: Date,
    pub working_days: u32,
    /// Working days skipped because the clock was paused.
    pub paused_working_days: u32,
    /// Some counted day lies in a year with no notice loaded: recompute when it arrives.
    pub provisional: bool,
    /// Counted in natural days (自然日) rather than working days.
    pub natural_days: bool,
}

impl Deadline {
    /// "2026-12-08（10 个工作日，含特别程序暂停 3 个工作日）".
    pub fn explain(&self) -> String {
        let unit = if self.natural_days {
            "日"
        } else {
            "个工作日"
        };
        let mut s = format!("{}（{} {unit}", self.due, self.working_days);
        if self.paused_working_days > 0 {
            s.push_str(&format!("，另计暂停 {} {unit}", self.paused_working_days));
        }
        s.push('）');
        if self.provisional {
            s.push_str("，该年度节假日安排尚未发布，暂按周一至周五计算");
        }
        s
    }
}

/// Holidays and make-up days by year.
#[derive(Debug, Clone, Default)]
pub struct WorkCalendar {
    notices: BTreeMap<i32, (BTreeSet<Date>, BTreeSet<Date>)>,
}

/// Guard against runaway loops on absurd inputs: no limit in law exceeds a few hundred days.
const MAX_DAYS: u32 = 3650;

impl WorkCalendar {
    /// The shipped 2025 and 2026 notices.
    pub fn china() -> Self {
        let mut c = WorkCalendar::default();
        for n in shipped_notices() {
            c.load(&n);
        }
        c
    }

    /// Adds or replaces one year's notice. Validate it first with [`YearNotice::validate`].
    pub fn load(&mut self, notice: &YearNotice) {
        let mut off = BTreeSet::new();
        for h in &notice.holidays {
            let mut d = h.first;
            while d <= h.last {
                off.insert(d);
                match d.next_day() {
                    Some(n) => d = n,
                    None => break,
                }
            }
        }
        let makeup = notice.makeup_days.iter().copied().collect();
        self.notices.insert(notice.year, (off, makeup));
    }

    pub fn years(&self) -> Vec<i32> {
        self.notices.keys().copied().collect()
    }

    pub fn has_notice(&self, year: i32) -> bool {
        self.notices.contains_key(&year)
    }

    pub fn is_working_day(&self, d: Date) -> bool {
        match self.notices.get(&d.year()) {
            Some((off, makeup)) => makeup.contains(&d) || (!is_weekend(d) && !off.contains(&d)),
            None => !is_weekend(d),
        }
    }

    /// The `n`th working day after `start` (the start day itself never counts, as periods
    /// start the day after the triggering act). `n == 0` gives `start`.
    pub fn add_working_days(&self, start: Date, n: u32) -> Date {
        self.deadline_from(start, n, &[]).due
    }

    /// The `n`th working day before `end`.
    pub fn subtract_working_days(&self, end: Date, n: u32) -> Date {
        let mut d = end;
        let mut left = n.min(MAX_DAYS);
        while left > 0 {
            match d.previous_day() {
                Some(p) => d = p,
                None => break,
            }
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// Working days after `from`'s date up to and including `to`'s date, in China's civil
    /// time; negative when `to` is earlier.
    pub fn working_days_between(&self, from: OffsetDateTime, to: OffsetDateTime) -> i64 {
        let (a, b) = (china_date(from), china_date(to));
        let (lo, hi, sign) = if a <= b { (a, b, 1) } else { (b, a, -1) };
        let mut count = 0i64;
        let mut d = lo;
        while d < hi {
            d += Duration::days(1);
            if self.is_working_day(d) {
                count += 1;
            }
        }
        sign * count
    }

    /// The deadline `n` working days after `start`, skipping working days inside `pauses`.
    pub fn deadline(&self, start: OffsetDateTime, n: u32, pauses: &[Pause]) -> Deadline {
        self.deadline_from(china_date(start), n, pauses)
    }

    fn deadline_from(&self, start: Date, n: u32, pauses: &[Pause]) -> Deadline {
        let n = n.min(MAX_DAYS);
        let mut d = start;
        let mut counted = 0;
        let mut paused = 0;
        let mut provisional = false;
        while counted < n {
            match d.next_day() {
                Some(next) => d = next,
                None => break,
            }
            if !self.has_notice(d.year()) {
                provisional = true;
            }
            if !self.is_working_day(d) {
                continue;
            }
            if pauses.iter().any(|p| p.first <= d && d <= p.last) {
                paused += 1;
            } else {
                counted += 1;
            }
        }
        Deadline {
            due: d,
            working_days: n,
            paused_working_days: paused,
            provisional,
            natural_days: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    #[test]
    fn the_shipped_notices_are_valid() {
        for n in shipped_notices() {
            assert_eq!(n.validate(), Ok(()), "{}", n.year);
        }
    }

    #[test]
    fn holidays_and_makeup_days_follow_the_2026_notice() {
        let c = WorkCalendar::china();
        assert!(
            !c.is_working_day(date!(2026 - 10 - 05)),
            "国庆 Monday is off"
        );
        assert!(
            c.is_working_day(date!(2026 - 10 - 10)),
            "Saturday make-up day works"
        );
        assert!(
            c.is_working_day(date!(2026 - 01 - 04)),
            "Sunday make-up day works"
        );
        assert!(!c.is_working_day(date!(2026 - 02 - 16)), "春节");
        assert!(
            !c.is_working_day(date!(2026 - 11 - 28)),
            "ordinary Saturday"
        );
    }

    #[test]
    fn twenty_working_days_across_national_day_skip_the_holiday_and_count_the_makeup_day() {
        let c = WorkCalendar::china();
        // 2026-09-28 (Mon) + 20 wd: 9-29, 9-30, then 10-08, 10-09, 10-10(Sat make-up), ...
        let due = c.add_working_days(date!(2026 - 09 - 28), 20);
        assert_eq!(due, date!(2026 - 10 - 30));
    }

    #[test]
    fn a_pause_moves_the_deadline_by_the_paused_working_days_and_is_explained() {
        let c = WorkCalendar::china();
        let accepted = datetime!(2026-11-23 10:00 +8);
        let plain = c.deadline(accepted, 10, &[]);
        assert_eq!(plain.due, date!(2026 - 12 - 07));
        let pause = Pause {
            first: date!(2026 - 11 - 25),
            last: date!(2026 - 11 - 27),
            reason: "专家评审".into(),
        };
        let paused = c.deadline(accepted, 10, &[pause]);
        assert_eq!(paused.paused_working_days, 3);
        assert_eq!(paused.due, date!(2026 - 12 - 10));
        assert_eq!(
            paused.explain(),
            "2026-12-10（10 个工作日，另计暂停 3 个工作日）"
        );
    }

    #[test]
    fn a_year_without_a_notice_counts_weekdays_and_is_provisional() {
        let c = WorkCalendar::china();
        let d = c.deadline(datetime!(2027-01-04 09:00 +8), 5, &[]);
        assert!(d.provisional);
        assert_eq!(d.due, date!(2027 - 01 - 11));
        assert!(d.explain().contains("尚未发布"));
    }

    #[test]
    fn late_evening_utc_is_already_the_next_day_in_china() {
        let c = WorkCalendar::china();
        // 2026-11-27 20:00 UTC is Saturday 04:00 in Beijing.
        assert_eq!(
            china_date(datetime!(2026-11-27 20:00 UTC)),
            date!(2026 - 11 - 28)
        );
        assert_eq!(
            c.working_days_between(
                datetime!(2026-11-27 10:00 +8),
                datetime!(2026-11-30 10:00 +8)
            ),
            1
        );
    }

    #[test]
    fn a_makeup_day_on_a_weekday_is_rejected() {
        let n = YearNotice {
            year: 2027,
            holidays: vec![],
            makeup_days: vec![date!(2027 - 01 - 05)],
        };
        assert_eq!(n.validate().unwrap_err()[0].field, "makeup_days[0]");
    }

    fn any_date() -> impl Strategy<Value = Date> {
        (0i64..1200).prop_map(|o| date!(2024 - 06 - 01) + Duration::days(o))
    }

    proptest! {
        #[test]
        fn adding_then_counting_working_days_round_trips(start in any_date(), n in 0u32..80) {
            let c = WorkCalendar::china();
            let due = c.add_working_days(start, n);
            let from = start.with_hms(12, 0, 0).unwrap().assume_offset(CHINA_OFFSET);
            let to = due.with_hms(12, 0, 0).unwrap().assume_offset(CHINA_OFFSET);
            prop_assert_eq!(c.working_days_between(from, to), i64::from(n));
            if n > 0 { prop_assert!(c.is_working_day(due)); }
        }

        #[test]
        fn subtracting_undoes_adding(start in any_date(), n in 1u32..80) {
            let c = WorkCalendar::china();
            let due = c.add_working_days(start, n);
            let back = c.subtract_working_days(due, n);
            // Back lands on the last working day not after start.
            prop_assert!(back <= start);
            prop_assert_eq!(c.add_working_days(back, n), due);
        }

        #[test]
        fn deadlines_never_move_backwards_when_pauses_are_added(start in any_date(), n in 1u32..40, p0 in 0i64..30, len in 0i64..10) {
            let c = WorkCalendar::china();
            let at = start.with_hms(9, 0, 0).unwrap().assume_offset(CHINA_OFFSET);
            let without = c.deadline(at, n, &[]);
            let pause = Pause { first: start + Duration::days(p0), last: start + Duration::days(p0 + len), reason: String::new() };
            let with = c.deadline(at, n, &[pause]);
            prop_assert!(with.due >= without.due);
            prop_assert_eq!(c.working_days_between(at, with.due.with_hms(9, 0, 0).unwrap().assume_offset(CHINA_OFFSET)), i64::from(n + with.paused_working_days));
        }

        #[test]
        fn counting_is_antisymmetric(a in any_date(), b in any_date()) {
            let c = WorkCalendar::china();
            let ta = a.with_hms(9, 0, 0).unwrap().assume_offset(CHINA_OFFSET);
            let tb = b.with_hms(9, 0, 0).unwrap().assume_offset(CHINA_OFFSET);
            prop_assert_eq!(c.working_days_between(ta, tb), -c.working_days_between(tb, ta));
        }
    }
}
