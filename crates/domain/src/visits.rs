//! 最多跑一次: the in-person visits a case took, recorded where they happen (window intake,
//! originals checked when supplying, collecting the result at a window), counted by day (the
//! person came once that day, whatever the window did), against the visits the item promises
//! (`ItemDefinition::visits`, 0, 1 or n with its reason); the 实现率 of a set of cases; and
//! the monthly sample of closed cases for call-backs (回访), drawn by SM3 of a recorded seed.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::calendar::china_date;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum VisitKind {
    /// 窗口收件.
    Intake,
    /// 到窗口补交、核验原件.
    Originals,
    /// 窗口领取结果.
    Pickup,
}

impl VisitKind {
    pub fn label(self) -> &'static str {
        match self {
            VisitKind::Intake => "窗口收件",
            VisitKind::Originals => "补交或核验原件",
            VisitKind::Pickup => "窗口领取结果",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Visit {
    pub kind: VisitKind,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Rfc3339))]
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// How many times the person came: distinct days (Beijing time) with a visit.
pub fn days(visits: &[Visit]) -> u32 {
    let mut d: Vec<time::Date> = visits.iter().map(|v| china_date(v.at)).collect();
    d.sort();
    d.dedup();
    d.len() as u32
}

/// Whether a closed case kept the item's promise.
pub fn kept(visits: &[Visit], promised: u32) -> bool {
    days(visits) <= promised
}

/// 最多跑一次实现率 of (visits, promised) over closed cases; None without any.
pub fn rate(cases: &[(u32, u32)]) -> Option<f64> {
    if cases.is_empty() {
        return None;
    }
    let kept = cases.iter().filter(|(v, p)| v <= p).count();
    Some(kept as f64 / cases.len() as f64)
}

/// How many cases a month's call-back sample takes (a platform default).
pub const SAMPLE_SIZE: usize = 10;

/// The call-back sample: the case numbers ranked by SM3 of `seed:number`, the first
/// `SAMPLE_SIZE`; anyone with the seed and the month's list re-runs it.
pub fn sample<'a>(seed: &str, numbers: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    crate::market::draw(seed, numbers)
        .into_iter()
        .take(SAMPLE_SIZE)
        .map(|e| e.credit_code)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::Duration;
    use time::macros::datetime;

    fn at(kind: VisitKind, t: OffsetDateTime) -> Visit {
        Visit { kind, at: t }
    }

    #[test]
    fn visits_on_one_day_are_one_trip() {
        let t = datetime!(2026-11-02 09:00 +8);
        let v = [
            at(VisitKind::Intake, t),
            at(VisitKind::Originals, t + Duration::hours(2)),
            at(VisitKind::Pickup, t + Duration::days(3)),
        ];
        assert_eq!(days(&v), 2);
        assert!(!kept(&v, 1));
        assert!(kept(&v[..2], 1));
        assert!(kept(&[], 0), "全程网办");
        // 23:30 and 00:30 Beijing time are two days.
        let late = datetime!(2026-11-02 23:30 +8);
        assert_eq!(
            days(&[
                at(VisitKind::Intake, late),
                at(VisitKind::Pickup, late + Duration::hours(1))
            ]),
            2
        );
    }

    proptest! {
        #[test]
        fn a_sample_is_the_same_for_the_same_seed_and_never_larger_than_the_month(
            n in 0usize..40,
            seed in "[0-9a-f]{16}",
        ) {
            let numbers: Vec<String> = (0..n).map(|i| format!("51160020261102{i:05}")).collect();
            let a = sample(&seed, numbers.iter().map(String::as_str));
            let mut reversed = numbers.clone();
            reversed.reverse();
            let b = sample(&seed, reversed.iter().map(String::as_str));
            prop_assert_eq!(&a, &b);
            prop_assert_eq!(a.len(), n.min(SAMPLE_SIZE));
            prop_assert!(a.iter().all(|x| numbers.contains(x)));
        }

        #[test]
        fn the_rate_counts_the_cases_that_kept_their_promise(cases in prop::collection::vec((0u32..4, 0u32..3), 1..30)) {
            let r = rate(&cases).unwrap();
            let kept = cases.iter().filter(|(v, p)| v <= p).count();
            prop_assert!((r * cases.len() as f64 - kept as f64).abs() < 1e-9);
        }
    }
}
