use proptest::prelude::*;
use time::macros::{date, datetime};

use super::*;

/// A valid credit code ending in `n` (the check character computed).
fn code(n: u32) -> String {
    let first = format!("91511602MA{n:07}");
    format!("{first}{}", crate::ids::credit_check_char(&first))
}

fn registration(n: u32) -> Registration {
    Registration {
        credit_code: code(n),
        name: format!("广安测绘服务有限公司{n}"),
        services: vec![Service::Surveying],
        regions: vec!["511600".into()],
        qualifications: vec![Qualification {
            service: Service::Surveying,
            name: "乙级测绘资质".into(),
            number: format!("乙测资字51{n:06}"),
            valid_until: date!(2027 - 06 - 30),
        }],
        staff: 12,
        phone: "0826-2345678".into(),
    }
}

fn job() -> JobPost {
    JobPost {
        title: "广安区某厂房项目 地形图测绘".into(),
        service: Service::Surveying,
        scope: "1:500 地形图测绘，约 2 公顷".into(),
        budget_cap: fen(50_000),
        bid_deadline: datetime!(2026-12-10 17:00 +8),
        delivery_days: 20,
        method: Method::LowestPrice,
        region: "511602".into(),
        project_code: String::new(),
    }
}

fn bid(n: u32, price: i64, minute: u8) -> Bid {
    Bid {
        credit_code: code(n),
        price,
        days: 15,
        placed_at: datetime!(2026-12-05 09:00 +8) + time::Duration::minutes(minute.into()),
        quality: None,
    }
}

/// Yuan in fen, the unit prices are kept in.
const fn fen(yuan: i64) -> i64 {
    yuan * 100
}

const AT: time::OffsetDateTime = datetime!(2026-12-06 10:00 +8);

fn bidder(reg: &Registration) -> Bidder<'_> {
    Bidder {
        registration: reg,
        standing: Standing::Approved,
        marks_in_year: &[],
    }
}

fn codes(r: Result<(), Vec<FieldError>>) -> Vec<&'static str> {
    r.err()
        .unwrap_or_default()
        .into_iter()
        .map(|e| e.code)
        .collect()
}

#[test]
fn a_registration_needs_a_valid_code_and_a_current_qualification_for_each_service() {
    assert!(registration(1).validate(date!(2026 - 12 - 04)).is_ok());
    let mut r = registration(1);
    r.credit_code.pop();
    r.credit_code.push('0');
    r.services.push(Service::DrawingReview);
    let errors = r.validate(date!(2026 - 12 - 04)).unwrap_err();
    assert!(errors.iter().any(|e| e.field == "credit_code"));
    assert!(
        errors
            .iter()
            .any(|e| e.code == "missing" && e.message.contains("施工图审查"))
    );
    let expired = registration(1).validate(date!(2027 - 07 - 01)).unwrap_err();
    assert_eq!(expired[0].code, "missing");
}

#[test]
fn a_job_is_open_at_least_a_day_with_a_budget_and_a_region() {
    let now = datetime!(2026-12-04 09:00 +8);
    assert!(job().validate(now).is_ok());
    let mut j = job();
    j.bid_deadline = now + time::Duration::hours(3);
    j.budget_cap = 0;
    j.region = "5116".into();
    j.delivery_days = 0;
    let errors = j.validate(now).unwrap_err();
    let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        ["budget_cap", "bid_deadline", "delivery_days", "region"]
    );
}

#[test]
fn bids_after_the_window_twice_or_by_the_unqualified_are_refused() {
    let j = job();
    let reg = registration(1);
    let ok = check_bid(&j, JobState::Open, &bidder(&reg), fen(40_000), 15, AT, &[]);
    assert!(ok.is_ok());
    let late = check_bid(
        &j,
        JobState::Open,
        &bidder(&reg),
        fen(40_000),
        15,
        j.bid_deadline,
        &[],
    );
    assert_eq!(codes(late), ["closed"]);
    let again = check_bid(
        &j,
        JobState::Open,
        &bidder(&reg),
        fen(40_000),
        15,
        AT,
        &[bid(1, fen(45_000), 0)],
    );
    assert_eq!(codes(again), ["duplicate"]);
    let mut expired = registration(2);
    expired.qualifications[0].valid_until = date!(2026 - 12 - 01);
    assert_eq!(
        codes(check_bid(
            &j,
            JobState::Open,
            &bidder(&expired),
            1,
            1,
            AT,
            &[]
        )),
        ["qualification_expired"]
    );
    let pending = Bidder {
        standing: Standing::Pending,
        ..bidder(&reg)
    };
    assert_eq!(
        codes(check_bid(&j, JobState::Open, &pending, 1, 1, AT, &[])),
        ["not_approved"]
    );
    let marks = [Mark::Breach];
    let listed_one = Bidder {
        marks_in_year: &marks,
        ..bidder(&reg)
    };
    assert_eq!(
        codes(check_bid(&j, JobState::Open, &listed_one, 1, 1, AT, &[])),
        ["listed"]
    );
    let mut elsewhere = registration(3);
    elsewhere.regions = vec!["510100".into()];
    assert_eq!(
        codes(check_bid(
            &j,
            JobState::Open,
            &bidder(&elsewhere),
            fen(50_000) + 1,
            21,
            AT,
            &[]
        )),
        ["region", "over_budget", "invalid"]
    );
}

#[test]
fn the_credit_list_takes_a_breach_or_three_marks_a_year() {
    assert!(!listed(&[Mark::Overdue, Mark::BadRating]));
    assert!(listed(&[Mark::Overdue, Mark::BadRating, Mark::Overdue]));
    assert!(listed(&[Mark::Breach]));
}

#[test]
fn the_lowest_price_wins_and_a_tie_goes_to_the_earlier_bid() {
    let bids = [
        bid(1, fen(30_000), 5),
        bid(2, fen(28_000), 9),
        bid(3, fen(28_000), 3),
    ];
    let s = select(Method::LowestPrice, &bids, None, None).unwrap();
    assert_eq!(s.winner, code(3));
    assert!(s.reason.contains("28000.00"));
    assert_eq!(
        select(Method::LowestPrice, &[], None, None)
            .unwrap_err()
            .code,
        "no_bids"
    );
}

#[test]
fn a_direct_pick_must_be_a_bidder() {
    let bids = [bid(1, fen(30_000), 5), bid(2, fen(28_000), 9)];
    let s = select(Method::Direct, &bids, None, Some(&code(1))).unwrap();
    assert_eq!(s.winner, code(1));
    let e = select(Method::Direct, &bids, None, Some(&code(7))).unwrap_err();
    assert_eq!(e.code, "not_a_bidder");
}

#[test]
fn scored_selection_adds_price_points_to_quality_points() {
    let mut bids = [bid(1, fen(30_000), 5), bid(2, fen(20_000), 9)];
    assert_eq!(
        select(Method::Scored, &bids, None, None).unwrap_err().code,
        "required"
    );
    // 40.00 + 38 = 78.00 against 60.00 + 10 = 70.00: quality outweighs price here.
    bids[0].quality = Some(38);
    bids[1].quality = Some(10);
    let s = select(Method::Scored, &bids, None, None).unwrap();
    assert_eq!(s.winner, code(1));
    assert!(s.reason.contains("78.00"), "{}", s.reason);
}

#[test]
fn a_draw_is_the_sm3_order_and_re_runs_to_the_same_winner() {
    let bids = [bid(1, 1, 0), bid(2, 1, 1), bid(3, 1, 2)];
    let s = select(Method::Random, &bids, Some("a1b2c3"), None).unwrap();
    assert_eq!(s.draw.len(), 3);
    assert_eq!(s.winner, s.draw[0].credit_code);
    // The digest is plain SM3 of "seed:code", checkable with any SM3 tool.
    let expected = hex::encode(<sm3::Sm3 as sm3::Digest>::digest(
        format!("a1b2c3:{}", s.winner).as_bytes(),
    ));
    assert_eq!(s.draw[0].digest, expected);
    assert_eq!(
        select(Method::Random, &bids, Some("a1b2c3"), None).unwrap(),
        s
    );
    assert_eq!(
        select(Method::Random, &bids, None, None).unwrap_err().code,
        "required"
    );
}

#[test]
fn codes_read_back() {
    for s in Service::ALL {
        assert_eq!(Service::parse(s.as_str()), Some(*s));
    }
    for m in Method::ALL {
        assert_eq!(Method::parse(m.as_str()), Some(*m));
    }
    for s in JobState::ALL {
        assert_eq!(JobState::parse(s.as_str()), Some(*s));
    }
    for m in [Mark::Overdue, Mark::BadRating, Mark::Breach] {
        assert_eq!(Mark::parse(m.as_str()), Some(m));
    }
    assert!(check_rating(0).is_err());
    assert_eq!(check_rating(2), Ok(true));
    assert_eq!(check_rating(3), Ok(false));
}

fn bids_strategy() -> impl Strategy<Value = Vec<Bid>> {
    prop::collection::btree_map(1u32..500, (1i64..1_000_000, 0u8..60, 0u32..=40), 1..12).prop_map(
        |m| {
            m.into_iter()
                .map(|(n, (price, minute, q))| Bid {
                    quality: Some(q),
                    ..bid(n, price, minute)
                })
                .collect()
        },
    )
}

proptest! {
    /// Whatever the bids, every method picks one of the bidders; the lowest price is never
    /// beaten on price; a draw is a permutation of the bidders and does not depend on the
    /// order the bids came in.
    #[test]
    fn every_method_picks_a_bidder(bids in bids_strategy(), seed in "[0-9a-f]{8,32}") {
        let bidders: Vec<_> = bids.iter().map(|b| b.credit_code.clone()).collect();
        for method in Method::ALL {
            let s = select(*method, &bids, Some(&seed), Some(&bidders[0])).unwrap();
            prop_assert!(bidders.contains(&s.winner));
        }
        let cheapest = select(Method::LowestPrice, &bids, None, None).unwrap();
        let min = bids.iter().map(|b| b.price).min().unwrap();
        prop_assert!(bids.iter().any(|b| b.credit_code == cheapest.winner && b.price == min));
        let a = select(Method::Random, &bids, Some(&seed), None).unwrap();
        let mut reversed = bids.clone();
        reversed.reverse();
        let b = select(Method::Random, &reversed, Some(&seed), None).unwrap();
        prop_assert_eq!(&a.winner, &b.winner);
        let mut drawn: Vec<_> = a.draw.iter().map(|e| e.credit_code.clone()).collect();
        drawn.sort();
        let mut all = bidders.clone();
        all.sort();
        prop_assert_eq!(drawn, all);
    }

    /// Price points fall as the price rises and the lowest scores 60.
    #[test]
    fn price_points_fall_with_price(lowest in 1i64..1_000_000, extra in 0i64..1_000_000) {
        prop_assert_eq!(selection::price_points(lowest, lowest), 6000);
        prop_assert!(selection::price_points(lowest, lowest + extra) <= 6000);
        prop_assert!(
            selection::price_points(lowest, lowest + extra + 1)
                <= selection::price_points(lowest, lowest + extra)
        );
    }
}
