//! 双随机一公开: a department's inspection plan draws its targets (licensed entities of the
//! plan's license types and regions) and, for each target, its inspectors (staff qualified
//! for the plan) at random, by SM3 of a recorded seed, so that anyone with the seed and the
//! published lists re-runs the draw to the same result (`echo -n "seed:t:ID" | sm3sum`).
//! An inspector is never drawn for a target in the county where they live (the region their
//! account is registered to, when a county or finer), nor for one whose license they
//! approved; at least two inspectors go to each target (行政执法 needs two).
//! Results are published within 20 working days of the draw.

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};
use sm3::{Digest, Sm3};

use crate::error::{FieldError, Problems};
use crate::ids::{RegionCode, RegionLevel};

/// Inspectors per target: 行政执法人员不少于两人.
pub const MIN_INSPECTORS: u32 = 2;
/// Results are public within this many working days of the draw.
pub const PUBLISH_WITHIN_WORKING_DAYS: u32 = 20;

/// A plan as its department writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub title: String,
    pub department: String,
    /// The plan's region: targets are drawn from it and the regions under it.
    pub region: String,
    /// License types whose valid holders may be drawn (食品经营许可证 …).
    pub license_types: Vec<String>,
    /// 抽查事项: what is checked, in words.
    pub scope: String,
    /// Targets to draw.
    pub targets: u32,
    /// Inspectors per target.
    pub inspectors_per_target: u32,
}

impl Plan {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut p = Problems::default();
        for (field, v, label, max) in [
            ("title", &self.title, "计划名称", 100),
            ("scope", &self.scope, "抽查内容", 500),
            ("department", &self.department, "实施部门", 64),
        ] {
            if v.trim().is_empty() {
                p.push(field, "required", format!("请填写{label}"));
            } else if v.chars().count() > max {
                p.push(field, "too_long", format!("{label}不能超过 {max} 个字"));
            }
        }
        if RegionCode::parse(self.region.trim()).is_err() {
            p.push("region", "invalid", "抽查地区应为 6 位或 12 位行政区划代码");
        }
        if self.license_types.iter().all(|t| t.trim().is_empty()) {
            p.push("license_types", "required", "请至少选择一种证照类型");
        }
        if !(1..=500).contains(&self.targets) {
            p.push("targets", "invalid", "抽取对象数应在 1 至 500 之间");
        }
        if !(MIN_INSPECTORS..=5).contains(&self.inspectors_per_target) {
            p.push(
                "inspectors_per_target",
                "invalid",
                format!("每个对象的检查人员应为 {MIN_INSPECTORS} 至 5 人"),
            );
        }
        p.into_result()
    }
}

/// An entity that may be drawn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    /// 统一社会信用代码 or 身份证号码.
    pub id: String,
    pub name: String,
    /// Where it is (its license's region).
    pub region: String,
    /// Staff who approved its license (they may not inspect it).
    pub approved_by: Vec<String>,
}

/// A staff member who may be drawn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inspector {
    pub id: String,
    pub name: String,
    /// The region they live in (they may not inspect targets there).
    pub residence: String,
}

/// One drawn target with its inspectors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub target: Candidate,
    /// SM3 of `seed:t:ID`, hex: the target's place in the draw.
    pub digest: String,
    pub inspectors: Vec<Inspector>,
    /// Inspectors passed over for this target and why (回避), for the public record.
    pub avoided: Vec<(String, String)>,
}

/// Why a draw cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DrawError {
    #[error("没有可抽取的对象")]
    NoTargets,
    #[error("“{0}”可派的检查人员不足 {1} 人（其余人员需回避）")]
    TooFewInspectors(String, u32),
    #[error("抽取种子不能为空")]
    NoSeed,
}

fn digest(seed: &str, kind: &str, id: &str) -> String {
    hex::encode(Sm3::digest(format!("{seed}:{kind}:{id}").as_bytes()))
}

/// Whether `inspector` must stand aside for `target`, and why.
pub fn conflict(inspector: &Inspector, target: &Candidate) -> Option<&'static str> {
    if target.approved_by.iter().any(|a| a == &inspector.id) {
        return Some("曾审批该对象的许可");
    }
    // 属地回避 is about the county (or township) one lives in: a city or province is too
    // wide a home to stand aside from.
    let (Ok(home), Ok(there)) = (
        RegionCode::parse(inspector.residence.trim()),
        RegionCode::parse(target.region.trim()),
    ) else {
        return None;
    };
    if home.level() >= RegionLevel::County && (there.is_within(&home) || home.is_within(&there)) {
        return Some("居住地与检查对象同一县（区）");
    }
    None
}

/// The draw: targets ranked by SM3 of `seed:t:ID`, the first `plan.targets` taken; for each,
/// inspectors ranked by SM3 of `seed:i:TARGET:ID`, those in conflict passed over, the first
/// `plan.inspectors_per_target` taken. The same seed and lists give the same result.
pub fn draw(
    seed: &str,
    plan: &Plan,
    candidates: &[Candidate],
    inspectors: &[Inspector],
) -> Result<Vec<Assignment>, DrawError> {
    if seed.trim().is_empty() {
        return Err(DrawError::NoSeed);
    }
    if candidates.is_empty() {
        return Err(DrawError::NoTargets);
    }
    let mut ranked: Vec<(String, &Candidate)> = candidates
        .iter()
        .map(|c| (digest(seed, "t", &c.id), c))
        .collect();
    ranked.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = Vec::new();
    for (d, target) in ranked.into_iter().take(plan.targets as usize) {
        let mut staff: Vec<(String, &Inspector)> = inspectors
            .iter()
            .map(|i| (digest(seed, &format!("i:{}", target.id), &i.id), i))
            .collect();
        staff.sort_by(|a, b| a.0.cmp(&b.0));
        let mut chosen = Vec::new();
        let mut avoided = Vec::new();
        for (_, i) in staff {
            if chosen.len() as u32 == plan.inspectors_per_target {
                break;
            }
            match conflict(i, target) {
                Some(why) => avoided.push((i.name.clone(), why.to_string())),
                None => chosen.push(i.clone()),
            }
        }
        if (chosen.len() as u32) < plan.inspectors_per_target {
            return Err(DrawError::TooFewInspectors(
                target.name.clone(),
                plan.inspectors_per_target,
            ));
        }
        out.push(Assignment {
            target: target.clone(),
            digest: d,
            inspectors: chosen,
            avoided,
        });
    }
    Ok(out)
}

/// What an inspection found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// 未发现问题.
    Passed,
    /// 发现问题，责令整改.
    Rectify,
    /// 发现违法行为，移交立案.
    Violation,
    /// 未找到对象（经营场所无人、已停业）.
    NotFound,
}

impl Outcome {
    pub const ALL: &'static [Outcome] = &[
        Outcome::Passed,
        Outcome::Rectify,
        Outcome::Violation,
        Outcome::NotFound,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Rectify => "rectify",
            Outcome::Violation => "violation",
            Outcome::NotFound => "not_found",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.iter().copied().find(|o| o.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Outcome::Passed => "未发现问题",
            Outcome::Rectify => "发现问题，责令整改",
            Outcome::Violation => "发现违法行为，移交立案",
            Outcome::NotFound => "未发现检查对象",
        }
    }

    /// Findings go on the credit record (a rectification order or a violation).
    pub fn is_finding(self) -> bool {
        matches!(self, Outcome::Rectify | Outcome::Violation)
    }
}

/// A result as an inspector records it: findings are required for anything but a pass.
pub fn check_result(outcome: Outcome, findings: &str) -> Result<(), Vec<FieldError>> {
    let mut p = Problems::default();
    let f = findings.trim();
    if outcome != Outcome::Passed && f.is_empty() {
        p.push("findings", "required", "请写明检查发现的问题");
    }
    if f.chars().count() > 2000 {
        p.push("findings", "too_long", "检查情况不能超过 2000 个字");
    }
    p.into_result()
}
