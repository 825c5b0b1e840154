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
mod tests {
    use super::*;
    use crate::ids::id_check_char;
    use proptest::prelude::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 27);

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
            .validate(TODAY)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["id_number", "name", "phone", "password"]);
    }

    fn enterprise(code: &str) -> ApplicantRegistration {
        ApplicantRegistration::Enterprise {
            credit_code: code.into(),
            name: "某某有限公司".into(),
            legal_representative: "张三".into(),
            phone: "13800138000".into(),
            password: "correct horse battery".into(),
        }
    }

    #[test]
    fn an_early_credit_code_registers_only_at_a_window_whose_clerk_confirms_it() {
        let early = "91350100M0001TGQXM";
        let refused = enterprise(early).validate(TODAY).unwrap_err();
        assert_eq!(refused[0].code, "check_mismatch");
        assert_eq!(refused[0].message, SELF_CHECK_MISMATCH);
        let clerk = |accept| RegisteredBy::Clerk {
            accept_check_mismatch: accept,
        };
        let unconfirmed = enterprise(early).validate_by(clerk(false), TODAY);
        assert_eq!(unconfirmed.unwrap_err()[0].code, "check_mismatch");
        let ok = enterprise(early).validate_by(clerk(true), TODAY).unwrap();
        assert_eq!(ok.login, early);
        assert!(ok.check_overridden.is_some());
    }

    proptest! {
        /// A walk-in is recorded without a password, but with the identity checked as fully
        /// as a registration's: only the password is never asked.
        #[test]
        fn a_walk_in_needs_every_identity_field_but_no_password(seq in 100u32..999, bad_phone in any::<bool>(), bad_name in any::<bool>()) {
            let first = format!("51160219900101{seq}");
            let reg = ApplicantRegistration::NaturalPerson {
                id_number: format!("{first}{}", id_check_char(&first)),
                name: if bad_name { " ".into() } else { "张三".into() },
                phone: if bad_phone { "12".into() } else { "13800138000".into() },
                password: String::new(),
            };
            let fields: Vec<String> = match reg.validate_by(RegisteredBy::WalkIn, TODAY) {
                Ok(v) => { prop_assert!(v.password.is_empty()); vec![] }
                Err(e) => e.into_iter().map(|e| e.field).collect(),
            };
            let mut expected = vec![];
            if bad_name { expected.push("name"); }
            if bad_phone { expected.push("phone"); }
            prop_assert_eq!(fields, expected);
        }
    }

    #[test]
    fn a_walk_in_enterprise_with_a_failed_check_is_sent_to_window_registration() {
        let e = enterprise("91350100M0001TGQXM")
            .validate_by(RegisteredBy::WalkIn, TODAY)
            .unwrap_err();
        assert_eq!(e[0].code, "check_mismatch");
        assert!(e[0].message.contains("窗口注册"), "{}", e[0].message);
    }

    #[test]
    fn a_person_born_in_the_future_does_not_register() {
        let first = "51160220991231123";
        let reg = ApplicantRegistration::NaturalPerson {
            id_number: format!("{first}{}", id_check_char(first)),
            name: "张三".into(),
            phone: "13800138000".into(),
            password: "a long passphrase".into(),
        };
        let e = reg.validate(TODAY).unwrap_err();
        assert_eq!(e[0].field, "id_number");
        assert!(e[0].message.contains("出生日期"), "{}", e[0].message);
    }

    #[test]
    fn a_registration_password_may_not_hold_the_id_number_or_phone() {
        let first = "51160219900101123";
        let id = format!("{first}{}", id_check_char(first));
        for pw in [
            id.clone(),
            format!("my{}", id.to_lowercase()),
            "13800138000".into(),
        ] {
            let reg = ApplicantRegistration::NaturalPerson {
                id_number: id.clone(),
                name: "张三".into(),
                phone: "13800138000".into(),
                password: pw.clone(),
            };
            let e = reg.validate(TODAY).unwrap_err();
            assert_eq!(
                (e[0].field.as_str(), e[0].code),
                ("password", "personal"),
                "{pw}"
            );
        }
    }

    proptest! {
        #[test]
        fn self_registration_never_accepts_a_failed_credit_check(body in proptest::collection::vec(0usize..31, 17), wrong in 1usize..31) {
            use crate::ids::{CREDIT_ALPHABET, credit_check_char};
            let first: String = body.iter().map(|i| CREDIT_ALPHABET.as_bytes()[*i] as char).collect();
            let right = credit_check_char(&first);
            let at = (CREDIT_ALPHABET.find(right).unwrap() + wrong) % 31;
            let code = format!("{first}{}", CREDIT_ALPHABET.as_bytes()[at] as char);
            let e = enterprise(&code).validate(TODAY).unwrap_err();
            prop_assert_eq!(e[0].code, "check_mismatch");
            let clerk = RegisteredBy::Clerk { accept_check_mismatch: true };
            prop_assert!(enterprise(&code).validate_by(clerk, TODAY).is_ok());
        }
    }
}
