//! 好差评 (国办发〔2019〕51号, GB/T 39734/39735): five satisfaction levels, the channels a
//! rating comes through, and the rectification ticket a bad review opens: contact, fix or
//! explain, revisit; with the rater's appeal and the staff's appeal of a malicious rating.

use serde::{Deserialize, Serialize};

use crate::error::{FieldError, Problems};

/// 满意度, coded as the standard codes it: 1 非常满意 … 5 非常不满意.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Satisfaction {
    VerySatisfied,
    Satisfied,
    Basic,
    Dissatisfied,
    VeryDissatisfied,
}

impl Satisfaction {
    pub const ALL: [Satisfaction; 5] = [
        Satisfaction::VerySatisfied,
        Satisfaction::Satisfied,
        Satisfaction::Basic,
        Satisfaction::Dissatisfied,
        Satisfaction::VeryDissatisfied,
    ];

    pub fn code(self) -> u8 {
        match self {
            Satisfaction::VerySatisfied => 1,
            Satisfaction::Satisfied => 2,
            Satisfaction::Basic => 3,
            Satisfaction::Dissatisfied => 4,
            Satisfaction::VeryDissatisfied => 5,
        }
    }

    pub fn from_code(c: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == c)
    }

    pub fn label(self) -> &'static str {
        match self {
            Satisfaction::VerySatisfied => "非常满意",
            Satisfaction::Satisfied => "满意",
            Satisfaction::Basic => "基本满意",
            Satisfaction::Dissatisfied => "不满意",
            Satisfaction::VeryDissatisfied => "非常不满意",
        }
    }

    /// 差评: 不满意 and 非常不满意.
    pub fn is_bad(self) -> bool {
        matches!(
            self,
            Satisfaction::Dissatisfied | Satisfaction::VeryDissatisfied
        )
    }
}

/// Where a rating came from (GB/T 39734 rating record).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RatingChannel {
    Pc,
    Mobile,
    QrCode,
    HallTablet,
    Terminal,
    Phone,
    Sms,
    /// No rating within the period: recorded as 基本满意 by the system.
    Default,
}

impl RatingChannel {
    pub const ALL: [RatingChannel; 8] = [
        RatingChannel::Pc,
        RatingChannel::Mobile,
        RatingChannel::QrCode,
        RatingChannel::HallTablet,
        RatingChannel::Terminal,
        RatingChannel::Phone,
        RatingChannel::Sms,
        RatingChannel::Default,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RatingChannel::Pc => "pc",
            RatingChannel::Mobile => "mobile",
            RatingChannel::QrCode => "qr_code",
            RatingChannel::HallTablet => "hall_tablet",
            RatingChannel::Terminal => "terminal",
            RatingChannel::Phone => "phone",
            RatingChannel::Sms => "sms",
            RatingChannel::Default => "default",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            RatingChannel::Pc => "网页",
            RatingChannel::Mobile => "移动端",
            RatingChannel::QrCode => "二维码",
            RatingChannel::HallTablet => "大厅评价器",
            RatingChannel::Terminal => "自助终端",
            RatingChannel::Phone => "电话",
            RatingChannel::Sms => "短信",
            RatingChannel::Default => "默认评价",
        }
    }
}

/// Reason tags offered with a rating; the bad ones follow the common 差评 reasons.
pub const BAD_TAGS: &[&str] = &[
    "超过承诺时限",
    "要求提供清单以外的材料",
    "多次跑动",
    "一次性告知不清楚",
    "服务态度不好",
    "系统操作不便",
];
pub const GOOD_TAGS: &[&str] = &["办理快捷", "一次办成", "服务热情", "指引清楚", "不用跑腿"];

/// Checks a rating's level, tags and text; a bad review must say why.
pub fn validate(level: Satisfaction, tags: &[String], text: &str) -> Result<(), Vec<FieldError>> {
    let mut p = Problems::default();
    let allowed = if level.is_bad() { BAD_TAGS } else { GOOD_TAGS };
    for t in tags {
        if !allowed.contains(&t.as_str()) {
            p.push("tags", "unknown", format!("“{t}”不是可选的评价标签"));
        }
    }
    if text.chars().count() > 500 {
        p.push("text", "too_long", "评价内容最多 500 字");
    }
    if level.is_bad() && tags.is_empty() && text.trim().is_empty() {
        p.push("text", "required", "差评请选择原因或写明情况，便于整改");
    }
    p.into_result()
}

/// One window visit (现场服务): a clerk served a case on a day. Each visit may be rated once
/// (一次一评), as act `counter:N`, N its place among the case's visits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    pub clerk: String,
    pub day: time::Date,
}

/// One step in a case's history, as rating needs it: who, with which roles, what, which day.
#[derive(Debug, Clone, Copy)]
pub struct Step<'a> {
    pub actor: &'a str,
    /// The actor's roles as recorded, comma-separated (`clerk,reviewer`), or `applicant`.
    pub roles: &'a str,
    pub kind: &'a str,
    pub day: time::Date,
}

/// The case's window visits in order: each day a clerk did something to it, other than
/// recording a rating. Only a real visit can be rated at the counter, and only once.
pub fn window_visits(steps: &[Step<'_>]) -> Vec<Visit> {
    let mut out: Vec<Visit> = Vec::new();
    for s in steps {
        if s.kind == "rated" || !s.roles.split(',').any(|r| r == "clerk") {
            continue;
        }
        let v = Visit {
            clerk: s.actor.to_string(),
            day: s.day,
        };
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// The act a counter rating names: `counter:N` for the visit of `clerk` on `day`, if there
/// was one.
pub fn counter_act(visits: &[Visit], clerk: &str, day: time::Date) -> Option<String> {
    visits
        .iter()
        .position(|v| v.clerk == clerk && v.day == day)
        .map(|i| format!("counter:{}", i + 1))
}

/// Whether `act` names a service the case had: the whole case, or one of its visits.
pub fn act_exists(act: &str, visits: usize) -> bool {
    act == "case"
        || act
            .strip_prefix("counter:")
            .and_then(|n| n.parse::<usize>().ok())
            .is_some_and(|n| (1..=visits).contains(&n) && !act.contains('+'))
}

/// The rectification ticket a bad review opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum TicketState {
    /// Waiting for the department to contact the rater and verify.
    Open,
    Contacted,
    /// Fixed, or explained (the complaint did not hold), waiting for the revisit.
    Handled {
        fixed: bool,
    },
    /// 回访 done; `satisfied` is the rater's answer.
    Closed {
        satisfied: bool,
    },
    /// The department says the rating is malicious; a supervisor decides.
    MaliciousClaim {
        before: Box<TicketState>,
    },
    /// The supervisor upheld the claim: the rating no longer counts.
    Excluded,
}

impl TicketState {
    pub fn label(&self) -> &'static str {
        match self {
            TicketState::Open => "待核实联系",
            TicketState::Contacted => "已联系，整改中",
            TicketState::Handled { fixed: true } => "已整改，待回访",
            TicketState::Handled { fixed: false } => "已解释说明，待回访",
            TicketState::Closed { satisfied: true } => "已回访（满意）",
            TicketState::Closed { satisfied: false } => "已回访（仍不满意）",
            TicketState::MaliciousClaim { .. } => "恶意差评申诉中",
            TicketState::Excluded => "申诉成立，不计入统计",
        }
    }

    pub fn is_finished(&self) -> bool {
        matches!(self, TicketState::Closed { .. } | TicketState::Excluded)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum TicketAction {
    /// The department contacted the rater and verified the complaint.
    Contact {
        note: String,
    },
    Handle {
        fixed: bool,
        note: String,
    },
    Revisit {
        satisfied: bool,
        note: String,
    },
    /// The rater is still not satisfied after the revisit: the ticket reopens.
    RaterAppeal {
        reason: String,
    },
    /// The department appeals a malicious rating to the supervisor.
    StaffAppeal {
        reason: String,
    },
    /// The supervisor's decision on a staff appeal.
    Decide {
        upheld: bool,
        note: String,
    },
}

impl TicketAction {
    pub fn label(&self) -> &'static str {
        match self {
            TicketAction::Contact { .. } => "核实联系",
            TicketAction::Handle { fixed: true, .. } => "整改",
            TicketAction::Handle { fixed: false, .. } => "解释说明",
            TicketAction::Revisit { .. } => "回访",
            TicketAction::RaterAppeal { .. } => "评价人申诉",
            TicketAction::StaffAppeal { .. } => "恶意差评申诉",
            TicketAction::Decide { .. } => "申诉裁定",
        }
    }

    fn note(&self) -> &str {
        match self {
            TicketAction::Contact { note }
            | TicketAction::Handle { note, .. }
            | TicketAction::Revisit { note, .. }
            | TicketAction::Decide { note, .. } => note,
            TicketAction::RaterAppeal { reason } | TicketAction::StaffAppeal { reason } => reason,
        }
    }
}

/// What staff may do to a ticket, as the 待办 page posts it: (code, label). The supervisor's
/// decisions come last.
const STAFF_ACTIONS: [(&str, &str); 8] = [
    ("contact", "核实联系"),
    ("fixed", "已整改"),
    ("explained", "解释说明"),
    ("revisit_ok", "回访：满意"),
    ("revisit_not_ok", "回访：仍不满意"),
    ("staff_appeal", "恶意差评申诉"),
    ("uphold", "申诉成立"),
    ("reject", "驳回申诉"),
];

impl TicketAction {
    /// The staff action a form's code names, with its note; None for an unknown code.
    pub fn from_code(code: &str, note: String) -> Option<TicketAction> {
        Some(match code {
            "contact" => TicketAction::Contact { note },
            "fixed" => TicketAction::Handle { fixed: true, note },
            "explained" => TicketAction::Handle { fixed: false, note },
            "revisit_ok" => TicketAction::Revisit {
                satisfied: true,
                note,
            },
            "revisit_not_ok" => TicketAction::Revisit {
                satisfied: false,
                note,
            },
            "staff_appeal" => TicketAction::StaffAppeal { reason: note },
            "uphold" => TicketAction::Decide { upheld: true, note },
            "reject" => TicketAction::Decide {
                upheld: false,
                note,
            },
            _ => return None,
        })
    }
}

impl TicketState {
    /// The staff actions that fit this state, (code, label), as the page offers them: only a
    /// supervisor decides an appeal.
    pub fn staff_actions(&self, supervisor: bool) -> Vec<(&'static str, &'static str)> {
        STAFF_ACTIONS
            .into_iter()
            .filter(|(code, _)| supervisor || !matches!(*code, "uphold" | "reject"))
            .filter(|(code, _)| {
                TicketAction::from_code(code, "-".into()).is_some_and(|a| next(self, &a).is_ok())
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TicketError {
    #[error("整改单{state}，不能{action}")]
    WrongState {
        state: &'static str,
        action: &'static str,
    },
    #[error("请填写{0}的情况说明")]
    NoteRequired(&'static str),
}

/// The next state of a ticket, or why the action does not fit.
pub fn next(state: &TicketState, action: &TicketAction) -> Result<TicketState, TicketError> {
    use TicketAction as A;
    use TicketState as S;
    if action.note().trim().is_empty() {
        return Err(TicketError::NoteRequired(action.label()));
    }
    let wrong = || TicketError::WrongState {
        state: state.label(),
        action: action.label(),
    };
    Ok(match (state, action) {
        (S::Open, A::Contact { .. }) => S::Contacted,
        (S::Contacted, A::Handle { fixed, .. }) => S::Handled { fixed: *fixed },
        (S::Handled { .. }, A::Revisit { satisfied, .. }) => S::Closed {
            satisfied: *satisfied,
        },
        (S::Closed { satisfied: false }, A::RaterAppeal { .. }) => S::Open,
        (S::Open | S::Contacted | S::Handled { .. }, A::StaffAppeal { .. }) => S::MaliciousClaim {
            before: Box::new(state.clone()),
        },
        (S::MaliciousClaim { .. }, A::Decide { upheld: true, .. }) => S::Excluded,
        (S::MaliciousClaim { before }, A::Decide { upheld: false, .. }) => (**before).clone(),
        _ => return Err(wrong()),
    })
}

#[cfg(test)]
mod tests;
