//! 数据汇聚: what the county platform reports to the provincial (upper-level) platform. Every
//! case step becomes a process record (办件过程信息); the steps that change a case's
//! particulars also send its basic record (办件基本信息, replaced by case number); the steps
//! that conclude it send the result record (结果信息); every 好差评 rating its rating record.
//!
//! The records carry the data elements of GB/T 39046-2020 (办件信息) and GB/T 39734-2020 (评价
//! 信息) under English keys; docs/INTEGRATION.md maps each key to its element. Provinces name
//! the wire fields differently (unconfirmed which names a given province uses), so a province
//! adapter renames keys; the content and the codes are the standards'.
//!
//! The relay gathers the facts (the case as stored, its item, the applicant, the event) and
//! calls [`case_records`] or [`rating_record`]; the reconciliation (`onewindow push verify`)
//! compares what the upper platform holds with [`expected`] through [`missing`].

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::case::{Case, CaseState, Delivery, Event};
use crate::catalog::{ItemDefinition, PromisedLimit};

/// The applicant as the record names them: 自然人 by 居民身份证, 法人 by 统一社会信用代码.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    pub natural_person: bool,
    pub name: String,
    /// ID number or credit code.
    pub id: String,
}

impl Party {
    /// 服务对象 (GB/T 39046 code list): 1 自然人, 2 企业法人.
    fn subject_type(&self) -> &'static str {
        if self.natural_person { "1" } else { "2" }
    }
    fn id_type(&self) -> &'static str {
        if self.natural_person {
            "居民身份证"
        } else {
            "统一社会信用代码"
        }
    }
}

/// One audit event of a case, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub seq: i64,
    /// The event's kind (`accepted`, `step_completed`, …; `license_issued`).
    pub kind: String,
    pub at_ms: i64,
    /// The event as recorded; None for events outside the case machine (`license_issued`).
    pub event: Option<Event>,
    /// Who acted: a staff member's name, 申请人, or 系统.
    pub handler: String,
    pub role: String,
    /// The case's state after the event.
    pub state: String,
}

/// Everything a case's records are made from.
pub struct CaseFacts<'a> {
    pub case: &'a Case,
    pub item: &'a ItemDefinition,
    pub applicant: &'a Party,
    /// Numbers of the licenses issued on the case.
    pub licenses: &'a [String],
}

/// One record for the upper platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum Record {
    CaseBasic(CaseBasic),
    CaseProcess(CaseProcess),
    CaseResult(CaseResult),
    Rating(RatingRecord),
}

/// 办件基本信息 (GB/T 39046): replaced by case number whenever it is sent again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseBasic {
    pub case_number: String,
    pub item_code: String,
    pub item_name: String,
    /// 事项类型 code (01 行政许可 …).
    pub item_type: String,
    /// 办件类型 code: 1 即办件, 2 承诺件.
    pub case_type: String,
    /// 办理形式 code: 1 窗口办理, 2 电脑端网上办理.
    pub handling_form: String,
    /// 服务对象 code of the applicant: 1 自然人, 2 企业法人.
    pub applicant_type: String,
    pub applicant_name: String,
    pub applicant_id_type: String,
    pub applicant_id: String,
    /// 行政相对人 when it is not the applicant (a child, an enterprise being established).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_id: Option<String>,
    /// 实施区划 and 受理部门 (the platform's codes).
    pub region: String,
    pub department: String,
    /// 申请时间, 受理时间 (RFC 3339, China time).
    pub submitted_at: Option<String>,
    pub accepted_at: Option<String>,
    /// 承诺时限: working days (0 for 即办), and the legal limit where the item has one.
    pub promised_days: u32,
    pub legal_days: Option<u32>,
    pub extension_days: u32,
    /// 办件状态 (the platform's state and its Chinese name).
    pub state: String,
    pub state_name: String,
}

/// 办件过程信息 (GB/T 39046): one per step, kept by (case number, seq).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseProcess {
    pub case_number: String,
    /// 环节序号: the event's place in the case's audit chain.
    pub seq: i64,
    /// 环节: the event's kind and its Chinese name.
    pub step: String,
    pub step_name: String,
    /// 办理人 and their role; 办理部门.
    pub handler: String,
    pub handler_role: String,
    pub department: String,
    /// 办理意见 (a decision's reason, a supplement notice's list …); empty when the step has none.
    pub opinion: String,
    /// 办理时间.
    pub at: String,
    pub state: String,
}

/// 办件结果信息 (GB/T 39046): sent when the case concludes, again when its result is delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseResult {
    pub case_number: String,
    /// 办理结果: approved, denied, rejected_at_intake, withdrawn, revoked.
    pub result: String,
    pub result_name: String,
    /// 办结时间.
    pub concluded_at: String,
    /// The item's result (许可证 …) when approved, and its license numbers.
    pub result_document: String,
    pub licenses: Vec<String>,
    pub reason: String,
    pub legal_basis: String,
    /// 送达方式: window, post, electronic; with the tracking number when posted.
    pub delivery: Option<String>,
    pub tracking: Option<String>,
    pub completed_at: Option<String>,
}

/// 评价信息 (GB/T 39734).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingRecord {
    pub rating_id: String,
    pub case_number: String,
    pub item_code: String,
    pub department: String,
    pub region: String,
    /// 评价渠道 (pc, mobile, qr_code, hall_tablet, terminal, phone, sms; default for 默认好评).
    pub channel: String,
    /// 满意度 code: 1 非常满意 … 5 非常不满意.
    pub level: i64,
    pub level_name: String,
    pub tags: Vec<String>,
    pub text: String,
    /// 实名 or anonymous.
    pub named: bool,
    pub rated_at: String,
}

/// China time, as the records give every time.
pub fn china_time(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(rfc3339)
        .unwrap_or_default()
}

/// To the second: upper platforms take 办理时间 in whole seconds.
fn rfc3339(t: OffsetDateTime) -> Option<String> {
    t.replace_nanosecond(0)
        .ok()?
        .to_offset(crate::calendar::CHINA_OFFSET)
        .format(&time::format_description::well_known::Rfc3339)
        .ok()
}

/// The Chinese name of a step.
pub fn step_name(kind: &str) -> &'static str {
    match kind {
        "submitted" => "申请",
        "supplement_requested" => "一次性告知补正",
        "supplied" => "补正材料",
        "accepted" => "受理",
        "rejected_at_intake" => "不予受理",
        "claimed" => "签收",
        "step_completed" => "审查",
        "decided" => "决定",
        "suspended" => "特别程序开始",
        "resumed" => "特别程序结束",
        "extended" => "延长办理期限",
        "issued" => "出件",
        "completed" => "办结",
        "withdrawn" => "撤回",
        "verified" => "告知承诺核查",
        "pending_supplied" => "补交容缺材料",
        "license_issued" => "电子证照签发",
        "fee_assessed" => "核定收费",
        "paid" => "缴费",
        _ => "其他",
    }
}

/// Whether a step is reported: the published case steps (`outbox::case_topic`).
pub fn reported(kind: &str) -> bool {
    crate::outbox::case_topic(kind, true).is_some()
}

/// Steps after which the basic record changed (times, limits, state at the ends).
fn changes_basic(kind: &str) -> bool {
    matches!(
        kind,
        "submitted"
            | "accepted"
            | "rejected_at_intake"
            | "extended"
            | "decided"
            | "completed"
            | "withdrawn"
            | "verified"
    )
}

/// The records one case step sends, in the order the upper platform should store them.
pub fn case_records(f: &CaseFacts<'_>, step: &Step) -> Vec<Record> {
    let mut out = Vec::new();
    if !reported(&step.kind) {
        return out;
    }
    if changes_basic(&step.kind) {
        out.push(Record::CaseBasic(basic(f)));
    }
    out.push(Record::CaseProcess(process(f.case, step)));
    let concluding = match &step.event {
        Some(Event::Decided { .. } | Event::RejectedAtIntake { .. })
        | Some(Event::Completed { .. } | Event::Withdrawn { .. }) => true,
        Some(Event::Verified { passed, .. }) => !passed,
        _ => false,
    };
    if concluding && let Some(r) = result(f, step) {
        out.push(Record::CaseResult(r));
    }
    out
}

fn basic(f: &CaseFacts<'_>) -> CaseBasic {
    let c = f.case;
    let (subject_name, subject_id) = match c.subject.name() {
        Some(n) => (
            Some(n.to_string()),
            c.subject.holder_id().map(str::to_string),
        ),
        None => (None, None),
    };
    CaseBasic {
        case_number: c.number.to_string(),
        item_code: c.item_code.to_string(),
        item_name: f.item.name.clone(),
        item_type: f.item.kind.code().into(),
        case_type: f.item.case_type.code().into(),
        handling_form: match c.channel {
            crate::case::Channel::Window => "1",
            crate::case::Channel::Online => "2",
        }
        .into(),
        applicant_type: f.applicant.subject_type().into(),
        applicant_name: f.applicant.name.clone(),
        applicant_id_type: f.applicant.id_type().into(),
        applicant_id: f.applicant.id.clone(),
        subject_name,
        subject_id,
        region: c.region.clone(),
        department: c.department.clone(),
        submitted_at: c.submitted_at.and_then(rfc3339),
        accepted_at: c.accepted_at.and_then(rfc3339),
        promised_days: match &f.item.promised_limit {
            PromisedLimit::Instant => 0,
            PromisedLimit::Within(t) => t.days,
        },
        legal_days: f.item.legal_limit.as_ref().map(|t| t.days),
        extension_days: c.extension_days,
        state: c.state.as_str().into(),
        state_name: c.state.label().into(),
    }
}

fn process(c: &Case, step: &Step) -> CaseProcess {
    let opinion = match &step.event {
        Some(Event::SupplementRequested { notice }) => {
            let items: Vec<&str> = notice
                .materials
                .iter()
                .chain(&notice.fields)
                .map(String::as_str)
                .collect();
            let mut s = format!("需补正：{}", items.join("、"));
            if !notice.note.is_empty() {
                s.push('；');
                s.push_str(&notice.note);
            }
            s
        }
        Some(Event::StepCompleted { opinion, .. }) => opinion.clone(),
        Some(Event::Decided { decision }) => decision.reason.clone(),
        Some(
            Event::RejectedAtIntake { reason, .. }
            | Event::Withdrawn { reason, .. }
            | Event::Suspended { reason, .. }
            | Event::Extended { reason, .. },
        ) => reason.clone(),
        Some(Event::Verified { note, .. }) => note.clone(),
        _ => String::new(),
    };
    let step_label = match &step.event {
        Some(Event::StepCompleted { name, .. }) if !name.is_empty() => name.clone(),
        _ => step_name(&step.kind).to_string(),
    };
    CaseProcess {
        case_number: c.number.to_string(),
        seq: step.seq,
        step: step.kind.clone(),
        step_name: step_label,
        handler: step.handler.clone(),
        handler_role: step.role.clone(),
        department: c.department.clone(),
        opinion,
        at: china_time(step.at_ms),
        state: step.state.clone(),
    }
}

fn result(f: &CaseFacts<'_>, step: &Step) -> Option<CaseResult> {
    let c = f.case;
    let (result, name) = match c.state {
        CaseState::RejectedAtIntake => ("rejected_at_intake", "不予受理"),
        CaseState::Withdrawn => ("withdrawn", "撤回"),
        CaseState::Revoked => ("revoked", "撤销"),
        CaseState::Denied => ("denied", "不予许可"),
        CaseState::Approved | CaseState::Issuing | CaseState::Completed => ("approved", "准予许可"),
        _ => return None,
    };
    let d = c.decision.as_ref();
    let concluded_at = d
        .and_then(|d| rfc3339(d.at))
        .or_else(|| c.closed_at.and_then(rfc3339))
        .unwrap_or_else(|| china_time(step.at_ms));
    let reason = match c.state {
        CaseState::RejectedAtIntake | CaseState::Withdrawn => c.close_reason.clone(),
        _ => d.map(|d| d.reason.clone()).unwrap_or_default(),
    };
    let (delivery, tracking) = match &c.delivery {
        None => (None, None),
        Some(Delivery::Window { .. }) => (Some("window".to_string()), None),
        Some(Delivery::Electronic) => (Some("electronic".to_string()), None),
        Some(Delivery::Post { tracking, .. }) => (Some("post".to_string()), Some(tracking.clone())),
    };
    Some(CaseResult {
        case_number: c.number.to_string(),
        result: result.into(),
        result_name: name.into(),
        concluded_at,
        result_document: if result == "approved" {
            f.item.result_name.clone()
        } else {
            String::new()
        },
        licenses: f.licenses.to_vec(),
        reason,
        legal_basis: d.map(|d| d.legal_basis.clone()).unwrap_or_default(),
        delivery,
        tracking,
        completed_at: (c.state == CaseState::Completed)
            .then_some(c.closed_at)
            .flatten()
            .and_then(rfc3339),
    })
}

/// A rating as GB/T 39734 records it.
#[allow(clippy::too_many_arguments)]
pub fn rating_record(
    rating_id: &str,
    case_number: &str,
    item_code: &str,
    department: &str,
    region: &str,
    channel: &str,
    level: i64,
    tags: Vec<String>,
    text: &str,
    named: bool,
    rated_at_ms: i64,
) -> Record {
    let level_name = u8::try_from(level)
        .ok()
        .and_then(crate::rating::Satisfaction::from_code)
        .map(|s| s.label())
        .unwrap_or_default();
    Record::Rating(RatingRecord {
        rating_id: rating_id.into(),
        case_number: case_number.into(),
        item_code: item_code.into(),
        department: department.into(),
        region: region.into(),
        channel: channel.into(),
        level,
        level_name: level_name.into(),
        tags,
        text: text.into(),
        named,
        rated_at: china_time(rated_at_ms),
    })
}

/// What the upper platform should hold of one case (or what it says it holds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holding {
    pub case_number: String,
    pub basic: bool,
    /// The reported steps, by seq.
    pub steps: Vec<i64>,
    pub result: bool,
}

/// What the upper platform should hold of a case with these (seq, kind) events in `state`.
pub fn expected(case_number: &str, state: CaseState, events: &[(i64, String)]) -> Holding {
    let steps: Vec<i64> = events
        .iter()
        .filter(|(_, k)| reported(k))
        .map(|(s, _)| *s)
        .collect();
    let basic = events.iter().any(|(_, k)| changes_basic(k));
    let result = matches!(
        state,
        CaseState::RejectedAtIntake
            | CaseState::Withdrawn
            | CaseState::Revoked
            | CaseState::Denied
            | CaseState::Approved
            | CaseState::Issuing
            | CaseState::Completed
    ) && events.iter().any(|(_, k)| {
        matches!(
            k.as_str(),
            "decided" | "rejected_at_intake" | "withdrawn" | "completed" | "verified"
        )
    });
    Holding {
        case_number: case_number.into(),
        basic,
        steps,
        result,
    }
}

/// What one case lacks upstream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shortfall {
    pub case_number: String,
    /// The upper platform has no record of the case at all.
    pub unknown: bool,
    pub basic: bool,
    pub steps: Vec<i64>,
    pub result: bool,
}

impl Shortfall {
    /// In Chinese, for the command line.
    pub fn describe(&self) -> String {
        if self.unknown {
            return "上级平台无此办件".into();
        }
        let mut parts = Vec::new();
        if self.basic {
            parts.push("缺基本信息".to_string());
        }
        if !self.steps.is_empty() {
            let seqs: Vec<String> = self.steps.iter().map(|s| s.to_string()).collect();
            parts.push(format!("缺过程信息（环节 {}）", seqs.join("、")));
        }
        if self.result {
            parts.push("缺结果信息".into());
        }
        parts.join("；")
    }
}

/// What the upper platform is missing: per local case, the records it should hold and does
/// not. Extra records upstream are not a shortfall (an event kept after a restore).
pub fn missing(local: &[Holding], remote: &[Holding]) -> Vec<Shortfall> {
    let up: std::collections::HashMap<&str, &Holding> =
        remote.iter().map(|h| (h.case_number.as_str(), h)).collect();
    local
        .iter()
        .filter_map(|l| {
            let Some(r) = up.get(l.case_number.as_str()) else {
                return Some(Shortfall {
                    case_number: l.case_number.clone(),
                    unknown: true,
                    basic: l.basic,
                    steps: l.steps.clone(),
                    result: l.result,
                });
            };
            let s = Shortfall {
                case_number: l.case_number.clone(),
                unknown: false,
                basic: l.basic && !r.basic,
                steps: l
                    .steps
                    .iter()
                    .filter(|s| !r.steps.contains(s))
                    .copied()
                    .collect(),
                result: l.result && !r.result,
            };
            (s.basic || s.result || !s.steps.is_empty()).then_some(s)
        })
        .collect()
}

#[cfg(test)]
mod tests;
