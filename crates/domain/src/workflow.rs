//! How an item is handled once applied for: the back-office review steps, the modes the item
//! switches on (容缺受理, 告知承诺, 秒批) and the application form. Part of the item's
//! versioned definition, so a case follows the rules of the version it was filed under.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::account::Role;
use crate::catalog::CaseType;
use crate::error::{FieldError, Problems};
use crate::ids::{IdNumber, validate_mobile};

/// One back-office step (后台分类审批), bound to a role of the implementing department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewStep {
    pub name: String,
    pub role: Role,
}

/// What happens when materials pending under 容缺受理 are not supplied in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ToleranceExpiry {
    /// The case is suspended until the materials arrive (the clock stops).
    #[default]
    Suspend,
    /// The case is terminated as if withdrawn.
    Terminate,
}

impl ToleranceExpiry {
    pub fn label(self) -> &'static str {
        match self {
            ToleranceExpiry::Suspend => "逾期未补齐的，办件挂起、时限暂停，补齐后继续办理",
            ToleranceExpiry::Terminate => "逾期未补齐的，终止办理",
        }
    }
}

/// 容缺受理: non-key materials may be pending at acceptance, to be supplied within `days`
/// working days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tolerance {
    pub days: u32,
    #[serde(default)]
    pub on_expiry: ToleranceExpiry,
}

/// The 告知承诺书 an applicant signs for `item` (verified within `days` working days): what
/// they promise and what follows if it is untrue (《关于全面推行证明事项和涉企经营许可事项告知承诺制
/// 的指导意见》: the commitment, its verification and revocation when it proves false).
pub fn commitment_statement(item: &str, days: u32) -> String {
    format!(
        "本人（本单位）已知晓行政机关告知的“{item}”的全部条件、标准和要求，承诺：符合上述条件；\
         所填写的信息和提交的材料真实、准确、完整；对尚未提交的材料，以本承诺代替，\
         并接受行政机关在 {days} 个工作日内的核查。如有不实或违反承诺，愿意承担相应的法律责任，\
         行政机关可以依法撤销准予决定，并记入信用记录。"
    )
}

/// Whether a material is the 告知承诺书 itself (the catalog names it so: "公共场所卫生许可告知
/// 承诺书"), which a signature on the platform provides.
pub fn is_commitment_letter(material: &str) -> bool {
    material.trim().ends_with("告知承诺书")
}

/// Whether `signer` signs the 告知承诺书 as the applicant: the name they registered with, or
/// for an enterprise its legal representative's. An agent signs no one's commitment; the caller
/// has checked the signer is the applicant's own account.
pub fn signs_as_applicant(
    signer: &str,
    registered_name: &str,
    legal_representative: Option<&str>,
) -> bool {
    let signer = signer.trim();
    !signer.is_empty()
        && [Some(registered_name), legal_representative]
            .into_iter()
            .flatten()
            .any(|n| n.trim() == signer)
}

/// A condition of a 秒批 rule over the application form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Condition {
    /// The field equals the value.
    Equals {
        field: String,
        value: String,
    },
    /// The field is one of the values.
    OneOf {
        field: String,
        values: Vec<String>,
    },
    /// The field, as a number, is at least / at most the value.
    AtLeast {
        field: String,
        value: f64,
    },
    AtMost {
        field: String,
        value: f64,
    },
    /// Every mandatory material is satisfied by an e-license or shared data (trust level A):
    /// what the government itself holds proves the case, so no person needs to look.
    MaterialsFromGovernment,
    /// The applicant signed the item's 告知承诺书 on screen: the commitment stands in for the
    /// materials still missing, and the approval is verified afterwards (告知承诺秒批).
    CommitmentSigned,
    /// The subject the case is for meets every clause of a published 申报 policy (惠企政策)
    /// that is applied for through this item: the policy's rule is the approval rule.
    PolicyEligible {
        policy: String,
        /// The policy's title, for the reason shown to people.
        #[serde(default)]
        title: String,
    },
}

/// What a 秒批 rule reads besides the form: whether the mandatory materials all came from the
/// government's own registers, and the platform's verdict on each policy a condition names
/// (absent: not judged, which never holds).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evidence {
    pub government_materials: bool,
    pub commitment_signed: bool,
    pub policies: BTreeMap<String, bool>,
}

impl Condition {
    /// Whether the condition holds for the form, given whether every mandatory material came
    /// from the government's own register (`government_materials`).
    pub fn holds(&self, form: &BTreeMap<String, String>, evidence: &Evidence) -> bool {
        let get = |f: &str| form.get(f).map(|v| v.trim()).unwrap_or("");
        let num = |f: &str| get(f).parse::<f64>().ok();
        match self {
            Condition::MaterialsFromGovernment => evidence.government_materials,
            Condition::CommitmentSigned => evidence.commitment_signed,
            Condition::PolicyEligible { policy, .. } => {
                evidence.policies.get(policy.trim()).copied() == Some(true)
            }
            Condition::Equals { field, value } => get(field) == value.trim(),
            Condition::OneOf { field, values } => values.iter().any(|v| v.trim() == get(field)),
            Condition::AtLeast { field, value } => num(field).is_some_and(|n| n >= *value),
            Condition::AtMost { field, value } => num(field).is_some_and(|n| n <= *value),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Condition::Equals { field, value } => format!("{field} = {value}"),
            Condition::OneOf { field, values } => format!("{field} ∈ {{{}}}", values.join("、")),
            Condition::AtLeast { field, value } => format!("{field} ≥ {value}"),
            Condition::AtMost { field, value } => format!("{field} ≤ {value}"),
            Condition::MaterialsFromGovernment => "全部必要材料由电子证照或共享数据提供".into(),
            Condition::CommitmentSigned => "申请人已签署告知承诺书".into(),
            Condition::PolicyEligible { policy, title } if title.trim().is_empty() => {
                format!("符合政策 {policy} 的全部条件")
            }
            Condition::PolicyEligible { title, .. } => {
                format!("符合政策“{}”的全部条件", title.trim())
            }
        }
    }
}

/// 秒批: when every condition holds and every mandatory material is provided, the system
/// approves with no person. The rule's name goes into the audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AutoRule {
    pub name: String,
    pub conditions: Vec<Condition>,
}

// Thresholds come from definitions, never NaN: equality is total in practice.
impl Eq for AutoRule {}

impl AutoRule {
    /// The policies whose rules the conditions name, each once.
    pub fn policies(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for c in &self.conditions {
            if let Condition::PolicyEligible { policy, .. } = c
                && !out.contains(&policy.trim())
            {
                out.push(policy.trim());
            }
        }
        out
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    #[default]
    Text,
    Multiline,
    Number,
    Date,
    Select,
    IdNumber,
    Phone,
}

impl FieldKind {
    pub const ALL: [FieldKind; 7] = [
        FieldKind::Text,
        FieldKind::Multiline,
        FieldKind::Number,
        FieldKind::Date,
        FieldKind::Select,
        FieldKind::IdNumber,
        FieldKind::Phone,
    ];

    /// As the catalog editor names it.
    pub fn label(self) -> &'static str {
        match self {
            FieldKind::Text => "单行文字",
            FieldKind::Multiline => "多行文字",
            FieldKind::Number => "数字",
            FieldKind::Date => "日期",
            FieldKind::Select => "下拉选择",
            FieldKind::IdNumber => "公民身份号码",
            FieldKind::Phone => "手机号码",
        }
    }

    pub fn from_label(label: &str) -> Option<FieldKind> {
        FieldKind::ALL
            .into_iter()
            .find(|k| k.label() == label.trim())
    }
}

/// One field of the application form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FormField {
    pub key: String,
    pub label: String,
    #[serde(default)]
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(default)]
    pub help: String,
}

/// The handling rules of an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Workflow {
    /// Empty: the default for the item's case type (see [`Workflow::steps_for`]).
    #[serde(default)]
    pub steps: Vec<ReviewStep>,
    #[serde(default)]
    pub tolerance: Option<Tolerance>,
    /// 告知承诺: approval on the applicant's signed commitment, verified afterwards within
    /// `verification_days` working days.
    #[serde(default)]
    pub commitment: Option<u32>,
    #[serde(default)]
    pub auto_approval: Option<AutoRule>,
    /// One person may hold two consecutive review steps of a case (a one-person office).
    /// Off by default: 承办 and 审核 are different people (separation of duties).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub same_person_steps: bool,
}

impl Workflow {
    /// The review steps a case of this item goes through. 即办件 are decided at the window, so
    /// they have none; other items default to 承办 → 审核 → 批准.
    pub fn steps_for(&self, case_type: CaseType) -> Vec<ReviewStep> {
        if !self.steps.is_empty() {
            return self.steps.clone();
        }
        match case_type {
            CaseType::Instant => vec![],
            _ => vec![
                ReviewStep {
                    name: "承办".into(),
                    role: Role::Reviewer,
                },
                ReviewStep {
                    name: "审核".into(),
                    role: Role::Reviewer,
                },
                ReviewStep {
                    name: "批准".into(),
                    role: Role::Approver,
                },
            ],
        }
    }

    pub fn validate(&self, form: &[FormField]) -> Result<(), Vec<FieldError>> {
        let mut p = Problems::default();
        for (i, s) in self.steps.iter().enumerate() {
            p.text(
                &format!("workflow.steps[{i}].name"),
                &s.name,
                "环节名称",
                20,
            );
            if !matches!(s.role, Role::Reviewer | Role::Approver) {
                p.push(
                    format!("workflow.steps[{i}].role"),
                    "invalid",
                    "审批环节只能由承办审核人员或批准人办理",
                );
            }
        }
        if let Some(last) = self.steps.last()
            && last.role != Role::Approver
        {
            p.push(
                "workflow.steps",
                "inconsistent",
                "最后一个环节必须由批准人办理",
            );
        }
        if let Some(t) = &self.tolerance
            && !(1..=30).contains(&t.days)
        {
            p.push(
                "workflow.tolerance.days",
                "invalid",
                "容缺补齐期限应为 1 到 30 个工作日",
            );
        }
        if let Some(d) = self.commitment
            && !(1..=60).contains(&d)
        {
            p.push(
                "workflow.commitment",
                "invalid",
                "告知承诺核查期限应为 1 到 60 个工作日",
            );
        }
        if let Some(rule) = &self.auto_approval {
            p.text(
                "workflow.auto_approval.name",
                &rule.name,
                "秒批规则名称",
                50,
            );
            if rule.conditions.is_empty() {
                p.push(
                    "workflow.auto_approval.conditions",
                    "required",
                    "秒批规则至少需要一个条件",
                );
            }
            for (i, c) in rule.conditions.iter().enumerate() {
                let field = match c {
                    Condition::Equals { field, .. }
                    | Condition::OneOf { field, .. }
                    | Condition::AtLeast { field, .. }
                    | Condition::AtMost { field, .. } => field,
                    Condition::MaterialsFromGovernment => continue,
                    Condition::CommitmentSigned => {
                        if self.commitment.is_none() {
                            p.push(
                                format!("workflow.auto_approval.conditions[{i}]"),
                                "no_commitment",
                                "事项未实行告知承诺制，不能以签署告知承诺书为秒批条件",
                            );
                        }
                        continue;
                    }
                    Condition::PolicyEligible { policy, .. } => {
                        if policy.trim().is_empty() {
                            p.push(
                                format!("workflow.auto_approval.conditions[{i}].policy"),
                                "required",
                                "请指明作为秒批条件的政策",
                            );
                        }
                        continue;
                    }
                };
                if !form.iter().any(|f| &f.key == field) {
                    p.push(
                        format!("workflow.auto_approval.conditions[{i}]"),
                        "unknown_field",
                        format!("条件引用了表单中不存在的字段“{field}”"),
                    );
                }
            }
        }
        let mut keys = std::collections::HashSet::new();
        for (i, f) in form.iter().enumerate() {
            p.text(&format!("form[{i}].key"), &f.key, "字段标识", 40);
            p.text(&format!("form[{i}].label"), &f.label, "字段名称", 40);
            if !keys.insert(f.key.as_str()) {
                p.push(
                    format!("form[{i}].key"),
                    "duplicate",
                    format!("字段标识“{}”重复", f.key),
                );
            }
            if f.kind == FieldKind::Select && f.options.is_empty() {
                p.push(
                    format!("form[{i}].options"),
                    "required",
                    "下拉选择字段至少需要一个选项",
                );
            }
        }
        p.into_result()
    }
}

/// Checks an application form against its definition; every problem is reported by field key.
pub fn validate_form(
    fields: &[FormField],
    values: &BTreeMap<String, String>,
) -> Result<(), Vec<FieldError>> {
    let mut p = Problems::default();
    for f in fields {
        let v = values.get(&f.key).map(|s| s.trim()).unwrap_or("");
        let field = format!("form.{}", f.key);
        if v.is_empty() {
            if f.required {
                p.push(field, "required", format!("请填写“{}”", f.label));
            }
            continue;
        }
        if v.chars().count() > 2000 {
            p.push(
                field,
                "too_long",
                format!("“{}”不能超过 2000 个字符", f.label),
            );
            continue;
        }
        match f.kind {
            FieldKind::Number if v.parse::<f64>().is_err() => {
                p.push(field, "invalid", format!("“{}”应为数字", f.label))
            }
            FieldKind::Date
                if time::Date::parse(
                    v,
                    time::macros::format_description!("[year]-[month]-[day]"),
                )
                .is_err() =>
            {
                p.push(
                    field,
                    "invalid",
                    format!("“{}”应为 YYYY-MM-DD 格式的日期", f.label),
                )
            }
            FieldKind::Select if !f.options.iter().any(|o| o == v) => {
                p.push(field, "invalid", format!("“{}”请从选项中选择", f.label))
            }
            FieldKind::IdNumber => {
                if let Err(e) = IdNumber::parse(v) {
                    p.push(field, "invalid", format!("“{}”无效：{e}", f.label));
                }
            }
            FieldKind::Phone => {
                if let Err(m) = validate_mobile(v) {
                    p.push(field, "invalid", format!("“{}”：{m}", f.label));
                }
            }
            _ => {}
        }
    }
    for k in values.keys() {
        if !fields.iter().any(|f| &f.key == k) {
            p.push(
                format!("form.{k}"),
                "unknown_field",
                format!("表单中没有字段“{k}”"),
            );
        }
    }
    p.into_result()
}

#[cfg(test)]
mod field_kind_tests {
    use super::FieldKind;

    #[test]
    fn every_kind_is_read_back_from_its_label_and_nothing_else_is() {
        for k in FieldKind::ALL {
            assert_eq!(FieldKind::from_label(k.label()), Some(k));
        }
        assert_eq!(FieldKind::from_label("文本框"), None);
    }
}
