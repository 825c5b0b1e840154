//! 电子监察: which deadline a case is measured against right now, and when it turns yellow
//! (little time left) and red (overdue). There is no national rule for the thresholds; the
//! defaults follow common provincial practice and are configurable.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::calendar::{WorkCalendar, china_date};
use crate::case::{Case, CaseState, limits};
use crate::catalog::ItemDefinition;

/// 行政许可法 art. 44: the result is issued within 10 working days of the decision.
pub const ISSUING_DAYS: u32 = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineKind {
    /// 预审: 2 working days from submission.
    PreReview,
    /// 办结: the promised time from acceptance, pauses excluded.
    Decision,
    /// 出件: 10 working days from the decision.
    Issuing,
}

impl DeadlineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DeadlineKind::PreReview => "pre_review",
            DeadlineKind::Decision => "decision",
            DeadlineKind::Issuing => "issuing",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::PreReview, Self::Decision, Self::Issuing]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            DeadlineKind::PreReview => "预审期限",
            DeadlineKind::Decision => "承诺办结期限",
            DeadlineKind::Issuing => "出件期限",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Yellow,
    Red,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Yellow => "yellow",
            Level::Red => "red",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Level::Yellow => "黄色预警",
            Level::Red => "红色预警",
        }
    }
}

/// When a running deadline turns yellow: at most `yellow_days` working days left, or at most
/// `yellow_percent` of its working days left, whichever comes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thresholds {
    pub yellow_days: u32,
    pub yellow_percent: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            yellow_days: 1,
            yellow_percent: 20,
        }
    }
}

/// The deadline a case is measured against now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Watched {
    pub kind: DeadlineKind,
    pub due: Date,
    /// Working days the deadline allows in all (for the percentage threshold).
    pub working_days: u32,
}

/// The running deadline, if the case is waiting on the government. A case waiting on the
/// applicant (draft, supplement), paused (特别程序) or finished is not watched.
pub fn watched(
    case: &Case,
    item: &ItemDefinition,
    cal: &WorkCalendar,
    now: OffsetDateTime,
) -> Option<Watched> {
    let d = case.deadlines(item, cal, now);
    match case.state {
        CaseState::Submitted => d.pre_review.map(|p| Watched {
            kind: DeadlineKind::PreReview,
            due: p.due,
            working_days: limits::PRE_REVIEW,
        }),
        CaseState::Accepted | CaseState::InReview => d.promised.map(|p| Watched {
            kind: DeadlineKind::Decision,
            due: p.due,
            working_days: p.working_days,
        }),
        CaseState::Approved | CaseState::Issuing => {
            let at = case.decision.as_ref()?.at;
            Some(Watched {
                kind: DeadlineKind::Issuing,
                due: cal.add_working_days(china_date(at), ISSUING_DAYS),
                working_days: ISSUING_DAYS,
            })
        }
        _ => None,
    }
}

impl Watched {
    /// The first day the deadline shows yellow: that many working days before it is due.
    pub fn yellow_from(&self, cal: &WorkCalendar, t: &Thresholds) -> Date {
        let by_share = (self.working_days * t.yellow_percent).div_ceil(100);
        cal.subtract_working_days(self.due, t.yellow_days.max(by_share))
    }

    /// The first day it is red: the day after it is due.
    pub fn red_from(&self) -> Date {
        self.due.next_day().unwrap_or(self.due)
    }

    /// The level on `today`, if any.
    pub fn level(&self, today: Date, cal: &WorkCalendar, t: &Thresholds) -> Option<Level> {
        if today >= self.red_from() {
            Some(Level::Red)
        } else if today >= self.yellow_from(cal, t) {
            Some(Level::Yellow)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    #[test]
    fn a_ten_day_deadline_turns_yellow_two_working_days_before_across_a_holiday() {
        let cal = WorkCalendar::china();
        // Due Thursday 2026-10-08 (国庆: 10-01..10-07 off); 20 % of 10 days is 2 working days:
        // yellow from Tuesday 2026-09-29, skipping nothing; red from 10-09.
        let w = Watched {
            kind: DeadlineKind::Decision,
            due: date!(2026 - 10 - 08),
            working_days: 10,
        };
        let t = Thresholds::default();
        assert_eq!(w.yellow_from(&cal, &t), date!(2026 - 09 - 29));
        assert_eq!(w.level(date!(2026 - 09 - 28), &cal, &t), None);
        assert_eq!(
            w.level(date!(2026 - 10 - 03), &cal, &t),
            Some(Level::Yellow)
        );
        assert_eq!(
            w.level(date!(2026 - 10 - 08), &cal, &t),
            Some(Level::Yellow)
        );
        assert_eq!(w.level(date!(2026 - 10 - 09), &cal, &t), Some(Level::Red));
        // A short deadline uses the day threshold: the pre-review's last working day.
        let p = Watched {
            kind: DeadlineKind::PreReview,
            due: date!(2026 - 10 - 12),
            working_days: 2,
        };
        // 10-10 (Sat) is a make-up working day, so one working day before 10-12 is 10-10.
        assert_eq!(p.yellow_from(&cal, &t), date!(2026 - 10 - 10));
    }

    proptest! {
        /// Levels only rise as days pass: none, then yellow, then red, never back.
        #[test]
        fn levels_never_fall_as_time_passes(offset in 0i64..400, days in 1u32..40, pct in 0u32..100, ydays in 0u32..5) {
            let cal = WorkCalendar::china();
            let due = date!(2025 - 01 - 01) + time::Duration::days(offset);
            let w = Watched { kind: DeadlineKind::Decision, due, working_days: days };
            let t = Thresholds { yellow_days: ydays, yellow_percent: pct };
            let mut last = None;
            let mut d = due - time::Duration::days(60);
            while d < due + time::Duration::days(5) {
                let l = w.level(d, &cal, &t);
                prop_assert!(l >= last, "{:?} after {:?} on {}", l, last, d);
                last = l;
                d = d.next_day().unwrap();
            }
            prop_assert_eq!(w.level(due, &cal, &t).is_some_and(|l| l == Level::Red), false, "due day is not red");
            prop_assert_eq!(w.level(w.red_from(), &cal, &t), Some(Level::Red));
        }
    }
}
