//! 行政处罚 as a case type with its own steps: 立案 (with the legal basis and the facts),
//! 调查 (the evidence found), 告知 (of the intended decision and the right to 陈述申辩 and
//! 听证), 决定 (a penalty with its amount, or none), 执行. A decision is published when made;
//! a penalty goes on the credit record.

use serde::{Deserialize, Serialize};

use crate::error::{FieldError, Problems};
use crate::payment::Fen;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    /// 已立案.
    Filed,
    /// 调查终结.
    Investigated,
    /// 已告知.
    Notified,
    /// 已决定.
    Decided,
    /// 已执行.
    Executed,
}

impl Step {
    pub const ALL: &'static [Step] = &[
        Step::Filed,
        Step::Investigated,
        Step::Notified,
        Step::Decided,
        Step::Executed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Step::Filed => "filed",
            Step::Investigated => "investigated",
            Step::Notified => "notified",
            Step::Decided => "decided",
            Step::Executed => "executed",
        }
    }

    pub fn parse(s: &str) -> Option<Step> {
        Step::ALL.iter().copied().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Step::Filed => "立案",
            Step::Investigated => "调查",
            Step::Notified => "告知",
            Step::Decided => "决定",
            Step::Executed => "执行",
        }
    }
}

/// 立案: whom, on what basis, for what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opening {
    pub holder_id: String,
    pub holder_name: String,
    /// The article the act breaks and the one that sets the penalty.
    pub legal_basis: String,
    /// 案由 and the facts as found at opening.
    pub facts: String,
}

impl Opening {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut p = Problems::default();
        if self.legal_basis.trim().is_empty() {
            p.push(
                "legal_basis",
                "required",
                "立案须写明违反的法律条款和处罚依据",
            );
        } else if self.legal_basis.chars().count() > 500 {
            p.push("legal_basis", "too_long", "法律依据不能超过 500 个字");
        }
        if self.facts.trim().is_empty() {
            p.push("facts", "required", "请写明案由和基本事实");
        } else if self.facts.chars().count() > 2000 {
            p.push("facts", "too_long", "案情不能超过 2000 个字");
        }
        if self.holder_id.trim().is_empty() {
            p.push("holder_id", "required", "请写明当事人");
        }
        p.into_result()
    }
}

/// One step forward.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Action {
    /// 调查终结: the evidence.
    Investigate { evidence: String },
    /// 告知 the intended decision and the rights.
    Notify { intended: String },
    /// 决定: a fine (0 for 警告 or 不予处罚) and the decision's text.
    Decide {
        penalized: bool,
        fine: Fen,
        text: String,
    },
    /// 执行 done (fine paid, order carried out).
    Execute { note: String },
}

impl Action {
    fn field_text(&self) -> (&'static str, &str) {
        match self {
            Action::Investigate { evidence } => ("evidence", evidence),
            Action::Notify { intended } => ("intended", intended),
            Action::Decide { text, .. } => ("text", text),
            Action::Execute { note } => ("note", note),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PenaltyError {
    #[error("案件处于“{0}”环节，不能{1}")]
    OutOfOrder(&'static str, &'static str),
}

/// The step `action` leads to from `step`, or why not; problems with what was typed as
/// field errors first.
pub fn advance(step: Step, action: &Action) -> Result<Step, Result<Vec<FieldError>, PenaltyError>> {
    let (field, text) = action.field_text();
    let mut p = Problems::default();
    if text.trim().is_empty() {
        p.push(field, "required", "请填写本环节的内容");
    } else if text.chars().count() > 2000 {
        p.push(field, "too_long", "不能超过 2000 个字");
    }
    if let Action::Decide {
        penalized, fine, ..
    } = action
    {
        if *fine < 0 || *fine > 10_000_000_000 {
            p.push("fine", "invalid", "罚款金额应在 0 至 1 亿元之间");
        } else if !penalized && *fine > 0 {
            p.push("fine", "inconsistent", "不予处罚的决定不能有罚款");
        }
    }
    p.into_result().map_err(Ok)?;
    let (from, to, what) = match action {
        Action::Investigate { .. } => (Step::Filed, Step::Investigated, "调查终结"),
        Action::Notify { .. } => (Step::Investigated, Step::Notified, "告知"),
        Action::Decide { .. } => (Step::Notified, Step::Decided, "作出决定"),
        Action::Execute { .. } => (Step::Decided, Step::Executed, "执行"),
    };
    if step == from {
        Ok(to)
    } else {
        Err(Err(PenaltyError::OutOfOrder(step.label(), what)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_case_goes_through_its_five_steps_in_order() {
        let steps = [
            Action::Investigate {
                evidence: "现场检查笔录".into(),
            },
            Action::Notify {
                intended: "拟罚款 5000 元".into(),
            },
            Action::Decide {
                penalized: true,
                fine: 500_000,
                text: "罚款 5000 元".into(),
            },
            Action::Execute {
                note: "已缴纳".into(),
            },
        ];
        let mut s = Step::Filed;
        for a in &steps {
            s = advance(s, a).unwrap();
        }
        assert_eq!(s, Step::Executed);
        assert!(matches!(
            advance(Step::Filed, &steps[2]),
            Err(Err(PenaltyError::OutOfOrder("立案", "作出决定")))
        ));
        let e = advance(
            Step::Notified,
            &Action::Decide {
                penalized: false,
                fine: 100,
                text: "不予处罚".into(),
            },
        );
        assert_eq!(e.unwrap_err().unwrap()[0].field, "fine");
    }

    #[test]
    fn opening_needs_a_legal_basis() {
        let o = Opening {
            holder_id: "x".into(),
            holder_name: "某".into(),
            legal_basis: " ".into(),
            facts: "未按规定公示".into(),
        };
        assert_eq!(o.validate().unwrap_err()[0].field, "legal_basis");
    }

    proptest! {
        #[test]
        fn only_the_next_step_is_ever_taken(i in 0usize..5, j in 0usize..4) {
            let actions = [
                Action::Investigate { evidence: "e".into() },
                Action::Notify { intended: "n".into() },
                Action::Decide { penalized: true, fine: 1, text: "d".into() },
                Action::Execute { note: "x".into() },
            ];
            let from = Step::ALL[i];
            match advance(from, &actions[j]) {
                Ok(to) => {
                    prop_assert_eq!(i, j);
                    prop_assert_eq!(to, Step::ALL[i + 1]);
                }
                Err(_) => prop_assert_ne!(i, j),
            }
        }
    }
}
