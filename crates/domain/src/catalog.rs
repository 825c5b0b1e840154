//! The service catalog (事项目录/实施清单): one implementation of a service item in one region,
//! with the elements of GB/T 39046-2020 and the consistency rules real provincial catalogs
//! enforce. The definition is versioned by the store; this module only says what a valid
//! definition is.

use serde::{Deserialize, Serialize};

use crate::error::{FieldError, Problems};
use crate::ids::{CreditCode, RegionCode};

/// Longest code a platform publishes: 31-character codes are common, and Sichuan's
/// 实施编码 join four parts with `-` into 53–55 characters
/// (`511A0138000000-511602000000-000-115113010833722043-1-00`).
pub const MAX_CODE_CHARS: usize = 64;

macro_rules! coded_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $code:literal, $snake:literal, $label:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(rename_all = "snake_case"))]
        pub enum $name { $(#[serde(rename = $snake)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The code from the national code list.
            pub fn code(self) -> &'static str { match self { $($name::$variant => $code),+ } }
            /// The name used in JSON.
            pub fn name(self) -> &'static str { match self { $($name::$variant => $snake),+ } }
            /// The Chinese label shown to people and used in spreadsheets.
            pub fn label(self) -> &'static str { match self { $($name::$variant => $label),+ } }
            /// Accepts the code, the Chinese label or the JSON name.
            pub fn parse(s: &str) -> Option<Self> {
                let s = s.trim();
                Self::ALL.iter().copied().find(|v| v.code() == s || v.label() == s || v.name() == s)
            }
        }
    };
}

// ItemKind, ExerciseLevel, SubjectType, FiledFor, Pending, HandlingForm, CaseType,
// ServiceScope, OnlineDepth, NodeKind, MaterialForm and DayUnit, from data/codes.tsv.
include!(concat!(env!("OUT_DIR"), "/codes.rs"));

impl SubjectType {
    /// The two audiences the portal filters by: 个人 or 法人.
    pub fn is_person(self) -> bool {
        self == SubjectType::NaturalPerson
    }
}

impl FiledFor {
    /// What the applicant is to the subject, as recorded on the case.
    pub fn relation(self) -> &'static str {
        match self {
            FiledFor::Oneself => "本人",
            FiledFor::Minor => "监护人",
            FiledFor::Deceased => "近亲属",
        }
    }
}

/// A time limit as the law or the promise states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimeLimit {
    pub days: u32,
    pub unit: DayUnit,
    #[serde(default)]
    pub note: String,
}

impl TimeLimit {
    pub fn describe(&self) -> String {
        let mut s = format!("{} 个{}", self.days, self.unit.label());
        // Notes often arrive already bracketed: do not wrap them twice.
        let note = self
            .note
            .trim()
            .trim_start_matches(['（', '('])
            .trim_end_matches(['）', ')'])
            .trim();
        if !note.is_empty() {
            s.push_str(&format!("（{note}）"));
        }
        s
    }
}

/// 承诺办结时限: either decided at once (即办) or within a number of days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PromisedLimit {
    Instant,
    Within(TimeLimit),
}

impl PromisedLimit {
    pub fn describe(&self) -> String {
        match self {
            PromisedLimit::Instant => "即办".to_string(),
            PromisedLimit::Within(t) => t.describe(),
        }
    }
}

/// 申请材料 with the elements of GB/T 39046.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Material {
    pub name: String,
    /// 出具单位; empty when the applicant makes it.
    #[serde(default)]
    pub issuer: String,
    pub form: MaterialForm,
    #[serde(default = "one")]
    pub copies: u32,
    pub mandatory: bool,
    /// Key materials (核心材料) can never be pending under 容缺受理.
    #[serde(default)]
    pub key: bool,
    /// 来源渠道, e.g. 申请人自备, 政府部门核发.
    #[serde(default)]
    pub source: String,
    /// 空白表格: a file name or link.
    #[serde(default)]
    pub blank_form: String,
    /// 示例样表.
    #[serde(default)]
    pub sample: String,
    /// 受理标准.
    #[serde(default)]
    pub acceptance_standard: String,
    /// 填报须知.
    #[serde(default)]
    pub fill_instructions: String,
    /// 纸质规格, e.g. A4.
    #[serde(default)]
    pub paper_size: String,
    /// 电子证照类型 that can satisfy it (免提交), if any.
    #[serde(default)]
    pub license_type: String,
    /// 共享数据来源 that can satisfy it, if any.
    #[serde(default)]
    pub shared_data_source: String,
    /// The applicant's own paper (a parent's or heir's ID card), not the subject's: 免提交
    /// looks in the applicant's wallet for it when the case is for someone else.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub of_applicant: bool,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Fee {
    pub name: String,
    /// As the basis states it, e.g. "20元/证".
    pub amount: String,
    #[serde(default)]
    pub basis: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FlowStep {
    pub name: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Faq {
    pub question: String,
    pub answer: String,
}

/// The versioned elements of one implementation (实施清单 entry) of a service item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemDefinition {
    /// 实施编码: opaque, at most 50 characters, unique.
    pub code: String,
    /// 基本编码: the same at every level (三级十同).
    pub basic_code: String,
    pub name: String,
    pub node: NodeKind,
    /// The 主项/子项 this belongs to, by code.
    #[serde(default)]
    pub parent_code: String,
    pub kind: ItemKind,
    /// 设定和实施依据, one law or regulation with its articles per entry.
    pub legal_basis: Vec<String>,
    pub level: ExerciseLevel,
    /// 实施机关: a department code.
    pub department: String,
    /// The implementing body's 统一社会信用代码, where the catalog records it.
    #[serde(default)]
    pub department_credit_code: String,
    /// 联办机构: other department codes.
    #[serde(default)]
    pub co_departments: Vec<String>,
    /// The region whose implementation this is (GB/T 2260 code).
    pub region: String,
    pub subjects: Vec<SubjectType>,
    /// Whom a natural person may file it for; empty means oneself only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filed_for: Vec<FiledFor>,
    /// 受理条件.
    pub conditions: Vec<String>,
    /// 办理流程.
    pub flow: Vec<FlowStep>,
    /// 法定办结时限; none where the law sets none.
    #[serde(default)]
    pub legal_limit: Option<TimeLimit>,
    pub promised_limit: PromisedLimit,
    pub case_type: CaseType,
    /// 办理结果名称.
    pub result_name: String,
    #[serde(default)]
    pub result_sample: String,
    /// Empty means free of charge (不收费).
    #[serde(default)]
    pub fees: Vec<Fee>,
    pub scope: ServiceScope,
    pub handling_forms: Vec<HandlingForm>,
    /// 特别程序 the item may need (hearing, inspection...), which stop the clock.
    #[serde(default)]
    pub special_procedures: Vec<String>,
    #[serde(default)]
    pub supports_appointment: bool,
    #[serde(default)]
    pub supports_online_payment: bool,
    #[serde(default)]
    pub supports_post: bool,
    /// 自助终端可办: a person may apply at a 7×24 self-service kiosk.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub supports_kiosk: bool,
    #[serde(default)]
    pub online_url: String,
    /// 到办事现场次数.
    pub visits: u32,
    #[serde(default)]
    pub visits_reason: String,
    pub online_depth: OnlineDepth,
    /// 办理地点.
    pub place: String,
    /// 办理时间.
    pub hours: String,
    pub consult_phone: String,
    pub complaint_phone: String,
    #[serde(default)]
    pub faq: Vec<Faq>,
    /// Everyday names people search by (别名).
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
    pub materials: Vec<Material>,
    /// Legal elements the source did not give (待补充); each holds an empty value until
    /// someone fills it in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending: Vec<Pending>,
    /// Review steps and modes (容缺受理, 告知承诺, 秒批).
    #[serde(default)]
    pub workflow: crate::workflow::Workflow,
    /// The online application form.
    #[serde(default)]
    pub form: Vec<crate::workflow::FormField>,
}

impl ItemDefinition {
    /// Whether `element` is still to be supplied (待补充).
    pub fn is_pending(&self, element: Pending) -> bool {
        self.pending.contains(&element)
    }

    /// Marks `element` as still to be supplied, or as supplied.
    pub fn set_pending(&mut self, element: Pending, pending: bool) {
        self.pending.retain(|p| *p != element);
        if pending {
            self.pending.push(element);
            self.pending.sort_by_key(|p| p.code());
        }
    }

    /// Refuses publishing while a legal element is still to be supplied, naming each one.
    pub fn check_complete(&self) -> Result<(), Vec<FieldError>> {
        if self.pending.is_empty() {
            return Ok(());
        }
        Err(self
            .pending
            .iter()
            .map(|p| FieldError {
                field: p.name().to_string(),
                code: "pending",
                message: format!("{}待补充：填写后才能发布", p.label()),
            })
            .collect())
    }

    pub fn is_free(&self) -> bool {
        self.fees.is_empty()
    }

    /// Whether any handling form is an online channel.
    pub fn has_online_channel(&self) -> bool {
        self.handling_forms
            .iter()
            .any(|f| matches!(f, HandlingForm::OnlinePc | HandlingForm::OnlineMobile))
    }

    /// Whether a person can apply online (在线申请): a handling item with an online channel, a
    /// 网办深度 of 三级 (网上申请) or above, and an application form. Without a form there is nothing to collect what the result needs,
    /// so such an item is handled at a window (or as a member of a bundle, whose merged form
    /// feeds it).
    pub fn applies_online(&self) -> bool {
        self.node != NodeKind::Main
            && self.has_online_channel()
            && matches!(
                self.online_depth,
                OnlineDepth::ApplyOnline | OnlineDepth::FullyOnline
            )
            && !self.form.is_empty()
    }

    /// Whom the item may be filed for: oneself unless the catalog says otherwise.
    pub fn filed_for(&self) -> Vec<FiledFor> {
        if self.filed_for.is_empty() {
            vec![FiledFor::Oneself]
        } else {
            self.filed_for.clone()
        }
    }

    /// Whether the item can only be filed for someone else (入学 for a child).
    pub fn only_for_others(&self) -> bool {
        !self.filed_for().contains(&FiledFor::Oneself)
    }

    /// 承诺时限压缩比 = (legal − promised) / legal, when both count the same unit.
    pub fn compression_ratio(&self) -> Option<f64> {
        let legal = self.legal_limit.as_ref()?;
        if legal.days == 0 {
            return None;
        }
        let promised = match &self.promised_limit {
            PromisedLimit::Instant => 0,
            PromisedLimit::Within(t) if t.unit == legal.unit => t.days,
            PromisedLimit::Within(_) => return None,
        };
        Some((f64::from(legal.days) - f64::from(promised.min(legal.days))) / f64::from(legal.days))
    }
}

/// How likely a person searching means an item of this kind, all else equal, as a factor on
/// its relevance: the powers people rarely look up (处罚, 检查, 强制) rank below the items they
/// apply for. (Raising 主项 above their sub-items measured worse on the county relevance set:
/// people name the sub-item they need.)
pub fn search_prior(kind: ItemKind) -> f32 {
    match kind {
        ItemKind::AdministrativePenalty
        | ItemKind::AdministrativeInspection
        | ItemKind::AdministrativeCoercion => 0.3,
        ItemKind::OtherPower | ItemKind::AdministrativeAdjudication => 0.7,
        _ => 1.0,
    }
}

/// Status of one version of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum VersionStatus {
    /// Being edited; not public.
    Draft,
    /// The current public version.
    Published,
    /// Was published, then replaced by a newer version; still readable for old cases.
    Superseded,
    /// Withdrawn from the catalog (事项取消); still readable.
    Retired,
}

impl VersionStatus {
    pub fn label(self) -> &'static str {
        match self {
            VersionStatus::Draft => "草稿",
            VersionStatus::Published => "已发布",
            VersionStatus::Superseded => "历史版本",
            VersionStatus::Retired => "已取消",
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            VersionStatus::Draft => "draft",
            VersionStatus::Published => "published",
            VersionStatus::Superseded => "superseded",
            VersionStatus::Retired => "retired",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Draft,
            Self::Published,
            Self::Superseded,
            Self::Retired,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

/// A search synonym: an everyday phrase and the catalog words it stands for
/// (开饭店 → 餐饮, 食品经营). Catalog data, maintained by administrators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Synonym {
    pub phrase: String,
    pub terms: Vec<String>,
}

impl Synonym {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut p = Problems::default();
        p.text("phrase", &self.phrase, "用户说法", 50);
        if self.terms.iter().all(|t| t.trim().is_empty()) {
            p.push("terms", "required", "至少填写一个对应的正式用语");
        }
        for (i, t) in self.terms.iter().enumerate() {
            p.optional_text(&format!("terms[{i}]"), t, "正式用语", 100);
        }
        p.into_result()
    }
}

mod rules;
#[cfg(test)]
#[path = "catalog_tests.rs"]
mod tests;
