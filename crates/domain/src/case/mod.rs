//! The case (办件): one application for one item, from draft to completion. The lifecycle is
//! one table ([`table::TABLE`]): the states each command may start from, who may issue it, the
//! condition on the case's data and the states it leads to. [`decide`] reads the table, then
//! runs the command's own step (in `intake`, `review`, `tolerance` or `closing`, by phase) and
//! returns events or a typed error saying why the command is not allowed; [`apply`] folds
//! events into the case. The app layer stores the events (as the audit trail) and the new case
//! in one transaction; pages ask [`allowed`] which commands an actor may issue now.

mod apply;
mod closing;
mod command;
mod guards;
mod intake;
mod machine;
mod materials;
pub mod notice;
mod provision;
pub mod relay;
mod review;
pub mod table;
#[cfg(test)]
mod tests;
mod tolerance;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::calendar::{Deadline, Pause, WorkCalendar};
use crate::keys::{AccountId, CaseId, CaseNumber, ItemCode};
pub use apply::apply;
pub use command::{Command, Event};
pub use machine::{CaseError, allowed, decide};
pub use materials::{Completeness, applicant_todo, completeness, is_deleted_draft};
pub use provision::Provision;
pub use table::CommandKind;

/// Statutory and practice limits in working days (STANDARDS.md).
/// The 特别程序 reason the system records when 容缺 materials are overdue; supplying them
/// ends that pause by itself.
pub const TOLERANCE_PAUSE: &str = "容缺材料逾期未补齐";

pub mod limits {
    /// Online pre-review (预审): at most 2 working days (provincial practice).
    pub const PRE_REVIEW: u32 = 2;
    /// 行政许可法 art. 32: the one-time supplement notice within 5 days of receipt, otherwise the
    /// application counts as accepted from receipt.
    pub const SUPPLEMENT_NOTICE: u32 = 5;
    /// 行政许可法 art. 42: one extension of at most 10 days.
    pub const MAX_EXTENSION: u32 = 10;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    Draft,
    /// Filed, in pre-review (预审).
    Submitted,
    /// 窗口无否决权: a clerk proposed 不予受理 (or a window 不予许可 of a 即办件), waiting for a
    /// second person (the department's 批准人) to confirm it or send the case back.
    RefusalPending,
    /// 一次性告知: waiting for the applicant to supply what the notice lists.
    SupplementRequested,
    /// 受理: accepted, waiting for the first review step to be claimed.
    Accepted,
    RejectedAtIntake,
    InReview,
    /// 特别程序: the clock stops.
    Suspended,
    Approved,
    Denied,
    /// 出件: the result is being delivered.
    Issuing,
    Completed,
    Withdrawn,
    /// A 告知承诺 approval revoked after a failed verification.
    Revoked,
}

impl CaseState {
    pub const ALL: &'static [CaseState] = &[
        CaseState::Draft,
        CaseState::Submitted,
        CaseState::RefusalPending,
        CaseState::SupplementRequested,
        CaseState::Accepted,
        CaseState::RejectedAtIntake,
        CaseState::InReview,
        CaseState::Suspended,
        CaseState::Approved,
        CaseState::Denied,
        CaseState::Issuing,
        CaseState::Completed,
        CaseState::Withdrawn,
        CaseState::Revoked,
    ];

    pub fn label(self) -> &'static str {
        match self {
            CaseState::Draft => "草稿",
            CaseState::Submitted => "已提交（预审中）",
            CaseState::RefusalPending => "不予决定待复核",
            CaseState::SupplementRequested => "待补正",
            CaseState::Accepted => "已受理",
            CaseState::RejectedAtIntake => "不予受理",
            CaseState::InReview => "审查中",
            CaseState::Suspended => "特别程序（暂停计时）",
            CaseState::Approved => "准予许可",
            CaseState::Denied => "不予许可",
            CaseState::Issuing => "出件中",
            CaseState::Completed => "已办结",
            CaseState::Withdrawn => "已撤回",
            CaseState::Revoked => "已撤销",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CaseState::Draft => "draft",
            CaseState::Submitted => "submitted",
            CaseState::RefusalPending => "refusal_pending",
            CaseState::SupplementRequested => "supplement_requested",
            CaseState::Accepted => "accepted",
            CaseState::RejectedAtIntake => "rejected_at_intake",
            CaseState::InReview => "in_review",
            CaseState::Suspended => "suspended",
            CaseState::Approved => "approved",
            CaseState::Denied => "denied",
            CaseState::Issuing => "issuing",
            CaseState::Completed => "completed",
            CaseState::Withdrawn => "withdrawn",
            CaseState::Revoked => "revoked",
        }
    }

    pub fn parse(s: &str) -> Option<CaseState> {
        CaseState::ALL.iter().copied().find(|c| c.as_str() == s)
    }

    /// No command moves a case out of these (except verification of a commitment approval).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            CaseState::RejectedAtIntake
                | CaseState::Denied
                | CaseState::Completed
                | CaseState::Withdrawn
                | CaseState::Revoked
        )
    }

    /// States in which the case has been accepted (受理) and its decision clock runs or ran.
    pub fn is_accepted(self) -> bool {
        matches!(
            self,
            CaseState::Accepted
                | CaseState::InReview
                | CaseState::Suspended
                | CaseState::Approved
                | CaseState::Denied
                | CaseState::Issuing
                | CaseState::Completed
                | CaseState::Revoked
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// 网上申请.
    Online,
    /// 窗口受理.
    Window,
}

/// The one-time supplement notice (一次性告知).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupplementNotice {
    /// Material names missing or to be corrected, all at once.
    pub materials: Vec<String>,
    /// Form fields to correct.
    pub fields: Vec<String>,
    pub note: String,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::DateTime))]
    pub issued_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Decision {
    pub approved: bool,
    pub reason: String,
    pub legal_basis: String,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::DateTime))]
    pub at: OffsetDateTime,
    /// Set when a rule decided with no person (秒批).
    #[serde(default)]
    pub by_rule: Option<String>,
    /// Set for a 告知承诺 approval: the verification is due by this date.
    #[serde(default)]
    pub verification_due: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Delivery {
    /// 统一窗口出件.
    Window { window: String },
    /// 邮寄, with the tracking number.
    Post { carrier: String, tracking: String },
    /// An electronic result (e-license).
    Electronic,
}

/// A case as stored. Everything here is derived from its events; the row keeps it so queues
/// and pages read one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Case {
    pub id: CaseId,
    pub number: CaseNumber,
    pub item_code: ItemCode,
    pub item_version: i64,
    /// The item's name at filing, for lists.
    #[serde(default)]
    pub item_name: String,
    pub region: String,
    pub department: String,
    pub applicant_id: AccountId,
    /// 帮办代办: the agent filing for the applicant, if any.
    pub agent_id: Option<AccountId>,
    /// 行政相对人: whom the decision is about (the applicant unless a bundle says otherwise).
    #[serde(default)]
    pub subject: crate::subject::Subject,
    pub channel: Channel,
    pub state: CaseState,
    pub form: BTreeMap<String, String>,
    /// One entry per material of the item version, by name.
    pub materials: BTreeMap<String, Provision>,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::DateTime))]
    pub created_at: OffsetDateTime,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::DateTime>))]
    pub submitted_at: Option<OffsetDateTime>,
    /// The date the decision clock starts from (may be the receipt date by the 5-day rule).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::DateTime>))]
    pub accepted_at: Option<OffsetDateTime>,
    /// Index of the current review step.
    pub step: usize,
    /// Staff member who claimed the current step.
    pub claimed_by: Option<String>,
    /// Who completed each finished review step, in order (separation of duties).
    #[serde(default)]
    pub step_holders: Vec<String>,
    pub supplement: Option<SupplementNotice>,
    pub supplement_rounds: u32,
    pub pauses: Vec<Pause>,
    pub open_pause: Option<OpenPause>,
    pub extension_days: u32,
    pub decision: Option<Decision>,
    /// 收费: what the department assessed the case owes, and its payment (统一公共支付).
    #[serde(default)]
    pub fee: Option<crate::payment::FeeDue>,
    pub delivery: Option<Delivery>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::DateTime>))]
    pub closed_at: Option<OffsetDateTime>,
    pub close_reason: String,
    /// A 不予受理 proposed at the window and not yet confirmed or overturned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposed_refusal: Option<ProposedRefusal>,
    /// Received at a window of another office, or collected at one (收件与办结分离).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relay: Option<relay::Relay>,
    /// 最多跑一次: the person's visits to a window for this case, where they happened.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub visits: Vec<crate::visits::Visit>,
    /// 告知承诺 signed on screen by the applicant (online or at a kiosk) before filing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commitment_signed: Option<SignedCommitment>,
    /// Optimistic concurrency: incremented by every stored change.
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpenPause {
    pub since: Date,
    pub reason: String,
    pub expected_days: u32,
}

/// Deadlines of a case, each with what it took to compute it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseDeadlines {
    pub pre_review: Option<Deadline>,
    pub promised: Option<Deadline>,
    pub legal: Option<Deadline>,
}

impl Case {
    /// The state as the case page says it: a pending window 不予许可 is not a 不予受理.
    pub fn state_label(&self) -> &'static str {
        match &self.proposed_refusal {
            Some(p) if self.state == CaseState::RefusalPending && p.is_denial() => "不予许可待复核",
            Some(_) if self.state == CaseState::RefusalPending => "不予受理待复核",
            _ => self.state.label(),
        }
    }

    /// A window 不予许可 waits for its second person.
    pub fn pending_denial(&self) -> bool {
        self.state == CaseState::RefusalPending
            && self
                .proposed_refusal
                .as_ref()
                .is_some_and(|p| p.is_denial())
    }

    /// 最多跑一次: on how many days the person came to a window for this case.
    pub fn visit_days(&self) -> u32 {
        crate::visits::days(&self.visits)
    }

    /// The fee the applicant may pay now: assessed, unpaid, and the case approved and waiting
    /// to be issued (the one state a payment is recorded in).
    pub fn fee_to_pay(&self) -> Option<crate::payment::Fen> {
        if self.state != CaseState::Approved {
            return None;
        }
        self.fee.as_ref().and_then(|f| f.owed())
    }

    /// A new draft for an item version.
    pub fn draft(
        id: CaseId,
        item: &crate::catalog::ItemDefinition,
        item_version: i64,
        applicant_id: AccountId,
        channel: Channel,
        now: OffsetDateTime,
    ) -> Case {
        Case {
            id,
            number: CaseNumber::default(),
            item_code: ItemCode::new(item.code.clone()),
            item_version,
            item_name: item.name.clone(),
            region: item.region.clone(),
            department: item.department.clone(),
            applicant_id,
            agent_id: None,
            subject: crate::subject::Subject::Applicant,
            channel,
            state: CaseState::Draft,
            form: BTreeMap::new(),
            materials: item
                .materials
                .iter()
                .map(|m| (m.name.clone(), Provision::Missing))
                .collect(),
            created_at: now,
            submitted_at: None,
            accepted_at: None,
            step: 0,
            claimed_by: None,
            step_holders: vec![],
            supplement: None,
            supplement_rounds: 0,
            pauses: vec![],
            open_pause: None,
            extension_days: 0,
            decision: None,
            delivery: None,
            fee: None,
            closed_at: None,
            close_reason: String::new(),
            proposed_refusal: None,
            relay: None,
            commitment_signed: None,
            // A case started at a window: the person is there.
            visits: if channel == Channel::Window {
                vec![crate::visits::Visit {
                    kind: crate::visits::VisitKind::Intake,
                    at: now,
                }]
            } else {
                vec![]
            },
            version: 0,
        }
    }

    /// Whose work queue the case waits in: the window (受理, 出件) or the role bound to its
    /// current review step (后台分类审批). None when nobody has to act.
    pub fn waiting_for(
        &self,
        item: &crate::catalog::ItemDefinition,
    ) -> Option<crate::account::Role> {
        use crate::account::Role;
        let step_role = item
            .workflow
            .steps_for(item.case_type)
            .get(self.step)
            .map(|s| s.role);
        match self.state {
            CaseState::Submitted | CaseState::Approved | CaseState::Issuing => Some(Role::Clerk),
            // 窗口无否决权: the department's 批准人 confirms or overturns the window's refusal.
            CaseState::RefusalPending => Some(Role::Approver),
            // 即办件 have no steps: the window decides.
            CaseState::Accepted | CaseState::InReview | CaseState::Suspended => {
                step_role.or(Some(Role::Clerk))
            }
            _ => None,
        }
    }

    /// When a 告知承诺 approval must be verified by; None once verified or when the case
    /// closed otherwise.
    pub fn verification_due(&self) -> Option<Date> {
        let due = self.decision.as_ref()?.verification_due?;
        matches!(
            self.state,
            CaseState::Approved | CaseState::Issuing | CaseState::Completed
        )
        .then_some(due)
    }

    /// Pauses including a still-open one up to `now`, for computing deadlines.
    pub fn pauses_until(&self, now: Date) -> Vec<Pause> {
        let mut v = self.pauses.clone();
        if let Some(p) = &self.open_pause {
            v.push(Pause {
                first: p.since,
                last: now.max(p.since),
                reason: p.reason.clone(),
            });
        }
        v
    }

    /// Pre-review, promised and legal deadlines as of `now`.
    pub fn deadlines(
        &self,
        item: &crate::catalog::ItemDefinition,
        cal: &WorkCalendar,
        now: OffsetDateTime,
    ) -> CaseDeadlines {
        use crate::catalog::{DayUnit, PromisedLimit};
        let pre_review = match (self.state, self.submitted_at) {
            (CaseState::Submitted, Some(at)) => Some(cal.deadline(at, limits::PRE_REVIEW, &[])),
            _ => None,
        };
        let today = crate::calendar::china_date(now);
        let pauses = self.pauses_until(today);
        let count = |days: u32, unit: DayUnit| -> Option<Deadline> {
            let at = self.accepted_at?;
            Some(match unit {
                DayUnit::Working => cal.deadline(at, days + self.extension_days, &pauses),
                // Natural days: count every day; pauses still stop the clock.
                DayUnit::Natural => {
                    let paused: i64 = pauses
                        .iter()
                        .map(|p| (p.last - p.first).whole_days() + 1)
                        .sum();
                    let due = crate::calendar::china_date(at)
                        + time::Duration::days(i64::from(days + self.extension_days) + paused);
                    Deadline {
                        due,
                        working_days: days + self.extension_days,
                        paused_working_days: paused as u32,
                        provisional: false,
                        natural_days: true,
                    }
                }
            })
        };
        let promised = match &item.promised_limit {
            PromisedLimit::Instant => self.accepted_at.map(|at| Deadline {
                due: crate::calendar::china_date(at),
                working_days: 0,
                paused_working_days: 0,
                provisional: false,
                natural_days: false,
            }),
            PromisedLimit::Within(t) => count(t.days, t.unit),
        };
        let legal = item
            .legal_limit
            .as_ref()
            .and_then(|t| count(t.days, t.unit));
        CaseDeadlines {
            pre_review,
            promised,
            legal,
        }
    }
}

/// Who issues a command, as the domain needs to know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseActor {
    /// The applicant (or their recorded agent).
    Applicant { id: String },
    /// Staff with their roles; the app layer has already checked region and department.
    Staff {
        id: String,
        roles: Vec<crate::account::Role>,
    },
    /// The platform itself (秒批, deadline jobs).
    System,
}

/// The applicant's 告知承诺书, signed on screen: the name they signed with and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedCommitment {
    pub signer: String,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Rfc3339))]
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// A clerk's proposed 不予受理: the reason in plain words and who proposed it (the one who
/// confirms it must be someone else).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProposedRefusal {
    pub reason: String,
    pub by: String,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Rfc3339))]
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Set for a proposed window 不予许可 of a 即办件 (its legal basis); None for 不予受理.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_basis: Option<String>,
}

impl ProposedRefusal {
    pub fn is_denial(&self) -> bool {
        self.legal_basis.is_some()
    }
}
