//! What people and the system ask of a case (commands) and what happened (events, the audit
//! trail's payloads).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::table::CommandKind;
use super::{Decision, Delivery, Provision, SupplementNotice};
use crate::calendar::Pause;

/// What a person or the system asks to do with a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// Fill or change the draft's form and materials.
    Edit {
        form: BTreeMap<String, String>,
        materials: BTreeMap<String, Provision>,
    },
    Submit,
    /// The applicant signs the item's 告知承诺书 on screen, with their name, before filing.
    SignCommitment {
        signer: String,
    },
    /// 一次性告知: the listed extra problems are added to what the domain finds missing.
    RequestSupplement {
        materials: Vec<String>,
        fields: Vec<String>,
        note: String,
    },
    /// The applicant answers a supplement notice.
    Supply {
        form: BTreeMap<String, String>,
        materials: BTreeMap<String, Provision>,
    },
    /// 受理; `tolerate` lists non-key materials left pending under 容缺受理; `commitment`
    /// accepts the applicant's signed commitment (告知承诺) in place of the materials it covers.
    Accept {
        tolerate: Vec<String>,
        commitment: bool,
    },
    RejectAtIntake {
        reason: String,
    },
    /// The department's 批准人 confirms a 不予受理 the window proposed (窗口无否决权).
    ConfirmRefusal,
    /// … or sends the case back to intake, saying why.
    OverturnRefusal {
        note: String,
    },
    /// Take the current step into one's own work (exclusive).
    Claim,
    /// Finish the current (non-final) step with an opinion.
    CompleteStep {
        opinion: String,
    },
    Approve {
        reason: String,
        legal_basis: String,
    },
    Deny {
        reason: String,
        legal_basis: String,
    },
    Suspend {
        reason: String,
        expected_days: u32,
    },
    Resume,
    Extend {
        days: u32,
        reason: String,
    },
    Issue {
        delivery: Delivery,
    },
    Complete,
    Withdraw {
        reason: String,
    },
    /// Verification of a 告知承诺 approval.
    Verify {
        passed: bool,
        note: String,
    },
    /// The system applies a 秒批 rule, with its verdict on each policy the rule names.
    AutoDecide {
        #[serde(default)]
        policies: BTreeMap<String, bool>,
    },
    /// The applicant supplies materials left pending under 容缺受理.
    SupplyPending {
        materials: BTreeMap<String, Provision>,
    },
    /// The system applies the item's rule for 容缺 materials past their due date.
    ExpireTolerance,
    /// 核定收费: the fee rules of the item that apply, and how many of each; none is a waiver.
    AssessFee {
        fees: Vec<crate::payment::FeeLine>,
    },
    /// The payment platform confirmed the case's fee was paid.
    RecordPayment {
        paid: crate::payment::Paid,
    },
    /// The receiving window sends the paper originals it checked to the concluding office.
    SendOriginals,
    /// The concluding office signs for them.
    ReceiveOriginals,
    /// 就近取件: the person (or the window for them) chooses where to collect the result; the
    /// app has checked the point may hand it out.
    ChoosePickup {
        point: super::relay::PointRef,
    },
}

impl Command {
    /// Which row of the lifecycle table this command belongs to.
    pub fn kind(&self) -> CommandKind {
        use CommandKind as K;
        match self {
            Command::Edit { .. } => K::Edit,
            Command::Submit => K::Submit,
            Command::SignCommitment { .. } => K::SignCommitment,
            Command::RequestSupplement { .. } => K::RequestSupplement,
            Command::Supply { .. } => K::Supply,
            Command::Accept { .. } => K::Accept,
            Command::RejectAtIntake { .. } => K::RejectAtIntake,
            Command::ConfirmRefusal => K::ConfirmRefusal,
            Command::OverturnRefusal { .. } => K::OverturnRefusal,
            Command::Claim => K::Claim,
            Command::CompleteStep { .. } => K::CompleteStep,
            Command::Approve { .. } => K::Approve,
            Command::Deny { .. } => K::Deny,
            Command::Suspend { .. } => K::Suspend,
            Command::Resume => K::Resume,
            Command::Extend { .. } => K::Extend,
            Command::Issue { .. } => K::Issue,
            Command::Complete => K::Complete,
            Command::Withdraw { .. } => K::Withdraw,
            Command::Verify { .. } => K::Verify,
            Command::AutoDecide { .. } => K::AutoDecide,
            Command::SupplyPending { .. } => K::SupplyPending,
            Command::ExpireTolerance => K::ExpireTolerance,
            Command::AssessFee { .. } => K::AssessFee,
            Command::RecordPayment { .. } => K::RecordPayment,
            Command::SendOriginals => K::SendOriginals,
            Command::ReceiveOriginals => K::ReceiveOriginals,
            Command::ChoosePickup { .. } => K::ChoosePickup,
        }
    }

    /// The command's name in the API (`accept`, `supply_pending`, …).
    pub fn name(&self) -> &'static str {
        self.kind().name()
    }
}

/// What happened, as recorded in the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    Edited {
        form: BTreeMap<String, String>,
        materials: BTreeMap<String, Provision>,
    },
    Submitted {
        at: OffsetDateTime,
    },
    CommitmentSigned {
        signer: String,
        at: OffsetDateTime,
    },
    SupplementRequested {
        notice: SupplementNotice,
    },
    Supplied {
        form: BTreeMap<String, String>,
        materials: BTreeMap<String, Provision>,
        at: OffsetDateTime,
    },
    /// `effective` is the date the clock starts: the receipt date when the 5-day rule applies.
    Accepted {
        at: OffsetDateTime,
        effective: OffsetDateTime,
        pending: BTreeMap<String, Date>,
        committed: Vec<String>,
    },
    RejectedAtIntake {
        reason: String,
        at: OffsetDateTime,
    },
    /// A clerk proposed 不予受理 (or, with its legal basis, a window 不予许可 of a 即办件); a
    /// second person decides.
    RefusalProposed {
        reason: String,
        by: String,
        at: OffsetDateTime,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        legal_basis: Option<String>,
    },
    /// The second person did not confirm the refusal: the case is back in intake.
    RefusalOverturned {
        note: String,
        by: String,
        at: OffsetDateTime,
    },
    Claimed {
        step: usize,
        by: String,
    },
    StepCompleted {
        step: usize,
        name: String,
        by: String,
        opinion: String,
    },
    Decided {
        decision: Decision,
    },
    Suspended {
        reason: String,
        expected_days: u32,
        since: Date,
    },
    Resumed {
        pause: Pause,
    },
    Extended {
        days: u32,
        reason: String,
    },
    Issued {
        delivery: Delivery,
    },
    Completed {
        at: OffsetDateTime,
    },
    Withdrawn {
        reason: String,
        at: OffsetDateTime,
    },
    Verified {
        passed: bool,
        note: String,
        at: OffsetDateTime,
    },
    PendingSupplied {
        materials: BTreeMap<String, Provision>,
        at: OffsetDateTime,
    },
    FeeAssessed {
        due: crate::payment::FeeDue,
    },
    Paid {
        paid: crate::payment::Paid,
        at: OffsetDateTime,
    },
    /// Paper originals left the receiving window for the concluding office.
    OriginalsSent {
        materials: Vec<String>,
        by: String,
        at: OffsetDateTime,
    },
    OriginalsReceived {
        by: String,
        at: OffsetDateTime,
    },
    PickupChosen {
        point: super::relay::PointRef,
        by: String,
        at: OffsetDateTime,
    },
}

impl Event {
    /// The audit trail's name for the event (its `kind` column).
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Edited { .. } => "edited",
            Event::Submitted { .. } => "submitted",
            Event::CommitmentSigned { .. } => "commitment_signed",
            Event::SupplementRequested { .. } => "supplement_requested",
            Event::Supplied { .. } => "supplied",
            Event::Accepted { .. } => "accepted",
            Event::RejectedAtIntake { .. } => "rejected_at_intake",
            Event::RefusalProposed { .. } => "refusal_proposed",
            Event::RefusalOverturned { .. } => "refusal_overturned",
            Event::Claimed { .. } => "claimed",
            Event::StepCompleted { .. } => "step_completed",
            Event::Decided { .. } => "decided",
            Event::Suspended { .. } => "suspended",
            Event::Resumed { .. } => "resumed",
            Event::Extended { .. } => "extended",
            Event::Issued { .. } => "issued",
            Event::Completed { .. } => "completed",
            Event::Withdrawn { .. } => "withdrawn",
            Event::Verified { .. } => "verified",
            Event::PendingSupplied { .. } => "pending_supplied",
            Event::FeeAssessed { .. } => "fee_assessed",
            Event::Paid { .. } => "paid",
            Event::OriginalsSent { .. } => "originals_sent",
            Event::OriginalsReceived { .. } => "originals_received",
            Event::PickupChosen { .. } => "pickup_chosen",
        }
    }

    /// A one-line Chinese description for the timeline.
    pub fn describe(&self) -> String {
        match self {
            Event::Edited { .. } => "保存申请草稿".into(),
            Event::Submitted { .. } => "提交申请，进入预审".into(),
            Event::CommitmentSigned { signer, .. } => format!("申请人{signer}签署告知承诺书"),
            Event::SupplementRequested { notice } => {
                let mut all = notice.materials.clone();
                all.extend(notice.fields.iter().cloned());
                format!("一次性告知补正：{}", all.join("、"))
            }
            Event::Supplied { .. } => "补正材料已提交".into(),
            Event::Accepted {
                pending, committed, ..
            } => {
                let mut s = "已受理".to_string();
                if !pending.is_empty() {
                    s.push_str(&format!(
                        "（容缺受理，待补：{}）",
                        pending.keys().cloned().collect::<Vec<_>>().join("、")
                    ));
                }
                if !committed.is_empty() {
                    s.push_str("（告知承诺）");
                }
                s
            }
            Event::RejectedAtIntake { reason, .. } => format!("不予受理：{reason}"),
            Event::RefusalProposed {
                reason,
                legal_basis: Some(_),
                ..
            } => format!("窗口拟作出不予许可，待批准人复核：{reason}"),
            Event::RefusalProposed { reason, .. } => {
                format!("窗口提出不予受理，待批准人复核：{reason}")
            }
            Event::RefusalOverturned { note, .. } => {
                format!("批准人未同意不予受理，退回窗口受理：{note}")
            }
            Event::Claimed { .. } => "工作人员签收办理".into(),
            Event::StepCompleted { name, opinion, .. } => format!("{name}完成：{opinion}"),
            Event::Decided { decision } => match (&decision.by_rule, decision.approved) {
                (Some(rule), _) => format!("系统按规则“{rule}”自动审批：准予许可"),
                (None, true) => format!("准予许可：{}", decision.reason),
                (None, false) => format!("不予许可：{}", decision.reason),
            },
            Event::Suspended {
                reason,
                expected_days,
                ..
            } => format!("进入特别程序（{reason}），预计 {expected_days} 个工作日，暂停计时"),
            Event::Resumed { .. } => "特别程序结束，恢复计时".into(),
            Event::Extended { days, reason } => format!("延期 {days} 个工作日：{reason}"),
            Event::Issued { delivery } => match delivery {
                Delivery::Window { window } => format!("结果在{window}待领取"),
                Delivery::Post { carrier, tracking } => {
                    format!("结果已邮寄（{carrier} {tracking}）")
                }
                Delivery::Electronic => "电子结果已送达".into(),
            },
            Event::Completed { .. } => "已办结".into(),
            Event::Withdrawn { reason, .. } => format!("申请人撤回：{reason}"),
            Event::Verified { passed: true, .. } => "告知承诺核查通过".into(),
            Event::PendingSupplied { materials, .. } => {
                format!(
                    "补交容缺材料：{}",
                    materials.keys().cloned().collect::<Vec<_>>().join("、")
                )
            }
            Event::Verified {
                passed: false,
                note,
                ..
            } => format!("告知承诺核查未通过，撤销许可：{note}"),
            Event::FeeAssessed { due } if due.lines.is_empty() => "核定收费：减免，无需缴费".into(),
            Event::FeeAssessed { due } => format!(
                "核定收费：{}，合计 {}，请缴费后领取结果",
                due.lines
                    .iter()
                    .map(|l| format!("{}×{}", l.name, l.quantity))
                    .collect::<Vec<_>>()
                    .join("、"),
                crate::payment::yuan(due.total_fen)
            ),
            Event::Paid { paid, .. } => format!(
                "已缴费 {}（电子票据号 {}）",
                crate::payment::yuan(paid.amount_fen),
                paid.receipt_no
            ),
            Event::OriginalsSent { materials, .. } => {
                format!("收件窗口移交纸质原件：{}", materials.join("、"))
            }
            Event::OriginalsReceived { .. } => "办结机关签收纸质原件".into(),
            Event::PickupChosen { point, .. } => format!("取件地点改为{}", point.name),
        }
    }

    /// Whether the applicant (and their agent) get a message in their inbox: what others did
    /// to the case that the applicant must know or act on. What they did themselves (edit,
    /// submit, supply, withdraw) and the office's internal steps (claims, review steps) are not
    /// announced.
    pub fn tells_applicant(&self) -> bool {
        matches!(
            self,
            Event::SupplementRequested { .. }
                | Event::Accepted { .. }
                | Event::RejectedAtIntake { .. }
                | Event::Decided { .. }
                | Event::Suspended { .. }
                | Event::Resumed { .. }
                | Event::Extended { .. }
                | Event::Issued { .. }
                | Event::Completed { .. }
                | Event::Verified { passed: false, .. }
                | Event::FeeAssessed { .. }
                | Event::Paid { .. }
        )
    }

    /// The event as the public progress page shows it: what happened, without the staff's
    /// opinions or reasons (those reach the applicant in the written notices).
    pub fn describe_public(&self) -> String {
        match self {
            Event::StepCompleted { name, .. } => format!("{name}环节已完成"),
            Event::Decided { decision } => if decision.approved {
                "准予许可"
            } else {
                "不予许可（理由见决定书）"
            }
            .into(),
            Event::RejectedAtIntake { .. } => "不予受理（理由见不予受理通知书）".into(),
            Event::Suspended { .. } => "进入特别程序，暂停计时".into(),
            Event::Extended { days, .. } => format!("依法延期 {days} 个工作日"),
            Event::Withdrawn { .. } => "申请已撤回".into(),
            Event::Verified { passed: false, .. } => "告知承诺核查未通过，许可已撤销".into(),
            Event::Issued {
                delivery: Delivery::Post { .. },
            } => "结果已邮寄".into(),
            other => other.describe(),
        }
    }
}
