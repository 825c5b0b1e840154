//! 12345 limits as configuration: per kind, and per region where a county sets its own.

use serde::{Deserialize, Serialize};

use super::Kind;
use crate::ids::RegionCode;

/// Limits per kind, as configuration. The defaults follow common 12345 practice (respond
/// within 2 hours; 咨询 in 1 working day, 求助 and 投诉 in 5, 举报 in 15); they are no national
/// rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = HotlineLimits))]
#[serde(default)]
pub struct Limits {
    /// Hours from dispatch to 签收.
    pub respond_hours: u32,
    /// Working days from dispatch to the reply, per kind (its `as_str`).
    pub finish_days: Vec<(Kind, u32)>,
    /// Longest extension, in working days.
    pub max_extension_days: u32,
    /// Days back a ticket is compared with for duplicates.
    pub duplicate_days: u32,
    /// Regions with limits of their own (`[[hotline.regions]]`): every region containing a
    /// ticket's place applies, the deeper over the higher (a county over its city); what none
    /// sets is the deployment's.
    pub regions: Vec<RegionLimits>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            respond_hours: 2,
            finish_days: vec![
                (Kind::Consult, 1),
                (Kind::Help, 5),
                (Kind::Complaint, 5),
                (Kind::Report, 15),
                (Kind::Suggestion, 5),
                (Kind::Praise, 5),
            ],
            max_extension_days: 10,
            duplicate_days: 7,
            regions: Vec::new(),
        }
    }
}

impl Limits {
    /// Whether the configured limits make sense; the message names the key.
    pub fn check(&self) -> Result<(), String> {
        if !(1..=72).contains(&self.respond_hours) {
            return Err(format!(
                "hotline.respond_hours 应为 1–72 小时，实际为 {}",
                self.respond_hours
            ));
        }
        for (k, d) in &self.finish_days {
            if !(1..=60).contains(d) {
                return Err(format!(
                    "hotline.finish_days 中“{}”应为 1–60 个工作日，实际为 {d}",
                    k.label()
                ));
            }
        }
        if self.max_extension_days > 30 || self.duplicate_days > 90 {
            return Err("hotline.max_extension_days 不超过 30，duplicate_days 不超过 90".into());
        }
        let mut seen = std::collections::BTreeSet::new();
        for r in &self.regions {
            let code = RegionCode::parse(r.region.trim()).map_err(|_| {
                format!(
                    "hotline.regions 中的 region “{}” 不是行政区划代码",
                    r.region
                )
            })?;
            if !seen.insert(code.as_str().to_string()) {
                return Err(format!("hotline.regions 中 region {} 重复", r.region));
            }
            self.for_region(code.as_str())
                .check_own()
                .map_err(|e| format!("hotline.regions（{}）：{e}", r.region))?;
        }
        Ok(())
    }

    /// The checks of one set of limits (without its regions).
    fn check_own(&self) -> Result<(), String> {
        Limits {
            regions: Vec::new(),
            ..self.clone()
        }
        .check()
    }

    /// The limits for a ticket in `region`: the deployment's, with the values of each region
    /// containing it over them, the deepest last.
    pub fn for_region(&self, region: &str) -> Limits {
        let mut own: Vec<&RegionLimits> = self
            .regions
            .iter()
            .filter(|r| within(region, r.region.trim()))
            .collect();
        // The city's values first, then the county's over them.
        own.sort_by_key(|r| depth(r.region.trim()));
        let mut l = Limits {
            regions: Vec::new(),
            ..self.clone()
        };
        for r in own {
            if let Some(h) = r.respond_hours {
                l.respond_hours = h;
            }
            for (kind, days) in &r.finish_days {
                match l.finish_days.iter_mut().find(|(k, _)| k == kind) {
                    Some(slot) => slot.1 = *days,
                    None => l.finish_days.push((*kind, *days)),
                }
            }
        }
        l
    }

    pub fn finish_days(&self, kind: Kind) -> u32 {
        self.finish_days
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, d)| *d)
            .unwrap_or(5)
    }
}

/// A region's own limits (`[[hotline.regions]]`); what it leaves out is the deployment's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = HotlineRegionLimits))]
pub struct RegionLimits {
    /// The region code (a county: six digits); its places below take these limits.
    pub region: String,
    #[serde(default)]
    pub respond_hours: Option<u32>,
    /// Working days per kind that differ from the deployment's.
    #[serde(default)]
    pub finish_days: Vec<(Kind, u32)>,
}

/// How far down the tree a region sits (a county below its city, though both codes have six
/// digits).
fn depth(region: &str) -> usize {
    RegionCode::parse(region).map_or(0, |c| c.ancestry().len())
}

/// Whether `place` lies in `region`, by code: 511602001 in 511602, 511602 in 511600 (a code's
/// trailing zeros stand for the whole area).
fn within(place: &str, region: &str) -> bool {
    match (RegionCode::parse(place), RegionCode::parse(region)) {
        (Ok(p), Ok(r)) => p.is_within(&r),
        _ => false,
    }
}
