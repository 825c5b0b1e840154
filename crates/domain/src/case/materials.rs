//! Material completeness, computed once against the case's item version so the one-time
//! notice (一次性告知) can list everything at once.

use serde::Serialize;
use time::Date;

use super::{Case, Provision};
use crate::catalog::ItemDefinition;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Completeness {
    /// Mandatory materials neither provided nor pending.
    pub missing: Vec<String>,
    /// Of `missing`, those that are key (核心材料): never tolerable.
    pub missing_key: Vec<String>,
    /// Pending under 容缺受理, with their due dates.
    pub pending: Vec<(String, Date)>,
    /// Pending past their due date at `today`.
    pub overdue: Vec<String>,
}

impl Completeness {
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty() && self.pending.is_empty()
    }
}

pub fn completeness(case: &Case, item: &ItemDefinition, today: Date) -> Completeness {
    let mut c = Completeness::default();
    for m in &item.materials {
        match case.materials.get(&m.name).unwrap_or(&Provision::Missing) {
            Provision::Pending { due } => {
                c.pending.push((m.name.clone(), *due));
                if *due < today {
                    c.overdue.push(m.name.clone());
                }
            }
            p if p.is_provided() => {}
            _ if m.mandatory => {
                c.missing.push(m.name.clone());
                if m.key {
                    c.missing_key.push(m.name.clone());
                }
            }
            _ => {}
        }
    }
    c
}

/// What the applicant has to do on a case now, if anything, for 我的办件 ("needs you" first).
pub fn applicant_todo(case: &Case) -> Option<&'static str> {
    use super::CaseState as S;
    match case.state {
        S::Draft => Some("待提交"),
        S::SupplementRequested => Some("待补正"),
        S::Accepted | S::InReview | S::Suspended
            if case
                .materials
                .values()
                .any(|p| matches!(p, Provision::Pending { .. })) =>
        {
            Some("待补交容缺材料")
        }
        _ => None,
    }
}

/// A draft the applicant deleted (withdrawn before it was ever filed).
pub fn is_deleted_draft(case: &Case) -> bool {
    case.state == super::CaseState::Withdrawn && case.submitted_at.is_none()
}
