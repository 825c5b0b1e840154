//! Statistics kept as they happen: each received case is stored once with its facts
//! ([`CaseStat`]), and every change of those facts moves per-day sums ([`Counts`] under a
//! [`DayKey`]) by the difference ([`delta`]). A report then adds a period's days instead of
//! reading every case of the period; adding them gives what [`super::summarize`] gives over
//! the same cases (the property tests below hold the two together).
//!
//! One fact depends on the day the report is read: whether an open case is already past its
//! promised deadline. That is kept as the deadline itself ([`CaseStat::open_due`]) and compared
//! with the reading day, so nothing has to be rewritten as days pass.

use std::collections::BTreeMap;

use time::{Date, OffsetDateTime};

use super::CaseFacts;
use crate::calendar::{WorkCalendar, china_date};
use crate::case::{Case, CaseState, Channel, Delivery, Provision};
use crate::catalog::{CaseType, ItemDefinition};

/// What the statistics count of one case as of `now`; without its item nothing about
/// deadlines, materials or visits is known.
pub fn facts_of(
    c: &Case,
    item: Option<&ItemDefinition>,
    cal: &WorkCalendar,
    now: OffsetDateTime,
) -> CaseFacts {
    let decided_at = c.decision.as_ref().map(|d| d.at);
    let (on_time, handling_days) = match (item, c.accepted_at, decided_at) {
        (Some(item), Some(acc), Some(dec)) => {
            let promised = c.deadlines(item, cal, dec).promised;
            let on_time = promised.as_ref().map(|p| china_date(dec) <= p.due);
            let paused = promised.map(|p| p.paused_working_days).unwrap_or(0);
            let days = cal.working_days_between(acc, dec).max(0) as u32;
            (on_time, Some(days.saturating_sub(paused)))
        }
        _ => (None, None),
    };
    let overdue_open = match item {
        Some(item) if is_open(c) => c
            .deadlines(item, cal, now)
            .promised
            .is_some_and(|p| china_date(now) > p.due),
        _ => false,
    };
    CaseFacts {
        overdue_open,
        online: c.channel == Channel::Online,
        delivered_electronically: matches!(c.delivery, Some(Delivery::Electronic)),
        instant: item.is_some_and(|i| i.case_type == CaseType::Instant),
        accepted: c.accepted_at.is_some(),
        decided: c.decision.is_some(),
        completed: c.state == CaseState::Completed,
        on_time,
        handling_days,
        materials_required: item
            .map(|i| i.materials.iter().filter(|m| m.mandatory).count() as u32)
            .unwrap_or(0),
        materials_avoided: c
            .materials
            .values()
            .filter(|p| matches!(p, Provision::License { .. } | Provision::Shared { .. }))
            .count() as u32,
        visits: item.map(|i| i.visits).unwrap_or(0),
    }
}

/// Accepted, not decided, not closed: its promised deadline can still pass.
fn is_open(c: &Case) -> bool {
    c.decision.is_none() && c.accepted_at.is_some() && !c.state.is_final()
}

/// Where and on which day (Beijing) a received case counts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DayKey {
    pub day: Date,
    pub region: String,
    pub department: String,
    pub item_code: String,
}

/// One received case as the statistics keep it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseStat {
    pub key: DayKey,
    /// The facts that do not move with the reading day (`overdue_open` is always false).
    pub facts: CaseFacts,
    /// The promised deadline of a case still open, against which the reading day tells
    /// whether it is overdue. A case whose clock is stopped (an open pause) and not yet past
    /// its deadline has none: its deadline moves with every paused day and cannot pass until
    /// the pause ends, which is a write of its own.
    pub open_due: Option<Date>,
}

impl CaseStat {
    /// The row of a case received (created) on `received`; none for a draft, which is not
    /// received yet. Without its item (a version since removed) nothing about deadlines,
    /// materials or visits counts, as in [`facts_of`].
    pub fn of(
        c: &Case,
        item: Option<&ItemDefinition>,
        cal: &WorkCalendar,
        received: Date,
        now: OffsetDateTime,
    ) -> Option<CaseStat> {
        if c.state == CaseState::Draft {
            return None;
        }
        let mut facts = facts_of(c, item, cal, now);
        let open_due = match item.and_then(|i| c.deadlines(i, cal, now).promised) {
            Some(p) if is_open(c) => {
                let passed = facts.overdue_open;
                (c.open_pause.is_none() || passed).then_some(p.due)
            }
            _ => None,
        };
        facts.overdue_open = false;
        Some(CaseStat {
            key: DayKey {
                day: received,
                region: c.region.clone(),
                department: c.department.clone(),
                item_code: c.item_code.to_string(),
            },
            facts,
            open_due,
        })
    }
}

/// Defines [`Counts`] and its field order from one list: the struct, `to_array`,
/// `from_array` and `NAMES` (the store's column names) cannot drift apart.
macro_rules! counts {
    ($($(#[$doc:meta])* $field:ident),+ $(,)?) => {
        /// The sums kept per day and place; each field counts cases unless it says otherwise.
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        pub struct Counts {
            $($(#[$doc])* pub $field: i64,)+
        }

        impl Counts {
            /// The fields' names in a fixed order (the store's columns are named and ordered so).
            pub const NAMES: [&'static str; COUNTS] = [$(stringify!($field)),+];

            /// The fields in the order of [`Counts::NAMES`].
            pub fn to_array(self) -> [i64; COUNTS] {
                [$(self.$field),+]
            }

            pub fn from_array(a: [i64; COUNTS]) -> Counts {
                let [$($field),+] = a;
                Counts { $($field),+ }
            }
        }
    };
}

/// How many sums [`Counts`] has.
pub const COUNTS: usize = 14;

counts! {
    received,
    accepted,
    decided,
    completed,
    /// Decided on or before the promised deadline.
    on_time,
    /// Decided after it.
    late,
    online,
    /// Online and delivered electronically (全程网办).
    full_online,
    instant,
    /// Cases with a handling time, and the sum of their working days.
    handled,
    handling_days,
    /// Sums of materials and visits, not cases.
    materials_required,
    materials_avoided,
    visits,
}

impl Counts {
    pub fn of(f: &CaseFacts) -> Counts {
        let b = i64::from;
        Counts {
            received: 1,
            accepted: b(f.accepted),
            decided: b(f.decided),
            completed: b(f.completed),
            on_time: b(f.on_time == Some(true)),
            late: b(f.on_time == Some(false)),
            online: b(f.online),
            full_online: b(f.online && f.delivered_electronically),
            instant: b(f.instant),
            handled: b(f.handling_days.is_some()),
            handling_days: f.handling_days.map(i64::from).unwrap_or(0),
            materials_required: i64::from(f.materials_required),
            materials_avoided: i64::from(f.materials_avoided),
            visits: i64::from(f.visits),
        }
    }

    fn zip(self, other: Counts, f: impl Fn(i64, i64) -> i64) -> Counts {
        let (a, b) = (self.to_array(), other.to_array());
        Counts::from_array(std::array::from_fn(|i| f(a[i], b[i])))
    }

    pub fn plus(self, other: Counts) -> Counts {
        self.zip(other, |a, b| a + b)
    }

    pub fn minus(self, other: Counts) -> Counts {
        self.zip(other, |a, b| a - b)
    }

    pub fn is_zero(&self) -> bool {
        self.to_array().iter().all(|v| *v == 0)
    }
}

/// What a change of one case moves: the per-day sums, the handling-time histogram (working
/// days → cases) and the open cases by promised deadline, each entry non-zero.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delta {
    pub days: Vec<(DayKey, Counts)>,
    pub handling: Vec<(DayKey, u32, i64)>,
    pub open: Vec<(DayKey, Date, i64)>,
}

/// The difference a case's change from `before` to `after` makes to the sums (either may be
/// none: not received yet, or removed).
pub fn delta(before: Option<&CaseStat>, after: Option<&CaseStat>) -> Delta {
    let mut days: BTreeMap<&DayKey, Counts> = BTreeMap::new();
    let mut handling: BTreeMap<(&DayKey, u32), i64> = BTreeMap::new();
    let mut open: BTreeMap<(&DayKey, Date), i64> = BTreeMap::new();
    for (s, sign) in [(before, -1), (after, 1)] {
        let Some(s) = s else { continue };
        let c = Counts::of(&s.facts);
        let e = days.entry(&s.key).or_default();
        *e = if sign < 0 { e.minus(c) } else { e.plus(c) };
        if let Some(d) = s.facts.handling_days {
            *handling.entry((&s.key, d)).or_default() += sign;
        }
        if let Some(due) = s.open_due {
            *open.entry((&s.key, due)).or_default() += sign;
        }
    }
    Delta {
        days: days
            .into_iter()
            .filter(|(_, c)| !c.is_zero())
            .map(|(k, c)| (k.clone(), c))
            .collect(),
        handling: handling
            .into_iter()
            .filter(|(_, n)| *n != 0)
            .map(|((k, d), n)| (k.clone(), d, n))
            .collect(),
        open: open
            .into_iter()
            .filter(|(_, n)| *n != 0)
            .map(|((k, due), n)| (k.clone(), due, n))
            .collect(),
    }
}

/// Sums of a period and scope: what a summary is made from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    pub counts: Counts,
    /// Working days from acceptance to decision → cases.
    pub handling: BTreeMap<u32, i64>,
    /// Open cases already past their promised deadline.
    pub overdue_open: i64,
}

impl Totals {
    pub fn add_case(&mut self, f: &CaseFacts) {
        self.counts = self.counts.plus(Counts::of(f));
        if let Some(d) = f.handling_days {
            *self.handling.entry(d).or_default() += 1;
        }
        self.overdue_open += i64::from(f.overdue_open);
    }

    pub fn add(&mut self, other: &Totals) {
        self.counts = self.counts.plus(other.counts);
        for (d, n) in &other.handling {
            *self.handling.entry(*d).or_default() += n;
        }
        self.overdue_open += other.overdue_open;
    }
}

/// The median of the values a histogram counts (value → how many); the mean of the middle
/// two for an even count, as [`super::median`].
pub fn median_of_histogram(h: &BTreeMap<u32, i64>) -> Option<f64> {
    let n: i64 = h.values().filter(|v| **v > 0).sum();
    if n == 0 {
        return None;
    }
    // The values at the 0-based positions (n − 1) / 2 and n / 2 of the sorted list.
    let at = |pos: i64| {
        let mut seen = 0;
        for (v, k) in h.iter().filter(|(_, k)| **k > 0) {
            seen += k;
            if pos < seen {
                return f64::from(*v);
            }
        }
        0.0
    };
    Some((at((n - 1) / 2) + at(n / 2)) / 2.0)
}

#[cfg(test)]
mod tests;
