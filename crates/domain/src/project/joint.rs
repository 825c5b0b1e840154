//! 联合审图 and 联合验收: one submission, every department's opinion on it, the lead
//! department's combined decision (一家牵头、多部门配合、限期办结). When any department asks
//! for changes, the enterprise gets every department's points in one notice (一次性告知) and
//! resubmits once for all of them; the next round starts with no opinions.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::error::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = JointKind))]
pub enum JointKind {
    /// 联合审图 (施工图审查 with the fire, civil-defence and other design reviews).
    DrawingReview,
    /// 联合验收 (竣工 acceptance by every department at once).
    Acceptance,
}

impl JointKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JointKind::DrawingReview => "drawing_review",
            JointKind::Acceptance => "acceptance",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            JointKind::DrawingReview => "联合审图",
            JointKind::Acceptance => "联合验收",
        }
    }
    pub fn parse(s: &str) -> Option<JointKind> {
        [JointKind::DrawingReview, JointKind::Acceptance]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = JointState))]
pub enum JointState {
    /// Departments are giving opinions on the current round.
    Open,
    /// Sent back: the enterprise rectifies (the clock is held).
    Rectifying,
    Passed,
}

impl JointState {
    pub fn label(self) -> &'static str {
        match self {
            JointState::Open => "各部门审查中",
            JointState::Rectifying => "整改中",
            JointState::Passed => "已通过",
        }
    }
}

/// One department's opinion on one round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = JointOpinion))]
pub struct Opinion {
    pub pass: bool,
    /// What must change, one point each; empty when it passes.
    pub points: Vec<String>,
    /// The staff member who gave it.
    pub by: String,
}

/// A joint step of a project stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = JointStep))]
pub struct Step {
    pub kind: JointKind,
    /// 牵头部门.
    pub lead: String,
    /// Every department that gives an opinion, the lead among them.
    pub departments: Vec<String>,
    /// 1 for the first submission, one more after each rectification.
    pub round: u32,
    pub state: JointState,
    /// This round's opinions, by department.
    pub opinions: BTreeMap<String, Opinion>,
    /// The combined notice of the last round sent back, by department.
    pub notice: BTreeMap<String, Vec<String>>,
}

impl Step {
    /// A step with its lead and the departments taking part (the lead is added if missing).
    pub fn new(kind: JointKind, lead: &str, departments: &[String]) -> Result<Step, FieldError> {
        if lead.trim().is_empty() {
            return Err(FieldError::new("lead", "required", "请指定牵头部门"));
        }
        let mut all: Vec<String> = departments
            .iter()
            .map(|d| d.trim().to_string())
            .filter(|d| !d.is_empty())
            .collect();
        if !all.iter().any(|d| d == lead) {
            all.insert(0, lead.to_string());
        }
        all.dedup();
        if all.len() < 2 {
            return Err(FieldError::new(
                "departments",
                "too_few",
                format!("{}至少需要两个部门参加", kind.label()),
            ));
        }
        Ok(Step {
            kind,
            lead: lead.to_string(),
            departments: all,
            round: 1,
            state: JointState::Open,
            opinions: BTreeMap::new(),
            notice: BTreeMap::new(),
        })
    }

    /// A department records (or corrects) its opinion on the open round. Asking for changes
    /// needs at least one point.
    pub fn opine(
        &mut self,
        department: &str,
        pass: bool,
        points: &[String],
        by: &str,
    ) -> Result<(), FieldError> {
        if !self.departments.iter().any(|d| d == department) {
            return Err(FieldError::new(
                "department",
                "not_taking_part",
                format!("本部门不参加此次{}", self.kind.label()),
            ));
        }
        if self.state != JointState::Open {
            return Err(FieldError::new(
                "state",
                "not_open",
                format!("{}不在审查中（{}）", self.kind.label(), self.state.label()),
            ));
        }
        let points: Vec<String> = points
            .iter()
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect();
        if !pass && points.is_empty() {
            return Err(FieldError::new(
                "points",
                "required",
                "需要整改时请逐条写明整改要求",
            ));
        }
        if pass && !points.is_empty() {
            return Err(FieldError::new(
                "points",
                "inconsistent",
                "审查通过时不应附整改要求",
            ));
        }
        self.opinions.insert(
            department.to_string(),
            Opinion {
                pass,
                points,
                by: by.to_string(),
            },
        );
        Ok(())
    }

    /// Departments that have not given an opinion on this round.
    pub fn waiting(&self) -> Vec<&str> {
        self.departments
            .iter()
            .filter(|d| !self.opinions.contains_key(*d))
            .map(String::as_str)
            .collect()
    }

    /// The lead closes the round once every department has spoken: passed when all pass,
    /// otherwise sent back with every department's points in one notice.
    pub fn close(&mut self, department: &str) -> Result<JointState, FieldError> {
        if department != self.lead {
            return Err(FieldError::new(
                "department",
                "not_lead",
                "只有牵头部门可以作出综合决定",
            ));
        }
        if self.state != JointState::Open {
            return Err(FieldError::new(
                "state",
                "not_open",
                format!("{}不在审查中（{}）", self.kind.label(), self.state.label()),
            ));
        }
        let waiting = self.waiting();
        if !waiting.is_empty() {
            return Err(FieldError::new(
                "opinions",
                "missing",
                format!(
                    "还有 {} 个部门未出具意见：{}",
                    waiting.len(),
                    waiting.join("、")
                ),
            ));
        }
        let notice: BTreeMap<String, Vec<String>> = self
            .opinions
            .iter()
            .filter(|(_, o)| !o.pass)
            .map(|(d, o)| (d.clone(), o.points.clone()))
            .collect();
        self.state = if notice.is_empty() {
            JointState::Passed
        } else {
            self.notice = notice;
            JointState::Rectifying
        };
        Ok(self.state)
    }

    /// The enterprise resubmits after rectifying: a new round with no opinions.
    pub fn resubmit(&mut self) -> Result<(), FieldError> {
        if self.state != JointState::Rectifying {
            return Err(FieldError::new(
                "state",
                "not_rectifying",
                "只有被退回整改后才能重新提交",
            ));
        }
        self.round += 1;
        self.state = JointState::Open;
        self.opinions.clear();
        Ok(())
    }
}
