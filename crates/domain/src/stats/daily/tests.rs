use std::collections::BTreeMap;

use proptest::prelude::*;
use time::macros::date;

use super::*;
use crate::stats::{median, summarize, summary_of};

fn arb_facts() -> impl Strategy<Value = CaseFacts> {
    (
        any::<[bool; 6]>(),
        proptest::option::of(any::<bool>()),
        proptest::option::of(0u32..15),
        (0u32..6, 0u32..6, 0u32..3),
    )
        .prop_map(|(b, on_time, days, (req, avoided, visits))| CaseFacts {
            online: b[0],
            delivered_electronically: b[1],
            instant: b[2],
            accepted: b[3],
            decided: b[4],
            completed: b[5],
            on_time,
            handling_days: days,
            overdue_open: false,
            materials_required: req,
            materials_avoided: avoided,
            visits,
        })
}

fn key(i: u8) -> DayKey {
    DayKey {
        day: date!(2026 - 11 - 01) + time::Duration::days(i64::from(i % 3)),
        region: "511600".into(),
        department: format!("D{}", i % 2),
        item_code: format!("I{}", i % 4),
    }
}

/// A case's successive states as stored: None while a draft (or after removal).
fn arb_history() -> impl Strategy<Value = (u8, Vec<Option<CaseFacts>>)> {
    (
        any::<u8>(),
        proptest::collection::vec(proptest::option::of(arb_facts()), 1..6),
    )
}

proptest! {
    #[test]
    fn histogram_median_is_the_median_of_the_values(v in proptest::collection::vec(0u32..20, 0..40)) {
        let mut h = BTreeMap::new();
        for d in &v {
            *h.entry(*d).or_insert(0i64) += 1;
        }
        let mut sorted = v.clone();
        prop_assert_eq!(median_of_histogram(&h), median(&mut sorted));
    }

    /// Applying every change's delta leaves exactly the sums of the cases' last states, with
    /// no entry left for a key whose cases all went away.
    #[test]
    fn deltas_add_up_to_the_last_states(histories in proptest::collection::vec(arb_history(), 0..12)) {
        let mut days: BTreeMap<DayKey, Counts> = BTreeMap::new();
        let mut hist: BTreeMap<(DayKey, u32), i64> = BTreeMap::new();
        let mut expected_days: BTreeMap<DayKey, Counts> = BTreeMap::new();
        let mut expected_hist: BTreeMap<(DayKey, u32), i64> = BTreeMap::new();
        let mut open: BTreeMap<(DayKey, Date), i64> = BTreeMap::new();
        let mut expected_open: BTreeMap<(DayKey, Date), i64> = BTreeMap::new();
        let mut finals = Vec::new();
        for (k, states) in &histories {
            let stat = |f: &Option<CaseFacts>| f.clone().map(|facts| CaseStat {
                key: key(*k),
                open_due: (!facts.decided).then(|| date!(2026 - 12 - 01) + time::Duration::days(i64::from(facts.materials_required))),
                facts,
            });
            let mut before: Option<CaseStat> = None;
            for s in states {
                let after = stat(s);
                let d = delta(before.as_ref(), after.as_ref());
                prop_assert!(d.days.iter().all(|(_, c)| !c.is_zero()));
                for (k, c) in d.days {
                    let e = days.entry(k).or_default();
                    *e = e.plus(c);
                }
                for (k, dd, n) in d.handling {
                    *hist.entry((k, dd)).or_default() += n;
                }
                for (k, due, n) in d.open {
                    *open.entry((k, due)).or_default() += n;
                }
                before = after;
            }
            if let Some(last) = before {
                let e = expected_days.entry(last.key.clone()).or_default();
                *e = e.plus(Counts::of(&last.facts));
                if let Some(d) = last.facts.handling_days {
                    *expected_hist.entry((last.key.clone(), d)).or_default() += 1;
                }
                if let Some(due) = last.open_due {
                    *expected_open.entry((last.key.clone(), due)).or_default() += 1;
                }
                finals.push(last.facts);
            }
        }
        days.retain(|_, c| !c.is_zero());
        hist.retain(|_, n| *n != 0);
        open.retain(|_, n| *n != 0);
        prop_assert_eq!(&open, &expected_open);
        prop_assert_eq!(&days, &expected_days);
        prop_assert_eq!(&hist, &expected_hist);

        // And a summary of the sums is the summary of the cases.
        let mut totals = Totals::default();
        for c in days.values() {
            totals.counts = totals.counts.plus(*c);
        }
        for ((_, d), n) in &hist {
            *totals.handling.entry(*d).or_default() += n;
        }
        prop_assert_eq!(summary_of(&totals, [], &[]), summarize(&finals, &[], &[]));
    }

    #[test]
    fn counts_round_trip_through_the_column_order(f in arb_facts()) {
        let c = Counts::of(&f);
        prop_assert_eq!(Counts::from_array(c.to_array()), c);
        prop_assert!(c.minus(c).is_zero());
    }
}

#[test]
fn an_open_case_past_its_deadline_counts_as_overdue_once() {
    let mut t = Totals::default();
    t.add_case(&CaseFacts {
        accepted: true,
        overdue_open: true,
        ..Default::default()
    });
    t.add_case(&CaseFacts {
        accepted: true,
        decided: true,
        on_time: Some(false),
        handling_days: Some(9),
        ..Default::default()
    });
    let s = summary_of(&t, [], &[]);
    assert_eq!((s.received, s.overdue, s.decided), (2, 2, 1));
    assert_eq!(s.median_handling_days, Some(9.0));
}
