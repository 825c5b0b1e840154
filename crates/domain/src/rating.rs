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
mod tests {
    #[test]
    fn only_actions_that_fit_the_ticket_are_offered() {
        let codes = |s: &TicketState, sup| {
            s.staff_actions(sup)
                .into_iter()
                .map(|(c, _)| c)
                .collect::<Vec<_>>()
        };
        assert_eq!(codes(&TicketState::Open, true), ["contact", "staff_appeal"]);
        assert_eq!(
            codes(&TicketState::Contacted, false),
            ["fixed", "explained", "staff_appeal"]
        );
        let claim = TicketState::MaliciousClaim {
            before: Box::new(TicketState::Open),
        };
        assert_eq!(codes(&claim, true), ["uphold", "reject"]);
        assert!(codes(&claim, false).is_empty(), "only a supervisor decides");
        assert!(codes(&TicketState::Excluded, true).is_empty());
    }

    proptest::proptest! {
        /// Every offered action is accepted by the rules, from every state.
        #[test]
        fn every_offered_action_is_accepted(pick in 0usize..8, sup in proptest::bool::ANY) {
            let states = [
                TicketState::Open,
                TicketState::Contacted,
                TicketState::Handled { fixed: true },
                TicketState::Closed { satisfied: false },
                TicketState::Closed { satisfied: true },
                TicketState::MaliciousClaim { before: Box::new(TicketState::Contacted) },
                TicketState::Excluded,
                TicketState::Handled { fixed: false },
            ];
            let s = &states[pick];
            for (code, _) in s.staff_actions(sup) {
                let a = TicketAction::from_code(code, "说明".into()).unwrap();
                proptest::prop_assert!(next(s, &a).is_ok(), "{code} from {s:?}");
            }
        }
    }

    fn step<'a>(actor: &'a str, roles: &'a str, kind: &'a str, day: u8) -> Step<'a> {
        Step {
            actor,
            roles,
            kind,
            day: time::Date::from_calendar_date(2026, time::Month::December, day).unwrap(),
        }
    }

    #[test]
    fn each_day_a_clerk_served_the_case_is_one_visit_to_rate_once() {
        let steps = [
            step("u1", "applicant", "created", 1),
            step("c1", "clerk", "accepted", 1),
            step("c1", "clerk", "supplement_requested", 1),
            step("c1", "clerk", "rated", 2),
            step("r1", "reviewer", "step_completed", 2),
            step("c2", "clerk,reviewer", "issued", 3),
        ];
        let v = window_visits(&steps);
        assert_eq!(v.len(), 2, "{v:?}");
        assert_eq!(
            counter_act(&v, "c1", steps[1].day).as_deref(),
            Some("counter:1")
        );
        assert_eq!(
            counter_act(&v, "c2", steps[5].day).as_deref(),
            Some("counter:2")
        );
        assert_eq!(
            counter_act(&v, "c1", steps[3].day),
            None,
            "recording a rating is no visit"
        );
        assert!(act_exists("case", 0));
        assert!(act_exists("counter:2", 2));
        assert!(!act_exists("counter:3", 2));
        assert!(!act_exists("counter:0", 2));
        assert!(!act_exists("counter:+1", 2));
    }

    proptest! {
        #[test]
        fn there_are_never_more_counter_acts_than_clerk_days(
            steps in proptest::collection::vec((0u8..4, 0u8..3, 1u8..10, any::<bool>()), 0..60)
        ) {
            let actors = ["c0", "c1", "c2", "c3"];
            let roles = ["clerk", "reviewer", "applicant"];
            let list: Vec<Step> = steps.iter().map(|(a, r, d, rated)| step(
                actors[*a as usize], roles[*r as usize], if *rated { "rated" } else { "accepted" }, *d,
            )).collect();
            let visits = window_visits(&list);
            let distinct: std::collections::BTreeSet<_> = list.iter()
                .filter(|s| s.roles == "clerk" && s.kind != "rated")
                .map(|s| (s.actor, s.day)).collect();
            prop_assert_eq!(visits.len(), distinct.len());
            let acts: std::collections::BTreeSet<_> = distinct.iter()
                .filter_map(|(a, d)| counter_act(&visits, a, *d)).collect();
            prop_assert_eq!(acts.len(), distinct.len(), "each visit its own act");
            for a in &acts {
                prop_assert!(act_exists(a, visits.len()));
            }
        }
    }

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
