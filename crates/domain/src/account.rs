//! Accounts: applicants (natural persons and enterprises) and staff with roles scoped to a
//! region and a department; the password policy and login throttling rule.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

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
}

impl Role {
    pub const ALL: &'static [Role] = &[
        Role::Clerk,
        Role::Reviewer,
        Role::Approver,
        Role::CatalogAdmin,
        Role::Supervisor,
        Role::SystemAdmin,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Clerk => "clerk",
            Role::Reviewer => "reviewer",
            Role::Approver => "approver",
            Role::CatalogAdmin => "catalog_admin",
            Role::Supervisor => "supervisor",
            Role::SystemAdmin => "system_admin",
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
            Role::Clerk | Role::Supervisor | Role::SystemAdmin | Role::CatalogAdmin
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

/// Minimum password length; long passphrases beat composition rules (NIST SP 800-63B).
pub const MIN_PASSWORD_CHARS: usize = 10;

pub fn validate_password(field: &str, password: &str, p: &mut Problems) {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        p.push(
            field,
            "too_short",
            format!("密码至少 {MIN_PASSWORD_CHARS} 个字符"),
        );
    } else if n > 128 {
        p.push(field, "too_long", "密码不能超过 128 个字符");
    } else if password
        .chars()
        .all(|c| c == password.chars().next().unwrap_or(' '))
    {
        p.push(field, "weak", "密码不能由同一个字符组成");
    }
}

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
        /// The registrant confirmed a credit code whose check character fails (early codes).
        #[serde(default)]
        accept_check_mismatch: bool,
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

impl ApplicantRegistration {
    pub fn validate(self) -> Result<ValidRegistration, Vec<FieldError>> {
        let mut p = Problems::default();
        match self {
            ApplicantRegistration::NaturalPerson {
                id_number,
                name,
                phone,
                password,
            } => {
                let id = IdNumber::parse(&id_number)
                    .map_err(|e| p.push("id_number", "invalid", format!("身份证号码无效：{e}")));
                person_name(&mut p, "name", &name, "姓名");
                let phone = validate_mobile(&phone).map_err(|m| p.push("phone", "invalid", m));
                validate_password("password", &password, &mut p);
                match (id, phone) {
                    (Ok(id), Ok(phone)) if p.is_empty() => Ok(ValidRegistration {
                        login: id.as_str().to_string(),
                        display_name: name.trim().to_string(),
                        kind: ApplicantKind::NaturalPerson,
                        phone,
                        legal_representative: None,
                        password,
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
                accept_check_mismatch,
            } => {
                let code = match CreditCode::parse_lenient(&credit_code) {
                    Ok((c, CreditCheck::Valid)) => Some(c),
                    Ok((c, CreditCheck::CheckMismatch { expected, found }))
                        if accept_check_mismatch =>
                    {
                        let _ = (expected, found);
                        Some(c)
                    }
                    Ok((_, CreditCheck::CheckMismatch { expected, found })) => {
                        p.push("credit_code", "check_mismatch", format!("校验位应为“{expected}”，实际为“{found}”。部分早期代码校验不通过，如确认无误请勾选“确认代码无误”后再提交"));
                        None
                    }
                    Err(e) => {
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
                let phone = validate_mobile(&phone).map_err(|m| p.push("phone", "invalid", m));
                validate_password("password", &password, &mut p);
                match (code, phone) {
                    (Some(code), Ok(phone)) if p.is_empty() => Ok(ValidRegistration {
                        login: code.as_str().to_string(),
                        display_name: name.trim().to_string(),
                        kind: ApplicantKind::Enterprise,
                        phone,
                        legal_representative: Some(legal_representative.trim().to_string()),
                        password,
                    }),
                    _ => Err(p.0),
                }
            }
        }
    }
}

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

/// Login throttling: after `MAX_FAILURES` failed attempts within `WINDOW`, an account is
/// locked until `WINDOW` after the oldest counted failure.
pub const MAX_FAILURES: usize = 5;
pub const THROTTLE_WINDOW: Duration = Duration::minutes(15);

/// `failures` are the times of recent failed logins (any order). Returns when the lock lifts,
/// or None when a login may be tried now.
pub fn locked_until(failures: &[OffsetDateTime], now: OffsetDateTime) -> Option<OffsetDateTime> {
    let mut recent: Vec<_> = failures
        .iter()
        .copied()
        .filter(|t| *t > now - THROTTLE_WINDOW && *t <= now)
        .collect();
    if recent.len() < MAX_FAILURES {
        return None;
    }
    recent.sort();
    // The lock lifts when the oldest of the last MAX_FAILURES failures leaves the window.
    let oldest_counted = recent[recent.len() - MAX_FAILURES];
    Some(oldest_counted + THROTTLE_WINDOW)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    #[test]
    fn only_the_top_region_sets_platform_settings_and_a_county_only_its_own() {
        let county = StaffScope {
            region: "511602".into(),
            department: None,
        };
        let city = StaffScope {
            region: "511600".into(),
            department: None,
        };
        let dept = StaffScope {
            region: "511600".into(),
            department: Some("511600-SCJG".into()),
        };
        assert!(!county.may_set(&SettingScope::Platform, false));
        assert!(city.may_set(&SettingScope::Platform, true));
        assert!(county.may_set(&SettingScope::Region("511602".into()), false));
        assert!(!county.may_set(&SettingScope::Region("511600".into()), false));
        assert!(city.may_set(&SettingScope::Region("511602".into()), true));
        assert!(!dept.may_set(&SettingScope::Region("511600".into()), true));
    }

    proptest! {
        #[test]
        fn authority_over_a_region_is_never_wider_than_the_scope(
            mine in "51(16|17)0[0-3]", theirs in "51(16|17)0[0-3]", top in any::<bool>()
        ) {
            let s = StaffScope { region: mine.clone(), department: None };
            let target = SettingScope::Region(theirs.clone());
            prop_assert_eq!(s.may_set(&target, top), s.covers_region(&theirs));
        }
    }

    #[test]
    fn a_department_scope_covers_only_its_department_in_its_region_and_below() {
        let s = StaffScope {
            region: "511600".into(),
            department: Some("511600-SCJG".into()),
        };
        assert!(s.covers("511600", Some("511600-SCJG")));
        assert!(s.covers("511602", Some("511600-SCJG")));
        assert!(!s.covers("511600", Some("511600-WJW")));
        assert!(!s.covers("510100", Some("511600-SCJG")));
        let region_wide = StaffScope {
            region: "511602".into(),
            department: None,
        };
        assert!(region_wide.covers("511602001", Some("x")));
        assert!(!region_wide.covers("511603", None));
    }

    #[test]
    fn registration_reports_every_bad_field_at_once() {
        let r = ApplicantRegistration::NaturalPerson {
            id_number: "123".into(),
            name: "".into(),
            phone: "12".into(),
            password: "short".into(),
        };
        let fields: Vec<_> = r
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["id_number", "name", "phone", "password"]);
    }

    #[test]
    fn an_early_credit_code_registers_only_when_the_person_confirms_it() {
        let reg = |accept| ApplicantRegistration::Enterprise {
            credit_code: "91350100M0001TGQXM".into(),
            name: "某某有限公司".into(),
            legal_representative: "张三".into(),
            phone: "13800138000".into(),
            password: "correct horse battery".into(),
            accept_check_mismatch: accept,
        };
        assert_eq!(reg(false).validate().unwrap_err()[0].code, "check_mismatch");
        assert_eq!(reg(true).validate().unwrap().login, "91350100M0001TGQXM");
    }

    #[test]
    fn five_failures_in_fifteen_minutes_lock_the_account() {
        let now = datetime!(2026-11-27 10:00 UTC);
        let f: Vec<_> = (1..=5).map(|m| now - Duration::minutes(m)).collect();
        assert_eq!(
            locked_until(&f, now),
            Some(now - Duration::minutes(5) + THROTTLE_WINDOW)
        );
        assert_eq!(locked_until(&f[..4], now), None);
        let old: Vec<_> = (20..25).map(|m| now - Duration::minutes(m)).collect();
        assert_eq!(locked_until(&old, now), None);
    }

    proptest! {
        #[test]
        fn a_lock_never_lasts_longer_than_the_window(mins in proptest::collection::vec(0i64..60, 0..20)) {
            let now = datetime!(2026-11-27 10:00 UTC);
            let f: Vec<_> = mins.iter().map(|m| now - Duration::minutes(*m)).collect();
            if let Some(until) = locked_until(&f, now) {
                prop_assert!(until > now && until <= now + THROTTLE_WINDOW);
                prop_assert!(f.iter().filter(|t| **t > now - THROTTLE_WINDOW).count() >= MAX_FAILURES);
            }
        }
    }
}
