//! Throttling of password guesses, shaped so that nobody can use it to lock someone else out.
//!
//! A lock keyed by the login name alone is a weapon: five wrong passwords typed by anyone would
//! keep the owner out. So failures are counted twice, both times including the client's
//! address:
//! - per (client, login): after [`MAX_FAILURES`] within [`THROTTLE_WINDOW`] that client may not
//!   try that login for a while; the owner, elsewhere, is untouched;
//! - per client, across every login (and registrations): after [`MAX_CLIENT_FAILURES`] the
//!   client is throttled altogether, which stops one address spraying a common password
//!   over many logins.
//!
//! Everything here is decided from its arguments (the failure times and `now`).

use std::net::IpAddr;

use time::{Duration, OffsetDateTime};

/// Failures of one client against one login before that pair is throttled.
pub const MAX_FAILURES: usize = 5;
/// Failures (and registrations) of one client, across all logins, before it is throttled.
pub const MAX_CLIENT_FAILURES: usize = 20;
/// How long a failure counts.
pub const THROTTLE_WINDOW: Duration = Duration::minutes(15);

/// The key of a client whose address the server could not tell (no peer address): all such
/// requests share one budget.
pub const UNKNOWN_CLIENT: &str = "unknown";

/// The key failures of a client are counted under. An IPv6 client counts by its /64 network,
/// since one subscriber is usually given a whole /64 and could otherwise rotate addresses
/// freely; an IPv4-mapped IPv6 address counts as the IPv4 address it maps.
pub fn client_key(ip: Option<IpAddr>) -> String {
    match ip {
        None => UNKNOWN_CLIENT.to_string(),
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// When a throttle over `failures` (their times, any order) lifts, or None when a try may be
/// made now: `limit` failures within [`THROTTLE_WINDOW`] throttle until the oldest of the
/// last `limit` leaves the window. Failures dated after `now` are ignored.
pub fn throttled_until(
    failures: &[OffsetDateTime],
    limit: usize,
    now: OffsetDateTime,
) -> Option<OffsetDateTime> {
    let mut recent: Vec<_> = failures
        .iter()
        .copied()
        .filter(|t| *t > now - THROTTLE_WINDOW && *t <= now)
        .collect();
    if limit == 0 || recent.len() < limit {
        return None;
    }
    recent.sort();
    Some(recent[recent.len() - limit] + THROTTLE_WINDOW)
}

/// The (client, login) rule: [`MAX_FAILURES`] failures lock that pair.
pub fn locked_until(failures: &[OffsetDateTime], now: OffsetDateTime) -> Option<OffsetDateTime> {
    throttled_until(failures, MAX_FAILURES, now)
}

/// The per-client rule: [`MAX_CLIENT_FAILURES`] failures from one client, whatever the
/// logins, throttle that client.
pub fn client_throttled_until(
    failures: &[OffsetDateTime],
    now: OffsetDateTime,
) -> Option<OffsetDateTime> {
    throttled_until(failures, MAX_CLIENT_FAILURES, now)
}

/// A login attempt's verdict from the client's own failures and its failures against this
/// login: the later lift time when either rule throttles.
pub fn login_throttled_until(
    client_failures: &[OffsetDateTime],
    pair_failures: &[OffsetDateTime],
    now: OffsetDateTime,
) -> Option<OffsetDateTime> {
    match (
        client_throttled_until(client_failures, now),
        locked_until(pair_failures, now),
    ) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-27 10:00 UTC);

    fn minutes_ago(m: &[i64]) -> Vec<OffsetDateTime> {
        m.iter().map(|m| NOW - Duration::minutes(*m)).collect()
    }

    #[test]
    fn five_failures_in_fifteen_minutes_lock_the_pair() {
        let f = minutes_ago(&[1, 2, 3, 4, 5]);
        assert_eq!(
            locked_until(&f, NOW),
            Some(NOW - Duration::minutes(5) + THROTTLE_WINDOW)
        );
        assert_eq!(locked_until(&f[..4], NOW), None);
        assert_eq!(locked_until(&minutes_ago(&[20, 21, 22, 23, 24]), NOW), None);
    }

    #[test]
    fn twenty_failures_from_a_client_throttle_it_and_nineteen_do_not() {
        let f: Vec<_> = (0..20).map(|i| NOW - Duration::seconds(30 * i)).collect();
        assert_eq!(
            client_throttled_until(&f, NOW),
            Some(NOW - Duration::seconds(30 * 19) + THROTTLE_WINDOW)
        );
        assert_eq!(client_throttled_until(&f[..19], NOW), None);
    }

    #[test]
    fn a_login_is_throttled_by_either_rule_until_the_later_lift() {
        let pair = minutes_ago(&[1, 2, 3, 4, 5]);
        let client: Vec<_> = (1..=20).map(|i| NOW - Duration::seconds(30 * i)).collect();
        assert_eq!(
            login_throttled_until(&client, &pair, NOW),
            Some(NOW - Duration::minutes(5) + THROTTLE_WINDOW)
        );
        assert_eq!(
            login_throttled_until(&client, &[], NOW),
            client_throttled_until(&client, NOW)
        );
        assert_eq!(login_throttled_until(&pair, &pair[..4], NOW), None);
    }

    #[test]
    fn clients_are_keyed_by_ipv4_address_or_ipv6_network() {
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        assert_eq!(client_key(None), "unknown");
        assert_eq!(client_key(ip("203.0.113.7")), "203.0.113.7");
        assert_eq!(client_key(ip("::ffff:203.0.113.7")), "203.0.113.7");
        assert_eq!(
            client_key(ip("2001:db8:1:2:aaaa::1")),
            client_key(ip("2001:db8:1:2:bbbb::9"))
        );
        assert_ne!(
            client_key(ip("2001:db8:1:2::1")),
            client_key(ip("2001:db8:1:3::1"))
        );
    }

    fn times() -> impl Strategy<Value = Vec<OffsetDateTime>> {
        proptest::collection::vec(-5i64..60, 0..60)
            .prop_map(|m| m.iter().map(|m| NOW - Duration::minutes(*m)).collect())
    }

    proptest! {
        #[test]
        fn a_throttle_lasts_at_most_the_window_and_needs_the_limit(f in times(), limit in 1usize..25) {
            if let Some(until) = throttled_until(&f, limit, NOW) {
                prop_assert!(until > NOW && until <= NOW + THROTTLE_WINDOW);
                let counted = f.iter().filter(|t| **t > NOW - THROTTLE_WINDOW && **t <= NOW).count();
                prop_assert!(counted >= limit);
            }
        }

        #[test]
        fn a_throttle_has_lifted_when_it_says_unless_new_failures_came(f in times(), limit in 1usize..25) {
            if let Some(until) = throttled_until(&f, limit, NOW) {
                let before: Vec<_> = f.iter().copied().filter(|t| *t <= NOW).collect();
                prop_assert_eq!(throttled_until(&before, limit, until), None);
                prop_assert!(throttled_until(&before, limit, until - Duration::seconds(1)).is_some());
            }
        }

        #[test]
        fn one_more_failure_never_lifts_a_throttle(f in times(), limit in 1usize..25, extra in 0i64..15) {
            let mut more = f.clone();
            more.push(NOW - Duration::minutes(extra));
            if let Some(until) = throttled_until(&f, limit, NOW) {
                let later = throttled_until(&more, limit, NOW);
                prop_assert!(later.is_some_and(|l| l >= until));
            }
        }

        #[test]
        fn the_client_rule_counts_every_login_the_pair_rule_only_its_own(f in times()) {
            // Whatever one client did, fewer than the client limit never throttles it, and the
            // pair rule is the stricter of the two on the same failures.
            let recent = f.iter().filter(|t| **t > NOW - THROTTLE_WINDOW && **t <= NOW).count();
            prop_assert_eq!(client_throttled_until(&f, NOW).is_some(), recent >= MAX_CLIENT_FAILURES);
            if client_throttled_until(&f, NOW).is_some() {
                prop_assert!(locked_until(&f, NOW).is_some());
            }
        }
    }
}
