//! 信用记录: a person's or enterprise's record of broken promises (a 告知承诺 found untrue on
//! verification), inspection findings and administrative penalties (and, once it feeds them,
//! the intermediary market). Each record is public for a fixed time and then expires; a
//! live record of a broken promise or a penalty bars 告知承诺 (the promise of someone who broke
//! one is not taken again). A record may be repaired (信用修复) on application once what it
//! records is put right; a repaired record no longer counts.
//!
//! The periods are this platform's defaults, set here in one place, not figures from law:
//! a deployment confirms them with its 信用办 before going live.

use serde::{Deserialize, Serialize};
use time::{Date, Duration};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 告知承诺核查不实.
    CommitmentBreach,
    /// 双随机抽查发现问题.
    InspectionFinding,
    /// 行政处罚.
    Penalty,
    /// 中介服务违约: a breach recorded against an intermediary in the 中介超市.
    IntermediaryBreach,
}

impl Kind {
    pub const ALL: &'static [Kind] = &[
        Kind::CommitmentBreach,
        Kind::InspectionFinding,
        Kind::Penalty,
        Kind::IntermediaryBreach,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::CommitmentBreach => "commitment_breach",
            Kind::InspectionFinding => "inspection_finding",
            Kind::Penalty => "penalty",
            Kind::IntermediaryBreach => "intermediary_breach",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::CommitmentBreach => "告知承诺核查不实",
            Kind::InspectionFinding => "抽查发现问题",
            Kind::Penalty => "行政处罚",
            Kind::IntermediaryBreach => "中介服务违约",
        }
    }

    /// Days a record stays public (the platform's default, see the module).
    pub fn public_days(self) -> i64 {
        match self {
            Kind::CommitmentBreach | Kind::Penalty => 3 * 365,
            Kind::InspectionFinding | Kind::IntermediaryBreach => 365,
        }
    }

    /// Whether a live record of this kind bars 告知承诺.
    pub fn bars_commitment(self) -> bool {
        matches!(self, Kind::CommitmentBreach | Kind::Penalty)
    }
}

/// One record as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub kind: Kind,
    pub on: Date,
    pub repaired: bool,
}

impl Record {
    pub fn expires(&self) -> Date {
        self.on + Duration::days(self.kind.public_days())
    }

    /// Counts on `today`: neither expired nor repaired.
    pub fn live(&self, today: Date) -> bool {
        !self.repaired && today < self.expires()
    }
}

/// The first live record that bars a 告知承诺 on `today`, if any.
pub fn bars_commitment(records: &[Record], today: Date) -> Option<&Record> {
    records
        .iter()
        .find(|r| r.kind.bars_commitment() && r.live(today))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RepairError {
    #[error("该记录已修复")]
    AlreadyRepaired,
    #[error("该记录已过公示期，无需修复")]
    Expired,
    #[error("行政处罚尚未执行完毕，不能申请信用修复")]
    NotPutRight,
}

/// Whether a record may be repaired on `today`; `put_right` says whether what it records has
/// been put right (the penalty executed, the rectification accepted).
pub fn may_repair(r: &Record, today: Date, put_right: bool) -> Result<(), RepairError> {
    if r.repaired {
        return Err(RepairError::AlreadyRepaired);
    }
    if !r.live(today) {
        return Err(RepairError::Expired);
    }
    if !put_right {
        return Err(RepairError::NotPutRight);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    #[test]
    fn a_penalty_bars_commitment_until_repaired_or_expired() {
        let r = Record {
            kind: Kind::Penalty,
            on: date!(2026 - 12 - 01),
            repaired: false,
        };
        assert!(bars_commitment(std::slice::from_ref(&r), date!(2026 - 12 - 05)).is_some());
        assert!(bars_commitment(std::slice::from_ref(&r), date!(2029 - 12 - 01)).is_none());
        let repaired = Record {
            repaired: true,
            ..r.clone()
        };
        assert!(bars_commitment(&[repaired], date!(2026 - 12 - 05)).is_none());
        let finding = Record {
            kind: Kind::InspectionFinding,
            ..r.clone()
        };
        assert!(bars_commitment(&[finding], date!(2026 - 12 - 05)).is_none());
        assert_eq!(
            may_repair(&r, date!(2026 - 12 - 05), false),
            Err(RepairError::NotPutRight)
        );
        assert_eq!(may_repair(&r, date!(2026 - 12 - 05), true), Ok(()));
    }

    proptest! {
        #[test]
        fn a_record_is_live_exactly_within_its_period(days in 0i64..4000, k in 0usize..3) {
            let kind = Kind::ALL[k];
            let r = Record { kind, on: date!(2026 - 01 - 01), repaired: false };
            let today = r.on + Duration::days(days);
            prop_assert_eq!(r.live(today), days < kind.public_days());
            prop_assert_eq!(
                bars_commitment(std::slice::from_ref(&r), today).is_some(),
                kind.bars_commitment() && days < kind.public_days()
            );
        }
    }
}
