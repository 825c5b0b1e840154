//! 中介超市: an online market where enterprises and government buyers post intermediary
//! service jobs (中介服务项目), registered intermediaries (中介机构) bid within the window, one is
//! chosen openly by the job's method, the contract is recorded, the report delivered and the
//! service rated. Overdue delivery, bad ratings and breaches feed a public credit list.
//!
//! The rules here are the platform's (who may bid, how each method selects, when an
//! intermediary is listed), not quoted law: local 中介超市 管理办法 differ and set their own.

mod selection;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::error::{FieldError, Problems};
use crate::ids::RegionCode;

pub use selection::{DrawEntry, Selected, draw, select};

/// The service types the market lists (the ones a construction project most often buys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = MarketService))]
pub enum Service {
    /// 环境影响评价.
    EnvironmentalImpact,
    /// 安全评价.
    SafetyAssessment,
    /// 测绘.
    Surveying,
    /// 施工图审查.
    DrawingReview,
    /// 节能评估.
    EnergyAssessment,
    /// 水土保持方案编制.
    SoilConservation,
    /// 工程造价咨询.
    CostConsulting,
}

impl Service {
    pub const ALL: &'static [Service] = &[
        Service::EnvironmentalImpact,
        Service::SafetyAssessment,
        Service::Surveying,
        Service::DrawingReview,
        Service::EnergyAssessment,
        Service::SoilConservation,
        Service::CostConsulting,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Service::EnvironmentalImpact => "environmental_impact",
            Service::SafetyAssessment => "safety_assessment",
            Service::Surveying => "surveying",
            Service::DrawingReview => "drawing_review",
            Service::EnergyAssessment => "energy_assessment",
            Service::SoilConservation => "soil_conservation",
            Service::CostConsulting => "cost_consulting",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Service::EnvironmentalImpact => "环境影响评价",
            Service::SafetyAssessment => "安全评价",
            Service::Surveying => "测绘",
            Service::DrawingReview => "施工图审查",
            Service::EnergyAssessment => "节能评估",
            Service::SoilConservation => "水土保持方案编制",
            Service::CostConsulting => "工程造价咨询",
        }
    }

    pub fn parse(s: &str) -> Option<Service> {
        Service::ALL.iter().copied().find(|v| v.as_str() == s)
    }
}

/// How the winner of a job is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = MarketMethod))]
pub enum Method {
    /// 直接选取: the buyer picks one of the bidders.
    Direct,
    /// 竞价: the lowest valid price (the earlier bid on a tie).
    LowestPrice,
    /// 随机抽取: a draw among the qualified bidders with a recorded seed anyone can re-run.
    Random,
    /// 综合评价: price points (the lowest price scores 60) plus the buyer's quality points
    /// (0–40) for each bid; the highest total wins.
    Scored,
}

impl Method {
    pub const ALL: &'static [Method] = &[
        Method::Direct,
        Method::LowestPrice,
        Method::Random,
        Method::Scored,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Direct => "direct",
            Method::LowestPrice => "lowest_price",
            Method::Random => "random",
            Method::Scored => "scored",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Method::Direct => "直接选取",
            Method::LowestPrice => "竞价（最低有效报价）",
            Method::Random => "随机抽取",
            Method::Scored => "综合评价",
        }
    }

    pub fn parse(s: &str) -> Option<Method> {
        Method::ALL.iter().copied().find(|v| v.as_str() == s)
    }
}

/// A qualification (资质) or filing an intermediary holds for one service, valid until a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = MarketQualification))]
pub struct Qualification {
    pub service: Service,
    /// 资质名称及等级, e.g. 乙级测绘资质.
    pub name: String,
    /// 证书编号.
    pub number: String,
    /// The last day it is valid.
    pub valid_until: Date,
}

/// What an intermediary registers with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = MarketRegistration))]
pub struct Registration {
    /// 统一社会信用代码 (GB 32100-2015).
    pub credit_code: String,
    pub name: String,
    pub services: Vec<Service>,
    /// Region codes it serves, each with every region below it (511600 is all of 广安市).
    pub regions: Vec<String>,
    pub qualifications: Vec<Qualification>,
    /// 从业人员 count.
    pub staff: u32,
    pub phone: String,
}

impl Registration {
    /// Every problem, by field. A service needs a qualification for it that is still valid
    /// on `today`.
    pub fn validate(&self, today: Date) -> Result<(), Vec<FieldError>> {
        let mut p = Problems::default();
        if let Err(e) = crate::ids::CreditCode::parse(&self.credit_code) {
            p.push(
                "credit_code",
                "invalid",
                format!("统一社会信用代码有误：{e}"),
            );
        }
        p.text("name", &self.name, "机构名称", 100);
        p.text("phone", &self.phone, "联系电话", 30);
        if self.services.is_empty() {
            p.push("services", "required", "请至少选择一项服务类型");
        }
        if self.regions.is_empty() {
            p.push("regions", "required", "请至少填写一个服务区域");
        }
        for (i, r) in self.regions.iter().enumerate() {
            if let Err(e) = RegionCode::parse(r) {
                p.push(
                    format!("regions[{i}]"),
                    "invalid",
                    format!("服务区域“{r}”不是行政区划代码：{e}"),
                );
            }
        }
        if self.staff == 0 {
            p.push("staff", "required", "从业人员数应大于 0");
        }
        for (i, q) in self.qualifications.iter().enumerate() {
            p.text(
                &format!("qualifications[{i}].name"),
                &q.name,
                "资质名称",
                60,
            );
            p.text(
                &format!("qualifications[{i}].number"),
                &q.number,
                "证书编号",
                60,
            );
        }
        for s in &self.services {
            if self.valid_qualification(*s, today).is_none() {
                p.push(
                    "qualifications",
                    "missing",
                    format!("“{}”缺少有效期内的资质证书", s.label()),
                );
            }
        }
        p.into_result()
    }

    /// A qualification for `service` valid on `day`.
    pub fn valid_qualification(&self, service: Service, day: Date) -> Option<&Qualification> {
        self.qualifications
            .iter()
            .find(|q| q.service == service && q.valid_until >= day)
    }

    /// Whether it serves `region` (the region is one of its regions or lies below one).
    pub fn serves(&self, region: &str) -> bool {
        let Ok(region) = RegionCode::parse(region) else {
            return false;
        };
        self.regions
            .iter()
            .filter_map(|r| RegionCode::parse(r).ok())
            .any(|r| region.is_within(&r))
    }
}

/// Where an intermediary's registration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = MarketStanding))]
pub enum Standing {
    /// Waiting for an administrator's review.
    Pending,
    Approved,
    Rejected,
}

impl Standing {
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Pending => "pending",
            Standing::Approved => "approved",
            Standing::Rejected => "rejected",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Standing::Pending => "待审核",
            Standing::Approved => "已入驻",
            Standing::Rejected => "未通过",
        }
    }
    pub fn parse(s: &str) -> Option<Standing> {
        [Standing::Pending, Standing::Approved, Standing::Rejected]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// A job as a buyer posts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = MarketJobPost))]
pub struct JobPost {
    pub title: String,
    pub service: Service,
    /// 服务范围及要求.
    pub scope: String,
    /// The highest price accepted, in fen.
    pub budget_cap: i64,
    /// Bids are taken until this moment.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::DateTime))]
    pub bid_deadline: OffsetDateTime,
    /// Natural days from the contract to delivery.
    pub delivery_days: u32,
    pub method: Method,
    /// The region where the service is done.
    pub region: String,
    /// 投资项目代码 of the project it serves, if any.
    #[serde(default)]
    pub project_code: String,
}

/// The shortest window for bids: a job open for less is not open to all.
pub const MIN_BID_HOURS: i64 = 24;
/// Budgets above this (one hundred million yuan) are a typing mistake here.
pub const MAX_BUDGET_FEN: i64 = 10_000_000_000;

impl JobPost {
    pub fn validate(&self, now: OffsetDateTime) -> Result<(), Vec<FieldError>> {
        let mut p = Problems::default();
        p.text("title", &self.title, "项目名称", 100);
        p.text("scope", &self.scope, "服务范围及要求", 2000);
        if self.budget_cap <= 0 {
            p.push("budget_cap", "required", "最高限价应大于 0");
        } else if self.budget_cap > MAX_BUDGET_FEN {
            p.push("budget_cap", "too_large", "最高限价超过一亿元，请核对");
        }
        if self.bid_deadline < now + time::Duration::hours(MIN_BID_HOURS) {
            p.push(
                "bid_deadline",
                "too_soon",
                format!("报名截止时间应在发布后至少 {MIN_BID_HOURS} 小时"),
            );
        }
        if !(1..=365).contains(&self.delivery_days) {
            p.push("delivery_days", "invalid", "服务期限应为 1 至 365 天");
        }
        if let Err(e) = RegionCode::parse(&self.region) {
            p.push(
                "region",
                "invalid",
                format!("服务地区不是行政区划代码：{e}"),
            );
        }
        if self.project_code.trim().chars().count() > 40 {
            p.push("project_code", "too_long", "投资项目代码不能超过 40 个字符");
        }
        p.into_result()
    }
}

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = MarketJobState))]
pub enum JobState {
    /// Taking bids until the deadline.
    Open,
    /// The window closed with no valid bid (流标).
    Failed,
    /// A winner chosen; the contract is not recorded yet.
    Selected,
    Contracted,
    /// The report is delivered; waiting for the buyer's rating.
    Delivered,
    Rated,
    /// The buyer withdrew it before any bid.
    Withdrawn,
}

impl JobState {
    pub const ALL: &'static [JobState] = &[
        JobState::Open,
        JobState::Failed,
        JobState::Selected,
        JobState::Contracted,
        JobState::Delivered,
        JobState::Rated,
        JobState::Withdrawn,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Open => "open",
            JobState::Failed => "failed",
            JobState::Selected => "selected",
            JobState::Contracted => "contracted",
            JobState::Delivered => "delivered",
            JobState::Rated => "rated",
            JobState::Withdrawn => "withdrawn",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            JobState::Open => "报名中",
            JobState::Failed => "流标",
            JobState::Selected => "已选定",
            JobState::Contracted => "已签约",
            JobState::Delivered => "已交付",
            JobState::Rated => "已评价",
            JobState::Withdrawn => "已撤回",
        }
    }
    pub fn parse(s: &str) -> Option<JobState> {
        JobState::ALL.iter().copied().find(|v| v.as_str() == s)
    }
}

/// One bid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bid {
    pub credit_code: String,
    /// The offered price, in fen.
    pub price: i64,
    /// Natural days to deliver.
    pub days: u32,
    pub placed_at: OffsetDateTime,
    /// The buyer's quality points, 0–40 (综合评价 only).
    #[serde(default)]
    pub quality: Option<u32>,
}

/// Entries on the public credit list that bar an intermediary from bidding: a breach, or
/// this many overdue deliveries and bad ratings within a year.
pub const LISTED_AFTER: usize = 3;

/// What counts against an intermediary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = MarketMark))]
pub enum Mark {
    /// Delivered after the contract's deadline.
    Overdue,
    /// Rated 1 or 2 of 5.
    BadRating,
    /// 违约: the contract broken (recorded by an administrator).
    Breach,
}

impl Mark {
    pub fn as_str(self) -> &'static str {
        match self {
            Mark::Overdue => "overdue",
            Mark::BadRating => "bad_rating",
            Mark::Breach => "breach",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Mark::Overdue => "逾期交付",
            Mark::BadRating => "服务差评",
            Mark::Breach => "违约",
        }
    }
    pub fn parse(s: &str) -> Option<Mark> {
        [Mark::Overdue, Mark::BadRating, Mark::Breach]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// Whether the marks of the past year bar bidding.
pub fn listed(marks_in_year: &[Mark]) -> bool {
    marks_in_year.contains(&Mark::Breach) || marks_in_year.len() >= LISTED_AFTER
}

/// Who bids, as the checks see them.
pub struct Bidder<'a> {
    pub registration: &'a Registration,
    pub standing: Standing,
    pub marks_in_year: &'a [Mark],
}

/// Whether `bidder` may bid `price` and `days` on `job` at `at`, given the bids already in.
pub fn check_bid(
    job: &JobPost,
    state: JobState,
    bidder: &Bidder,
    price: i64,
    days: u32,
    at: OffsetDateTime,
    existing: &[Bid],
) -> Result<(), Vec<FieldError>> {
    let mut p = Problems::default();
    let reg = bidder.registration;
    if state != JobState::Open || at >= job.bid_deadline {
        p.push("job", "closed", "报名已截止，不能再报价");
        return p.into_result();
    }
    if bidder.standing != Standing::Approved {
        p.push("bidder", "not_approved", "机构入驻尚未审核通过，不能报价");
    }
    if listed(bidder.marks_in_year) {
        p.push(
            "bidder",
            "listed",
            "机构已列入中介超市失信名单，一年内不能报价",
        );
    }
    if !reg.services.contains(&job.service) {
        p.push(
            "bidder",
            "service",
            format!("机构未登记“{}”服务", job.service.label()),
        );
    } else if reg.valid_qualification(job.service, at.date()).is_none() {
        p.push(
            "bidder",
            "qualification_expired",
            format!("机构“{}”资质不在有效期内", job.service.label()),
        );
    }
    if !reg.serves(&job.region) {
        p.push("bidder", "region", "机构的服务区域不含本项目所在地");
    }
    if existing.iter().any(|b| b.credit_code == reg.credit_code) {
        p.push("bidder", "duplicate", "本机构已对该项目报价，不能重复报价");
    }
    if price <= 0 {
        p.push("price", "required", "报价应大于 0");
    } else if price > job.budget_cap {
        p.push("price", "over_budget", "报价超过最高限价");
    }
    if days == 0 || days > job.delivery_days {
        p.push(
            "days",
            "invalid",
            format!("承诺服务天数应为 1 至 {} 天", job.delivery_days),
        );
    }
    p.into_result()
}

/// The day a contract's delivery is due (natural days after the contract).
pub fn due(contracted_at: OffsetDateTime, days: u32) -> OffsetDateTime {
    contracted_at + time::Duration::days(i64::from(days))
}

/// Rating stars 1–5; 1 or 2 is a bad rating (a mark on the credit list).
pub fn check_rating(stars: u8) -> Result<bool, FieldError> {
    match stars {
        1..=5 => Ok(stars <= 2),
        _ => Err(FieldError::new("stars", "invalid", "评价应为 1 至 5 星")),
    }
}

#[cfg(test)]
mod tests;
