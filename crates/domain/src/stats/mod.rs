//! Service statistics, each formula defined once. Inputs are plain facts about cases and
//! ratings; the app gathers them for a period and a scope (region, department, item).
//!
//! Definitions (over cases received — submitted — in the period):
//! - 网办率 = cases filed online ÷ cases received.
//! - 全程网办率 = cases filed online and delivered electronically ÷ cases received.
//! - 即办件率 = cases of 即办件 items ÷ cases received.
//! - 按时办结率 = cases decided on or before the promised deadline ÷ cases decided; 超期 counts
//!   cases decided late and cases still open past their promised deadline.
//! - 平均/中位办理时长 = working days from acceptance to decision, pauses excluded.
//! - 承诺时限压缩比 = 1 − Σ promised days ÷ Σ legal days, over items with both limits.
//! - 件均材料 = materials required ÷ cases received; 免提交 = materials provided by e-licenses
//!   or shared data.
//! - 满意率 = ratings 非常满意, 满意 or 基本满意 ÷ ratings counted (upheld malicious ratings
//!   excluded).
//! - 差评按时整改率 = bad-review tickets finished by their due date ÷ tickets opened.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::rating::{RatingChannel, Satisfaction};

mod daily;
pub use daily::{
    COUNTS, CaseStat, Counts, DayKey, Delta, Totals, delta, facts_of, median_of_histogram,
};

/// What the statistics need to know about one case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFacts {
    pub online: bool,
    pub delivered_electronically: bool,
    pub instant: bool,
    pub accepted: bool,
    pub decided: bool,
    pub completed: bool,
    /// Decided on or before the promised deadline (None when not decided).
    pub on_time: Option<bool>,
    /// Working days from acceptance to decision, pauses excluded.
    pub handling_days: Option<u32>,
    /// Not decided yet and already past its promised deadline.
    pub overdue_open: bool,
    pub materials_required: u32,
    pub materials_avoided: u32,
    pub visits: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RatingFacts {
    pub level: Option<Satisfaction>,
    pub channel: Option<RatingChannel>,
    pub excluded: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketFacts {
    pub finished_on_time: bool,
}

/// A share as a ratio 0–1, None when the denominator is zero (shown as “—”).
pub fn ratio(num: usize, den: usize) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Summary {
    pub received: usize,
    pub accepted: usize,
    pub decided: usize,
    pub completed: usize,
    pub on_time: usize,
    pub overdue: usize,
    pub online_rate: Option<f64>,
    pub full_online_rate: Option<f64>,
    pub instant_rate: Option<f64>,
    pub on_time_rate: Option<f64>,
    pub avg_handling_days: Option<f64>,
    pub median_handling_days: Option<f64>,
    pub materials_per_case: Option<f64>,
    pub materials_avoided: u32,
    pub visits_required: u32,
    pub ratings: usize,
    /// Counted ratings per level code (1–5).
    pub by_level: BTreeMap<u8, usize>,
    pub by_channel: BTreeMap<String, usize>,
    pub satisfaction_rate: Option<f64>,
    pub bad_reviews: usize,
    pub tickets: usize,
    pub tickets_on_time_rate: Option<f64>,
}

/// The median of `v` (sorted in place); the mean of the middle two for an even count.
pub fn median(v: &mut [u32]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let n = v.len();
    Some(if n % 2 == 1 {
        f64::from(v[n / 2])
    } else {
        (f64::from(v[n / 2 - 1]) + f64::from(v[n / 2])) / 2.0
    })
}

pub fn summarize(cases: &[CaseFacts], ratings: &[RatingFacts], tickets: &[TicketFacts]) -> Summary {
    let mut totals = Totals::default();
    for c in cases {
        totals.add_case(c);
    }
    summary_of(&totals, ratings.iter().map(|r| (r, 1)), tickets)
}

/// The summary of cases already counted (per-day aggregates summed, or [`summarize`]'s own
/// count), and of ratings, each with how many times it occurs.
pub fn summary_of<'a>(
    t: &Totals,
    ratings: impl IntoIterator<Item = (&'a RatingFacts, usize)>,
    tickets: &[TicketFacts],
) -> Summary {
    let c = &t.counts;
    let n = c.received as usize;
    let count = |v: i64| v.max(0) as usize;
    let mut by_level = BTreeMap::new();
    let mut by_channel = BTreeMap::new();
    let (mut counted, mut satisfied, mut bad) = (0, 0, 0);
    for (r, times) in ratings {
        let Some(level) = r.level.filter(|_| !r.excluded) else {
            continue;
        };
        counted += times;
        *by_level.entry(level.code()).or_insert(0) += times;
        if let Some(ch) = r.channel {
            *by_channel.entry(ch.as_str().to_string()).or_insert(0) += times;
        }
        if level.is_bad() {
            bad += times;
        } else {
            satisfied += times;
        }
    }
    let handled = count(c.handled);
    Summary {
        received: n,
        accepted: count(c.accepted),
        decided: count(c.decided),
        completed: count(c.completed),
        on_time: count(c.on_time),
        // Late decisions and open cases past their deadline: never the same case.
        overdue: count(c.late + t.overdue_open),
        online_rate: ratio(count(c.online), n),
        full_online_rate: ratio(count(c.full_online), n),
        instant_rate: ratio(count(c.instant), n),
        on_time_rate: ratio(count(c.on_time), count(c.decided)),
        avg_handling_days: (handled > 0).then(|| c.handling_days as f64 / handled as f64),
        median_handling_days: median_of_histogram(&t.handling),
        materials_per_case: (n > 0).then(|| c.materials_required as f64 / n as f64),
        materials_avoided: c.materials_avoided.max(0) as u32,
        visits_required: c.visits.max(0) as u32,
        ratings: counted,
        by_level,
        by_channel,
        satisfaction_rate: ratio(satisfied, counted),
        bad_reviews: bad,
        tickets: tickets.len(),
        tickets_on_time_rate: ratio(
            tickets.iter().filter(|t| t.finished_on_time).count(),
            tickets.len(),
        ),
    }
}

/// 承诺时限压缩比 over (promised, legal) working days of items that have both.
pub fn compression_ratio(limits: &[(u32, u32)]) -> Option<f64> {
    let (p, l) = limits
        .iter()
        .filter(|(_, legal)| *legal > 0)
        .fold((0u64, 0u64), |(p, l), (a, b)| {
            (p + u64::from(*a), l + u64::from(*b))
        });
    (l > 0).then(|| 1.0 - p as f64 / l as f64)
}

/// A percentage for display: "87.5%", or "—" when undefined.
pub fn percent(r: Option<f64>) -> String {
    match r {
        Some(v) => format!("{:.1}%", v * 100.0),
        None => "—".into(),
    }
}

/// The periods a statistics page offers in one click, as (label, first day, day after the
/// last): this and last month, quarter and year.
pub fn period_presets(today: time::Date) -> Vec<(&'static str, time::Date, time::Date)> {
    use time::{Date, Month};
    let ym = |y: i32, m: i32| {
        // Months counted from year 0 so that stepping back across a year is plain arithmetic.
        let n = y * 12 + m - 1;
        Date::from_calendar_date(
            n.div_euclid(12),
            Month::try_from((n.rem_euclid(12) + 1) as u8).unwrap_or(Month::January),
            1,
        )
        .unwrap_or(today)
    };
    let (y, m) = (today.year(), today.month() as i32);
    let q = (m - 1) / 3 * 3 + 1;
    vec![
        ("本月", ym(y, m), ym(y, m + 1)),
        ("上月", ym(y, m - 1), ym(y, m)),
        ("本季度", ym(y, q), ym(y, q + 3)),
        ("上季度", ym(y, q - 3), ym(y, q)),
        ("本年", ym(y, 1), ym(y + 1, 1)),
        ("上年", ym(y - 1, 1), ym(y, 1)),
    ]
}

#[cfg(test)]
mod tests {
    #[test]
    fn presets_cover_whole_months_quarters_and_years_across_a_new_year() {
        use time::macros::date;
        let p = super::period_presets(date!(2026 - 01 - 15));
        let get = |l: &str| p.iter().find(|x| x.0 == l).map(|x| (x.1, x.2)).unwrap();
        assert_eq!(get("本月"), (date!(2026 - 01 - 01), date!(2026 - 02 - 01)));
        assert_eq!(get("上月"), (date!(2025 - 12 - 01), date!(2026 - 01 - 01)));
        assert_eq!(
            get("本季度"),
            (date!(2026 - 01 - 01), date!(2026 - 04 - 01))
        );
        assert_eq!(
            get("上季度"),
            (date!(2025 - 10 - 01), date!(2026 - 01 - 01))
        );
        assert_eq!(get("上年"), (date!(2025 - 01 - 01), date!(2026 - 01 - 01)));
        let p = super::period_presets(date!(2026 - 12 - 02));
        assert_eq!(p[0].2, date!(2027 - 01 - 01));
    }

    use super::*;
    use proptest::prelude::*;

    /// Four cases worked out by hand:
    /// A online, e-delivered, decided on time in 3 days, 4 materials (2 avoided);
    /// B online, window pickup, decided late in 12 days, 5 materials;
    /// C at the window, 即办, decided on time in 0 days, 2 materials, 1 visit;
    /// D online, submitted only, 3 materials.
    fn four() -> Vec<CaseFacts> {
        vec![
            CaseFacts {
                online: true,
                delivered_electronically: true,
                accepted: true,
                decided: true,
                completed: true,
                on_time: Some(true),
                handling_days: Some(3),
                materials_required: 4,
                materials_avoided: 2,
                ..Default::default()
            },
            CaseFacts {
                online: true,
                accepted: true,
                decided: true,
                completed: true,
                on_time: Some(false),
                handling_days: Some(12),
                materials_required: 5,
                ..Default::default()
            },
            CaseFacts {
                instant: true,
                accepted: true,
                decided: true,
                on_time: Some(true),
                handling_days: Some(0),
                materials_required: 2,
                visits: 1,
                ..Default::default()
            },
            CaseFacts {
                online: true,
                materials_required: 3,
                ..Default::default()
            },
        ]
    }

    #[test]
    fn rates_match_hand_computed_values() {
        let r = |l: Satisfaction, c: RatingChannel, excluded: bool| RatingFacts {
            level: Some(l),
            channel: Some(c),
            excluded,
        };
        let ratings = vec![
            r(Satisfaction::VerySatisfied, RatingChannel::Pc, false),
            r(Satisfaction::Basic, RatingChannel::QrCode, false),
            r(Satisfaction::Dissatisfied, RatingChannel::HallTablet, false),
            r(Satisfaction::VeryDissatisfied, RatingChannel::Pc, true),
        ];
        let tickets = vec![
            TicketFacts {
                finished_on_time: true,
            },
            TicketFacts {
                finished_on_time: false,
            },
        ];
        let s = summarize(&four(), &ratings, &tickets);
        assert_eq!(
            (
                s.received,
                s.accepted,
                s.decided,
                s.completed,
                s.on_time,
                s.overdue
            ),
            (4, 3, 3, 2, 2, 1)
        );
        assert_eq!(s.online_rate, Some(0.75)); // A, B, D of 4
        assert_eq!(s.full_online_rate, Some(0.25)); // A
        assert_eq!(s.instant_rate, Some(0.25)); // C
        assert_eq!(s.on_time_rate, Some(2.0 / 3.0));
        assert_eq!(s.avg_handling_days, Some(5.0)); // (3 + 12 + 0) / 3
        assert_eq!(s.median_handling_days, Some(3.0));
        assert_eq!(s.materials_per_case, Some(3.5)); // 14 / 4
        assert_eq!((s.materials_avoided, s.visits_required), (2, 1));
        assert_eq!(s.ratings, 3, "the excluded rating does not count");
        assert_eq!(s.satisfaction_rate, Some(2.0 / 3.0));
        assert_eq!(s.bad_reviews, 1);
        assert_eq!(s.by_channel["pc"], 1);
        assert_eq!(s.tickets_on_time_rate, Some(0.5));
        assert_eq!(percent(s.online_rate), "75.0%");
        assert_eq!(percent(summarize(&[], &[], &[]).online_rate), "—");
        // Promised 10 and 5 days against legal 20 and 20: 1 − 15/40.
        assert_eq!(compression_ratio(&[(10, 20), (5, 20), (3, 0)]), Some(0.625));
    }

    proptest! {
        /// Every rate lies in [0, 1], the median lies between min and max, and counts add up.
        #[test]
        fn rates_are_bounded(flags in proptest::collection::vec((any::<bool>(), any::<bool>(), any::<bool>(), 0u32..30), 0..40)) {
            let cases: Vec<CaseFacts> = flags.iter().map(|(online, decided, late, days)| CaseFacts {
                online: *online,
                delivered_electronically: *online && *decided,
                accepted: *decided,
                decided: *decided,
                on_time: decided.then_some(!late),
                handling_days: decided.then_some(*days),
                ..Default::default()
            }).collect();
            let s = summarize(&cases, &[], &[]);
            for r in [s.online_rate, s.full_online_rate, s.instant_rate, s.on_time_rate] {
                prop_assert!(r.is_none_or(|v| (0.0..=1.0).contains(&v)));
            }
            prop_assert_eq!(s.on_time + s.overdue, s.decided, "no open case is overdue here");
            let days: Vec<u32> = cases.iter().filter_map(|c| c.handling_days).collect();
            if let (Some(m), Some(lo), Some(hi)) = (s.median_handling_days, days.iter().min(), days.iter().max()) {
                prop_assert!(f64::from(*lo) <= m && m <= f64::from(*hi));
            }
        }
    }
}
