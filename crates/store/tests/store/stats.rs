//! The stripes the per-day sums are spread over (migration 0051).

use store::stats::{STRIPES, stripe_of};

#[test]
fn a_case_keeps_its_stripe_and_case_ids_spread_over_all_stripes() {
    let ids: Vec<String> = (0..STRIPES * 200)
        .map(|_| uuid::Uuid::now_v7().to_string())
        .collect();
    let mut per = vec![0u32; STRIPES as usize];
    for id in &ids {
        let s = stripe_of(id);
        assert_eq!(s, stripe_of(id), "the same case, another stripe");
        per[s as usize] += 1;
    }
    // 200 expected in each; ids made in one millisecond share most of their digits, so the
    // bound is loose but would catch a stripe left empty or one taking most.
    for (s, n) in per.iter().enumerate() {
        assert!(
            (100..=300).contains(n),
            "stripe {s} got {n} of {}",
            ids.len()
        );
    }
}
