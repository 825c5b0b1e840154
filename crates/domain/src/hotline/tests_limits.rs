//! Limits per region: a county's values over its city's over the deployment's, and bad regions
//! are refused at start.

use proptest::prelude::*;

use super::Kind;
use super::limits::{Limits, RegionLimits};

fn with_regions(regions: Vec<RegionLimits>) -> Limits {
    Limits {
        regions,
        ..Limits::default()
    }
}

fn county(code: &str, hours: Option<u32>, days: Vec<(Kind, u32)>) -> RegionLimits {
    RegionLimits {
        region: code.into(),
        respond_hours: hours,
        finish_days: days,
    }
}

#[test]
fn a_county_over_its_city_over_the_deployment() {
    let l = with_regions(vec![
        county("511600", Some(4), vec![(Kind::Complaint, 7)]),
        county("511602", None, vec![(Kind::Complaint, 3)]),
    ]);
    assert!(l.check().is_ok());
    // A township of 广安区: the county's complaint days, the city's hours.
    let here = l.for_region("511602001");
    assert_eq!(here.finish_days(Kind::Complaint), 3);
    assert_eq!(here.respond_hours, 4);
    assert_eq!(here.finish_days(Kind::Report), 15, "the deployment's");
    // Another county of the city: the city's values.
    let there = l.for_region("511621");
    assert_eq!(
        (there.respond_hours, there.finish_days(Kind::Complaint)),
        (4, 7)
    );
    // Outside the city: the deployment's.
    let elsewhere = l.for_region("510104");
    assert_eq!(elsewhere, Limits::default());
}

#[test]
fn bad_regions_are_refused_by_name() {
    let e = with_regions(vec![county("51160", None, vec![])])
        .check()
        .unwrap_err();
    assert!(e.contains("51160"), "{e}");
    let e = with_regions(vec![
        county("511602", Some(1), vec![]),
        county("511602", Some(2), vec![]),
    ])
    .check()
    .unwrap_err();
    assert!(e.contains("重复"), "{e}");
    let e = with_regions(vec![county("511602", Some(0), vec![])])
        .check()
        .unwrap_err();
    assert!(e.contains("511602") && e.contains("respond_hours"), "{e}");
    let e = with_regions(vec![county("511602", None, vec![(Kind::Report, 61)])])
        .check()
        .unwrap_err();
    assert!(e.contains("举报"), "{e}");
}

proptest! {
    /// Whatever a county sets, its places take exactly that and every other value stays the
    /// deployment's; places elsewhere keep the deployment's limits.
    #[test]
    fn a_county_changes_only_its_own_places(hours in proptest::option::of(1u32..72), days in 1u32..60, town in 1u32..999) {
        let l = with_regions(vec![county("511602", hours, vec![(Kind::Help, days)])]);
        prop_assert!(l.check().is_ok());
        let inside = l.for_region(&format!("511602{town:03}"));
        prop_assert_eq!(inside.respond_hours, hours.unwrap_or(2));
        prop_assert_eq!(inside.finish_days(Kind::Help), days);
        prop_assert_eq!(inside.finish_days(Kind::Consult), 1);
        prop_assert_eq!(l.for_region("511621"), Limits::default());
    }
}
