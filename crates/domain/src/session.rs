//! Session rules (等保 三级 身份鉴别): a session left idle ends, and one account keeps only a
//! few sessions at once, the oldest ending first.

use time::Duration;

use crate::account::AccountKind;

/// How long a session may sit unused before it ends: staff act on other people's data, so
/// theirs ends sooner.
pub fn idle_limit(kind: AccountKind) -> Duration {
    match kind {
        AccountKind::Staff => Duration::minutes(30),
        _ => Duration::hours(2),
    }
}

/// How many sessions one account may hold at once (a window PC and its rating tablet for
/// staff; a phone, a computer and a kiosk for a person).
pub fn max_sessions(kind: AccountKind) -> usize {
    match kind {
        AccountKind::Staff => 2,
        _ => 5,
    }
}

/// How often a session's last use is written down: activity within this is not recorded
/// again, so a busy session costs one write a minute, not one a request.
pub const TOUCH_EVERY: Duration = Duration::minutes(1);

/// Whether a session last used at `last_seen` (ms) is still alive at `now` (ms).
pub fn alive(kind: AccountKind, last_seen: i64, now: i64) -> bool {
    now - last_seen < idle_limit(kind).whole_milliseconds() as i64
}

/// Of an account's sessions, newest first by creation, those to end so that at most
/// [`max_sessions`] remain.
pub fn to_end<T: Clone>(kind: AccountKind, newest_first: &[T]) -> Vec<T> {
    newest_first
        .iter()
        .skip(max_sessions(kind))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn staff_sessions_end_after_half_an_hour_idle() {
        let min = 60_000;
        assert!(alive(AccountKind::Staff, 0, 29 * min));
        assert!(!alive(AccountKind::Staff, 0, 30 * min));
        assert!(alive(AccountKind::NaturalPerson, 0, 119 * min));
        assert_eq!(to_end(AccountKind::Staff, &[3, 2, 1]), vec![1]);
    }

    proptest! {
        #[test]
        fn never_more_than_the_limit_remain_and_the_newest_stay(n in 0usize..20) {
            let sessions: Vec<usize> = (0..n).rev().collect();
            for kind in [AccountKind::Staff, AccountKind::NaturalPerson, AccountKind::Enterprise] {
                let ended = to_end(kind, &sessions);
                prop_assert_eq!(n - ended.len(), n.min(max_sessions(kind)));
                // Sessions are numbered oldest 0 to newest n-1: only the oldest end.
                prop_assert!(ended.iter().all(|e| *e < n.saturating_sub(max_sessions(kind))));
            }
        }
    }
}
