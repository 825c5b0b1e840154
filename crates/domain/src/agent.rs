//! 帮办代办: the rules of an agent relationship. A principal (委托人) grants an agent (代理人)
//! the right to file cases in their name for a chosen period; the principal may revoke it at
//! any time; an agent sees of the principal only what a case needs.

use time::{Duration, OffsetDateTime};

use crate::case::{Case, Provision};
use crate::error::Problems;

/// The periods a principal may choose, in days; the longest is a year, after which the
/// relationship must be confirmed again.
pub const PERIODS_DAYS: [i64; 4] = [7, 30, 90, 365];

/// Checks a grant before it is made: to someone else, for an offered period.
pub fn validate_grant(principal_id: &str, agent_id: &str, days: i64) -> Result<Duration, Problems> {
    let mut p = Problems::default();
    if principal_id == agent_id {
        p.push("agent", "self", "不能授权给自己");
    }
    if !PERIODS_DAYS.contains(&days) {
        p.push(
            "days",
            "invalid",
            format!("授权期限只能选 {PERIODS_DAYS:?} 天之一"),
        );
    }
    if p.is_empty() {
        Ok(Duration::days(days))
    } else {
        Err(p)
    }
}

/// Where a grant stands at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantStatus {
    Active,
    Revoked,
    Expired,
}

impl GrantStatus {
    pub fn of(
        revoked_at: Option<OffsetDateTime>,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Self {
        match revoked_at {
            Some(r) if r <= now => GrantStatus::Revoked,
            _ if expires_at <= now => GrantStatus::Expired,
            _ => GrantStatus::Active,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            GrantStatus::Active => "有效",
            GrantStatus::Revoked => "已撤销",
            GrantStatus::Expired => "已过期",
        }
    }
}

/// The case as an agent may see it: that a material is covered by the principal's license or
/// by shared data, but not the license's number or what the data said (a marital status, a
/// household). Uploaded files, the form and the progress stay: the agent filed them.
pub fn redacted_for_agent(mut c: Case) -> Case {
    for p in c.materials.values_mut() {
        match p {
            Provision::License {
                number, license_id, ..
            } => {
                *number = crate::ids::mask_middle(number, 2, 2);
                *license_id = String::new();
            }
            Provision::Shared { source, summary } => {
                *summary = format!("已由{source}核验");
            }
            _ => {}
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    #[test]
    fn a_grant_is_to_someone_else_for_an_offered_period() {
        assert!(validate_grant("a", "b", 30).is_ok());
        let fields: Vec<_> = validate_grant("a", "a", 31)
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["agent", "days"]);
    }

    #[test]
    fn revocation_wins_over_time_left() {
        let now = datetime!(2026-12-02 12:00 UTC);
        let later = now + Duration::days(3);
        assert_eq!(GrantStatus::of(None, later, now), GrantStatus::Active);
        assert_eq!(GrantStatus::of(Some(now), later, now), GrantStatus::Revoked);
        assert_eq!(GrantStatus::of(None, now, now), GrantStatus::Expired);
    }

    proptest! {
        #[test]
        fn a_grant_is_active_only_before_expiry_and_revocation(
            expires in -1000i64..1000, revoked in proptest::option::of(-1000i64..1000)
        ) {
            let now = datetime!(2026-12-02 12:00 UTC);
            let s = GrantStatus::of(
                revoked.map(|r| now + Duration::minutes(r)),
                now + Duration::minutes(expires),
                now,
            );
            let active = expires > 0 && revoked.is_none_or(|r| r > 0);
            prop_assert_eq!(s == GrantStatus::Active, active);
        }
    }
}
