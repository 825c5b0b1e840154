//! Ranking beyond text matching: how likely a searcher means an item (its kind's prior, its
//! demand) and where the searcher is.

/// An item of the searcher's own region or above counts this much more: enough to put it
/// before the same item elsewhere unless that one has 100 000 cases a year or more.
pub(crate) const NEAR_LIFT: f32 = 1.5;

/// How much an item's demand lifts it: ×1.1 at 9 cases a year, ×1.2 at 99, ×1.3 at 999. A
/// gentle lift, so a popular item does not outrank the one whose name was typed.
const DEMAND_LIFT: f32 = 0.1;

pub(crate) fn prior_hundredths(prior: f32, demand: u64) -> u64 {
    let prior = if prior > 0.0 { prior } else { 1.0 };
    let lift = 1.0 + DEMAND_LIFT * ((1 + demand) as f32).log10();
    (prior * lift * 100.0).round() as u64
}

/// Whether the searcher asks about enforcement (处罚, 检查, 强制): then the priors that keep
/// those items down do not apply.
pub(crate) fn asks_about_enforcement(text: &str) -> bool {
    ["罚", "检查", "强制", "执法", "查处"]
        .iter()
        .any(|w| text.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// More cases never rank an item lower, and fewer than 100 000 a year lift it less
        /// than the searcher's region does.
        #[test]
        fn demand_lifts_gently_and_never_lowers(prior in 0.0f32..2.0, a in 0u64..99_999, b in 0u64..99_999) {
            let (lo, hi) = (a.min(b), a.max(b));
            prop_assert!(prior_hundredths(prior, lo) <= prior_hundredths(prior, hi));
            let base = prior_hundredths(prior, 0) as f32;
            prop_assert!((prior_hundredths(prior, hi) as f32) <= base * NEAR_LIFT + 1.0, "rounding to hundredths aside");
        }
    }
}
