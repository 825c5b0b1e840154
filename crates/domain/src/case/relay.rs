//! 收件与办结分离 (异地受理、就近取件): a window that may accept an item but not conclude it
//! receives the case (by its own 收件受理 right, or because the item is on the 通办 list) and
//! the item's department concludes it; paper originals checked at the window travel with a
//! tracked hand-over; the result returns to the point the person chose to collect it at. The
//! case keeps one clock from acceptance to completion, whichever office holds it.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::machine::{CaseError, Ctx};
use super::table::CommandKind;
use super::{Event, Provision};
use crate::catalog::ServiceScope;
use crate::ids::{RegionCode, RegionLevel};
use crate::rights::Powers;

/// A service point as a case remembers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PointRef {
    pub code: String,
    pub name: String,
    pub region: String,
}

/// Why a window may receive an item another office concludes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RelayBasis {
    /// The point's own 收件受理 right (or a delegation in force) over the item.
    PointRight,
    /// 全市通办: a 跨县通办 item of a county of the same city.
    CityWide,
    /// 跨市 (or wider) 通办 item accepted anywhere on this platform.
    AnyWhere,
    /// 跨市通办 from another city's platform: its window received the item and forwarded it
    /// (`crate::tongban`); the result goes back there.
    Partner,
}

impl RelayBasis {
    pub fn label(self) -> &'static str {
        match self {
            RelayBasis::PointRight => "本场所有收件受理权限",
            RelayBasis::CityWide => "全市通办",
            RelayBasis::AnyWhere => "跨域通办",
            RelayBasis::Partner => "跨市通办（外市平台代收转办）",
        }
    }
}

/// Who did a hand-over step, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stamp {
    pub by: String,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Rfc3339))]
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// Where a case was received and where its result is collected, when that is not the office
/// that concludes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Relay {
    /// 收件受理地点.
    pub received_at: PointRef,
    pub basis: RelayBasis,
    /// 就近取件: where the result goes back to.
    pub pickup: PointRef,
    /// Paper originals handed over to the concluding office (names of materials).
    #[serde(default)]
    pub originals: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub originals_sent: Option<Stamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub originals_received: Option<Stamp>,
}

impl Relay {
    /// Where the paper originals are, in words.
    pub fn originals_status(&self) -> &'static str {
        match (&self.originals_sent, &self.originals_received) {
            (_, Some(_)) => "办结机关已签收",
            (Some(_), None) => "已移交，待办结机关签收",
            (None, None) => "在收件窗口，尚未移交",
        }
    }
}

/// Whether a window at a point in `point_region` with `powers` over an item may receive it
/// for the item's department in `item_region`: by its own right, or by the item's 通办 scope
/// (跨县通办 within the item's city, 跨市 or wider anywhere). None: it may not.
pub fn basis(
    powers: Powers,
    point_region: &RegionCode,
    item_region: &RegionCode,
    scope: ServiceScope,
) -> Option<RelayBasis> {
    if powers.closed().accept {
        return Some(RelayBasis::PointRight);
    }
    match scope {
        ServiceScope::CrossCity | ServiceScope::CrossProvince | ServiceScope::Nationwide => {
            Some(RelayBasis::AnyWhere)
        }
        ServiceScope::CrossCounty => {
            let city = |r: &RegionCode| {
                r.ancestry()
                    .into_iter()
                    .find(|a| a.level() == RegionLevel::City)
            };
            let (Some(a), Some(b)) = (city(point_region), city(item_region)) else {
                return None;
            };
            (a == b).then_some(RelayBasis::CityWide)
        }
        ServiceScope::Local => None,
    }
}

/// What the clerks of the point that received a case for another office may do with it:
/// filing and 受理 (a refusal is only proposed; the department's approver decides), sending
/// the originals, choosing the pickup for the person. Review and decision stay with the
/// concluding office.
pub fn receiving_may(kind: CommandKind) -> bool {
    use CommandKind as K;
    matches!(
        kind,
        K::Edit
            | K::Submit
            | K::RequestSupplement
            | K::Accept
            | K::RejectAtIntake
            | K::SendOriginals
            | K::ChoosePickup
    )
}

/// What the clerks of the point the result is collected at may do: put it out there and hand
/// it over (出件, 办结), or move the pickup for the person.
pub fn pickup_may(kind: CommandKind) -> bool {
    use CommandKind as K;
    matches!(kind, K::Issue | K::Complete | K::ChoosePickup)
}

/// Materials whose paper original the window checked: they go to the concluding office.
pub fn originals(materials: &std::collections::BTreeMap<String, Provision>) -> Vec<String> {
    materials
        .iter()
        .filter(|(_, p)| matches!(p, Provision::CheckedOriginal { .. }))
        .map(|(n, _)| n.clone())
        .collect()
}

pub(super) fn send(cx: &Ctx) -> Result<Vec<Event>, CaseError> {
    Ok(vec![Event::OriginalsSent {
        materials: originals(&cx.case.materials),
        by: cx.by(),
        at: cx.now,
    }])
}

pub(super) fn receive(cx: &Ctx) -> Result<Vec<Event>, CaseError> {
    Ok(vec![Event::OriginalsReceived {
        by: cx.by(),
        at: cx.now,
    }])
}

pub(super) fn choose(cx: &Ctx, point: &PointRef) -> Result<Vec<Event>, CaseError> {
    if cx
        .case
        .relay
        .as_ref()
        .is_some_and(|r| r.pickup.code == point.code)
    {
        return Err(CaseError::Rule(format!("取件地点已是{}", point.name)));
    }
    Ok(vec![Event::PickupChosen {
        point: point.clone(),
        by: cx.by(),
        at: cx.now,
    }])
}

/// The case came from another city's platform (跨市通办).
pub fn from_partner(case: &super::Case) -> bool {
    case.relay
        .as_ref()
        .is_some_and(|r| r.basis == RelayBasis::Partner)
}

/// Guard: a forward from another platform, whose window filed it for the person.
pub(super) fn forwarded(cx: &Ctx) -> Result<(), CaseError> {
    if from_partner(cx.case) {
        Ok(())
    } else {
        Err(CaseError::Rule(
            "只有外市平台转来的办件由系统代为提交".into(),
        ))
    }
}

/// Guard: a forward whose result went out to the partner's window, which reported it
/// handed over (the partner says so; nobody here can).
pub(super) fn handed_over_by_partner(cx: &Ctx) -> Result<(), CaseError> {
    if from_partner(cx.case) {
        Ok(())
    } else {
        Err(CaseError::Rule(
            "只有外市平台代收的办件由对方窗口回传交付".into(),
        ))
    }
}

/// Guard: a case received for another office.
pub(super) fn relayed(cx: &Ctx) -> Result<(), CaseError> {
    if from_partner(cx.case) {
        return Err(CaseError::Rule(
            "跨市通办的结果回到代收的外市窗口领取，不能改选取件地点".into(),
        ));
    }
    match cx.case.relay {
        Some(_) => Ok(()),
        None => Err(CaseError::Rule(
            "结果由办理机关窗口发放，无需选择取件地点".into(),
        )),
    }
}

/// Guard: a relayed case whose window checked originals that have not left yet.
pub(super) fn originals_to_send(cx: &Ctx) -> Result<(), CaseError> {
    let Some(r) = &cx.case.relay else {
        return Err(CaseError::Rule("本件由办结机关直接受理，无需移交".into()));
    };
    if r.originals_sent.is_some() {
        return Err(CaseError::Rule("纸质原件已移交".into()));
    }
    if originals(&cx.case.materials).is_empty() {
        return Err(CaseError::Rule("没有需要移交的纸质原件".into()));
    }
    Ok(())
}

/// Guard: originals sent and not yet signed for.
pub(super) fn originals_in_transit(cx: &Ctx) -> Result<(), CaseError> {
    match cx
        .case
        .relay
        .as_ref()
        .map(|r| (&r.originals_sent, &r.originals_received))
    {
        Some((Some(_), None)) => Ok(()),
        Some((_, Some(_))) => Err(CaseError::Rule("纸质原件已签收".into())),
        _ => Err(CaseError::Rule("收件窗口尚未移交纸质原件".into())),
    }
}
