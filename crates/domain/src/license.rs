//! License types (电子证照类型) as catalog data, and the rules that fill a license from an
//! approved case: which fields come from where, and how long it is valid. The signing and
//! identifiers live in the `license` crate; this is what the catalog says about a type.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::case::Case;
use crate::error::{FieldError, Problems};

/// Who can hold a license of a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HolderKind {
    NaturalPerson,
    Organization,
    Any,
}

/// One field printed on the license and where its value comes from when a case issues it:
/// `holder_name`, `holder_id`, `case_number`, `decided_on`, `department`, or `form:KEY`
/// (a field of the application form).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseField {
    pub key: String,
    pub label: String,
    pub from: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseType {
    /// 证照类型代码 (GB/T 36904: issuing authority code + sequence), digits and capitals.
    pub code: String,
    /// 证照名称; materials name it in `license_type` to be satisfied by it.
    pub name: String,
    /// The issuing department (org id).
    pub department: String,
    pub holder: HolderKind,
    /// Years of validity from the issue date; 0 means 长期有效.
    #[serde(default)]
    pub validity_years: u8,
    /// A holder keeps one valid license of this type: a new one replaces the old (变更/换发).
    #[serde(default)]
    pub single_per_holder: bool,
    pub fields: Vec<LicenseField>,
    /// Codes of the items whose approval issues this license.
    #[serde(default)]
    pub produced_by: Vec<String>,
}

/// What the license is filled from, apart from the case's own form.
pub struct IssueContext<'a> {
    pub holder_name: &'a str,
    pub holder_id: &'a str,
    pub department_name: &'a str,
    pub decided_on: Date,
}

impl LicenseType {
    /// Checks the definition; every problem is named with its field.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut p = Problems::default();
        if self.code.is_empty()
            || !self
                .code
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        {
            p.push("code", "invalid", "证照类型代码只能由数字和大写字母组成");
        }
        if self.name.trim().is_empty() {
            p.push("name", "required", "请填写证照名称");
        }
        if self.fields.is_empty() {
            p.push("fields", "required", "至少需要一个照面字段");
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, f) in self.fields.iter().enumerate() {
            if !seen.insert(&f.key) {
                p.push(
                    format!("fields[{i}].key"),
                    "duplicate",
                    format!("字段 {} 重复", f.key),
                );
            }
            let known = matches!(
                f.from.as_str(),
                "holder_name" | "holder_id" | "case_number" | "decided_on" | "department"
            ) || f.from.strip_prefix("form:").is_some_and(|k| !k.is_empty());
            if !known {
                p.push(
                    format!("fields[{i}].from"),
                    "invalid",
                    format!("字段 {} 的来源“{}”无法识别", f.label, f.from),
                );
            }
        }
        p.into_result()
    }

    /// The last day of validity for a license issued on `issued`: the day before the same
    /// date `validity_years` later (29 February falls back to 28 February), or None.
    pub fn valid_until(&self, issued: Date) -> Option<Date> {
        if self.validity_years == 0 {
            return None;
        }
        let year = issued.year() + i32::from(self.validity_years);
        let same_day = Date::from_calendar_date(year, issued.month(), issued.day())
            .or_else(|_| Date::from_calendar_date(year, issued.month(), issued.day() - 1))
            .expect("day 28 exists in every month");
        same_day.previous_day()
    }

    /// The license's fields filled from the case and its context. A form field the
    /// applicant left empty stays empty rather than failing the approval.
    pub fn fill(&self, case: &Case, cx: &IssueContext) -> BTreeMap<String, String> {
        self.fields
            .iter()
            .map(|f| {
                let v = match f.from.as_str() {
                    "holder_name" => cx.holder_name.to_string(),
                    "holder_id" => cx.holder_id.to_string(),
                    "case_number" => case.number.to_string(),
                    "department" => cx.department_name.to_string(),
                    "decided_on" => format!(
                        "{}年{}月{}日",
                        cx.decided_on.year(),
                        cx.decided_on.month() as u8,
                        cx.decided_on.day()
                    ),
                    other => other
                        .strip_prefix("form:")
                        .and_then(|k| case.form.get(k))
                        .cloned()
                        .unwrap_or_default(),
                };
                (f.label.clone(), v)
            })
            .collect()
    }

    /// Form values an application can take from a license the applicant holds: each field
    /// of the type that is filled from the form gives that form key its value back.
    pub fn prefill(&self, fields: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        self.fields
            .iter()
            .filter_map(|f| {
                let key = f.from.strip_prefix("form:")?;
                let v = fields.get(&f.label).filter(|v| !v.is_empty())?;
                Some((key.to_string(), v.clone()))
            })
            .collect()
    }
}

/// The reason for use recorded when a license satisfies a material (at most 200 characters).
pub fn use_reason(item_name: &str, material: &str) -> String {
    let s = format!("办理“{item_name}”，用作申请材料“{material}”");
    s.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn business_license() -> LicenseType {
        LicenseType {
            code: "11100000000013338W001".into(),
            name: "营业执照".into(),
            department: "511600-SCJG".into(),
            holder: HolderKind::Organization,
            validity_years: 0,
            single_per_holder: true,
            fields: vec![
                LicenseField {
                    key: "name".into(),
                    label: "名称".into(),
                    from: "holder_name".into(),
                },
                LicenseField {
                    key: "legal_rep".into(),
                    label: "法定代表人".into(),
                    from: "form:legal_rep".into(),
                },
            ],
            produced_by: vec![],
        }
    }

    #[test]
    fn validation_names_unknown_sources_and_duplicates() {
        assert!(business_license().validate().is_ok());
        let mut t = business_license();
        t.fields.push(LicenseField {
            key: "name".into(),
            label: "又一个名称".into(),
            from: "weather".into(),
        });
        t.code = "abc".into();
        let e = t.validate().unwrap_err();
        let fields: Vec<&str> = e.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["code", "fields[2].key", "fields[2].from"]);
    }

    #[test]
    fn validity_ends_the_day_before_the_anniversary() {
        let mut t = business_license();
        assert_eq!(t.valid_until(date!(2026 - 11 - 27)), None);
        t.validity_years = 5;
        assert_eq!(
            t.valid_until(date!(2026 - 11 - 27)),
            Some(date!(2031 - 11 - 26))
        );
        assert_eq!(
            t.valid_until(date!(2028 - 02 - 29)),
            Some(date!(2033 - 02 - 27))
        );
    }

    #[test]
    fn prefill_returns_form_values_from_license_fields() {
        let t = business_license();
        let fields = BTreeMap::from([
            ("名称".to_string(), "示例公司".to_string()),
            ("法定代表人".to_string(), "王五".to_string()),
        ]);
        assert_eq!(
            t.prefill(&fields),
            BTreeMap::from([("legal_rep".to_string(), "王五".to_string())])
        );
    }

    proptest! {
        /// Validity is always after the issue date and within the stated number of years.
        #[test]
        fn validity_is_within_the_years(days in 0i64..40_000, years in 1u8..30) {
            let issued = date!(1990 - 01 - 01) + time::Duration::days(days);
            let mut t = business_license();
            t.validity_years = years;
            let until = t.valid_until(issued).unwrap();
            prop_assert!(until > issued);
            prop_assert!(until.year() - issued.year() <= i32::from(years));
            prop_assert!((until - issued).whole_days() >= 365 * i64::from(years) - 2);
        }

        #[test]
        fn reasons_are_at_most_200_characters(item in ".{0,300}", m in ".{0,50}") {
            prop_assert!(use_reason(&item, &m).chars().count() <= 200);
        }
    }
}
