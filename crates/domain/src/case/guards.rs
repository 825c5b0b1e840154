//! The conditions on a case's data that rows of the lifecycle table need (`Guard`): each
//! answers why not, in words the person can act on.

use super::Provision;
use super::machine::{CaseError, Ctx};
use super::table::CommandKind;
use super::table::CommandKind as K;

pub(super) fn wrong(cx: &Ctx, kind: CommandKind) -> CaseError {
    CaseError::InvalidTransition {
        from: cx.case.state,
        action: kind.label(),
    }
}

pub(super) fn assessable(cx: &Ctx) -> Result<(), CaseError> {
    if cx.item.fees.is_empty() {
        return Err(CaseError::Rule("此事项不收费".into()));
    }
    match &cx.case.fee {
        Some(f) if f.paid.is_some() => Err(CaseError::Rule("已缴费，不能再核定".into())),
        _ => Ok(()),
    }
}

pub(super) fn payable(cx: &Ctx) -> Result<(), CaseError> {
    match &cx.case.fee {
        Some(f) if f.owed().is_some() => Ok(()),
        Some(f) if f.paid.is_some() => Err(CaseError::Rule("已缴费".into())),
        _ => Err(CaseError::Rule("尚未核定应缴费用".into())),
    }
}

pub(super) fn fee_settled(cx: &Ctx) -> Result<(), CaseError> {
    match cx.case.fee.as_ref().and_then(|f| f.unpaid()) {
        Some(why) => Err(CaseError::Rule(why)),
        None => Ok(()),
    }
}

pub(super) fn posted(cx: &Ctx) -> Result<(), CaseError> {
    match cx.case.delivery {
        Some(crate::case::Delivery::Post { .. }) => Ok(()),
        _ => Err(wrong(cx, K::Complete)),
    }
}

pub(super) fn claimable(cx: &Ctx) -> Result<(), CaseError> {
    if cx.instant || cx.step_role.is_none() {
        return Err(wrong(cx, K::Claim));
    }
    if let Some(by) = &cx.case.claimed_by {
        return Err(CaseError::NotAllowed(format!(
            "本环节已由其他工作人员（{by}）签收"
        )));
    }
    // Separation of duties: the one who finished the previous step does not take this one.
    let previous = cx.case.step_holders.last();
    if !cx.item.workflow.same_person_steps
        && cx.staff_id().is_some()
        && previous.map(String::as_str) == cx.staff_id()
    {
        return Err(CaseError::NotAllowed(
            "上一环节由您办理，同一办件的连续两个环节须由不同人员办理，请由其他同事签收".into(),
        ));
    }
    Ok(())
}

pub(super) fn not_last_step(cx: &Ctx) -> Result<(), CaseError> {
    if cx.at_last_step {
        return Err(CaseError::Rule(
            "最后一个环节请作出准予或不予许可的决定".into(),
        ));
    }
    Ok(())
}

pub(super) fn decided_at_window(cx: &Ctx) -> Result<(), CaseError> {
    decided_when(cx.instant)
}

pub(super) fn decided_at_last_step(cx: &Ctx) -> Result<(), CaseError> {
    decided_when(cx.at_last_step)
}

/// Outside its own row a decision is the last step's approver's.
pub(super) fn decided_when(ok: bool) -> Result<(), CaseError> {
    match ok {
        true => Ok(()),
        false => Err(CaseError::NotAllowed(
            "只有签收了最后一个审批环节的批准人可以作出决定".into(),
        )),
    }
}

pub(super) fn has_open_pause(cx: &Ctx) -> Result<(), CaseError> {
    match cx.case.open_pause {
        Some(_) => Ok(()),
        None => Err(wrong(cx, K::Resume)),
    }
}

pub(super) fn not_extended(cx: &Ctx) -> Result<(), CaseError> {
    if cx.case.extension_days > 0 {
        return Err(CaseError::Rule(
            "依《行政许可法》第四十二条，办理时限只能延长一次".into(),
        ));
    }
    Ok(())
}

pub(super) fn has_pending(cx: &Ctx) -> Result<(), CaseError> {
    let any = cx
        .case
        .materials
        .values()
        .any(|p| matches!(p, Provision::Pending { .. }));
    if any {
        Ok(())
    } else {
        Err(CaseError::Rule("没有待补交的容缺材料".into()))
    }
}

pub(super) fn tolerance_overdue(cx: &Ctx) -> Result<(), CaseError> {
    if crate::case::completeness(cx.case, cx.item, cx.today)
        .overdue
        .is_empty()
    {
        return Err(CaseError::Rule("没有逾期的容缺材料".into()));
    }
    if cx.item.workflow.tolerance.is_none() {
        return Err(CaseError::Rule("本事项未实行容缺受理".into()));
    }
    Ok(())
}

pub(super) fn verification_pending(cx: &Ctx) -> Result<(), CaseError> {
    let pending = cx
        .case
        .decision
        .as_ref()
        .is_some_and(|d| d.verification_due.is_some());
    if pending {
        Ok(())
    } else {
        Err(wrong(cx, K::Verify))
    }
}

/// 窗口无否决权: the one who confirms or overturns a proposed 不予受理 is not its proposer.
pub(super) fn not_proposer(cx: &Ctx) -> Result<(), CaseError> {
    match (&cx.case.proposed_refusal, cx.staff_id()) {
        (Some(p), Some(me)) if p.by == me => Err(CaseError::NotAllowed(
            "不予受理须由提出人以外的批准人复核".into(),
        )),
        (Some(_), _) => Ok(()),
        (None, _) => Err(CaseError::Rule("没有待复核的不予受理".into())),
    }
}

/// The item takes a 告知承诺 and the applicant has not signed it yet.
pub(super) fn commitment_unsigned(cx: &Ctx) -> Result<(), CaseError> {
    if cx.item.workflow.commitment.is_none() {
        return Err(CaseError::Rule("本事项未实行告知承诺制".into()));
    }
    if cx.case.commitment_signed.is_some() {
        return Err(CaseError::Rule("告知承诺书已经签署".into()));
    }
    Ok(())
}
