//! 行政相对人: whom a case's decision is about. The applicant files; the subject is the person
//! or enterprise the decision concerns: the applicant themself, a child, a deceased relative,
//! an existing enterprise, or one being established. Licenses are issued to the subject and
//! skip rules and 免提交 look in the subject's wallet; materials marked as the applicant's own
//! (a parent's ID card) come from the applicant's.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::catalog::FiledFor;
use crate::error::{FieldError, Problems};
use crate::ids::{
    CREDIT_ALPHABET, CreditCode, IdNumber, RegionCode, credit_check_char, id_check_char,
};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Subject {
    /// The applicant themself.
    #[default]
    Applicant,
    /// Another natural person: a child (whose 公民身份号码 is reserved at filing), a deceased
    /// relative.
    Person {
        name: String,
        id_number: String,
        /// The applicant's relation to them (监护人, 亲属 …).
        relation: String,
        /// The platform reserved this number for the application (a newborn's 出生预赋码):
        /// the only person whose licences the applicant may come to see.
        #[serde(default)]
        reserved: bool,
    },
    /// An enterprise; `credit_code` is empty while it is being established, until 设立登记
    /// assigns one.
    Enterprise { name: String, credit_code: String },
}

impl Subject {
    pub fn is_applicant(&self) -> bool {
        matches!(self, Subject::Applicant)
    }

    /// Whether the decision is about an enterprise (法人) rather than a person (自然人), as
    /// statistics count 办理对象: a founder's 设立登记 counts for the enterprise, a parent's
    /// filings for a newborn count for a person, whoever filed.
    pub fn is_enterprise(&self, applicant_is_enterprise: bool) -> bool {
        match self {
            Subject::Enterprise { .. } => true,
            Subject::Person { .. } => false,
            Subject::Applicant => applicant_is_enterprise,
        }
    }

    /// An enterprise without a code yet: the case that registers it assigns one.
    pub fn being_established(&self) -> bool {
        matches!(self, Subject::Enterprise { credit_code, .. } if credit_code.is_empty())
    }

    /// The ID number or credit code licenses are issued to; None for the applicant (whose
    /// login it is) and for an enterprise not yet registered.
    pub fn holder_id(&self) -> Option<&str> {
        match self {
            Subject::Applicant => None,
            Subject::Person { id_number: id, .. }
            | Subject::Enterprise {
                credit_code: id, ..
            } => (!id.is_empty()).then_some(id.as_str()),
        }
    }

    pub fn name(&self) -> Option<&str> {
        match self {
            Subject::Applicant => None,
            Subject::Person { name, .. } | Subject::Enterprise { name, .. } => Some(name),
        }
    }

    pub fn is_natural_person(&self) -> bool {
        !matches!(self, Subject::Enterprise { .. })
    }

    /// The relation a license issued to this subject gives the applicant over it (who may
    /// see the subject's licenses): the founder is the new enterprise's legal representative.
    pub fn relation(&self) -> &str {
        match self {
            Subject::Applicant => "本人",
            Subject::Person { relation, .. } => relation,
            Subject::Enterprise { .. } => "法定代表人",
        }
    }

    /// One line for pages: 本人, or the name with the (masked) identifier.
    pub fn describe(&self) -> String {
        match self {
            Subject::Applicant => "申请人本人".into(),
            Subject::Person {
                name,
                id_number,
                relation,
                ..
            } => {
                let id = if id_number.is_empty() {
                    "身份号码待赋".to_string()
                } else {
                    crate::ids::mask_personal(id_number)
                };
                // The relation is the applicant's to them: "申请人为其监护人".
                format!("{name}（{id}，申请人为其{relation}）")
            }
            Subject::Enterprise { name, credit_code } if credit_code.is_empty() => {
                format!("{name}（设立中，统一社会信用代码于设立登记时赋予）")
            }
            Subject::Enterprise { name, credit_code } => {
                format!("{name}（统一社会信用代码 {credit_code}）")
            }
        }
    }
}

/// Whom an applicant names as the subject of an item they file on its own (not in a bundle):
/// themself, a minor in their care, a deceased relative. The relation is the applicant's word,
/// checked by the reviewer against the materials (户口簿, 死亡证明); it never opens the named
/// person's wallet (see `Subject::Person::reserved`).
pub fn named_person(
    kind: FiledFor,
    name: &str,
    id_number: &str,
    applicant_login: &str,
    today: Date,
) -> Result<Subject, Vec<FieldError>> {
    if kind == FiledFor::Oneself {
        return Ok(Subject::Applicant);
    }
    let mut p = Problems::default();
    let name = name.trim();
    p.text("subject.name", name, "办理对象姓名", 50);
    let id = id_number.trim().to_uppercase();
    match IdNumber::parse_on(&id, today) {
        Err(e) => p.push(
            "subject.id_number",
            "invalid",
            format!("办理对象的公民身份号码“{id}”有误：{e}"),
        ),
        Ok(_) if id == applicant_login => p.push(
            "subject.id_number",
            "self",
            "这是您本人的证件号码：为自己办理请选择“本人”",
        ),
        Ok(n) if kind == FiledFor::Minor && !is_minor(n.birth_date(), today) => p.push(
            "subject.id_number",
            "adult",
            format!(
                "该公民身份号码的持有人生于 {}，已年满十八周岁：成年人请本人申请，或授权您帮办代办",
                n.birth_date()
            ),
        ),
        Ok(_) => {}
    }
    p.into_result().map(|()| Subject::Person {
        name: name.to_string(),
        id_number: id,
        relation: kind.relation().to_string(),
        reserved: false,
    })
}

/// Under eighteen on `today` (民法典 第十七条): the eighteenth birthday makes an adult; one
/// born on 29 February comes of age on 1 March in a common year.
pub fn is_minor(birth: Date, today: Date) -> bool {
    let year = birth.year() + 18;
    let adult = Date::from_calendar_date(year, birth.month(), birth.day())
        .or_else(|_| Date::from_calendar_date(year, time::Month::March, 1));
    adult.is_ok_and(|d| today < d)
}

/// How a bundle reads its subject from the merged form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SubjectSpec {
    #[default]
    Applicant,
    /// An enterprise being established: named by `name_field`; the member `assigned_by`
    /// (设立登记) assigns its 统一社会信用代码, so every other member must wait for it.
    NewEnterprise {
        name_field: String,
        assigned_by: String,
    },
    /// Another person named by name and ID number (e.g. the deceased in 身后一件事).
    Person {
        name_field: String,
        id_field: String,
        relation: String,
    },
    /// A newborn: the 公民身份号码 is reserved when the application is filed (出生预赋码, as
    /// some provinces do at the hospital) from the household's region, birth date and sex.
    Newborn {
        name_field: String,
        sex_field: String,
        birth_date_field: String,
        relation: String,
    },
}

/// What a newborn's reserved number is drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BirthFacts {
    pub birth_date: Date,
    pub male: bool,
}

impl SubjectSpec {
    /// The spec as it applies to who files: an enterprise filing a bundle that would establish
    /// one is itself the subject (it exists, and what it already holds is skipped).
    pub fn for_applicant(&self, applicant_is_enterprise: bool) -> &SubjectSpec {
        match self {
            SubjectSpec::NewEnterprise { .. } if applicant_is_enterprise => &SubjectSpec::Applicant,
            s => s,
        }
    }

    /// The merged-form keys the spec reads; each must be a required field of the form.
    pub fn fields(&self) -> Vec<&str> {
        match self {
            SubjectSpec::Applicant => vec![],
            SubjectSpec::NewEnterprise { name_field, .. } => vec![name_field],
            SubjectSpec::Person {
                name_field,
                id_field,
                ..
            } => vec![name_field, id_field],
            SubjectSpec::Newborn {
                name_field,
                sex_field,
                birth_date_field,
                ..
            } => vec![name_field, sex_field, birth_date_field],
        }
    }

    /// Reads the subject from a filled form, every problem named by its field (`form.<key>`).
    /// A newborn's ID number is left empty with the facts to draw it from.
    pub fn resolve(
        &self,
        form: &BTreeMap<String, String>,
        today: Date,
    ) -> Result<(Subject, Option<BirthFacts>), Vec<FieldError>> {
        let mut p = Problems::default();
        let get = |k: &str| {
            form.get(k)
                .map(|v| v.trim())
                .unwrap_or_default()
                .to_string()
        };
        let out = match self {
            SubjectSpec::Applicant => (Subject::Applicant, None),
            SubjectSpec::NewEnterprise { name_field, .. } => {
                let name = get(name_field);
                if name.chars().count() < 4 {
                    p.push(
                        format!("form.{name_field}"),
                        "too_short",
                        "企业名称应包含行政区划、字号、行业和组织形式，至少 4 个字",
                    );
                }
                (
                    Subject::Enterprise {
                        name,
                        credit_code: String::new(),
                    },
                    None,
                )
            }
            SubjectSpec::Person {
                name_field,
                id_field,
                relation,
            } => {
                let name = get(name_field);
                if name.is_empty() {
                    p.push(format!("form.{name_field}"), "required", "请填写姓名");
                }
                let id = get(id_field);
                let id_number = match IdNumber::parse_on(&id, today) {
                    Ok(n) => n.as_str().to_string(),
                    Err(e) => {
                        p.push(
                            format!("form.{id_field}"),
                            "invalid",
                            format!("公民身份号码“{id}”有误：{e}"),
                        );
                        id
                    }
                };
                (
                    Subject::Person {
                        name,
                        id_number,
                        relation: relation.clone(),
                        reserved: false,
                    },
                    None,
                )
            }
            SubjectSpec::Newborn {
                name_field,
                sex_field,
                birth_date_field,
                relation,
            } => {
                let name = get(name_field);
                if name.is_empty() {
                    p.push(format!("form.{name_field}"), "required", "请填写新生儿姓名");
                }
                let male = match get(sex_field).as_str() {
                    "男" => Some(true),
                    "女" => Some(false),
                    other => {
                        p.push(
                            format!("form.{sex_field}"),
                            "invalid",
                            format!("性别应为“男”或“女”，而不是“{other}”"),
                        );
                        None
                    }
                };
                let raw = get(birth_date_field);
                let birth = crate::calendar::parse_iso_date(&raw).ok();
                let birth = match birth {
                    Some(d) if d <= today && (today - d).whole_days() <= 366 => Some(d),
                    _ => {
                        p.push(
                            format!("form.{birth_date_field}"),
                            "invalid",
                            format!(
                                "出生日期“{raw}”应为一年之内、不晚于今天的日期（如 2026-11-28）"
                            ),
                        );
                        None
                    }
                };
                let facts = match (birth, male) {
                    (Some(birth_date), Some(male)) => Some(BirthFacts { birth_date, male }),
                    _ => None,
                };
                (
                    Subject::Person {
                        name,
                        id_number: String::new(),
                        relation: relation.clone(),
                        reserved: false,
                    },
                    facts,
                )
            }
        };
        p.into_result().map(|()| out)
    }
}

/// A newborn's 公民身份号码 (GB 11643-1999): the household's 6-digit region, the birth date,
/// a sequence odd for men and even for women, and the check character. `n` counts the
/// numbers drawn for that region, day and sex from 1; None when the day's 499 are used up.
pub fn newborn_id_number(region: &RegionCode, facts: BirthFacts, n: u32) -> Option<String> {
    if n == 0 || n > 499 {
        return None;
    }
    let seq = if facts.male { 2 * n - 1 } else { 2 * n };
    let d = facts.birth_date;
    let first = format!(
        "{}{:04}{:02}{:02}{:03}",
        &region.as_str()[..6],
        d.year(),
        d.month() as u8,
        d.day(),
        seq
    );
    Some(format!("{first}{}", id_check_char(&first)))
}

const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// GB 11714 check character of an 8-character organisation code body (digits, and letters
/// valued A = 10 … Z = 35).
pub fn org_check_char(body8: &str) -> char {
    let sum: u32 = body8
        .chars()
        .zip(ORG_WEIGHTS)
        .map(|(c, w)| c.to_digit(36).unwrap_or(0) * w)
        .sum();
    match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        d => char::from_digit(d, 10).unwrap_or('0'),
    }
}

/// A new enterprise's 统一社会信用代码 (GB 32100-2015) as 市场监管 assigns it: 9 (market
/// regulation) 1 (enterprise), the registering region, a 主体标识码 "MA" + six characters
/// from the serial + its GB 11714 check character, and the GB 32100 check character.
/// `serial` counts the codes drawn for the region from 1.
pub fn new_enterprise_credit_code(region: &RegionCode, serial: u64) -> Option<String> {
    let alphabet: Vec<char> = CREDIT_ALPHABET.chars().collect();
    let base = alphabet.len() as u64;
    if serial == 0 || serial >= base.pow(6) {
        return None;
    }
    let mut body = ['0'; 6];
    let mut n = serial;
    for c in body.iter_mut().rev() {
        *c = alphabet[(n % base) as usize];
        n /= base;
    }
    let body8: String = std::iter::once('M')
        .chain(std::iter::once('A'))
        .chain(body)
        .collect();
    let first = format!(
        "91{}{body8}{}",
        &region.as_str()[..6],
        org_check_char(&body8)
    );
    let code = format!("{first}{}", credit_check_char(&first));
    // The organisation check may be X, which GB 32100's alphabet has; anything else from the
    // alphabet is a digit. Parse to be sure the result is well formed.
    CreditCode::parse(&code)
        .ok()
        .map(|c| c.as_str().to_string())
}

#[cfg(test)]
mod tests;
