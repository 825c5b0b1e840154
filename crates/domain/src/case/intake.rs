//! 申请与受理: the applicant fills and files the application; the window asks once for
//! everything missing (一次性告知), accepts or refuses it; a 秒批 rule may decide at once.

use std::collections::BTreeMap;

use super::machine::{CaseError, Ctx, check, check_materials, listed, text};
use super::{Decision, Event, Provision, SupplementNotice, completeness, limits, tolerance};
use crate::error::{FieldError, Problems};
use crate::workflow::validate_form;

pub(super) fn edit(
    cx: &Ctx,
    form: &BTreeMap<String, String>,
    materials: &BTreeMap<String, Provision>,
) -> Result<Vec<Event>, CaseError> {
    check_materials(cx.item, materials, !cx.is_applicant)?;
    if let Err(mut e) = validate_form(&cx.item.form, form) {
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

/// Filing needs the form complete and, online, every mandatory material supplied: a core
/// material always, another one unless the item allows 容缺 or 告知承诺 (the window then
/// decides what may follow or be promised). At the window the clerk checks originals when
/// accepting, so a window filing is not held back here.
pub(super) fn submit(cx: &Ctx) -> Result<Vec<Event>, CaseError> {
    let mut problems = validate_form(&cx.item.form, &cx.case.form)
        .err()
        .unwrap_or_default();
    if cx.case.channel == super::Channel::Online {
        let w = &cx.item.workflow;
        let lenient = w.tolerance.is_some() || w.commitment.is_some();
        let c = completeness(cx.case, cx.item, cx.today);
        for name in &c.missing {
            let key = c.missing_key.contains(name);
            if key || !lenient {
                let why = if key {
                    "（核心材料，必须提交）"
                } else {
                    ""
                };
                problems.push(FieldError::new(
                    format!("materials.{name}"),
                    "required",
                    format!("请提供“{name}”{why}"),
                ));
            }
        }
    }
    if !problems.is_empty() {
        return Err(CaseError::Validation(problems));
    }
    Ok(vec![Event::Submitted { at: cx.now }])
}

/// Whether a material answer repeats what was there: the same uploaded content (whatever the
/// file is called now) or the very same provision.
fn same_content(before: Option<&Provision>, now: &Provision) -> bool {
    match (before, now) {
        (Some(Provision::Uploaded { file: a, .. }), Provision::Uploaded { file: b, .. }) => a == b,
        (Some(b), n) => b == n,
        (None, _) => false,
    }
}

/// 行政许可法 art. 32: more than 5 working days from receipt without a notice, and the
/// application counts as accepted from receipt.
fn past_notice_period(cx: &Ctx) -> bool {
    let received = cx.case.submitted_at.unwrap_or(cx.now);
    cx.case.supplement_rounds == 0
        && cx.cal.working_days_between(received, cx.now) > i64::from(limits::SUPPLEMENT_NOTICE)
}

pub(super) fn request_supplement(
    cx: &Ctx,
    materials: &[String],
    fields: &[String],
    note: &str,
) -> Result<Vec<Event>, CaseError> {
    let (case, item) = (cx.case, cx.item);
    if past_notice_period(cx) {
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
    check(p)?;
    // The notice lists everything at once: what the domain sees missing plus what the clerk
    // found wrong.
    let mut all: Vec<String> = completeness(case, item, cx.today).missing;
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
                listed(&late)
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
        fields: fields.to_vec(),
        note: note.trim().to_string(),
        issued_at: cx.now,
    };
    Ok(vec![Event::SupplementRequested { notice }])
}

pub(super) fn supply(
    cx: &Ctx,
    form: &BTreeMap<String, String>,
    materials: &BTreeMap<String, Provision>,
) -> Result<Vec<Event>, CaseError> {
    check_materials(cx.item, materials, false)?;
    let mut merged = cx.case.form.clone();
    merged.extend(form.clone());
    validate_form(&cx.item.form, &merged).map_err(CaseError::Validation)?;
    // Every material the notice names comes again with the answer: a new file (other
    // content than the one found wanting) or another way of providing it.
    let still: Vec<String> = cx
        .case
        .supplement
        .as_ref()
        .map(|n| {
            n.materials
                .iter()
                .filter(|m| {
                    let before = cx.case.materials.get(*m);
                    !materials
                        .get(*m)
                        .is_some_and(|p| p.is_provided() && !same_content(before, p))
                })
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    if !still.is_empty() {
        return Err(CaseError::Validation(
            still
                .iter()
                .map(|m| {
                    let provided = cx.case.materials.get(m).is_some_and(Provision::is_provided);
                    let message = if provided {
                        format!("补正通知要求重新提供“{m}”，请上传更正后的材料")
                    } else {
                        format!("补正通知要求的“{m}”还没有提供")
                    };
                    FieldError::new(format!("materials.{m}"), "required", message)
                })
                .collect(),
        ));
    }
    Ok(vec![Event::Supplied {
        form: form.clone(),
        materials: materials.clone(),
        at: cx.now,
    }])
}

pub(super) fn accept(
    cx: &Ctx,
    tolerate: &[String],
    commitment: bool,
) -> Result<Vec<Event>, CaseError> {
    let item = cx.item;
    let c = completeness(cx.case, item, cx.today);
    // What stays missing is covered by the applicant's commitment (告知承诺) or, for non-key
    // materials, left pending (容缺受理); anything else must be asked for first.
    let cover = tolerance::cover(cx, &c, tolerate, commitment)?;
    let uncovered: Vec<&String> = c
        .missing
        .iter()
        .filter(|m| !cover.pending.contains_key(*m) && !cover.committed.contains(m))
        .collect();
    if !uncovered.is_empty() {
        return Err(CaseError::Rule(format!(
            "材料不齐，不能受理：{}。请发出一次性补正通知{}",
            listed(&uncovered),
            if item.workflow.tolerance.is_some() {
                "，或对非核心材料容缺受理"
            } else {
                ""
            }
        )));
    }
    let effective = match past_notice_period(cx) {
        true => cx.case.submitted_at.unwrap_or(cx.now),
        false => cx.now,
    };
    let mut events = vec![Event::Accepted {
        at: cx.now,
        effective,
        pending: cover.pending,
        committed: cover.committed,
    }];
    if commitment {
        events.push(tolerance::commitment_approval(cx));
    }
    Ok(events)
}

/// Fewest characters of a refusal's reason: a reason in plain words, not a code or a
/// one-word "不符合".
pub const REFUSAL_MIN_CHARS: usize = 8;

/// 窗口无否决权: the clerk proposes 不予受理 with the reason in plain words; a second person
/// decides (`confirm_refusal`, `overturn_refusal`).
pub(super) fn reject(cx: &Ctx, reason: &str) -> Result<Vec<Event>, CaseError> {
    let mut p = Problems::default();
    text(&mut p, "reason", reason, "不予受理理由");
    if !reason.trim().is_empty() && reason.trim().chars().count() < REFUSAL_MIN_CHARS {
        p.push(
            "reason",
            "too_short",
            format!(
                "请用完整的话写明不予受理的理由和依据（至少 {REFUSAL_MIN_CHARS} 个字），申请人会在通知书上看到"
            ),
        );
    }
    check(p)?;
    Ok(vec![Event::RefusalProposed {
        reason: reason.trim().to_string(),
        by: cx.by(),
        at: cx.now,
        legal_basis: None,
    }])
}

/// The second person confirms: the case is refused with the clerk's reason.
pub(super) fn confirm_refusal(cx: &Ctx) -> Result<Vec<Event>, CaseError> {
    let p = cx
        .case
        .proposed_refusal
        .as_ref()
        .ok_or_else(|| CaseError::Rule("没有待复核的不予受理".into()))?;
    if let Some(basis) = &p.legal_basis {
        return Ok(vec![Event::Decided {
            decision: super::Decision {
                approved: false,
                reason: p.reason.clone(),
                legal_basis: basis.clone(),
                at: cx.now,
                by_rule: None,
                verification_due: None,
            },
        }]);
    }
    Ok(vec![Event::RejectedAtIntake {
        reason: p.reason.clone(),
        at: cx.now,
    }])
}

/// The second person does not confirm: back to intake, with why.
pub(super) fn overturn_refusal(cx: &Ctx, note: &str) -> Result<Vec<Event>, CaseError> {
    let mut p = Problems::default();
    text(&mut p, "note", note, "复核意见");
    check(p)?;
    Ok(vec![Event::RefusalOverturned {
        note: note.trim().to_string(),
        by: cx.by(),
        at: cx.now,
    }])
}

/// 秒批: the item's rule decides with no person when every condition holds.
pub(super) fn auto_decide(
    cx: &Ctx,
    policies: &BTreeMap<String, bool>,
) -> Result<Vec<Event>, CaseError> {
    let (case, item) = (cx.case, cx.item);
    let rule = item
        .workflow
        .auto_approval
        .as_ref()
        .ok_or_else(|| CaseError::Rule("本事项没有秒批规则".into()))?;
    let evidence = crate::workflow::Evidence {
        government_materials: item.materials.iter().filter(|m| m.mandatory).all(|m| {
            matches!(
                case.materials.get(&m.name),
                Some(Provision::License { .. } | Provision::Shared { .. })
            )
        }),
        commitment_signed: case.commitment_signed.is_some(),
        policies: policies.clone(),
    };
    let failed: Vec<String> = rule
        .conditions
        .iter()
        .filter(|c| !c.holds(&case.form, &evidence))
        .map(|c| c.describe())
        .collect();
    if !failed.is_empty() {
        return Err(CaseError::Rule(format!(
            "不满足秒批条件：{}",
            failed.join("；")
        )));
    }
    let c = completeness(case, item, cx.today);
    // A rule that rests on the signed commitment lets it stand in for what is missing, as a
    // window's 告知承诺 acceptance does; the approval is then verified afterwards.
    let on_commitment = rule
        .conditions
        .contains(&crate::workflow::Condition::CommitmentSigned);
    if !on_commitment && !c.is_complete() {
        return Err(CaseError::Rule("材料不齐全，不能秒批".into()));
    }
    let committed = if on_commitment { c.missing } else { vec![] };
    let verification_due = on_commitment.then(|| {
        cx.cal
            .add_working_days(cx.today, item.workflow.commitment.unwrap_or(20))
    });
    Ok(vec![
        Event::Accepted {
            at: cx.now,
            effective: cx.now,
            pending: BTreeMap::new(),
            committed,
        },
        Event::Decided {
            decision: Decision {
                approved: true,
                reason: format!("符合秒批规则“{}”的全部条件", rule.name),
                legal_basis: item.legal_basis.first().cloned().unwrap_or_default(),
                at: cx.now,
                by_rule: Some(rule.name.clone()),
                verification_due,
            },
        },
    ])
}
