use proptest::prelude::*;

use super::*;

#[test]
fn drafts_and_unnumbered_cases_publish_nothing() {
    assert_eq!(case_topic("edited", true), None);
    assert_eq!(case_topic("created", true), None);
    assert_eq!(case_topic("withdrawn", false), None);
    assert_eq!(case_topic("accepted", true), Some("case.accepted"));
    assert_eq!(case_topic("license_issued", true), Some("license.issued"));
}

#[test]
fn statuses_are_read_as_success_transient_or_rejected() {
    assert_eq!(Failure::of_status(204), None);
    assert_eq!(Failure::of_status(503), Some(Failure::Transient));
    assert_eq!(Failure::of_status(429), Some(Failure::Transient));
    assert_eq!(Failure::of_status(408), Some(Failure::Transient));
    assert_eq!(Failure::of_status(401), Some(Failure::Rejected));
    assert_eq!(Failure::of_status(422), Some(Failure::Rejected));
    assert_eq!(Failure::of_status(302), Some(Failure::Transient));
}

#[test]
fn waits_double_up_to_the_cap_and_rejections_end_in_a_dead_letter() {
    let p = RetryPolicy::default();
    assert_eq!(p.next(1, Failure::Transient), Next::RetryAfter { ms: 500 });
    assert_eq!(p.next(2, Failure::Transient), Next::RetryAfter { ms: 1000 });
    assert_eq!(p.next(4, Failure::Rejected), Next::RetryAfter { ms: 4000 });
    assert_eq!(p.next(5, Failure::Rejected), Next::Bury);
    assert_eq!(
        p.next(500, Failure::Transient),
        Next::RetryAfter { ms: 60_000 }
    );
}

#[test]
fn a_hole_that_may_still_fill_stops_delivery_until_its_writers_are_done() {
    // 3 is missing; transaction 100 was the horizon when it was first seen.
    let (out, open) = deliverable(1, &[2, 4, 5], &[], 90, 100);
    assert_eq!(out, vec![2]);
    assert_eq!(
        open,
        vec![Gap {
            seq: 3,
            horizon: 100
        }]
    );
    // Later, a transaction below 100 is still running: still waiting.
    let (out, _) = deliverable(2, &[4, 5], &open, 99, 120);
    assert!(out.is_empty());
    // Every transaction below 100 has ended: the hole is final and passed.
    let (out, open) = deliverable(2, &[4, 5], &open, 100, 130);
    assert_eq!(out, vec![4, 5]);
    assert!(open.is_empty());
}

#[test]
fn sqlite_holes_are_final_at_once() {
    let (out, open) = deliverable(0, &[1, 3], &[], i64::MAX, 0);
    assert_eq!(out, vec![1, 3]);
    assert!(open.is_empty());
}

#[test]
fn signatures_cover_the_timestamp_and_the_body() {
    assert_eq!(signing_input(1700000000, b"{}"), b"1700000000.{}".to_vec());
    assert_eq!(SignatureAlgorithm::HmacSm3.name(), "hmac-sm3");
}

proptest! {
    /// Whatever arrives, delivery is in ascending order, after the position, and never
    /// passes a hole that may still fill.
    #[test]
    fn delivery_is_ordered_and_never_skips_a_hole_that_may_fill(
        position in 0i64..20,
        mut seqs in proptest::collection::vec(0i64..60, 0..30),
        running in 0i64..200,
        horizon in 0i64..200,
    ) {
        seqs.sort();
        seqs.dedup();
        let (out, open) = deliverable(position, &seqs, &[], running, horizon);
        prop_assert!(out.windows(2).all(|w| w[0] < w[1]));
        prop_assert!(out.iter().all(|s| *s > position));
        let passed_hole = |upto: i64| ((position + 1)..upto).any(|n| !seqs.contains(&n));
        if running < horizon {
            // Nothing may be delivered past a hole.
            if let Some(last) = out.last() {
                prop_assert!(!passed_hole(*last));
            }
        } else {
            prop_assert!(open.is_empty());
            prop_assert_eq!(out.len(), seqs.iter().filter(|s| **s > position).count());
        }
    }

    #[test]
    fn waits_never_exceed_the_cap_and_never_shrink(a in 1u32..100) {
        let p = RetryPolicy::default();
        let w = |n| match p.next(n, Failure::Transient) { Next::RetryAfter { ms } => ms, Next::Bury => -1 };
        prop_assert!(w(a) <= p.cap_ms);
        prop_assert!(w(a + 1) >= w(a));
    }
}
