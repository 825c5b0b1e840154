//! 容缺受理 and 告知承诺: materials left pending at acceptance and supplied later (or the case
//! suspended or ended when they are overdue), and approvals on the applicant's written
//! commitment, verified afterwards and revoked when the verification fails.

use std::collections::BTreeMap;

use time::Date;

use super::machine::{CaseError, Ctx, check, check_materials, listed, text};
use super::{CaseState, Completeness, Decision, Event, Provision, TOLERANCE_PAUSE, completeness};
use crate::calendar::Pause;
use crate::error::Problems;
use crate::workflow::ToleranceExpiry;

/// What acceptance covers without the materials themselves.
pub(super) struct Cover {
    /// 容缺: non-key materials left pending, with their due dates.
    pub pending: BTreeMap<String, Date>,
    /// 告知承诺: materials the applicant's commitment stands in for.
    pub committed: Vec<String>,
}

pub(super) fn cover(
    cx: &Ctx,
    c: &Completeness,
    tolerate: &[String],
    commitment: bool,
) -> Result<Cover, CaseError> {
    let item = cx.item;
    let mut cover = Cover {
        pending: BTreeMap::new(),
        committed: Vec::new(),
    };
    if commitment {
        if item.workflow.commitment.is_none() {
            return Err(CaseError::Rule("本事项未实行告知承诺制".into()));
        }
        cover.committed = c.missing.clone();
    } else if !tolerate.is_empty() {
        let t = item
            .workflow
            .tolerance
            .as_ref()
            .ok_or_else(|| CaseError::Rule("本事项未实行容缺受理".into()))?;
        for name in tolerate {
            let m = item
                .materials
                .iter()
                .find(|m| &m.name == name)
                .ok_or_else(|| CaseError::Rule(format!("本事项没有“{name}”这项材料")))?;
            if m.key {
                return Err(CaseError::Rule(format!("“{name}”是核心材料，不能容缺受理")));
            }
            if !c.missing.contains(name) {
                return Err(CaseError::Rule(format!("“{name}”已经提供，无需容缺")));
            }
            cover
                .pending
                .insert(name.clone(), cx.cal.add_working_days(cx.today, t.days));
        }
    }
    Ok(cover)
}

/// 告知承诺: the approval made on the spot, with the date its verification is due.
/// The applicant signs the 告知承诺书 with their name (the app has checked it is theirs).
pub(super) fn sign_commitment(cx: &Ctx, signer: &str) -> Result<Vec<Event>, CaseError> {
    let mut p = Problems::default();
    p.text("signer", signer, "签名", 60);
    check(p)?;
    Ok(vec![Event::CommitmentSigned {
        signer: signer.trim().to_string(),
        at: cx.now,
    }])
}

pub(super) fn commitment_approval(cx: &Ctx) -> Event {
    let days = cx.item.workflow.commitment.unwrap_or(20);
    Event::Decided {
        decision: Decision {
            approved: true,
            reason: "申请人书面承诺符合条件，依告知承诺制当场作出准予决定".into(),
            legal_basis: cx.item.legal_basis.first().cloned().unwrap_or_default(),
            at: cx.now,
            by_rule: None,
            verification_due: Some(cx.cal.add_working_days(cx.today, days)),
        },
    }
}

pub(super) fn supply_pending(
    cx: &Ctx,
    materials: &BTreeMap<String, Provision>,
) -> Result<Vec<Event>, CaseError> {
    let case = cx.case;
    let pending: Vec<&String> = case
        .materials
        .iter()
        .filter(|(_, p)| matches!(p, Provision::Pending { .. }))
        .map(|(n, _)| n)
        .collect();
    check_materials(cx.item, materials, !cx.is_applicant)?;
    let mut p = Problems::default();
    if materials.values().all(|v| !v.is_provided()) {
        p.push(
            "materials",
            "required",
            format!("请提供待补交的材料：{}", listed(&pending)),
        );
    }
    for (name, v) in materials {
        if !pending.contains(&name) {
            p.push(
                format!("materials.{name}"),
                "not_pending",
                format!("“{name}”不是待补交的容缺材料"),
            );
        } else if !v.is_provided() {
            p.push(
                format!("materials.{name}"),
                "required",
                format!("请上传“{name}”"),
            );
        }
    }
    check(p)?;
    let mut events = vec![Event::PendingSupplied {
        materials: materials.clone(),
        at: cx.now,
    }];
    // Supplying the last of them ends the pause their lateness started.
    let all_done = pending.iter().all(|n| materials.contains_key(*n));
    if all_done
        && case.state == CaseState::Suspended
        && let Some(open) = case
            .open_pause
            .as_ref()
            .filter(|o| o.reason == TOLERANCE_PAUSE)
    {
        events.push(Event::Resumed {
            pause: Pause {
                first: open.since,
                last: cx.today.max(open.since),
                reason: open.reason.clone(),
            },
        });
    }
    Ok(events)
}

/// The item's rule for 容缺 materials past their due date: suspend or end the case.
pub(super) fn expire(cx: &Ctx) -> Result<Vec<Event>, CaseError> {
    let overdue = completeness(cx.case, cx.item, cx.today).overdue;
    let t = cx
        .item
        .workflow
        .tolerance
        .as_ref()
        .ok_or_else(|| CaseError::Rule("本事项未实行容缺受理".into()))?;
    Ok(match t.on_expiry {
        ToleranceExpiry::Suspend => vec![Event::Suspended {
            reason: TOLERANCE_PAUSE.into(),
            expected_days: t.days,
            since: cx.today,
        }],
        ToleranceExpiry::Terminate => vec![Event::Withdrawn {
            reason: format!("{TOLERANCE_PAUSE}：{}，终止办理", overdue.join("、")),
            at: cx.now,
        }],
    })
}

pub(super) fn verify(cx: &Ctx, passed: bool, note: &str) -> Result<Vec<Event>, CaseError> {
    if !passed {
        let mut p = Problems::default();
        text(&mut p, "note", note, "核查不通过的情况");
        check(p)?;
    }
    Ok(vec![Event::Verified {
        passed,
        note: note.trim().into(),
        at: cx.now,
    }])
}
