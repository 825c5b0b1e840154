//! The working-day calendar (工作日). Time limits of the 行政许可法 count working days,
//! excluding the State Council's statutory holidays and including the weekend make-up
//! working days (调休上班). Notices are data: 2025 and 2026 ship in `data/notices/`, an
//! administrator adds next year's when it is published each November. A date in a year
//! with no notice counts Monday–Friday and is marked provisional.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime, UtcOffset, Weekday};

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

impl YearNotice {
    /// A notice as an administrator types it: the year, one holiday a line (名称|首日|末日)
    /// and one make-up day a line, dates as YYYY-MM-DD; every problem named by its line.
    pub fn from_text(
        year: &str,
        holidays: &str,
        makeup_days: &str,
    ) -> Result<YearNotice, Vec<FieldError>> {
        let mut errors = Vec::new();
        let year: i32 = year.trim().parse().unwrap_or_else(|_| {
            errors.push(FieldError::new("year", "invalid", "年份应为四位数字"));
            0
        });
        let mut parsed = Vec::new();
        for (i, line) in lines(holidays).enumerate() {
            let parts: Vec<&str> = line.split('|').collect();
            let [name, first, last] = parts[..] else {
                let message = format!("第 {} 行应为“名称|首日|末日”", i + 1);
                errors.push(FieldError::new(
                    format!("holidays[{i}]"),
                    "invalid",
                    message,
                ));
                continue;
            };
            let first = date_in(first, format!("holidays[{i}].first"), &mut errors);
            let last = date_in(last, format!("holidays[{i}].last"), &mut errors);
            if let (Some(first), Some(last)) = (first, last) {
                let name = name.trim().to_string();
                parsed.push(Holiday { name, first, last });
            }
        }
        let makeup: Vec<Date> = lines(makeup_days)
            .enumerate()
            .filter_map(|(i, line)| date_in(line, format!("makeup_days[{i}]"), &mut errors))
            .collect();
        if !errors.is_empty() {
            return Err(errors);
        }
        let notice = YearNotice {
            year,
            holidays: parsed,
            makeup_days: makeup,
        };
        notice.validate()?;
        Ok(notice)
    }
}

/// A date of a notice's text, or the problem with it under `field`.
fn date_in(s: &str, field: String, errors: &mut Vec<FieldError>) -> Option<Date> {
    let parsed = parse_iso_date(s);
    if parsed.is_err() {
        let message = format!("“{}”不是 YYYY-MM-DD 格式的日期", s.trim());
        errors.push(FieldError::new(field, "invalid", message));
    }
    parsed.ok()
}

fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty())
}

/// The notices that ship with OneWindow (国务院办公厅关于2025年、2026年部分节假日安排的通知,
/// as listed in STANDARDS.md), from `data/notices/`: holidays (名称|首日|末日), then the
/// make-up days, as an administrator would type them.
pub fn shipped_notices() -> Vec<YearNotice> {
    [
        ("2025", include_str!("../data/notices/2025.txt")),
        ("2026", include_str!("../data/notices/2026.txt")),
    ]
    .into_iter()
    .map(|(year, text)| {
        let text: Vec<&str> = lines(text).filter(|l| !l.starts_with('#')).collect();
        let (holidays, makeup): (Vec<&str>, Vec<&str>) =
            text.into_iter().partition(|l| l.contains('|'));
        YearNotice::from_text(year, &holidays.join("\n"), &makeup.join("\n"))
            .unwrap_or_else(|e| panic!("the shipped {year} notice does not read: {e:?}"))
    })
    .collect()
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
    use time::macros::{date, datetime};

    #[test]
    fn a_typed_notice_names_each_problem_by_its_line() {
        let e = YearNotice::from_text(
            "二〇二七",
            "元旦|2027-01-01\n春节|2027-02-0x|2027-02-12",
            "2027-13-01",
        )
        .unwrap_err();
        let fields: Vec<&str> = e.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            ["year", "holidays[0]", "holidays[1].first", "makeup_days[0]"]
        );
        let n = YearNotice::from_text("2027", " 元旦 |2027-01-01|2027-01-01\n\n", "").unwrap();
        assert_eq!(n.holidays[0].name, "元旦");
        assert_eq!(n.holidays[0].last, date!(2027 - 01 - 01));
    }

    #[test]
    fn the_shipped_notices_read_as_the_state_council_published_them() {
        let n = shipped_notices();
        assert_eq!(n.iter().map(|n| n.year).collect::<Vec<_>>(), [2025, 2026]);
        assert_eq!(n[0].holidays.len(), 6);
        assert_eq!(n[0].makeup_days.len(), 5);
        assert_eq!(n[1].holidays.len(), 7);
        assert_eq!(n[1].holidays[1].name, "春节");
        assert_eq!(n[1].holidays[1].first, date!(2026 - 02 - 15));
        assert_eq!(n[1].makeup_days.last(), Some(&date!(2026 - 10 - 10)));
    }

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
