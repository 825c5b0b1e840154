//! 审查与决定: review steps claimed by their role (exclusive) and completed with an opinion,
//! the decision at the last step (or at the window for a 即办件), 特别程序 that stop the clock,
//! and the one extension the law allows.

use super::machine::{CaseError, Ctx, check, listed, text};
use super::{Decision, Event, completeness, limits};
use crate::calendar::Pause;
use crate::error::Problems;

pub(super) fn claim(cx: &Ctx) -> Result<Vec<Event>, CaseError> {
    Ok(vec![Event::Claimed {
        step: cx.case.step,
        by: cx.by(),
    }])
}

pub(super) fn complete_step(cx: &Ctx, opinion: &str) -> Result<Vec<Event>, CaseError> {
    let mut p = Problems::default();
    text(&mut p, "opinion", opinion, "办理意见");
    check(p)?;
    let name = cx
        .steps
        .get(cx.case.step)
        .map(|s| s.name.clone())
        .unwrap_or_default();
    Ok(vec![Event::StepCompleted {
        step: cx.case.step,
        name,
        by: cx.by(),
        opinion: opinion.trim().to_string(),
    }])
}

/// 准予 or 不予许可; a refusal must name its legal basis.
pub(super) fn decide(
    cx: &Ctx,
    approved: bool,
    reason: &str,
    legal_basis: &str,
) -> Result<Vec<Event>, CaseError> {
    let mut p = Problems::default();
    let label = if approved {
        "审批意见"
    } else {
        "不予许可理由"
    };
    text(&mut p, "reason", reason, label);
    if !approved {
        text(&mut p, "legal_basis", legal_basis, "法律依据");
    }
    // 窗口无否决权: the window's 不予许可 of a 即办件 is a proposal a second person decides.
    if !approved && cx.instant {
        if !reason.trim().is_empty()
            && reason.trim().chars().count() < super::intake::REFUSAL_MIN_CHARS
        {
            p.push(
                "reason",
                "too_short",
                format!(
                    "请用完整的话写明不予许可的理由（至少 {} 个字），申请人会在决定书上看到",
                    super::intake::REFUSAL_MIN_CHARS
                ),
            );
        }
        check(p)?;
        return Ok(vec![Event::RefusalProposed {
            reason: reason.trim().into(),
            by: cx.by(),
            at: cx.now,
            legal_basis: Some(legal_basis.trim().into()),
        }]);
    }
    check(p)?;
    if approved {
        let c = completeness(cx.case, cx.item, cx.today);
        if !c.pending.is_empty() {
            let names: Vec<&str> = c.pending.iter().map(|(n, _)| n.as_str()).collect();
            return Err(CaseError::Rule(format!(
                "容缺材料尚未补齐：{}",
                listed(&names)
            )));
        }
    }
    Ok(vec![Event::Decided {
        decision: Decision {
            approved,
            reason: reason.trim().into(),
            legal_basis: legal_basis.trim().into(),
            at: cx.now,
            by_rule: None,
            verification_due: None,
        },
    }])
}

pub(super) fn suspend(cx: &Ctx, reason: &str, expected_days: u32) -> Result<Vec<Event>, CaseError> {
    let mut p = Problems::default();
    text(&mut p, "reason", reason, "特别程序事由");
    if !(1..=365).contains(&expected_days) {
        p.push("expected_days", "invalid", "预计时长应为 1 到 365 个工作日");
    }
    check(p)?;
    Ok(vec![Event::Suspended {
        reason: reason.trim().into(),
        expected_days,
        since: cx.today,
    }])
}

pub(super) fn resume(cx: &Ctx) -> Result<Vec<Event>, CaseError> {
    // The table admits this only with a pause open.
    let open = cx
        .case
        .open_pause
        .as_ref()
        .ok_or(CaseError::InvalidTransition {
            from: cx.case.state,
            action: "结束特别程序",
        })?;
    Ok(vec![Event::Resumed {
        pause: Pause {
            first: open.since,
            last: cx.today.max(open.since),
            reason: open.reason.clone(),
        },
    }])
}

/// 行政许可法 art. 42: one extension of at most 10 days (the table admits only the first).
pub(super) fn extend(_cx: &Ctx, days: u32, reason: &str) -> Result<Vec<Event>, CaseError> {
    let mut p = Problems::default();
    text(&mut p, "reason", reason, "延期理由");
    if !(1..=limits::MAX_EXTENSION).contains(&days) {
        p.push(
            "days",
            "invalid",
            format!("延长时限应为 1 到 {} 个工作日", limits::MAX_EXTENSION),
        );
    }
    check(p)?;
    Ok(vec![Event::Extended {
        days,
        reason: reason.trim().into(),
    }])
}
