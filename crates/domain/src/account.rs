//! Accounts: applicants (natural persons and enterprises) and staff with roles scoped to a
//! region and a department; the password policy and login throttling rule.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::error::{FieldError, Problems};
use crate::ids::{CreditCheck, CreditCode, IdNumber, RegionCode, validate_mobile};

/// What a staff member may do. A staff account holds one or more roles, all within one
/// region and (except for region-wide roles) one department.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 综窗受理人员.
    Clerk,
    /// 承办/审核人.
    Reviewer,
    /// 批准人.
    Approver,
    /// 事项管理员: maintains the catalog of its region.
    CatalogAdmin,
    /// 电子监察.
    Supervisor,
    /// 系统管理员.
    SystemAdmin,
    /// 12345 话务员: takes calls, answers from the knowledge base, calls back.
    HotlineOperator,
    /// 12345 派单员: dispatches tickets and rules on returns.
    HotlineDispatcher,
    /// 承办单位办理人员: handles the 12345 tickets of their department.
    HotlineHandler,
}

impl Role {
    pub const ALL: &'static [Role] = &[
        Role::Clerk,
        Role::Reviewer,
        Role::Approver,
        Role::CatalogAdmin,
        Role::Supervisor,
        Role::SystemAdmin,
        Role::HotlineOperator,
        Role::HotlineDispatcher,
        Role::HotlineHandler,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Clerk => "clerk",
            Role::Reviewer => "reviewer",
            Role::Approver => "approver",
            Role::CatalogAdmin => "catalog_admin",
            Role::Supervisor => "supervisor",
            Role::SystemAdmin => "system_admin",
            Role::HotlineOperator => "hotline_operator",
            Role::HotlineDispatcher => "hotline_dispatcher",
            Role::HotlineHandler => "hotline_handler",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Role::Clerk => "综窗受理人员",
            Role::Reviewer => "承办审核人员",
            Role::Approver => "批准人",
            Role::CatalogAdmin => "事项管理员",
            Role::Supervisor => "电子监察人员",
            Role::SystemAdmin => "系统管理员",
            Role::HotlineOperator => "12345话务员",
            Role::HotlineDispatcher => "12345派单员",
            Role::HotlineHandler => "承办单位办理人员",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL
            .iter()
            .copied()
            .find(|r| r.as_str() == s || r.label() == s)
    }
    /// Roles that act for a whole region rather than one department.
    pub fn is_region_wide(self) -> bool {
        matches!(
            self,
            Role::Clerk
                | Role::Supervisor
                | Role::SystemAdmin
                | Role::CatalogAdmin
                | Role::HotlineOperator
                | Role::HotlineDispatcher
        )
    }
}

/// Where a staff member's authority lies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffScope {
    pub region: String,
    /// None for region-wide staff.
    pub department: Option<String>,
}

impl StaffScope {
    /// Whether `region` is this scope's region or lies below it, whatever the department.
    pub fn covers_region(&self, region: &str) -> bool {
        match (RegionCode::parse(&self.region), RegionCode::parse(region)) {
            (Ok(mine), Ok(theirs)) => theirs.is_within(&mine),
            _ => false,
        }
    }

    /// Whether something located in `region` (and belonging to `department`) is inside this
    /// scope: the region must be this one or below it, and a department-bound scope must match.
    pub fn covers(&self, region: &str, department: Option<&str>) -> bool {
        let (Ok(mine), Ok(theirs)) = (RegionCode::parse(&self.region), RegionCode::parse(region))
        else {
            return false;
        };
        if !theirs.is_within(&mine) {
            return false;
        }
        match (&self.department, department) {
            (None, _) => true,
            (Some(d), Some(other)) => d == other,
            (Some(_), None) => false,
        }
    }
}

/// What a setting applies to: the whole platform (the holiday calendar, the search synonyms,
/// default warning thresholds) or one region and everything below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingScope {
    Platform,
    Region(String),
}

impl StaffScope {
    /// Whether this staff member has authority over settings of `target`. Department staff
    /// change no shared setting; region-wide staff those of their region and below; only staff
    /// of the deployment's top region (`at_top`: no region above theirs is served here) those
    /// of the whole platform.
    pub fn may_set(&self, target: &SettingScope, at_top: bool) -> bool {
        if self.department.is_some() {
            return false;
        }
        match target {
            SettingScope::Platform => at_top && RegionCode::parse(&self.region).is_ok(),
            SettingScope::Region(r) => self.covers_region(r),
        }
    }
}

pub use crate::password::{MIN_PASSWORD_CHARS, validate_password};
pub use crate::throttle::{MAX_FAILURES, THROTTLE_WINDOW, locked_until};

/// What a person registers as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ApplicantRegistration {
    NaturalPerson {
        id_number: String,
        name: String,
        phone: String,
        password: String,
    },
    Enterprise {
        credit_code: String,
        name: String,
        legal_representative: String,
        phone: String,
        password: String,
    },
}

/// A validated registration: the login name is the ID number or credit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRegistration {
    pub login: String,
    pub display_name: String,
    pub kind: ApplicantKind,
    pub phone: String,
    pub legal_representative: Option<String>,
    pub password: String,
    /// A credit code whose check character fails, accepted by a clerk who checked the
    /// licence: (expected, found), for the audit record.
    pub check_overridden: Option<(char, char)>,
}

/// What an account is: an applicant (a natural person or an enterprise) or staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    NaturalPerson,
    Enterprise,
    Staff,
}

impl AccountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::NaturalPerson => "natural_person",
            AccountKind::Enterprise => "enterprise",
            AccountKind::Staff => "staff",
        }
    }

    pub fn parse(s: &str) -> Option<AccountKind> {
        [
            AccountKind::NaturalPerson,
            AccountKind::Enterprise,
            AccountKind::Staff,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    /// 自然人 or 法人, as shown to staff; staff accounts are 工作人员.
    pub fn label(self) -> &'static str {
        match self {
            AccountKind::NaturalPerson => "自然人",
            AccountKind::Enterprise => "法人",
            AccountKind::Staff => "工作人员",
        }
    }
}

impl From<ApplicantKind> for AccountKind {
    fn from(k: ApplicantKind) -> AccountKind {
        match k {
            ApplicantKind::NaturalPerson => AccountKind::NaturalPerson,
            ApplicantKind::Enterprise => AccountKind::Enterprise,
        }
    }
}

impl TryFrom<String> for AccountKind {
    type Error = crate::error::UnknownValue;
    fn try_from(s: String) -> Result<AccountKind, Self::Error> {
        AccountKind::parse(&s).ok_or(crate::error::UnknownValue {
            what: "account kind",
            value: s,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicantKind {
    NaturalPerson,
    Enterprise,
}

impl ApplicantKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ApplicantKind::NaturalPerson => "natural_person",
            ApplicantKind::Enterprise => "enterprise",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            ApplicantKind::NaturalPerson => "自然人",
            ApplicantKind::Enterprise => "法人",
        }
    }
}

/// Who registers, which decides whether a failed credit-code check may be overridden.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegisteredBy {
    /// The person themselves (portal or API): a failed check is refused.
    Themselves,
    /// A clerk at a window (综窗), who may accept a failed check after checking the licence
    /// (STANDARDS.md: a failed check is a warning only the clerk can override).
    Clerk { accept_check_mismatch: bool },
    /// A clerk recording a walk-in (无账号办理): the identity the clerk checked, with no
    /// password, so nobody can sign in to it until the person registers themselves.
    WalkIn,
}

impl ApplicantRegistration {
    /// Validates a self-registration on `today` (birth dates after it are refused).
    pub fn validate(self, today: Date) -> Result<ValidRegistration, Vec<FieldError>> {
        self.validate_by(RegisteredBy::Themselves, today)
    }

    /// Validates a registration made by `by` on `today`.
    pub fn validate_by(
        self,
        by: RegisteredBy,
        today: Date,
    ) -> Result<ValidRegistration, Vec<FieldError>> {
        let mut p = Problems::default();
        match self {
            ApplicantRegistration::NaturalPerson {
                id_number,
                name,
                phone,
                password,
            } => {
                let id = IdNumber::parse_on(&id_number, today)
                    .map_err(|e| p.push("id_number", "invalid", format!("身份证号码无效：{e}")));
                person_name(&mut p, "name", &name, "姓名");
                let valid_phone =
                    validate_mobile(&phone).map_err(|m| p.push("phone", "invalid", m));
                let login = id.as_ref().map_or(id_number.trim(), |i| i.as_str());
                if by != RegisteredBy::WalkIn {
                    validate_password("password", &password, &[login, phone.trim()], &mut p);
                }
                match (id, valid_phone) {
                    (Ok(id), Ok(phone)) if p.is_empty() => Ok(ValidRegistration {
                        login: id.as_str().to_string(),
                        display_name: name.trim().to_string(),
                        kind: ApplicantKind::NaturalPerson,
                        phone,
                        legal_representative: None,
                        password,
                        check_overridden: None,
                    }),
                    _ => Err(p.0),
                }
            }
            ApplicantRegistration::Enterprise {
                credit_code,
                name,
                legal_representative,
                phone,
                password,
            } => {
                let mut check_overridden = None;
                let code = match (CreditCode::parse_lenient(&credit_code), by) {
                    (Ok((c, CreditCheck::Valid)), _) => Some(c),
                    (
                        Ok((c, CreditCheck::CheckMismatch { expected, found })),
                        RegisteredBy::Clerk {
                            accept_check_mismatch: true,
                        },
                    ) => {
                        check_overridden = Some((expected, found));
                        Some(c)
                    }
                    (
                        Ok((_, CreditCheck::CheckMismatch { expected, found })),
                        RegisteredBy::WalkIn,
                    ) => {
                        p.push("credit_code", "check_mismatch", format!("校验位应为“{expected}”，实际为“{found}”。请核对营业执照；如代码确系早期赋码，请先在“窗口注册”中核验登记"));
                        None
                    }
                    (Ok((_, CreditCheck::CheckMismatch { .. })), RegisteredBy::Themselves) => {
                        p.push("credit_code", "check_mismatch", SELF_CHECK_MISMATCH);
                        None
                    }
                    (Ok((_, CreditCheck::CheckMismatch { expected, found })), _) => {
                        p.push("credit_code", "check_mismatch", format!("校验位应为“{expected}”，实际为“{found}”。如已核验营业执照原件、确认代码无误，请勾选“已核验，代码无误”后再提交"));
                        None
                    }
                    (Err(e), _) => {
                        p.push(
                            "credit_code",
                            "invalid",
                            format!("统一社会信用代码无效：{e}"),
                        );
                        None
                    }
                };
                p.text("name", &name, "企业名称", 100);
                person_name(
                    &mut p,
                    "legal_representative",
                    &legal_representative,
                    "法定代表人",
                );
                let valid_phone =
                    validate_mobile(&phone).map_err(|m| p.push("phone", "invalid", m));
                let login = code.as_ref().map_or(credit_code.trim(), |c| c.as_str());
                if by != RegisteredBy::WalkIn {
                    validate_password("password", &password, &[login, phone.trim()], &mut p);
                }
                match (code, valid_phone) {
                    (Some(code), Ok(phone)) if p.is_empty() => Ok(ValidRegistration {
                        login: code.as_str().to_string(),
                        display_name: name.trim().to_string(),
                        kind: ApplicantKind::Enterprise,
                        phone,
                        legal_representative: Some(legal_representative.trim().to_string()),
                        password,
                        check_overridden,
                    }),
                    _ => Err(p.0),
                }
            }
        }
    }
}

/// What self-registration says of a credit code whose check character fails.
pub const SELF_CHECK_MISMATCH: &str =
    "统一社会信用代码校验位不符；如属早期赋码，请到窗口由工作人员核验后办理";

fn person_name(p: &mut Problems, field: &str, name: &str, label: &str) {
    p.text(field, name, label, 30);
    if name
        .chars()
        .any(|c| c.is_ascii_digit() || "<>&\"'/\\".contains(c))
    {
        p.push(
            field,
            "invalid_char",
            format!("{label}不能包含数字或特殊符号"),
        );
    }
}

#[cfg(test)]
mod tests;
