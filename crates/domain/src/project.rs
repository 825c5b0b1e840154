//! 工程建设项目审批: a construction or investment project under its 投资项目代码, approved in
//! four stages (立项用地规划许可, 工程建设许可, 施工许可, 竣工验收), each run as one bundle of
//! parallel departments, against one clock: the working days the government holds the file,
//! against a promise (80 working days in the reform documents the seeds cite), not counting
//! the spans when the enterprise or an intermediary holds it (补正, 整改, 中介服务, 公示).
//!
//! Which bundles make up the stages is data (`Path`), chosen by the project's category: a
//! low-risk small warehouse runs a shorter path than a hospital.

pub mod departments;
pub mod joint;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::calendar::{Pause, WorkCalendar};
use crate::error::{FieldError, Problems};

/// The reform documents' promise for the whole approval of a project, in working days; a
/// platform may configure another.
pub const DEFAULT_PROMISED_DAYS: u32 = 80;

/// Characters in a 投资项目代码 as the national online platform (全国投资项目在线审批监管平台)
/// issues it (GB/T 40058-2021: "24 位").
pub const CODE_LEN: usize = 24;

/// Checks a 投资项目代码 as far as is confirmed here: 24 characters of digits, capital
/// letters and hyphens, with at least 18 digits. GB/T 40058-2021 also fixes the segments (time,
/// region, department, project type, random part) and a check character, but their widths
/// and the check algorithm could not be confirmed from the standard's text, so they are not
/// checked: a code that passes here may still be refused by the national platform.
pub fn check_code(code: &str) -> Result<String, FieldError> {
    let c = code.trim().to_ascii_uppercase();
    let bad = |why: &str| {
        FieldError::new(
            "code",
            "invalid",
            format!("投资项目代码{why}：应为投资项目在线审批监管平台赋予的 24 位代码"),
        )
    };
    if c.is_empty() {
        return Err(FieldError::new("code", "required", "请填写投资项目代码"));
    }
    if c.chars().count() != CODE_LEN {
        return Err(bad(&format!("长度为 {} 位", c.chars().count())));
    }
    if let Some(ch) = c
        .chars()
        .find(|ch| !(ch.is_ascii_digit() || ch.is_ascii_uppercase() || *ch == '-'))
    {
        return Err(bad(&format!("含有不允许的字符“{ch}”")));
    }
    if c.chars().filter(char::is_ascii_digit).count() < 18 {
        return Err(bad("中数字过少"));
    }
    Ok(c)
}

/// Who invests (政府投资 / 企业投资).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = ProjectFunding))]
pub enum Funding {
    Government,
    Enterprise,
}

/// How the investment itself is decided: 审批 (government investment), 核准 (enterprise
/// projects on the 核准目录), 备案 (every other enterprise project).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = ProjectFiling))]
pub enum Filing {
    Approval,
    Verification,
    Record,
}

/// The path a project takes: a general one, or the short one of 社会投资低风险小型项目.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = ProjectCategory))]
pub enum Category {
    General,
    LowRiskSmall,
}

/// The four stages, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = ProjectStage))]
pub enum Stage {
    Initiation,
    Permit,
    Construction,
    Acceptance,
}

/// Why the government's clock stops (the file is with the enterprise or a third party).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = ProjectHoldReason))]
pub enum HoldReason {
    /// 补正: the enterprise completes its materials.
    Supplement,
    /// 整改: the enterprise rectifies after a joint review or acceptance.
    Rectification,
    /// 中介服务: an intermediary does its work (环评, 测绘, 图审 …).
    Intermediary,
    /// 公示: a statutory publicity period.
    Publicity,
    /// Between stages: one has finished, the enterprise has not filed the next yet.
    Preparing,
}

macro_rules! labelled {
    ($t:ty { $($v:ident => $s:literal, $l:literal;)+ }) => {
        impl $t {
            pub const ALL: &'static [$t] = &[$(<$t>::$v),+];
            pub fn as_str(self) -> &'static str {
                match self { $(<$t>::$v => $s),+ }
            }
            pub fn label(self) -> &'static str {
                match self { $(<$t>::$v => $l),+ }
            }
            pub fn parse(s: &str) -> Option<$t> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }
    };
}

labelled!(Funding {
    Government => "government", "政府投资";
    Enterprise => "enterprise", "企业投资";
});
labelled!(Filing {
    Approval => "approval", "审批";
    Verification => "verification", "核准";
    Record => "record", "备案";
});
labelled!(Category {
    General => "general", "一般项目";
    LowRiskSmall => "low_risk_small", "社会投资低风险小型项目";
});
labelled!(Stage {
    Initiation => "initiation", "立项用地规划许可";
    Permit => "permit", "工程建设许可";
    Construction => "construction", "施工许可";
    Acceptance => "acceptance", "竣工验收";
});
labelled!(HoldReason {
    Supplement => "supplement", "补正";
    Rectification => "rectification", "整改";
    Intermediary => "intermediary", "中介服务";
    Publicity => "publicity", "公示";
    Preparing => "preparing", "企业准备下一阶段申报";
});

impl HoldReason {
    /// What staff record; the span between stages is read from the stages themselves.
    pub const RECORDED: &'static [HoldReason] = &[
        HoldReason::Supplement,
        HoldReason::Rectification,
        HoldReason::Intermediary,
        HoldReason::Publicity,
    ];
}

/// A project as its owner registers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = ProjectDraft))]
pub struct ProjectDraft {
    /// 投资项目代码.
    pub code: String,
    pub name: String,
    pub funding: Funding,
    pub filing: Filing,
    pub category: Category,
    /// Where it is built (a region code).
    pub region: String,
    /// 用地: the land's location and its title (e.g. 出让, 不动产权证号).
    pub land: String,
    /// 建设规模及内容.
    pub scale: String,
    /// Total floor area in square metres.
    pub floor_area_m2: u32,
}

/// 社会投资低风险小型项目 in the reform documents: no more than this floor area.
pub const LOW_RISK_MAX_FLOOR_M2: u32 = 10_000;

impl ProjectDraft {
    /// Every problem, by field. Government investment is 审批; enterprise investment is 核准
    /// or 备案; only enterprise (社会) investment of limited size takes the low-risk path.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut p = Problems::default();
        if let Err(e) = check_code(&self.code) {
            p.0.push(e);
        }
        let name = self.name.trim().chars().count();
        if name == 0 || name > 100 {
            p.push("name", "required", "请填写项目名称（100 字以内）");
        }
        match (self.funding, self.filing) {
            (Funding::Government, Filing::Approval)
            | (Funding::Enterprise, Filing::Verification | Filing::Record) => {}
            (Funding::Government, _) => {
                p.push("filing", "inconsistent", "政府投资项目实行审批制");
            }
            (Funding::Enterprise, _) => {
                p.push("filing", "inconsistent", "企业投资项目实行核准制或备案制");
            }
        }
        if self.category == Category::LowRiskSmall {
            if self.funding != Funding::Enterprise {
                p.push(
                    "category",
                    "inconsistent",
                    "低风险小型项目限社会投资（企业投资）项目",
                );
            }
            if self.floor_area_m2 > LOW_RISK_MAX_FLOOR_M2 {
                p.push(
                    "category",
                    "too_large",
                    format!("低风险小型项目的总建筑面积不超过 {LOW_RISK_MAX_FLOOR_M2} 平方米"),
                );
            }
        }
        if crate::ids::RegionCode::parse(self.region.trim()).is_err() {
            p.push("region", "invalid", "请填写有效的行政区划代码");
        }
        if self.land.trim().is_empty() {
            p.push("land", "required", "请填写用地情况");
        }
        if self.scale.trim().is_empty() {
            p.push("scale", "required", "请填写建设规模及内容");
        }
        p.into_result()
    }
}

/// One stage of a path: the bundle that runs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = ProjectStagePlan))]
pub struct StagePlan {
    pub stage: Stage,
    /// The 一件事 bundle's code.
    pub bundle: String,
}

/// The stages a category of project runs through, as configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = ProjectPath))]
pub struct Path {
    pub category: Category,
    /// In order; a low-risk path may merge stages and so have fewer.
    pub stages: Vec<StagePlan>,
    /// Working days promised for the whole path.
    pub promised_days: u32,
}

impl Path {
    /// Stages strictly in order, each once, at least one, a promise of 1 to 200 days.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut p = Problems::default();
        if self.stages.is_empty() {
            p.push("stages", "required", "审批路径至少包含一个阶段");
        }
        if self.stages.windows(2).any(|w| w[0].stage >= w[1].stage) {
            p.push(
                "stages",
                "order",
                "阶段须按 立项用地规划许可、工程建设许可、施工许可、竣工验收 的顺序排列，且不重复",
            );
        }
        for (i, s) in self.stages.iter().enumerate() {
            if s.bundle.trim().is_empty() {
                p.push(
                    format!("stages[{i}].bundle"),
                    "required",
                    "请为该阶段指定一件事",
                );
            }
        }
        if !(1..=200).contains(&self.promised_days) {
            p.push("promised_days", "range", "承诺时限应为 1 至 200 个工作日");
        }
        p.into_result()
    }

    /// The stage that may start next, given those started already; None when all have.
    pub fn next(&self, started: &[Stage]) -> Option<&StagePlan> {
        self.stages.iter().find(|s| !started.contains(&s.stage))
    }
}

/// Whether `stage` may start now: it is on the path, not started yet, and every stage before
/// it on the path has finished (a stage starts on its predecessor's results).
pub fn may_start(
    path: &Path,
    stage: Stage,
    started: &[Stage],
    finished: &[Stage],
) -> Result<(), FieldError> {
    if !path.stages.iter().any(|s| s.stage == stage) {
        return Err(FieldError::new(
            "stage",
            "not_on_path",
            format!(
                "{}项目的审批路径不含“{}”阶段",
                path.category.label(),
                stage.label()
            ),
        ));
    }
    if started.contains(&stage) {
        return Err(FieldError::new(
            "stage",
            "started",
            format!("“{}”阶段已经启动", stage.label()),
        ));
    }
    if let Some(before) = path
        .stages
        .iter()
        .take_while(|s| s.stage != stage)
        .find(|s| !finished.contains(&s.stage))
    {
        return Err(FieldError::new(
            "stage",
            "predecessor",
            format!(
                "请先办结“{}”阶段，再启动“{}”阶段",
                before.stage.label(),
                stage.label()
            ),
        ));
    }
    Ok(())
}

/// A span the government's clock stands still, with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = ProjectHold))]
pub struct Hold {
    pub reason: HoldReason,
    /// The first day held.
    pub from: Date,
    /// The last day held; None while it lasts.
    pub to: Option<Date>,
    pub note: String,
}

/// The project's one clock on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = ProjectClock))]
pub struct Clock {
    /// Working days the government has held the file.
    pub used: u32,
    /// Working days within holds, not counted.
    pub held: u32,
    pub promised: u32,
    /// Working days left of the promise (0 when over).
    pub remaining: u32,
    pub within: bool,
}

/// The spans between stages, when the file is with the enterprise: from the day after a stage
/// finished to the day the next one was filed (open while it is not). `stages` are (filed,
/// finished) days; the last stage's finish ends the project's clock, so it opens no span.
pub fn between_stages(stages: &[(Date, Option<Date>)], path_len: usize) -> Vec<Hold> {
    let mut s = stages.to_vec();
    s.sort();
    let mut out = Vec::new();
    for (i, (_, finished)) in s.iter().enumerate() {
        let Some(f) = finished else { continue };
        let Some(from) = f.next_day() else { continue };
        let to = match s.get(i + 1) {
            Some((next, _)) => Some(*next),
            None if s.len() < path_len => None,
            None => continue,
        };
        if to.is_some_and(|t| t < from) {
            continue;
        }
        out.push(Hold {
            reason: HoldReason::Preparing,
            from,
            to,
            note: String::new(),
        });
    }
    out
}

/// Working days after `started` up to and including `today` that lie in no hold (an open hold
/// runs to `today`); the promise against them.
pub fn clock(
    started: Date,
    today: Date,
    holds: &[Hold],
    promised: u32,
    cal: &WorkCalendar,
) -> Clock {
    let pauses: Vec<Pause> = holds
        .iter()
        .map(|h| Pause {
            first: h.from,
            last: h.to.unwrap_or(today),
            reason: h.reason.label().into(),
        })
        .collect();
    let (mut used, mut held) = (0u32, 0u32);
    let mut d = started;
    while d < today {
        d = match d.next_day() {
            Some(n) => n,
            None => break,
        };
        if !cal.is_working_day(d) {
            continue;
        }
        if pauses.iter().any(|p| p.first <= d && d <= p.last) {
            held += 1;
        } else {
            used += 1;
        }
    }
    Clock {
        used,
        held,
        promised,
        remaining: promised.saturating_sub(used),
        within: used <= promised,
    }
}

/// What the statistics need of one project: its category and, once started, its clock and
/// whether every stage has finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectFacts {
    pub category: Category,
    pub clock: Option<Clock>,
    pub completed: bool,
}

/// Figures of one category of projects.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryFigures {
    pub category: Category,
    pub projects: usize,
    pub started: usize,
    pub completed: usize,
    /// Mean government working days used by the started projects.
    pub mean_used: f64,
    /// Share of the started projects within their promise so far, 0–1.
    pub within_share: f64,
}

/// Per category, in `Category::ALL`'s order; categories without projects are left out.
pub fn category_figures(projects: &[ProjectFacts]) -> Vec<CategoryFigures> {
    Category::ALL
        .iter()
        .filter_map(|&category| {
            let of: Vec<&ProjectFacts> =
                projects.iter().filter(|p| p.category == category).collect();
            if of.is_empty() {
                return None;
            }
            let clocks: Vec<&Clock> = of.iter().filter_map(|p| p.clock.as_ref()).collect();
            let started = clocks.len();
            let mean_used = if started == 0 {
                0.0
            } else {
                clocks.iter().map(|c| f64::from(c.used)).sum::<f64>() / started as f64
            };
            let within = clocks.iter().filter(|c| c.within).count();
            Some(CategoryFigures {
                category,
                projects: of.len(),
                started,
                completed: of.iter().filter(|p| p.completed).count(),
                mean_used,
                within_share: if started == 0 {
                    0.0
                } else {
                    within as f64 / started as f64
                },
            })
        })
        .collect()
}

/// One finished stage: the working days it took, not counting holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageFacts {
    pub stage: Stage,
    pub started: Date,
    pub finished: Option<Date>,
    pub holds: Vec<Hold>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageFigures {
    pub stage: Stage,
    pub started: usize,
    pub finished: usize,
    /// Mean government working days of the finished ones.
    pub mean_days: f64,
}

/// Per stage, in order; stages never started are left out.
pub fn stage_figures(stages: &[StageFacts], cal: &WorkCalendar) -> Vec<StageFigures> {
    Stage::ALL
        .iter()
        .filter_map(|&stage| {
            let of: Vec<&StageFacts> = stages.iter().filter(|s| s.stage == stage).collect();
            if of.is_empty() {
                return None;
            }
            let days: Vec<u32> = of
                .iter()
                .filter_map(|s| {
                    s.finished
                        .map(|f| clock(s.started, f, &s.holds, 0, cal).used)
                })
                .collect();
            Some(StageFigures {
                stage,
                started: of.len(),
                finished: days.len(),
                mean_days: if days.is_empty() {
                    0.0
                } else {
                    days.iter().map(|d| f64::from(*d)).sum::<f64>() / days.len() as f64
                },
            })
        })
        .collect()
}
