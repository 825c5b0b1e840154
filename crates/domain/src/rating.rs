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
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_bad_review_needs_a_reason_and_tags_come_from_the_right_list() {
        assert!(validate(Satisfaction::Satisfied, &[], "").is_ok());
        let e = validate(Satisfaction::VeryDissatisfied, &[], " ").unwrap_err();
        assert_eq!(e[0].field, "text");
        assert!(validate(Satisfaction::Dissatisfied, &["超过承诺时限".into()], "").is_ok());
        let e = validate(Satisfaction::Satisfied, &["超过承诺时限".into()], "").unwrap_err();
        assert_eq!(e[0].field, "tags");
        assert_eq!(Satisfaction::from_code(4), Some(Satisfaction::Dissatisfied));
        assert!(Satisfaction::from_code(4).unwrap().is_bad() && !Satisfaction::Basic.is_bad());
    }

    #[test]
    fn a_ticket_runs_contact_handle_revisit_and_refuses_a_revisit_when_closed() {
        let note = |s: &str| s.to_string();
        let s = next(
            &TicketState::Open,
            &TicketAction::Contact {
                note: note("已电话联系"),
            },
        )
        .unwrap();
        let s = next(
            &s,
            &TicketAction::Handle {
                fixed: true,
                note: note("补充告知材料清单"),
            },
        )
        .unwrap();
        let s = next(
            &s,
            &TicketAction::Revisit {
                satisfied: false,
                note: note("仍不满意"),
            },
        )
        .unwrap();
        assert_eq!(s, TicketState::Closed { satisfied: false });
        let e = next(
            &s,
            &TicketAction::Revisit {
                satisfied: true,
                note: note("再次回访"),
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("不能回访"), "{e}");
        let reopened = next(
            &s,
            &TicketAction::RaterAppeal {
                reason: note("问题没有解决"),
            },
        )
        .unwrap();
        assert_eq!(reopened, TicketState::Open);
        assert_eq!(
            next(
                &TicketState::Open,
                &TicketAction::Contact { note: note(" ") }
            ),
            Err(TicketError::NoteRequired("核实联系"))
        );
        // A malicious-rating appeal goes back where it was when rejected.
        let claim = next(
            &TicketState::Contacted,
            &TicketAction::StaffAppeal {
                reason: note("评价人并未办件"),
            },
        )
        .unwrap();
        assert_eq!(
            next(
                &claim,
                &TicketAction::Decide {
                    upheld: false,
                    note: note("驳回")
                }
            )
            .unwrap(),
            TicketState::Contacted
        );
        assert_eq!(
            next(
                &claim,
                &TicketAction::Decide {
                    upheld: true,
                    note: note("成立")
                }
            )
            .unwrap(),
            TicketState::Excluded
        );
    }

    fn arb_action() -> impl Strategy<Value = TicketAction> {
        let n = || "[a-z]{0,3}";
        prop_oneof![
            n().prop_map(|note| TicketAction::Contact { note }),
            (any::<bool>(), n()).prop_map(|(fixed, note)| TicketAction::Handle { fixed, note }),
            (any::<bool>(), n())
                .prop_map(|(satisfied, note)| TicketAction::Revisit { satisfied, note }),
            n().prop_map(|reason| TicketAction::RaterAppeal { reason }),
            n().prop_map(|reason| TicketAction::StaffAppeal { reason }),
            (any::<bool>(), n()).prop_map(|(upheld, note)| TicketAction::Decide { upheld, note }),
        ]
    }

    proptest! {
        /// Whatever is tried: a ticket is closed only through a revisit, excluded only by an
        /// upheld appeal, and an excluded ticket never changes again.
        #[test]
        fn tickets_close_only_by_revisit_and_exclusion_is_final(actions in proptest::collection::vec(arb_action(), 0..30)) {
            let mut s = TicketState::Open;
            for a in &actions {
                let before = s.clone();
                if let Ok(n) = next(&s, a) {
                    match (&n, a) {
                        (TicketState::Closed { .. }, TicketAction::Revisit { .. }) => {}
                        (TicketState::Closed { .. }, _) => prop_assert!(false, "closed without a revisit"),
                        (TicketState::Excluded, TicketAction::Decide { upheld: true, .. }) => {}
                        (TicketState::Excluded, _) => prop_assert!(false, "excluded without a decision"),
                        _ => {}
                    }
                    prop_assert!(before != TicketState::Excluded, "an excluded ticket changed");
                    s = n;
                }
            }
        }
    }
}
