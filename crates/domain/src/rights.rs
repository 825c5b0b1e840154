//! Who may do what with an item where (权限): for each item and service point, whether the
//! point may guide (咨询引导), accept (收件受理) and conclude (办结), with the legal basis; and
//! delegations (下放, 委托) from the department that holds a power to a service point below it,
//! with dates, basis and whether the receiver has taken it over (承接). A delegation in force
//! and taken over gives the receiver the power to accept and conclude from its start date.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::calendar::parse_iso_date;
use crate::error::{FieldError, Problems};

/// What a point may do with an item.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Powers {
    pub guide: bool,
    pub accept: bool,
    pub conclude: bool,
}

impl Powers {
    pub const NONE: Powers = Powers {
        guide: false,
        accept: false,
        conclude: false,
    };
    pub const ALL: Powers = Powers {
        guide: true,
        accept: true,
        conclude: true,
    };

    /// Each power implies the lesser: one who concludes also accepts, one who accepts guides.
    pub fn closed(self) -> Powers {
        Powers {
            guide: self.guide || self.accept || self.conclude,
            accept: self.accept || self.conclude,
            conclude: self.conclude,
        }
    }

    pub fn union(self, other: Powers) -> Powers {
        Powers {
            guide: self.guide || other.guide,
            accept: self.accept || other.accept,
            conclude: self.conclude || other.conclude,
        }
    }

    pub fn is_none(self) -> bool {
        self == Powers::NONE
    }

    pub fn label(self) -> &'static str {
        match (self.conclude, self.accept, self.guide) {
            (true, _, _) => "可受理、可办结",
            (false, true, _) => "可受理（转有权机关办结）",
            (false, false, true) => "咨询引导",
            _ => "无",
        }
    }
}

/// Checks a point's powers over an item as an administrator sets them: accepting or
/// concluding needs its legal basis.
pub fn check_grant(powers: Powers, basis: &str) -> Result<Powers, Vec<FieldError>> {
    let mut p = Problems::default();
    let powers = powers.closed();
    if (powers.accept || powers.conclude) && basis.trim().is_empty() {
        p.push(
            "basis",
            "required",
            "收件受理和办结须写明依据（法规条款或授权文件）",
        );
    }
    if basis.trim().chars().count() > 500 {
        p.push("basis", "too_long", "依据不能超过 500 个字符");
    }
    p.into_result()?;
    Ok(powers)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DelegationKind {
    /// 下放: the power itself moves down.
    Devolve,
    /// 委托: the receiver acts in the delegator's name.
    Entrust,
}

impl DelegationKind {
    pub const ALL: &'static [DelegationKind] = &[DelegationKind::Devolve, DelegationKind::Entrust];

    pub fn as_str(self) -> &'static str {
        match self {
            DelegationKind::Devolve => "devolve",
            DelegationKind::Entrust => "entrust",
        }
    }

    pub fn parse(s: &str) -> Option<DelegationKind> {
        Self::ALL.iter().copied().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            DelegationKind::Devolve => "下放",
            DelegationKind::Entrust => "委托",
        }
    }
}

/// Whether the receiver has taken the power over (承接).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Takeover {
    Pending,
    Accepted,
    Declined,
}

impl Takeover {
    pub const ALL: &'static [Takeover] =
        &[Takeover::Pending, Takeover::Accepted, Takeover::Declined];

    pub fn as_str(self) -> &'static str {
        match self {
            Takeover::Pending => "pending",
            Takeover::Accepted => "accepted",
            Takeover::Declined => "declined",
        }
    }

    pub fn parse(s: &str) -> Option<Takeover> {
        Self::ALL.iter().copied().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Takeover::Pending => "待承接",
            Takeover::Accepted => "已承接",
            Takeover::Declined => "不予承接",
        }
    }
}

/// A delegation as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delegation {
    pub id: String,
    pub kind: DelegationKind,
    pub item_code: String,
    /// The department that holds the power.
    pub delegator: String,
    /// The service point that receives it.
    pub receiver: String,
    pub starts: Date,
    /// Open-ended when None.
    pub ends: Option<Date>,
    pub takeover: Takeover,
}

impl Delegation {
    /// In force on `day`: taken over and within its dates.
    pub fn in_force(&self, day: Date) -> bool {
        self.takeover == Takeover::Accepted
            && self.starts <= day
            && self.ends.is_none_or(|e| day <= e)
    }

    /// Whether two delegations of one item to one receiver cover a common day (a declined
    /// one covers none).
    pub fn overlaps(&self, other: &Delegation) -> bool {
        if self.item_code != other.item_code
            || self.receiver != other.receiver
            || self.takeover == Takeover::Declined
            || other.takeover == Takeover::Declined
        {
            return false;
        }
        let before = |a: &Delegation, b: &Delegation| a.ends.is_some_and(|e| e < b.starts);
        !before(self, other) && !before(other, self)
    }
}

/// A delegation as an administrator writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelegationDraft {
    pub kind: String,
    pub item_code: String,
    pub receiver: String,
    /// `YYYY-MM-DD`.
    pub starts: String,
    /// `YYYY-MM-DD`, empty for open-ended.
    #[serde(default)]
    pub ends: String,
    pub basis: String,
}

/// The checked draft: kind and dates.
pub fn check_delegation(
    d: &DelegationDraft,
) -> Result<(DelegationKind, Date, Option<Date>), Vec<FieldError>> {
    let mut p = Problems::default();
    let kind = DelegationKind::parse(d.kind.trim());
    if kind.is_none() {
        p.push("kind", "invalid", "请选择下放或委托");
    }
    p.text("item_code", &d.item_code, "事项编码", 40);
    p.text("receiver", &d.receiver, "承接的服务场所", 40);
    p.text("basis", &d.basis, "依据（下放或委托文件）", 500);
    let starts = parse_iso_date(d.starts.trim()).ok();
    if starts.is_none() {
        p.push(
            "starts",
            "invalid",
            "起始日期应为 年-月-日，例如 2027-01-01",
        );
    }
    let ends = if d.ends.trim().is_empty() {
        None
    } else {
        match parse_iso_date(d.ends.trim()) {
            Ok(e) => Some(e),
            Err(_) => {
                p.push("ends", "invalid", "截止日期应为 年-月-日，或留空表示长期");
                None
            }
        }
    };
    if let (Some(s), Some(e)) = (starts, ends)
        && e < s
    {
        p.push("ends", "inconsistent", "截止日期不能早于起始日期");
    }
    p.into_result()?;
    Ok((
        kind.unwrap_or(DelegationKind::Devolve),
        starts.unwrap_or(Date::MIN),
        ends,
    ))
}

/// What a point may do with an item on `day`: its own powers joined with those of every
/// delegation to it in force.
pub fn effective(own: Powers, delegations: &[Delegation], day: Date) -> Powers {
    delegations
        .iter()
        .filter(|d| d.in_force(day))
        .fold(own.closed(), |p, _| p.union(Powers::ALL))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn delegation(starts: Date, ends: Option<Date>, takeover: Takeover) -> Delegation {
        Delegation {
            id: "d".into(),
            kind: DelegationKind::Devolve,
            item_code: "X".into(),
            delegator: "511602-MZJ".into(),
            receiver: "511602001-BMFW".into(),
            starts,
            ends,
            takeover,
        }
    }

    #[test]
    fn accepting_or_concluding_needs_a_basis() {
        let e = check_grant(
            Powers {
                conclude: true,
                ..Powers::NONE
            },
            " ",
        )
        .unwrap_err();
        assert_eq!(e[0].field, "basis");
        let p = check_grant(
            Powers {
                conclude: true,
                ..Powers::NONE
            },
            "《某条例》第十条",
        )
        .unwrap();
        assert_eq!(p, Powers::ALL);
        assert_eq!(
            check_grant(
                Powers {
                    guide: true,
                    ..Powers::NONE
                },
                ""
            ),
            Ok(Powers {
                guide: true,
                ..Powers::NONE
            })
        );
    }

    #[test]
    fn a_delegation_gives_its_powers_from_its_start_once_taken_over() {
        let d = delegation(date!(2027 - 01 - 01), None, Takeover::Accepted);
        assert!(
            effective(
                Powers::NONE,
                std::slice::from_ref(&d),
                date!(2026 - 12 - 31)
            )
            .is_none()
        );
        assert_eq!(
            effective(
                Powers::NONE,
                std::slice::from_ref(&d),
                date!(2027 - 01 - 01)
            ),
            Powers::ALL
        );
        let pending = delegation(date!(2027 - 01 - 01), None, Takeover::Pending);
        assert!(effective(Powers::NONE, &[pending], date!(2027 - 06 - 01)).is_none());
    }

    #[test]
    fn a_draft_is_checked_field_by_field() {
        let d = DelegationDraft {
            kind: "transfer".into(),
            item_code: "X".into(),
            receiver: "P".into(),
            starts: "2027-01-01".into(),
            ends: "2026-12-31".into(),
            basis: String::new(),
        };
        let fields: Vec<_> = check_delegation(&d)
            .unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect();
        assert_eq!(
            fields,
            vec![
                ("kind".to_string(), "invalid"),
                ("basis".to_string(), "required"),
                ("ends".to_string(), "inconsistent"),
            ]
        );
    }

    fn day() -> impl Strategy<Value = Date> {
        (0i64..400).prop_map(|n| date!(2027 - 01 - 01) + time::Duration::days(n))
    }

    proptest! {
        /// Two delegations overlap exactly when some day is in force for both (were both
        /// taken over), and the relation is symmetric.
        #[test]
        fn overlap_is_a_shared_day(a in day(), la in proptest::option::of(0i64..60), b in day(), lb in proptest::option::of(0i64..60)) {
            let x = delegation(a, la.map(|l| a + time::Duration::days(l)), Takeover::Accepted);
            let y = delegation(b, lb.map(|l| b + time::Duration::days(l)), Takeover::Accepted);
            let shared = (0..500).map(|n| date!(2027 - 01 - 01) + time::Duration::days(n))
                .any(|d| x.in_force(d) && y.in_force(d));
            prop_assert_eq!(x.overlaps(&y), shared);
            prop_assert_eq!(x.overlaps(&y), y.overlaps(&x));
        }

        /// Powers are closed downward whatever is set.
        #[test]
        fn one_who_concludes_accepts_and_guides(g in any::<bool>(), a in any::<bool>(), c in any::<bool>()) {
            let p = Powers { guide: g, accept: a, conclude: c }.closed();
            prop_assert!(!p.conclude || p.accept);
            prop_assert!(!p.accept || p.guide);
        }
    }
}
