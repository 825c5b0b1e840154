//! The transitions: which command may start from which state, by whom, under which rule of
//! the 行政许可法, and the events each produces.

use std::collections::BTreeMap;

use thiserror::Error;
use time::OffsetDateTime;

use super::{
    Case, CaseActor, CaseState, Command, Decision, Delivery, Event, OpenPause, Provision,
    SupplementNotice, completeness, limits,
};
use crate::account::Role;
use crate::calendar::{Pause, WorkCalendar, china_date};
use crate::catalog::{CaseType, ItemDefinition};
use crate::error::{FieldError, Problems};
use crate::workflow::validate_form;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CaseError {
    #[error("办件当前状态为“{}”，不能{}", .from.label(), .action)]
    InvalidTransition {
        from: CaseState,
        action: &'static str,
    },
    #[error("{0}")]
    NotAllowed(String),
    #[error("输入有误")]
    Validation(Vec<FieldError>),
    /// A rule of law or of the item's definition forbids it; the text says which.
    #[error("{0}")]
    Rule(String),
}

fn action_label(c: &Command) -> &'static str {
    match c {
        Command::Edit { .. } => "修改申请",
        Command::Submit => "提交申请",
        Command::RequestSupplement { .. } => "发出补正通知",
        Command::Supply { .. } => "提交补正材料",
        Command::Accept { .. } => "受理",
        Command::RejectAtIntake { .. } => "不予受理",
        Command::Claim => "签收",
        Command::CompleteStep { .. } => "完成本环节",
        Command::Approve { .. } => "准予许可",
        Command::Deny { .. } => "不予许可",
        Command::Suspend { .. } => "进入特别程序",
        Command::Resume => "结束特别程序",
        Command::Extend { .. } => "延期",
        Command::Issue { .. } => "出件",
        Command::Complete => "办结",
        Command::Withdraw { .. } => "撤回",
        Command::Verify { .. } => "核查告知承诺",
        Command::AutoDecide => "自动审批",
        Command::SupplyPending { .. } => "补交容缺材料",
        Command::ExpireTolerance => "处理逾期容缺材料",
    }
}

fn has_role(actor: &CaseActor, role: Role) -> bool {
    matches!(actor, CaseActor::Staff { roles, .. } if roles.contains(&role))
}

fn staff_id(actor: &CaseActor) -> Option<&str> {
    match actor {
        CaseActor::Staff { id, .. } => Some(id),
        _ => None,
    }
}

fn require(ok: bool, why: &str) -> Result<(), CaseError> {
    if ok {
        Ok(())
    } else {
        Err(CaseError::NotAllowed(why.to_string()))
    }
}

fn text(p: &mut Problems, field: &str, v: &str, label: &str) {
    p.text(field, v, label, 1000);
}

/// Materials an applicant may provide themselves: uploads, or nothing yet.
fn check_materials(
    item: &ItemDefinition,
    materials: &BTreeMap<String, Provision>,
    staff: bool,
) -> Result<(), CaseError> {
    let mut p = Problems::default();
    for (name, prov) in materials {
        if !item.materials.iter().any(|m| &m.name == name) {
            p.push(
                format!("materials.{name}"),
                "unknown",
                format!("本事项没有“{name}”这项材料"),
            );
        }
        let allowed = match prov {
            Provision::Missing | Provision::Uploaded { .. } => true,
            Provision::CheckedOriginal { .. } => staff,
            // Licenses are attached by the platform from the register, never claimed in a
            // command; pending and committed follow from accept and the item's mode.
            Provision::Pending { .. }
            | Provision::Committed
            | Provision::License { .. }
            | Provision::Shared { .. } => false,
        };
        if !allowed {
            p.push(
                format!("materials.{name}"),
                "not_allowed",
                format!("“{name}”不能以“{}”方式提供", prov.label()),
            );
        }
    }
    p.into_result().map_err(CaseError::Validation)
}

/// Decides what a command does to a case; nothing changes until the events are applied.
pub fn decide(
    case: &Case,
    item: &ItemDefinition,
    cmd: &Command,
    actor: &CaseActor,
    now: OffsetDateTime,
    cal: &WorkCalendar,
) -> Result<Vec<Event>, CaseError> {
    use CaseState as S;
    let today = china_date(now);
    let wrong = || CaseError::InvalidTransition {
        from: case.state,
        action: action_label(cmd),
    };
    let is_applicant = matches!(actor, CaseActor::Applicant { id } if *id == case.applicant_id || case.agent_id.as_deref() == Some(id.as_str()));
    // At the window the clerk fills and files the application for the applicant.
    let files_for_applicant =
        is_applicant || (case.channel == super::Channel::Window && has_role(actor, Role::Clerk));
    let steps = item.workflow.steps_for(item.case_type);
    let step_role = steps.get(case.step).map(|s| s.role);
    let at_last_step = !steps.is_empty() && case.step + 1 == steps.len();
    let instant = item.case_type == CaseType::Instant || steps.is_empty();

    match cmd {
        Command::Edit { form, materials } => {
            if case.state != S::Draft {
                return Err(wrong());
            }
            require(
                files_for_applicant,
                "只有申请人本人（或窗口代为填报的工作人员）可以修改申请",
            )?;
            check_materials(item, materials, !is_applicant)?;
            if let Err(mut e) = validate_form(&item.form, form) {
                // Drafts may be incomplete: only reject malformed values and unknown fields.
                e.retain(|f| f.code != "required");
                if !e.is_empty() {
                    return Err(CaseError::Validation(e));
                }
            }
            Ok(vec![Event::Edited {
                form: form.clone(),
                materials: materials.clone(),
            }])
        }
        Command::Submit => {
            if case.state != S::Draft {
                return Err(wrong());
            }
            require(files_for_applicant, "只有申请人本人可以提交申请")?;
            validate_form(&item.form, &case.form).map_err(CaseError::Validation)?;
            Ok(vec![Event::Submitted { at: now }])
        }
        Command::RequestSupplement {
            materials,
            fields,
            note,
        } => {
            if case.state != S::Submitted {
                return Err(wrong());
            }
            require(
                has_role(actor, Role::Clerk) || has_role(actor, Role::Reviewer),
                "只有受理人员可以发出补正通知",
            )?;
            let received = case.submitted_at.unwrap_or(now);
            if case.supplement_rounds == 0
                && cal.working_days_between(received, now) > i64::from(limits::SUPPLEMENT_NOTICE)
            {
                return Err(CaseError::Rule(format!(
                    "收到申请已超过 {} 日，依《行政许可法》第三十二条，逾期不告知的自收到申请之日起即为受理，不能再要求补正",
                    limits::SUPPLEMENT_NOTICE
                )));
            }
            let mut p = Problems::default();
            for m in materials {
                if !item.materials.iter().any(|x| &x.name == m) {
                    p.push("materials", "unknown", format!("本事项没有“{m}”这项材料"));
                }
            }
            for f in fields {
                if !item.form.iter().any(|x| &x.key == f) {
                    p.push("fields", "unknown", format!("表单中没有字段“{f}”"));
                }
            }
            p.into_result().map_err(CaseError::Validation)?;
            // The notice lists everything at once: what the domain sees missing plus what the
            // clerk found wrong.
            let mut all: Vec<String> = completeness(case, item, today).missing;
            for m in materials {
                if !all.contains(m) {
                    all.push(m.clone());
                }
            }
            if case.supplement_rounds > 0
                && let Some(prev) = &case.supplement
            {
                let late: Vec<&String> = all
                    .iter()
                    .filter(|m| {
                        !prev.materials.contains(m)
                            && case.materials.get(*m).is_some_and(Provision::is_provided)
                    })
                    .collect();
                if !late.is_empty() {
                    return Err(CaseError::Rule(format!(
                        "一次性告知：{} 在上次补正通知时已经提交且未更改，当时就应一并告知，不能再次要求补正",
                        late.iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join("、")
                    )));
                }
            }
            if all.is_empty() && fields.is_empty() {
                return Err(CaseError::Rule(
                    "材料齐全、表单无误，没有需要补正的内容，请直接受理".into(),
                ));
            }
            let notice = SupplementNotice {
                materials: all,
                fields: fields.clone(),
                note: note.trim().to_string(),
                issued_at: now,
            };
            Ok(vec![Event::SupplementRequested { notice }])
        }
        Command::Supply { form, materials } => {
            if case.state != S::SupplementRequested {
                return Err(wrong());
            }
            require(is_applicant, "只有申请人本人可以提交补正材料")?;
            check_materials(item, materials, false)?;
            let mut merged = case.form.clone();
            merged.extend(form.clone());
            validate_form(&item.form, &merged).map_err(CaseError::Validation)?;
            let mut next = case.clone();
            next.materials.extend(materials.clone());
            let notice = case.supplement.as_ref();
            let still: Vec<String> = notice
                .map(|n| {
                    n.materials
                        .iter()
                        .filter(|m| !next.materials.get(*m).is_some_and(Provision::is_provided))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            if !still.is_empty() {
                return Err(CaseError::Validation(
                    still
                        .iter()
                        .map(|m| {
                            FieldError::new(
                                format!("materials.{m}"),
                                "required",
                                format!("补正通知要求的“{m}”还没有提供"),
                            )
                        })
                        .collect(),
                ));
            }
            Ok(vec![Event::Supplied {
                form: form.clone(),
                materials: materials.clone(),
                at: now,
            }])
        }
        Command::Accept {
            tolerate,
            commitment,
        } => {
            if case.state != S::Submitted {
                return Err(wrong());
            }
            require(has_role(actor, Role::Clerk), "只有综窗受理人员可以受理")?;
            let c = completeness(case, item, today);
            let mut pending = BTreeMap::new();
            let mut committed = Vec::new();
            if *commitment {
                let days = item
                    .workflow
                    .commitment
                    .ok_or_else(|| CaseError::Rule("本事项未实行告知承诺制".into()))?;
                let _ = days;
                committed = c.missing.clone();
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
                    pending.insert(name.clone(), cal.add_working_days(today, t.days));
                }
            }
            let uncovered: Vec<&String> = c
                .missing
                .iter()
                .filter(|m| !pending.contains_key(*m) && !committed.contains(m))
                .collect();
            if !uncovered.is_empty() {
                return Err(CaseError::Rule(format!(
                    "材料不齐，不能受理：{}。请发出一次性补正通知{}",
                    uncovered
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join("、"),
                    if item.workflow.tolerance.is_some() {
                        "，或对非核心材料容缺受理"
                    } else {
                        ""
                    }
                )));
            }
            let received = case.submitted_at.unwrap_or(now);
            // 行政许可法 art. 32: no notice within 5 days means accepted from receipt.
            let late = case.supplement_rounds == 0
                && cal.working_days_between(received, now) > i64::from(limits::SUPPLEMENT_NOTICE);
            let effective = if late { received } else { now };
            let mut events = vec![Event::Accepted {
                at: now,
                effective,
                pending,
                committed: committed.clone(),
            }];
            if *commitment {
                let days = item.workflow.commitment.unwrap_or(20);
                events.push(Event::Decided {
                    decision: Decision {
                        approved: true,
                        reason: "申请人书面承诺符合条件，依告知承诺制当场作出准予决定".into(),
                        legal_basis: item.legal_basis.first().cloned().unwrap_or_default(),
                        at: now,
                        by_rule: None,
                        verification_due: Some(cal.add_working_days(today, days)),
                    },
                });
            }
            Ok(events)
        }
        Command::RejectAtIntake { reason } => {
            if case.state != S::Submitted {
                return Err(wrong());
            }
            require(
                has_role(actor, Role::Clerk),
                "只有综窗受理人员可以作出不予受理决定",
            )?;
            let mut p = Problems::default();
            text(&mut p, "reason", reason, "不予受理理由");
            p.into_result().map_err(CaseError::Validation)?;
            Ok(vec![Event::RejectedAtIntake {
                reason: reason.trim().to_string(),
                at: now,
            }])
        }
        Command::Claim => {
            if !matches!(case.state, S::Accepted | S::InReview) || instant {
                return Err(wrong());
            }
            if let Some(by) = &case.claimed_by {
                return Err(CaseError::NotAllowed(format!(
                    "本环节已由其他工作人员（{by}）签收"
                )));
            }
            let role = step_role.ok_or_else(wrong)?;
            require(
                has_role(actor, role),
                &format!("本环节需由{}办理", role.label()),
            )?;
            Ok(vec![Event::Claimed {
                step: case.step,
                by: staff_id(actor).unwrap_or_default().to_string(),
            }])
        }
        Command::CompleteStep { opinion } => {
            if case.state != S::InReview {
                return Err(wrong());
            }
            require(
                case.claimed_by.as_deref() == staff_id(actor) && case.claimed_by.is_some(),
                "请先签收本环节",
            )?;
            if at_last_step {
                return Err(CaseError::Rule(
                    "最后一个环节请作出准予或不予许可的决定".into(),
                ));
            }
            let mut p = Problems::default();
            text(&mut p, "opinion", opinion, "办理意见");
            p.into_result().map_err(CaseError::Validation)?;
            let name = steps
                .get(case.step)
                .map(|s| s.name.clone())
                .unwrap_or_default();
            Ok(vec![Event::StepCompleted {
                step: case.step,
                name,
                by: staff_id(actor).unwrap_or_default().to_string(),
                opinion: opinion.trim().to_string(),
            }])
        }
        Command::Approve {
            reason,
            legal_basis,
        }
        | Command::Deny {
            reason,
            legal_basis,
        } => {
            let approved = matches!(cmd, Command::Approve { .. });
            let by_window = instant && case.state == S::Accepted && has_role(actor, Role::Clerk);
            let by_approver = case.state == S::InReview
                && at_last_step
                && case.claimed_by.is_some()
                && case.claimed_by.as_deref() == staff_id(actor);
            if !(by_window || by_approver) {
                if matches!(case.state, S::Accepted | S::InReview) {
                    return Err(CaseError::NotAllowed(if instant {
                        "即办件由受理窗口当场作出决定".into()
                    } else {
                        "只有签收了最后一个审批环节的批准人可以作出决定".into()
                    }));
                }
                return Err(wrong());
            }
            let mut p = Problems::default();
            text(
                &mut p,
                "reason",
                reason,
                if approved {
                    "审批意见"
                } else {
                    "不予许可理由"
                },
            );
            if !approved {
                text(&mut p, "legal_basis", legal_basis, "法律依据");
            }
            p.into_result().map_err(CaseError::Validation)?;
            if approved {
                let c = completeness(case, item, today);
                if !c.pending.is_empty() {
                    return Err(CaseError::Rule(format!(
                        "容缺材料尚未补齐：{}",
                        c.pending
                            .iter()
                            .map(|(n, _)| n.as_str())
                            .collect::<Vec<_>>()
                            .join("、")
                    )));
                }
            }
            Ok(vec![Event::Decided {
                decision: Decision {
                    approved,
                    reason: reason.trim().into(),
                    legal_basis: legal_basis.trim().into(),
                    at: now,
                    by_rule: None,
                    verification_due: None,
                },
            }])
        }
        Command::Suspend {
            reason,
            expected_days,
        } => {
            if case.state != S::InReview {
                return Err(wrong());
            }
            require(
                has_role(actor, Role::Reviewer) || has_role(actor, Role::Approver),
                "只有审批人员可以启动特别程序",
            )?;
            let mut p = Problems::default();
            text(&mut p, "reason", reason, "特别程序事由");
            if !(1..=365).contains(expected_days) {
                p.push("expected_days", "invalid", "预计时长应为 1 到 365 个工作日");
            }
            p.into_result().map_err(CaseError::Validation)?;
            Ok(vec![Event::Suspended {
                reason: reason.trim().into(),
                expected_days: *expected_days,
                since: today,
            }])
        }
        Command::Resume => {
            if case.state != S::Suspended {
                return Err(wrong());
            }
            require(
                has_role(actor, Role::Reviewer) || has_role(actor, Role::Approver),
                "只有审批人员可以结束特别程序",
            )?;
            let open = case.open_pause.as_ref().ok_or_else(wrong)?;
            Ok(vec![Event::Resumed {
                pause: Pause {
                    first: open.since,
                    last: today.max(open.since),
                    reason: open.reason.clone(),
                },
            }])
        }
        Command::Extend { days, reason } => {
            if !matches!(case.state, S::InReview | S::Suspended) {
                return Err(wrong());
            }
            require(has_role(actor, Role::Approver), "延期须经批准人批准")?;
            if case.extension_days > 0 {
                return Err(CaseError::Rule(
                    "依《行政许可法》第四十二条，办理时限只能延长一次".into(),
                ));
            }
            let mut p = Problems::default();
            text(&mut p, "reason", reason, "延期理由");
            if !(1..=limits::MAX_EXTENSION).contains(days) {
                p.push(
                    "days",
                    "invalid",
                    format!("延长时限应为 1 到 {} 个工作日", limits::MAX_EXTENSION),
                );
            }
            p.into_result().map_err(CaseError::Validation)?;
            Ok(vec![Event::Extended {
                days: *days,
                reason: reason.trim().into(),
            }])
        }
        Command::Issue { delivery } => {
            if case.state != S::Approved {
                return Err(wrong());
            }
            require(has_role(actor, Role::Clerk), "结果由出件窗口统一发放")?;
            if let Delivery::Post { carrier, tracking } = delivery {
                let mut p = Problems::default();
                p.text("carrier", carrier, "快递公司", 30);
                p.text("tracking", tracking, "运单号", 40);
                p.into_result().map_err(CaseError::Validation)?;
            }
            Ok(vec![Event::Issued {
                delivery: delivery.clone(),
            }])
        }
        Command::Complete => {
            if case.state != S::Issuing {
                return Err(wrong());
            }
            require(has_role(actor, Role::Clerk), "由出件窗口确认办结")?;
            Ok(vec![Event::Completed { at: now }])
        }
        Command::Withdraw { reason } => {
            if !matches!(
                case.state,
                S::Submitted | S::SupplementRequested | S::Accepted | S::InReview | S::Suspended
            ) {
                return Err(wrong());
            }
            require(is_applicant, "只有申请人本人可以撤回申请")?;
            Ok(vec![Event::Withdrawn {
                reason: if reason.trim().is_empty() {
                    "申请人主动撤回".into()
                } else {
                    reason.trim().into()
                },
                at: now,
            }])
        }
        Command::Verify { passed, note } => {
            let pending = case
                .decision
                .as_ref()
                .is_some_and(|d| d.verification_due.is_some())
                && matches!(case.state, S::Approved | S::Issuing | S::Completed);
            if !pending {
                return Err(wrong());
            }
            require(
                has_role(actor, Role::Reviewer) || has_role(actor, Role::Approver),
                "只有审批人员可以核查告知承诺",
            )?;
            if !passed {
                let mut p = Problems::default();
                text(&mut p, "note", note, "核查不通过的情况");
                p.into_result().map_err(CaseError::Validation)?;
            }
            Ok(vec![Event::Verified {
                passed: *passed,
                note: note.trim().into(),
                at: now,
            }])
        }
        Command::SupplyPending { materials } => {
            if !matches!(case.state, S::Accepted | S::InReview | S::Suspended) {
                return Err(wrong());
            }
            require(files_for_applicant, "只有申请人本人可以补交容缺材料")?;
            let pending: Vec<&String> = case
                .materials
                .iter()
                .filter(|(_, p)| matches!(p, Provision::Pending { .. }))
                .map(|(n, _)| n)
                .collect();
            if pending.is_empty() {
                return Err(CaseError::Rule("没有待补交的容缺材料".into()));
            }
            check_materials(item, materials, !is_applicant)?;
            let mut p = Problems::default();
            if materials.values().all(|v| !v.is_provided()) {
                p.push(
                    "materials",
                    "required",
                    format!(
                        "请提供待补交的材料：{}",
                        pending
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join("、")
                    ),
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
            p.into_result().map_err(CaseError::Validation)?;
            let mut events = vec![Event::PendingSupplied {
                materials: materials.clone(),
                at: now,
            }];
            let all_done = pending.iter().all(|n| materials.contains_key(*n));
            if all_done
                && case.state == S::Suspended
                && let Some(open) = case
                    .open_pause
                    .as_ref()
                    .filter(|o| o.reason == super::TOLERANCE_PAUSE)
            {
                events.push(Event::Resumed {
                    pause: Pause {
                        first: open.since,
                        last: today.max(open.since),
                        reason: open.reason.clone(),
                    },
                });
            }
            Ok(events)
        }
        Command::ExpireTolerance => {
            require(matches!(actor, CaseActor::System), "逾期处理只能由系统执行")?;
            if !matches!(case.state, S::Accepted | S::InReview) {
                return Err(wrong());
            }
            let overdue = completeness(case, item, today).overdue;
            if overdue.is_empty() {
                return Err(CaseError::Rule("没有逾期的容缺材料".into()));
            }
            let t = item
                .workflow
                .tolerance
                .as_ref()
                .ok_or_else(|| CaseError::Rule("本事项未实行容缺受理".into()))?;
            Ok(match t.on_expiry {
                crate::workflow::ToleranceExpiry::Suspend => {
                    vec![Event::Suspended {
                        reason: super::TOLERANCE_PAUSE.into(),
                        expected_days: t.days,
                        since: today,
                    }]
                }
                crate::workflow::ToleranceExpiry::Terminate => vec![Event::Withdrawn {
                    reason: format!(
                        "{}：{}，终止办理",
                        super::TOLERANCE_PAUSE,
                        overdue.join("、")
                    ),
                    at: now,
                }],
            })
        }
        Command::AutoDecide => {
            if case.state != S::Submitted {
                return Err(wrong());
            }
            require(matches!(actor, CaseActor::System), "自动审批只能由系统执行")?;
            let rule = item
                .workflow
                .auto_approval
                .as_ref()
                .ok_or_else(|| CaseError::Rule("本事项没有秒批规则".into()))?;
            let government = item.materials.iter().filter(|m| m.mandatory).all(|m| {
                matches!(
                    case.materials.get(&m.name),
                    Some(Provision::License { .. } | Provision::Shared { .. })
                )
            });
            let failed: Vec<String> = rule
                .conditions
                .iter()
                .filter(|c| !c.holds(&case.form, government))
                .map(|c| c.describe())
                .collect();
            if !failed.is_empty() {
                return Err(CaseError::Rule(format!(
                    "不满足秒批条件：{}",
                    failed.join("；")
                )));
            }
            if !completeness(case, item, today).is_complete() {
                return Err(CaseError::Rule("材料不齐全，不能秒批".into()));
            }
            Ok(vec![
                Event::Accepted {
                    at: now,
                    effective: now,
                    pending: BTreeMap::new(),
                    committed: vec![],
                },
                Event::Decided {
                    decision: Decision {
                        approved: true,
                        reason: format!("符合秒批规则“{}”的全部条件", rule.name),
                        legal_basis: item.legal_basis.first().cloned().unwrap_or_default(),
                        at: now,
                        by_rule: Some(rule.name.clone()),
                        verification_due: None,
                    },
                },
            ])
        }
    }
}

/// Folds events into the case. Events come from [`decide`], so they are valid for the case.
pub fn apply(mut case: Case, events: &[Event]) -> Case {
    use CaseState as S;
    for e in events {
        match e {
            Event::Edited { form, materials } => {
                case.form.extend(form.clone());
                case.form.retain(|_, v| !v.trim().is_empty());
                case.materials.extend(materials.clone());
            }
            Event::Submitted { at } => {
                case.state = S::Submitted;
                case.submitted_at = Some(*at);
            }
            Event::SupplementRequested { notice } => {
                case.state = S::SupplementRequested;
                case.supplement = Some(notice.clone());
                case.supplement_rounds += 1;
            }
            Event::Supplied {
                form,
                materials,
                at,
            } => {
                case.form.extend(form.clone());
                case.materials.extend(materials.clone());
                case.state = S::Submitted;
                case.submitted_at = Some(*at);
            }
            Event::Accepted {
                effective,
                pending,
                committed,
                ..
            } => {
                case.state = S::Accepted;
                case.accepted_at = Some(*effective);
                for (name, due) in pending {
                    case.materials
                        .insert(name.clone(), Provision::Pending { due: *due });
                }
                for name in committed {
                    case.materials.insert(name.clone(), Provision::Committed);
                }
            }
            Event::RejectedAtIntake { at, reason } => {
                case.state = S::RejectedAtIntake;
                case.closed_at = Some(*at);
                case.close_reason = reason.clone();
            }
            Event::Claimed { by, .. } => {
                case.state = S::InReview;
                case.claimed_by = Some(by.clone());
            }
            Event::StepCompleted { .. } => {
                case.step += 1;
                case.claimed_by = None;
            }
            Event::Decided { decision } => {
                case.state = if decision.approved {
                    S::Approved
                } else {
                    S::Denied
                };
                if !decision.approved {
                    case.closed_at = Some(decision.at);
                    case.close_reason = decision.reason.clone();
                }
                case.claimed_by = None;
                case.decision = Some(decision.clone());
            }
            Event::Suspended {
                reason,
                expected_days,
                since,
            } => {
                case.state = S::Suspended;
                case.open_pause = Some(OpenPause {
                    since: *since,
                    reason: reason.clone(),
                    expected_days: *expected_days,
                });
            }
            Event::Resumed { pause } => {
                case.state = S::InReview;
                case.open_pause = None;
                case.pauses.push(pause.clone());
            }
            Event::Extended { days, .. } => case.extension_days += days,
            Event::Issued { delivery } => {
                case.state = S::Issuing;
                case.delivery = Some(delivery.clone());
            }
            Event::Completed { at } => {
                case.state = S::Completed;
                case.closed_at = Some(*at);
            }
            Event::Withdrawn { reason, at } => {
                case.state = S::Withdrawn;
                case.closed_at = Some(*at);
                case.close_reason = reason.clone();
                case.claimed_by = None;
                // A pause still open when the case closes is kept, so its deadlines stay explained.
                if let Some(open) = case.open_pause.take() {
                    let last = china_date(*at).max(open.since);
                    case.pauses.push(Pause {
                        first: open.since,
                        last,
                        reason: open.reason,
                    });
                }
            }
            Event::PendingSupplied { materials, .. } => {
                case.materials.extend(materials.clone());
            }
            Event::Verified { passed, note, at } => {
                if let Some(d) = case.decision.as_mut() {
                    d.verification_due = None;
                }
                if !passed {
                    case.state = S::Revoked;
                    case.closed_at = Some(*at);
                    case.close_reason = note.clone();
                }
            }
        }
    }
    case
}
