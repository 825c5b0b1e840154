//! Deciding a command: the lifecycle table ([`super::table`]) says whether the command may
//! start from the case's state, under which condition and by whom; the command's own step (by
//! phase: `intake`, `review`, `tolerance`, `closing`) checks what the person filled in and
//! returns the events. Nothing changes until the events are applied.

use std::collections::BTreeMap;

use thiserror::Error;
use time::{Date, OffsetDateTime};

use super::table::{self, CommandKind};
use super::{Case, CaseActor, CaseState, Command, Event, Provision};
use crate::account::Role;
use crate::calendar::{WorkCalendar, china_date};
use crate::catalog::{CaseType, ItemDefinition};
use crate::error::{FieldError, Problems};
use crate::workflow::ReviewStep;

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

/// What every step and condition reads: the case, its item version, who acts and when, and
/// what follows from them.
pub(crate) struct Ctx<'a> {
    pub case: &'a Case,
    pub item: &'a ItemDefinition,
    pub actor: &'a CaseActor,
    pub now: OffsetDateTime,
    pub today: Date,
    pub cal: &'a WorkCalendar,
    pub steps: Vec<ReviewStep>,
    /// The applicant or their recorded agent.
    pub is_applicant: bool,
    /// At the window the clerk fills and files the application for the applicant.
    pub files_for_applicant: bool,
    /// The role bound to the current review step.
    pub step_role: Option<Role>,
    pub at_last_step: bool,
    /// A 即办件 (or an item without steps): decided at the window.
    pub instant: bool,
}

impl<'a> Ctx<'a> {
    pub fn new(
        case: &'a Case,
        item: &'a ItemDefinition,
        actor: &'a CaseActor,
        now: OffsetDateTime,
        cal: &'a WorkCalendar,
    ) -> Ctx<'a> {
        let is_applicant = matches!(actor, CaseActor::Applicant { id } if *id == case.applicant_id || case.agent_id.as_deref() == Some(id.as_str()));
        let is_clerk =
            matches!(actor, CaseActor::Staff { roles, .. } if roles.contains(&Role::Clerk));
        let steps = item.workflow.steps_for(item.case_type);
        Ctx {
            case,
            item,
            actor,
            now,
            today: china_date(now),
            cal,
            is_applicant,
            files_for_applicant: is_applicant
                || (case.channel == super::Channel::Window && is_clerk),
            step_role: steps.get(case.step).map(|s| s.role),
            at_last_step: !steps.is_empty() && case.step + 1 == steps.len(),
            instant: item.case_type == CaseType::Instant || steps.is_empty(),
            steps,
        }
    }

    pub fn has_role(&self, role: Role) -> bool {
        matches!(self.actor, CaseActor::Staff { roles, .. } if roles.contains(&role))
    }

    pub fn staff_id(&self) -> Option<&str> {
        match self.actor {
            CaseActor::Staff { id, .. } => Some(id),
            _ => None,
        }
    }

    /// The acting staff member's id, recorded on the events they cause.
    pub fn by(&self) -> String {
        self.staff_id().unwrap_or_default().to_string()
    }
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
    use super::{closing, intake, review, tolerance};
    let cx = Ctx::new(case, item, actor, now, cal);
    table::permit(&cx, cmd.kind())?;
    match cmd {
        Command::Edit { form, materials } => intake::edit(&cx, form, materials),
        Command::Submit => intake::submit(&cx),
        Command::SignCommitment { signer } => tolerance::sign_commitment(&cx, signer),
        Command::RequestSupplement {
            materials,
            fields,
            note,
        } => intake::request_supplement(&cx, materials, fields, note),
        Command::Supply { form, materials } => intake::supply(&cx, form, materials),
        Command::Accept {
            tolerate,
            commitment,
        } => intake::accept(&cx, tolerate, *commitment),
        Command::RejectAtIntake { reason } => intake::reject(&cx, reason),
        Command::ConfirmRefusal => intake::confirm_refusal(&cx),
        Command::OverturnRefusal { note } => intake::overturn_refusal(&cx, note),
        Command::AutoDecide { policies } => intake::auto_decide(&cx, policies),
        Command::Claim => review::claim(&cx),
        Command::CompleteStep { opinion } => review::complete_step(&cx, opinion),
        Command::Approve {
            reason,
            legal_basis,
        } => review::decide(&cx, true, reason, legal_basis),
        Command::Deny {
            reason,
            legal_basis,
        } => review::decide(&cx, false, reason, legal_basis),
        Command::Suspend {
            reason,
            expected_days,
        } => review::suspend(&cx, reason, *expected_days),
        Command::Resume => review::resume(&cx),
        Command::Extend { days, reason } => review::extend(&cx, *days, reason),
        Command::SupplyPending { materials } => tolerance::supply_pending(&cx, materials),
        Command::ExpireTolerance => tolerance::expire(&cx),
        Command::Verify { passed, note } => tolerance::verify(&cx, *passed, note),
        Command::Issue { delivery } => closing::issue(&cx, delivery),
        Command::Complete => closing::complete(&cx),
        Command::AssessFee { fees } => closing::assess_fee(&cx, fees),
        Command::RecordPayment { paid } => closing::record_payment(&cx, paid),
        Command::Withdraw { reason } => closing::withdraw(&cx, reason),
        Command::SendOriginals => super::relay::send(&cx),
        Command::ReceiveOriginals => super::relay::receive(&cx),
        Command::ChoosePickup { point } => super::relay::choose(&cx, point),
    }
}

/// The commands `actor` may issue on the case now, by the lifecycle table: the state, the
/// condition on the case's data and the issuer all allow it. What the person still has to fill
/// in is checked when they issue it.
pub fn allowed(
    case: &Case,
    item: &ItemDefinition,
    actor: &CaseActor,
    now: OffsetDateTime,
    cal: &WorkCalendar,
) -> Vec<CommandKind> {
    let cx = Ctx::new(case, item, actor, now, cal);
    CommandKind::ALL
        .iter()
        .copied()
        .filter(|k| table::permit(&cx, *k).is_ok())
        .collect()
}

// --- helpers the phases share ----------------------------------------------------------

pub(crate) fn text(p: &mut Problems, field: &str, v: &str, label: &str) {
    p.text(field, v, label, 1000);
}

pub(crate) fn check(p: Problems) -> Result<(), CaseError> {
    p.into_result().map_err(CaseError::Validation)
}

/// Names joined for a message: 甲、乙、丙.
pub(crate) fn listed<S: AsRef<str>>(names: &[S]) -> String {
    names
        .iter()
        .map(|s| s.as_ref())
        .collect::<Vec<_>>()
        .join("、")
}

/// Materials an applicant may provide themselves: uploads, or nothing yet (and, for staff at
/// the window, an original they checked).
pub(crate) fn check_materials(
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
            | Provision::SignedOnline { .. }
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
    check(p)
}
