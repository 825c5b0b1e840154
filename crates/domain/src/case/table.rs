//! The case lifecycle as data, in the manner of Temporal's state machines: for each command,
//! the states it may start from, who may issue it, the condition on the case's data that must
//! hold, and the states it leads to. [`super::decide`] consults this table before it runs a
//! command's own step, [`super::allowed`] answers from it which commands an actor may issue
//! now (pages and the API show exactly those), and a test renders it into
//! docs/ARCHITECTURE.md, so the code, the pages and the docs cannot disagree.
//!
//! A command may have several rows: 准予/不予许可 is decided at the window for a 即办件 and by
//! the approver who claimed the last step otherwise. Checks that depend on what the person
//! fills in (the form, the materials, the reason) are not here: they belong to the command's
//! step and are answered as validation errors.

use serde::Serialize;

use super::machine::{CaseError, Ctx};
use super::{CaseActor, CaseState, CaseState as S};
use crate::account::Role;

/// Every command of the state machine, without its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CommandKind {
    Edit,
    Submit,
    SignCommitment,
    RequestSupplement,
    Supply,
    Accept,
    RejectAtIntake,
    ConfirmRefusal,
    OverturnRefusal,
    AutoDecide,
    Claim,
    CompleteStep,
    Approve,
    Deny,
    Suspend,
    Resume,
    Extend,
    SupplyPending,
    ExpireTolerance,
    Verify,
    Issue,
    Complete,
    Withdraw,
    AssessFee,
    RecordPayment,
    SendOriginals,
    ReceiveOriginals,
    ChoosePickup,
}

/// The phases the commands are grouped by (one module of the state machine each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// 申请与受理.
    Intake,
    /// 审查与决定.
    Review,
    /// 容缺受理与告知承诺.
    ToleranceCommitment,
    /// 出件、办结与撤回.
    Closing,
}

impl Phase {
    pub fn label(self) -> &'static str {
        match self {
            Phase::Intake => "申请与受理",
            Phase::Review => "审查与决定",
            Phase::ToleranceCommitment => "容缺与告知承诺",
            Phase::Closing => "出件与办结",
        }
    }
}

impl CommandKind {
    /// In the order the case page and the API list what an actor may do (the order pages
    /// and API clients have always seen); the system's own commands last.
    pub const ALL: &'static [CommandKind] = &[
        CommandKind::Edit,
        CommandKind::SignCommitment,
        CommandKind::Submit,
        CommandKind::RequestSupplement,
        CommandKind::Supply,
        CommandKind::Accept,
        CommandKind::RejectAtIntake,
        CommandKind::ConfirmRefusal,
        CommandKind::OverturnRefusal,
        CommandKind::Claim,
        CommandKind::CompleteStep,
        CommandKind::Approve,
        CommandKind::Deny,
        CommandKind::Suspend,
        CommandKind::Resume,
        CommandKind::Extend,
        CommandKind::AssessFee,
        CommandKind::Issue,
        CommandKind::Complete,
        CommandKind::Withdraw,
        CommandKind::SendOriginals,
        CommandKind::ReceiveOriginals,
        CommandKind::ChoosePickup,
        CommandKind::Verify,
        CommandKind::SupplyPending,
        CommandKind::AutoDecide,
        CommandKind::ExpireTolerance,
        CommandKind::RecordPayment,
    ];

    /// The name used in the API and in forms.
    pub fn name(self) -> &'static str {
        use CommandKind as K;
        match self {
            K::Edit => "edit",
            K::Submit => "submit",
            K::SignCommitment => "sign_commitment",
            K::RequestSupplement => "request_supplement",
            K::Supply => "supply",
            K::Accept => "accept",
            K::RejectAtIntake => "reject_at_intake",
            K::ConfirmRefusal => "confirm_refusal",
            K::OverturnRefusal => "overturn_refusal",
            K::AutoDecide => "auto_decide",
            K::Claim => "claim",
            K::CompleteStep => "complete_step",
            K::Approve => "approve",
            K::Deny => "deny",
            K::Suspend => "suspend",
            K::Resume => "resume",
            K::Extend => "extend",
            K::SupplyPending => "supply_pending",
            K::ExpireTolerance => "expire_tolerance",
            K::Verify => "verify",
            K::Issue => "issue",
            K::AssessFee => "assess_fee",
            K::RecordPayment => "record_payment",
            K::Complete => "complete",
            K::Withdraw => "withdraw",
            K::SendOriginals => "send_originals",
            K::ReceiveOriginals => "receive_originals",
            K::ChoosePickup => "choose_pickup",
        }
    }

    pub fn parse(name: &str) -> Option<CommandKind> {
        CommandKind::ALL.iter().copied().find(|k| k.name() == name)
    }

    /// What the command does, as a verb phrase ("不能{label}").
    pub fn label(self) -> &'static str {
        use CommandKind as K;
        match self {
            K::Edit => "修改申请",
            K::Submit => "提交申请",
            K::SignCommitment => "签署告知承诺书",
            K::RequestSupplement => "发出补正通知",
            K::Supply => "提交补正材料",
            K::Accept => "受理",
            K::RejectAtIntake => "不予受理",
            K::ConfirmRefusal => "同意不予受理",
            K::OverturnRefusal => "不同意不予受理",
            K::AutoDecide => "自动审批",
            K::Claim => "签收",
            K::CompleteStep => "完成本环节",
            K::Approve => "准予许可",
            K::Deny => "不予许可",
            K::Suspend => "进入特别程序",
            K::Resume => "结束特别程序",
            K::Extend => "延期",
            K::SupplyPending => "补交容缺材料",
            K::ExpireTolerance => "处理逾期容缺材料",
            K::Verify => "核查告知承诺",
            K::Issue => "出件",
            K::AssessFee => "核定收费",
            K::RecordPayment => "缴费到账",
            K::Complete => "办结",
            K::Withdraw => "撤回",
            K::SendOriginals => "移交纸质原件",
            K::ReceiveOriginals => "签收纸质原件",
            K::ChoosePickup => "选择取件地点",
        }
    }

    pub fn phase(self) -> Phase {
        use CommandKind as K;
        match self {
            K::Edit | K::Submit | K::RequestSupplement | K::Supply | K::Accept => Phase::Intake,
            K::RejectAtIntake | K::ConfirmRefusal | K::OverturnRefusal | K::AutoDecide => {
                Phase::Intake
            }
            K::Claim | K::CompleteStep | K::Approve | K::Deny => Phase::Review,
            K::Suspend | K::Resume | K::Extend => Phase::Review,
            K::SupplyPending | K::ExpireTolerance | K::Verify | K::SignCommitment => {
                Phase::ToleranceCommitment
            }
            K::Issue | K::Complete | K::Withdraw | K::AssessFee | K::RecordPayment => {
                Phase::Closing
            }
            K::SendOriginals | K::ReceiveOriginals => Phase::Review,
            K::ChoosePickup => Phase::Closing,
        }
    }
}

/// Who may issue a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Issuer {
    /// The applicant or their recorded agent (帮办代办).
    Applicant,
    /// The applicant's own account, never an agent (a signature is personal).
    ApplicantThemself,
    /// The applicant, or the window clerk who files a window case for them.
    ApplicantOrWindowClerk,
    /// Staff holding any of these roles (the app has checked region and department).
    Staff(&'static [Role]),
    /// Staff holding the role bound to the case's current review step.
    StepRole,
    /// The staff member who claimed the current step.
    Claimant,
    /// The platform itself (秒批, deadline jobs).
    System,
}

impl Issuer {
    pub(super) fn admits(self, cx: &Ctx) -> bool {
        match self {
            Issuer::Applicant => cx.is_applicant,
            Issuer::ApplicantThemself => {
                matches!(cx.actor, CaseActor::Applicant { id } if *id == cx.case.applicant_id)
            }
            Issuer::ApplicantOrWindowClerk => cx.files_for_applicant,
            Issuer::Staff(roles) => roles.iter().any(|r| cx.has_role(*r)),
            Issuer::StepRole => cx.step_role.is_some_and(|r| cx.has_role(r)),
            Issuer::Claimant => {
                cx.case.claimed_by.is_some() && cx.case.claimed_by.as_deref() == cx.staff_id()
            }
            Issuer::System => matches!(cx.actor, CaseActor::System),
        }
    }

    pub fn label(self) -> String {
        match self {
            Issuer::Applicant => "申请人（或其代办人）".into(),
            Issuer::ApplicantThemself => "申请人本人（不含代办人）".into(),
            Issuer::ApplicantOrWindowClerk => "申请人，或窗口代为填报的综窗人员".into(),
            Issuer::Staff(roles) => roles
                .iter()
                .map(|r| r.label())
                .collect::<Vec<_>>()
                .join("或"),
            Issuer::StepRole => "当前环节绑定的角色".into(),
            Issuer::Claimant => "签收了当前环节的人员".into(),
            Issuer::System => "系统".into(),
        }
    }
}

/// Where a command leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The case stays in the state it started from.
    Stays,
    To(CaseState),
}

/// A condition on the case's data (not on what the person fills in), with the rule it states.
#[derive(Clone, Copy)]
pub struct Guard {
    /// The condition in words, for the docs.
    pub rule: &'static str,
    pub(super) check: fn(&Ctx) -> Result<(), CaseError>,
}

/// One row of the lifecycle.
#[derive(Clone, Copy)]
pub struct Transition {
    pub command: CommandKind,
    pub from: &'static [CaseState],
    pub when: Option<Guard>,
    pub by: Issuer,
    /// What an actor the row does not admit is told.
    pub refusal: &'static str,
    pub to: &'static [Target],
}

impl Transition {
    /// The row's condition, then its issuer: the case's data speaks before the actor, so the
    /// same situation gets the same explanation whoever asks.
    fn admits(&self, cx: &Ctx) -> Result<(), CaseError> {
        if let Some(g) = &self.when {
            (g.check)(cx)?;
        }
        if self.by.admits(cx) {
            return Ok(());
        }
        Err(CaseError::NotAllowed(match (self.by, cx.step_role) {
            // Name the role the step is bound to, not only that there is one.
            (Issuer::StepRole, Some(role)) => format!("本环节需由{}办理", role.label()),
            _ => self.refusal.into(),
        }))
    }

    /// The states this row may lead to.
    pub fn targets(&self) -> impl Iterator<Item = CaseState> + '_ {
        self.from.iter().flat_map(|f| {
            self.to.iter().map(move |t| match t {
                Target::Stays => *f,
                Target::To(s) => *s,
            })
        })
    }
}

/// The row that lets `cx`'s actor issue `kind` now, or why none does.
pub(super) fn permit(cx: &Ctx, kind: CommandKind) -> Result<&'static Transition, CaseError> {
    let mut refused = None;
    for t in TABLE
        .iter()
        .filter(|t| t.command == kind && t.from.contains(&cx.case.state))
    {
        match t.admits(cx) {
            Ok(()) => return Ok(t),
            Err(e) => {
                refused.get_or_insert(e);
            }
        }
    }
    Err(refused.unwrap_or(CaseError::InvalidTransition {
        from: cx.case.state,
        action: kind.label(),
    }))
}

const WITHDRAWABLE: &[S] = &[
    // Withdrawing a draft deletes it: it was never filed, so it leaves 我的办件.
    S::Draft,
    S::Submitted,
    S::SupplementRequested,
    S::Accepted,
    S::InReview,
    S::Suspended,
];
const UNDER_REVIEW: &[S] = &[S::Accepted, S::InReview, S::Suspended];
/// Until the result goes out, the person may choose where to collect it.
const BEFORE_ISSUE: &[S] = &[
    S::Draft,
    S::Submitted,
    S::SupplementRequested,
    S::Accepted,
    S::InReview,
    S::Suspended,
    S::Approved,
];
/// Accepted and not withdrawn: the originals may travel until the case is over.
const IN_HAND: &[S] = &[
    S::Accepted,
    S::InReview,
    S::Suspended,
    S::Approved,
    S::Denied,
    S::Issuing,
    S::Completed,
];
const DECIDED: &[S] = &[S::Approved, S::Issuing, S::Completed];
const CLERK: &[Role] = &[Role::Clerk];
const INTAKE_STAFF: &[Role] = &[Role::Clerk, Role::Reviewer];
const DEPARTMENT: &[Role] = &[Role::Reviewer, Role::Approver];
const FEE_STAFF: &[Role] = &[Role::Clerk, Role::Reviewer, Role::Approver];

const fn row(
    command: CommandKind,
    from: &'static [CaseState],
    by: Issuer,
    refusal: &'static str,
    to: &'static [Target],
) -> Transition {
    Transition {
        command,
        from,
        when: None,
        by,
        refusal,
        to,
    }
}

const fn guarded(
    t: Transition,
    rule: &'static str,
    check: fn(&Ctx) -> Result<(), CaseError>,
) -> Transition {
    Transition {
        when: Some(Guard { rule, check }),
        ..t
    }
}

/// 准予/不予许可 of a 即办件, at the window.
const fn window_decision(command: CommandKind, to: &'static [Target]) -> Transition {
    guarded(
        row(
            command,
            &[S::Accepted],
            Issuer::Staff(CLERK),
            "即办件由受理窗口当场作出决定",
            to,
        ),
        "即办件（没有审批环节）",
        decided_at_window,
    )
}

/// 准予/不予许可 by the approver who claimed the last review step.
const fn approver_decision(command: CommandKind, to: &'static [Target]) -> Transition {
    guarded(
        row(
            command,
            &[S::InReview],
            Issuer::Claimant,
            "只有签收了最后一个审批环节的批准人可以作出决定",
            to,
        ),
        "当前是最后一个环节",
        decided_at_last_step,
    )
}

use super::guards::*;
use CommandKind as K;
use Target::{Stays, To};

/// The lifecycle of a case, one row per line: command, from, issuer, refusal, to; some rows
/// with the condition on the case's data they need. Read top to bottom by phase.
#[rustfmt::skip]
pub static TABLE: &[Transition] = &[
    // 申请与受理
    row(K::Edit, &[S::Draft], Issuer::ApplicantOrWindowClerk, "只有申请人本人（或窗口代为填报的工作人员）可以修改申请", &[Stays]),
    row(K::Submit, &[S::Draft], Issuer::ApplicantOrWindowClerk, "只有申请人本人可以提交申请", &[To(S::Submitted)]),
    guarded(row(K::Submit, &[S::Draft], Issuer::System, "只有申请人本人可以提交申请", &[To(S::Submitted)]),
        "外市平台代收转办（跨市通办）", super::relay::forwarded),
    row(K::RequestSupplement, &[S::Submitted], Issuer::Staff(INTAKE_STAFF), "只有受理人员可以发出补正通知", &[To(S::SupplementRequested)]),
    row(K::Supply, &[S::SupplementRequested], Issuer::Applicant, "只有申请人本人可以提交补正材料", &[To(S::Submitted)]),
    row(K::Accept, &[S::Submitted], Issuer::Staff(CLERK), "只有综窗受理人员可以受理", &[To(S::Accepted), To(S::Approved)]),
    row(K::RejectAtIntake, &[S::Submitted], Issuer::Staff(CLERK), "只有综窗受理人员可以提出不予受理", &[To(S::RefusalPending)]),
    guarded(row(K::ConfirmRefusal, &[S::RefusalPending], Issuer::Staff(&[Role::Approver]), "不予受理须由批准人复核确认", &[To(S::RejectedAtIntake), To(S::Denied)]),
        "复核人不是提出不予受理的人", not_proposer),
    guarded(row(K::OverturnRefusal, &[S::RefusalPending], Issuer::Staff(&[Role::Approver]), "不予受理须由批准人复核确认", &[To(S::Submitted), To(S::Accepted)]),
        "复核人不是提出不予受理的人", not_proposer),
    row(K::AutoDecide, &[S::Submitted], Issuer::System, "自动审批只能由系统执行", &[To(S::Approved)]),
    // 审查与决定
    guarded(row(K::Claim, &[S::Accepted, S::InReview], Issuer::StepRole, "本环节需由绑定的角色办理", &[To(S::InReview)]),
        "有待签收的审批环节（非即办件），尚未被他人签收，且上一环节不是本人办理（事项允许时除外）", claimable),
    guarded(row(K::CompleteStep, &[S::InReview], Issuer::Claimant, "请先签收本环节", &[Stays]),
        "当前不是最后一个环节", not_last_step),
    window_decision(K::Approve, &[To(S::Approved)]),
    approver_decision(K::Approve, &[To(S::Approved)]),
    window_decision(K::Deny, &[To(S::RefusalPending)]),
    approver_decision(K::Deny, &[To(S::Denied)]),
    row(K::Suspend, &[S::InReview], Issuer::Staff(DEPARTMENT), "只有审批人员可以启动特别程序", &[To(S::Suspended)]),
    guarded(row(K::Resume, &[S::Suspended], Issuer::Staff(DEPARTMENT), "只有审批人员可以结束特别程序", &[To(S::InReview)]),
        "有进行中的特别程序", has_open_pause),
    guarded(row(K::Extend, &[S::InReview, S::Suspended], Issuer::Staff(&[Role::Approver]), "延期须经批准人批准", &[Stays]),
        "尚未延期过（《行政许可法》第四十二条：只能延长一次）", not_extended),
    guarded(row(K::SendOriginals, IN_HAND, Issuer::Staff(CLERK), "由收件窗口移交纸质原件", &[Stays]),
        "异地收件，窗口核验了纸质原件且尚未移交", super::relay::originals_to_send),
    guarded(row(K::ReceiveOriginals, IN_HAND, Issuer::Staff(DEPARTMENT), "由办结机关的审批人员签收", &[Stays]),
        "纸质原件已移交、尚未签收", super::relay::originals_in_transit),
    // 容缺与告知承诺
    guarded(row(K::SignCommitment, &[S::Draft], Issuer::ApplicantThemself, "只有申请人本人可以签署告知承诺书", &[Stays]),
        "事项实行告知承诺制，尚未签署", commitment_unsigned),
    guarded(row(K::SupplyPending, UNDER_REVIEW, Issuer::ApplicantOrWindowClerk, "只有申请人本人可以补交容缺材料", &[Stays, To(S::InReview)]),
        "有容缺待补的材料", has_pending),
    guarded(row(K::ExpireTolerance, &[S::Accepted, S::InReview], Issuer::System, "逾期处理只能由系统执行", &[To(S::Suspended), To(S::Withdrawn)]),
        "事项实行容缺受理，且有逾期未补的容缺材料", tolerance_overdue),
    guarded(row(K::Verify, DECIDED, Issuer::Staff(DEPARTMENT), "只有审批人员可以核查告知承诺", &[Stays, To(S::Revoked)]),
        "告知承诺准予后尚未核查", verification_pending),
    // 出件与办结
    guarded(row(K::AssessFee, &[S::Approved], Issuer::Staff(FEE_STAFF), "只有窗口或审批人员可以核定收费", &[Stays]),
        "事项有收费项目，且尚未缴费", assessable),
    guarded(row(K::RecordPayment, &[S::Approved], Issuer::System, "缴费到账只能由系统记录", &[Stays]),
        "已核定收费且尚未缴费", payable),
    guarded(row(K::ChoosePickup, BEFORE_ISSUE, Issuer::ApplicantOrWindowClerk, "取件地点由申请人选择（或窗口代为选择）", &[Stays]),
        "异地收件的办件", super::relay::relayed),
    guarded(row(K::Issue, &[S::Approved], Issuer::Staff(CLERK), "结果由出件窗口统一发放", &[To(S::Issuing)]),
        "未核定收费，或已缴清（核定为零即减免）", fee_settled),
    row(K::Complete, &[S::Issuing], Issuer::Staff(CLERK), "由出件窗口确认办结", &[To(S::Completed)]),
    guarded(row(K::Complete, &[S::Issuing], Issuer::System, "由出件窗口确认办结", &[To(S::Completed)]),
        "结果以邮寄送达，快递回传了签收", posted),
    guarded(row(K::Complete, &[S::Issuing], Issuer::System, "由出件窗口确认办结", &[To(S::Completed)]),
        "跨市通办，外市平台回传了结果交付", super::relay::handed_over_by_partner),
    row(K::Withdraw, WITHDRAWABLE, Issuer::Applicant, "只有申请人本人可以撤回申请", &[To(S::Withdrawn)]),
];

// --- the table in the docs --------------------------------------------------------------

/// The table as Markdown and a Mermaid state diagram, for docs/ARCHITECTURE.md.
pub fn render_markdown() -> String {
    let mut out = String::from(
        "| 阶段 | 命令 | 起始状态 | 条件 | 谁可以发出 | 结果状态 |\n|---|---|---|---|---|---|\n",
    );
    for t in TABLE {
        let states = |v: &mut dyn Iterator<Item = CaseState>| {
            v.map(|s| format!("{}（`{}`）", s.label(), s.as_str()))
                .collect::<Vec<_>>()
                .join("、")
        };
        let to =
            t.to.iter()
                .map(|x| match x {
                    Stays => "不变".to_string(),
                    To(s) => format!("{}（`{}`）", s.label(), s.as_str()),
                })
                .collect::<Vec<_>>()
                .join(" 或 ");
        out.push_str(&format!(
            "| {} | {}（`{}`） | {} | {} | {} | {} |\n",
            t.command.phase().label(),
            t.command.label(),
            t.command.name(),
            states(&mut t.from.iter().copied()),
            t.when.map(|g| g.rule).unwrap_or("—"),
            t.by.label(),
            to,
        ));
    }
    out.push_str("\n```mermaid\nstateDiagram-v2\n");
    for s in CaseState::ALL {
        out.push_str(&format!("    state \"{}\" as {}\n", s.label(), s.as_str()));
    }
    out.push_str("    [*] --> draft\n");
    let mut edges: Vec<(CaseState, CaseState, &str)> = Vec::new();
    for t in TABLE {
        for f in t.from {
            for x in t.to {
                let to = match x {
                    Stays => *f,
                    To(s) => *s,
                };
                let e = (*f, to, t.command.label());
                if !edges.contains(&e) {
                    edges.push(e);
                }
            }
        }
    }
    for (f, to, label) in edges {
        out.push_str(&format!(
            "    {} --> {} : {}\n",
            f.as_str(),
            to.as_str(),
            label
        ));
    }
    for s in CaseState::ALL.iter().filter(|s| s.is_final()) {
        out.push_str(&format!("    {} --> [*]\n", s.as_str()));
    }
    out.push_str("```\n");
    out
}
