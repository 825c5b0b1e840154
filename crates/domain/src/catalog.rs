//! The service catalog (事项目录/实施清单): one implementation of a service item in one region,
//! with the elements of GB/T 39046-2020 and the consistency rules real provincial catalogs
//! enforce. The definition is versioned by the store; this module only says what a valid
//! definition is.

use serde::{Deserialize, Serialize};

use crate::error::{FieldError, Problems};
use crate::ids::{CreditCode, RegionCode};

/// Longest code a province uses (31-character codes are common; GB/T 39046 leaves room).
pub const MAX_CODE_CHARS: usize = 50;

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

coded_enum! {
    /// 事项类型 (GB/T 39046 code list).
    ItemKind {
        AdministrativeLicense = "01", "administrative_license", "行政许可";
        AdministrativePenalty = "02", "administrative_penalty", "行政处罚";
        AdministrativeCoercion = "03", "administrative_coercion", "行政强制";
        AdministrativeLevy = "04", "administrative_levy", "行政征收";
        AdministrativePayment = "05", "administrative_payment", "行政给付";
        AdministrativeInspection = "06", "administrative_inspection", "行政检查";
        AdministrativeConfirmation = "07", "administrative_confirmation", "行政确认";
        AdministrativeReward = "08", "administrative_reward", "行政奖励";
        AdministrativeAdjudication = "09", "administrative_adjudication", "行政裁决";
        OtherPower = "10", "other_power", "其他行政权力";
        PublicService = "20", "public_service", "公共服务";
    }
}

coded_enum! {
    /// 行使层级.
    ExerciseLevel {
        National = "1", "national", "国家级";
        Provincial = "2", "provincial", "省级";
        City = "3", "city", "市级";
        County = "4", "county", "县级";
        Township = "5", "township", "镇（乡、街道）级";
        Village = "6", "village", "村（社区）级";
        Graded = "7", "graded", "分级管理";
    }
}

coded_enum! {
    /// 服务对象.
    SubjectType {
        NaturalPerson = "1", "natural_person", "自然人";
        Enterprise = "2", "enterprise", "企业法人";
        PublicInstitution = "3", "public_institution", "事业法人";
        SocialOrganization = "4", "social_organization", "社会组织法人";
        GovernmentBody = "5", "government_body", "行政机关";
        OtherOrganization = "6", "other_organization", "其他组织";
    }
}

impl SubjectType {
    /// The two audiences the portal filters by: 个人 or 法人.
    pub fn is_person(self) -> bool {
        self == SubjectType::NaturalPerson
    }
}

coded_enum! {
    /// 办理形式.
    HandlingForm {
        Window = "1", "window", "窗口办理";
        OnlinePc = "2", "online_pc", "电脑端网上办理";
        OnlineMobile = "3", "online_mobile", "移动端网上申请";
        Post = "4", "post", "快递申请";
        Other = "9", "other", "其他";
    }
}

coded_enum! {
    /// 办件类型.
    CaseType {
        Instant = "1", "instant", "即办件";
        Promise = "2", "promise", "承诺件";
        Other = "9", "other", "其他";
    }
}

coded_enum! {
    /// 通办范围.
    ServiceScope {
        Nationwide = "1", "nationwide", "全国";
        CrossProvince = "2", "cross_province", "跨省";
        CrossCity = "3", "cross_city", "跨市";
        CrossCounty = "4", "cross_county", "跨县";
        Local = "9", "local", "本地";
    }
}

coded_enum! {
    /// 网办深度: how far an item can be handled online.
    OnlineDepth {
        GuideOnline = "1", "guide_online", "一级（网上咨询）";
        FormsOnline = "2", "forms_online", "二级（表格下载）";
        ApplyOnline = "3", "apply_online", "三级（网上预审、申请）";
        FullyOnline = "4", "fully_online", "四级（全程网办）";
    }
}

coded_enum! {
    /// 事项层级: 主项 → 子项 → 业务办理项. Cases are filed against a 业务办理项.
    NodeKind {
        Main = "1", "main", "主项";
        Sub = "2", "sub", "子项";
        Handling = "3", "handling", "业务办理项";
    }
}

coded_enum! {
    /// 材料形式.
    MaterialForm {
        Original = "1", "original", "原件";
        Copy = "2", "copy", "复印件";
        OriginalAndCopy = "3", "original_and_copy", "原件和复印件";
        Electronic = "4", "electronic", "电子材料";
    }
}

coded_enum! {
    /// 时限单位: most limits count working days (工作日); some laws count natural days.
    DayUnit {
        Working = "1", "working", "工作日";
        Natural = "2", "natural", "自然日";
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
    /// Review steps and modes (容缺受理, 告知承诺, 秒批).
    #[serde(default)]
    pub workflow: crate::workflow::Workflow,
    /// The online application form.
    #[serde(default)]
    pub form: Vec<crate::workflow::FormField>,
}

impl ItemDefinition {
    pub fn is_free(&self) -> bool {
        self.fees.is_empty()
    }

    /// Whether any handling form is an online channel.
    pub fn has_online_channel(&self) -> bool {
        self.handling_forms
            .iter()
            .any(|f| matches!(f, HandlingForm::OnlinePc | HandlingForm::OnlineMobile))
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

    /// Applies every rule; returns all problems at once so a form can show them together.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut p = Problems::default();
        code_field(&mut p, "code", &self.code, "实施编码");
        code_field(&mut p, "basic_code", &self.basic_code, "基本编码");
        if !self.parent_code.is_empty() {
            code_field(&mut p, "parent_code", &self.parent_code, "上级事项编码");
            if self.parent_code == self.code {
                p.push("parent_code", "inconsistent", "上级事项不能是事项本身");
            }
        } else if self.node != NodeKind::Main {
            p.push(
                "parent_code",
                "required",
                "子项和业务办理项必须填写上级事项编码",
            );
        }
        p.text("name", &self.name, "事项名称", 200);
        if self.legal_basis.iter().all(|b| b.trim().is_empty()) {
            p.push("legal_basis", "required", "设定依据至少填写一项");
        }
        for (i, b) in self.legal_basis.iter().enumerate() {
            p.optional_text(&format!("legal_basis[{i}]"), b, "设定依据", 1000);
        }
        code_field(&mut p, "department", &self.department, "实施机关");
        if !self.department_credit_code.trim().is_empty()
            && let Err(e) = CreditCode::parse(&self.department_credit_code)
        {
            p.push(
                "department_credit_code",
                "invalid",
                format!("实施机关统一社会信用代码无效：{e}"),
            );
        }
        if let Err(e) = RegionCode::parse(&self.region) {
            p.push("region", "invalid", format!("实施区划代码无效：{e}"));
        }
        if self.subjects.is_empty() {
            p.push("subjects", "required", "服务对象至少选择一项");
        }
        if self.conditions.iter().all(|c| c.trim().is_empty()) {
            p.push("conditions", "required", "受理条件至少填写一项");
        }
        if self.flow.is_empty() {
            p.push("flow", "required", "办理流程至少填写一个环节");
        }
        for (i, s) in self.flow.iter().enumerate() {
            p.text(&format!("flow[{i}].name"), &s.name, "环节名称", 100);
        }
        p.text("result_name", &self.result_name, "办理结果名称", 200);
        p.text("place", &self.place, "办理地点", 500);
        p.text("hours", &self.hours, "办理时间", 200);
        phone(&mut p, "consult_phone", &self.consult_phone, "咨询电话");
        phone(
            &mut p,
            "complaint_phone",
            &self.complaint_phone,
            "监督投诉电话",
        );
        if self.handling_forms.is_empty() {
            p.push("handling_forms", "required", "办理形式至少选择一项");
        }
        for (i, f) in self.fees.iter().enumerate() {
            p.text(&format!("fees[{i}].name"), &f.name, "收费项目", 200);
            p.text(&format!("fees[{i}].amount"), &f.amount, "收费标准", 200);
        }
        for (i, q) in self.faq.iter().enumerate() {
            p.text(&format!("faq[{i}].question"), &q.question, "常见问题", 500);
            p.text(&format!("faq[{i}].answer"), &q.answer, "解答", 2000);
        }
        self.validate_time_limits(&mut p);
        self.validate_channels(&mut p);
        self.validate_materials(&mut p);
        if let Err(e) = self.workflow.validate(&self.form) {
            p.0.extend(e);
        }
        if self.workflow.tolerance.is_some() && self.materials.iter().all(|m| m.key || !m.mandatory)
        {
            p.push(
                "workflow.tolerance",
                "inconsistent",
                "容缺受理只适用于非核心的必要材料，本事项没有这样的材料",
            );
        }
        p.into_result()
    }

    fn validate_time_limits(&self, p: &mut Problems) {
        // STANDARDS.md: promised limit "即办" ⇔ 办件类型 即办件.
        let instant_limit = matches!(self.promised_limit, PromisedLimit::Instant);
        let instant_type = self.case_type == CaseType::Instant;
        if instant_limit && !instant_type {
            p.push(
                "case_type",
                "inconsistent",
                "承诺时限为“即办”的事项，办件类型必须是即办件",
            );
        } else if instant_type && !instant_limit {
            p.push(
                "promised_limit",
                "inconsistent",
                "即办件的承诺时限必须是“即办”",
            );
        }
        if let PromisedLimit::Within(t) = &self.promised_limit {
            if t.days == 0 {
                p.push(
                    "promised_limit",
                    "invalid",
                    "承诺时限必须大于 0 天；当场办结请选择“即办”",
                );
            }
            if let Some(legal) = &self.legal_limit
                && legal.unit == t.unit
                && t.days > legal.days
            {
                p.push(
                    "promised_limit",
                    "inconsistent",
                    format!(
                        "承诺时限（{} 天）不能长于法定时限（{} 天）",
                        t.days, legal.days
                    ),
                );
            }
        }
        if let Some(legal) = &self.legal_limit
            && legal.days == 0
        {
            p.push(
                "legal_limit",
                "invalid",
                "法定时限必须大于 0 天；法律未规定时限的请留空",
            );
        }
    }

    fn validate_channels(&self, p: &mut Problems) {
        if self.visits > 0 && self.visits_reason.trim().is_empty() {
            p.push(
                "visits_reason",
                "required",
                "到现场次数大于 0 时必须说明理由",
            );
        }
        if self.visits == 0 && !self.has_online_channel() && !self.supports_post {
            p.push(
                "visits",
                "inconsistent",
                "零跑动事项必须提供网上办理渠道或支持快递",
            );
        }
        if self.is_free() && self.supports_online_payment {
            p.push(
                "supports_online_payment",
                "inconsistent",
                "不收费的事项不能支持网上支付",
            );
        }
        let fully_online = self.online_depth == OnlineDepth::FullyOnline;
        if fully_online && self.visits != 0 {
            p.push(
                "online_depth",
                "inconsistent",
                "全程网办（四级）的事项到现场次数必须为 0",
            );
        } else if !fully_online && self.visits == 0 {
            p.push(
                "online_depth",
                "inconsistent",
                "到现场次数为 0 的事项网办深度应为四级（全程网办）",
            );
        }
        if self.has_online_channel()
            && matches!(
                self.online_depth,
                OnlineDepth::GuideOnline | OnlineDepth::FormsOnline
            )
        {
            p.push(
                "online_depth",
                "inconsistent",
                "提供网上办理渠道的事项网办深度至少为三级",
            );
        }
        let url = self.online_url.as_str();
        if !(url.is_empty() || url.starts_with("https://") || url.starts_with("http://")) {
            p.push(
                "online_url",
                "invalid",
                "网上办理地址必须以 http:// 或 https:// 开头",
            );
        }
    }

    fn validate_materials(&self, p: &mut Problems) {
        let mut seen = std::collections::HashSet::new();
        for (i, m) in self.materials.iter().enumerate() {
            let f = |name: &str| format!("materials[{i}].{name}");
            p.text(&f("name"), &m.name, "材料名称", 200);
            if !seen.insert(m.name.trim()) {
                p.push(
                    f("name"),
                    "duplicate",
                    format!("材料“{}”重复出现", m.name.trim()),
                );
            }
            if m.copies == 0 && m.form != MaterialForm::Electronic {
                p.push(f("copies"), "invalid", "纸质材料份数至少为 1");
            }
            if m.copies > 99 {
                p.push(f("copies"), "invalid", "材料份数不能超过 99");
            }
            if m.key && !m.mandatory {
                p.push(f("key"), "inconsistent", "核心材料必须是必要材料");
            }
            p.optional_text(
                &f("acceptance_standard"),
                &m.acceptance_standard,
                "受理标准",
                1000,
            );
            p.optional_text(
                &f("fill_instructions"),
                &m.fill_instructions,
                "填报须知",
                1000,
            );
        }
    }
}

fn code_field(p: &mut Problems, field: &str, value: &str, label: &str) {
    let v = value.trim();
    if v.is_empty() {
        p.push(field, "required", format!("{label}不能为空"));
    } else if v.chars().count() > MAX_CODE_CHARS {
        p.push(
            field,
            "too_long",
            format!("{label}不能超过 {MAX_CODE_CHARS} 个字符"),
        );
    } else if !v
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
    {
        p.push(
            field,
            "invalid_char",
            format!("{label}只能包含字母、数字、“-”“_”“.”"),
        );
    }
}

fn phone(p: &mut Problems, field: &str, value: &str, label: &str) {
    let v = value.trim();
    if v.is_empty() {
        p.push(field, "required", format!("{label}不能为空"));
    } else if v.len() > 40
        || !v
            .chars()
            .all(|c| c.is_ascii_digit() || "-+() ，,、".contains(c))
    {
        p.push(
            field,
            "invalid",
            format!("{label}格式不正确，只能包含数字和“-”"),
        );
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

#[cfg(test)]
#[path = "catalog_tests.rs"]
mod tests;
