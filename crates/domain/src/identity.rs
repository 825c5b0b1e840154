//! 统一身份认证: who a verified ID token from the province's identity provider says someone
//! is, and which local account that makes them. The token itself is checked elsewhere
//! (signature, issuer, audience, expiry, nonce); here are only the claims it carries.

use std::collections::BTreeMap;

use time::Date;

use crate::account::ApplicantKind;
use crate::ids::{CreditCode, IdNumber, validate_mobile};

/// Which claims carry what. Provincial providers name them differently (`id_card`,
/// `cert_no`, `idcard`...), so each is configurable.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ClaimNames {
    pub id_number: String,
    pub credit_code: String,
    pub name: String,
    pub phone: String,
    pub legal_representative: String,
    /// The staff login a civil servant's token names (empty: staff do not log in here).
    pub staff_login: String,
}

impl Default for ClaimNames {
    fn default() -> Self {
        ClaimNames {
            id_number: "id_number".into(),
            credit_code: "credit_code".into(),
            name: "name".into(),
            phone: "phone_number".into(),
            legal_representative: "legal_representative".into(),
            staff_login: String::new(),
        }
    }
}

/// Who the provider vouches for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// A natural person (login: the ID number) or an enterprise (login: the credit code).
    Applicant {
        kind: ApplicantKind,
        login: String,
        name: String,
        /// Empty when the provider gave no valid mobile number.
        phone: String,
        legal_representative: Option<String>,
    },
    /// A civil servant, known here only by an existing staff login.
    Staff { login: String },
}

/// Why the claims name no one this platform can serve; the message is shown on the login page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("统一身份认证未提供身份证号码或统一社会信用代码，无法确认身份")]
    NoIdentifier,
    #[error("统一身份认证提供的身份证号码无效：{0}")]
    BadIdNumber(String),
    #[error("统一身份认证提供的统一社会信用代码无效：{0}")]
    BadCreditCode(String),
    #[error("统一身份认证未提供姓名或名称")]
    NoName,
}

/// Reads the identity out of the token's string claims. A credit code makes an enterprise
/// (its login is the code), else an ID number a person; a staff login, where configured and
/// present, names staff and wins (the provider for civil servants vouches for that). Check
/// characters are strict: the provider has verified the person, so a wrong one is its error.
pub fn identity_of(
    claims: &BTreeMap<String, String>,
    names: &ClaimNames,
    today: Date,
) -> Result<Identity, IdentityError> {
    let get = |name: &str| {
        Some(name)
            .filter(|n| !n.is_empty())
            .and_then(|n| claims.get(n))
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    };
    if let Some(login) = get(&names.staff_login) {
        return Ok(Identity::Staff {
            login: login.to_string(),
        });
    }
    let (kind, login) = if let Some(code) = get(&names.credit_code) {
        let code =
            CreditCode::parse(code).map_err(|e| IdentityError::BadCreditCode(e.to_string()))?;
        (ApplicantKind::Enterprise, code.as_str().to_string())
    } else if let Some(id) = get(&names.id_number) {
        let id =
            IdNumber::parse_on(id, today).map_err(|e| IdentityError::BadIdNumber(e.to_string()))?;
        (ApplicantKind::NaturalPerson, id.as_str().to_string())
    } else {
        return Err(IdentityError::NoIdentifier);
    };
    let name = get(&names.name).ok_or(IdentityError::NoName)?;
    let phone = get(&names.phone)
        .and_then(|p| validate_mobile(p).ok())
        .unwrap_or_default();
    let legal_representative = match kind {
        ApplicantKind::Enterprise => get(&names.legal_representative).map(str::to_string),
        ApplicantKind::NaturalPerson => None,
    };
    Ok(Identity::Applicant {
        kind,
        login,
        name: name.chars().take(60).collect(),
        phone,
        legal_representative,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 12 - 04);

    fn claims(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_person_is_known_by_the_id_number() {
        let c = claims(&[
            ("id_number", "11010519491231002x"),
            ("name", " 张三 "),
            ("phone_number", "13800138000"),
        ]);
        assert_eq!(
            identity_of(&c, &ClaimNames::default(), TODAY),
            Ok(Identity::Applicant {
                kind: ApplicantKind::NaturalPerson,
                login: "11010519491231002X".into(),
                name: "张三".into(),
                phone: "13800138000".into(),
                legal_representative: None,
            })
        );
    }

    #[test]
    fn a_credit_code_makes_an_enterprise_even_beside_an_id_number() {
        let c = claims(&[
            ("credit_code", "91350100M000100Y43"),
            ("id_number", "11010519491231002X"),
            ("name", "福州某某科技有限公司"),
            ("legal_representative", "李四"),
            ("phone_number", "not a phone"),
        ]);
        let Ok(Identity::Applicant {
            kind,
            login,
            phone,
            legal_representative,
            ..
        }) = identity_of(&c, &ClaimNames::default(), TODAY)
        else {
            panic!("an enterprise")
        };
        assert_eq!(kind, ApplicantKind::Enterprise);
        assert_eq!(login, "91350100M000100Y43");
        assert_eq!(phone, "", "a bad phone is dropped, not refused");
        assert_eq!(legal_representative.as_deref(), Some("李四"));
    }

    #[test]
    fn renamed_claims_are_read_and_staff_wins_where_configured() {
        let names = ClaimNames {
            id_number: "cert_no".into(),
            staff_login: "preferred_username".into(),
            ..Default::default()
        };
        let person = claims(&[("cert_no", "11010519491231002X"), ("name", "张三")]);
        assert!(matches!(
            identity_of(&person, &names, TODAY),
            Ok(Identity::Applicant { .. })
        ));
        let clerk = claims(&[
            ("cert_no", "11010519491231002X"),
            ("name", "王五"),
            ("preferred_username", "clerk01"),
        ]);
        assert_eq!(
            identity_of(&clerk, &names, TODAY),
            Ok(Identity::Staff {
                login: "clerk01".into()
            })
        );
        // Without the setting the same claim is ignored.
        assert!(matches!(
            identity_of(&clerk, &ClaimNames::default(), TODAY),
            Err(IdentityError::NoIdentifier)
        ));
    }

    #[test]
    fn what_is_missing_or_wrong_is_named() {
        let n = ClaimNames::default();
        assert_eq!(
            identity_of(&claims(&[("name", "张三")]), &n, TODAY),
            Err(IdentityError::NoIdentifier)
        );
        assert_eq!(
            identity_of(&claims(&[("id_number", "110105194912310021")]), &n, TODAY),
            Err(IdentityError::BadIdNumber(
                IdNumber::parse_on("110105194912310021", TODAY)
                    .unwrap_err()
                    .to_string()
            ))
        );
        assert!(matches!(
            identity_of(&claims(&[("credit_code", "91350100M000100Y44")]), &n, TODAY),
            Err(IdentityError::BadCreditCode(_))
        ));
        assert_eq!(
            identity_of(&claims(&[("id_number", "11010519491231002X")]), &n, TODAY),
            Err(IdentityError::NoName)
        );
    }

    proptest! {
        /// Whatever the provider sends, the answer is an identity whose login parses back as
        /// what its kind says, or a refusal: never a login that is neither.
        #[test]
        fn a_login_is_always_a_valid_identifier(
            id in "[0-9Xx ]{0,20}",
            code in "[0-9A-Z]{0,19}",
            name in "\\PC{0,80}",
            use_code in any::<bool>(),
        ) {
            let mut c = claims(&[("id_number", &id), ("name", &name)]);
            if use_code {
                c.insert("credit_code".into(), code);
            }
            if let Ok(Identity::Applicant { kind, login, name, .. }) =
                identity_of(&c, &ClaimNames::default(), TODAY)
            {
                match kind {
                    ApplicantKind::NaturalPerson => prop_assert!(IdNumber::parse_on(&login, TODAY).is_ok()),
                    ApplicantKind::Enterprise => prop_assert!(CreditCode::parse(&login).is_ok()),
                }
                prop_assert!(!name.is_empty() && name.chars().count() <= 60);
            }
        }
    }
}
