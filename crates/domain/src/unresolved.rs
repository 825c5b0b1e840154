//! 办不成事 (反映窗口): a person says what they could not get done; the ticket gets an owner
//! department and a deadline; the department answers how it was resolved; the person confirms
//! the closure or reopens it with why. Counted per department (opened, closed, overdue).

use serde::{Deserialize, Serialize};
use time::Date;

use crate::error::{FieldError, Problems};

/// Working days the owner has to answer (the platform's default, not law).
pub const ANSWER_DAYS: u32 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketState {
    /// Waiting for the owner department.
    Open,
    /// Answered, waiting for the person to confirm.
    Answered,
    /// Confirmed by the person.
    Closed,
}

impl TicketState {
    pub const ALL: &'static [TicketState] = &[
        TicketState::Open,
        TicketState::Answered,
        TicketState::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TicketState::Open => "open",
            TicketState::Answered => "answered",
            TicketState::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<TicketState> {
        Self::ALL.iter().copied().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            TicketState::Open => "办理中",
            TicketState::Answered => "已答复，待本人确认",
            TicketState::Closed => "已解决（本人确认）",
        }
    }
}

/// Who acts on a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    /// Staff of the owner department.
    Owner,
    /// The person who raised it.
    Person,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The owner says how it was resolved.
    Answer(String),
    /// The person confirms it is resolved.
    Confirm,
    /// The person says it is not, and why.
    Reopen(String),
}

/// The state `step` by `party` leads to, or why not.
pub fn step(state: TicketState, s: &Step, party: Party) -> Result<TicketState, FieldError> {
    use TicketState as T;
    let text = |field: &str, v: &str, label: &str| {
        let mut p = Problems::default();
        p.text(field, v, label, 1000);
        p.0.into_iter().next()
    };
    match (s, state, party) {
        (Step::Answer(a), T::Open, Party::Owner) => match text("answer", a, "答复") {
            Some(e) => Err(e),
            None => Ok(T::Answered),
        },
        (Step::Confirm, T::Answered, Party::Person) => Ok(T::Closed),
        (Step::Reopen(why), T::Answered, Party::Person) => {
            match text("reason", why, "未解决的原因") {
                Some(e) => Err(e),
                None => Ok(T::Open),
            }
        }
        (Step::Answer(_), _, Party::Owner) => Err(FieldError::new(
            "state",
            "not_allowed",
            "只有办理中的反映可以答复",
        )),
        (Step::Confirm | Step::Reopen(_), _, Party::Person) => Err(FieldError::new(
            "state",
            "not_allowed",
            "只有已答复的反映可以确认或重新提出",
        )),
        _ => Err(FieldError::new(
            "party",
            "not_allowed",
            "答复由责任部门办理，确认由反映人本人作出",
        )),
    }
}

/// Checks what a person reports.
pub fn check_report(what: &str, department: &str) -> Result<(), Vec<FieldError>> {
    let mut p = Problems::default();
    p.text("what", what, "没办成的事", 1000);
    p.text("department", department, "责任部门", 40);
    p.into_result()
}

/// Overdue on `today`: not answered by its due date, or answered late and not yet closed
/// counts only by the first.
pub fn overdue(state: TicketState, due: Date, today: Date) -> bool {
    state == TicketState::Open && today > due
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_owner_answers_and_only_the_person_closes() {
        use TicketState as T;
        assert_eq!(
            step(T::Open, &Step::Answer("已办结".into()), Party::Owner),
            Ok(T::Answered)
        );
        assert_eq!(
            step(T::Open, &Step::Answer(" ".into()), Party::Owner)
                .unwrap_err()
                .field,
            "answer"
        );
        assert!(step(T::Answered, &Step::Confirm, Party::Owner).is_err());
        assert_eq!(
            step(T::Answered, &Step::Confirm, Party::Person),
            Ok(T::Closed)
        );
        assert_eq!(
            step(T::Answered, &Step::Reopen(String::new()), Party::Person)
                .unwrap_err()
                .field,
            "reason"
        );
        assert_eq!(
            step(
                T::Answered,
                &Step::Reopen("还是没办成".into()),
                Party::Person
            ),
            Ok(T::Open)
        );
        assert!(step(T::Closed, &Step::Reopen("x".into()), Party::Person).is_err());
    }

    fn any_step() -> impl Strategy<Value = Step> {
        prop_oneof![
            "[a-z]{0,2}".prop_map(Step::Answer),
            Just(Step::Confirm),
            "[a-z]{0,2}".prop_map(Step::Reopen),
        ]
    }

    proptest! {
        /// A ticket is closed only by its person, and only after an answer.
        #[test]
        fn closed_only_by_the_person_after_an_answer(
            s in proptest::sample::select(TicketState::ALL.to_vec()),
            st in any_step(),
            owner in any::<bool>(),
        ) {
            let party = if owner { Party::Owner } else { Party::Person };
            if let Ok(TicketState::Closed) = step(s, &st, party) {
                prop_assert_eq!(party, Party::Person);
                prop_assert_eq!(s, TicketState::Answered);
            }
        }
    }
}
