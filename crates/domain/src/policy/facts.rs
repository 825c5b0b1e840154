//! The facts of one subject from what the platform stores about it: shared data (市场主体登记,
//! 社保参保, 户籍) where it has them, and otherwise what its own records say (the region coded
//! in a credit code, the birth date in an ID number, the day the 营业执照 was first issued).

use std::collections::BTreeSet;

use time::Date;

use super::{Facts, Target};
use crate::ids::{CreditCode, IdNumber};

/// One subject as stored, before its facts are derived.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    /// 统一社会信用代码 or 身份证号码.
    pub subject_id: String,
    pub industry: String,
    pub size: String,
    pub region: String,
    /// Day of 成立 (from shared data, else the first 营业执照 issued on the platform).
    pub registered_on: Option<Date>,
    /// None when not known.
    pub employees: Option<i64>,
    pub birth_date: Option<Date>,
    pub hukou_region: String,
    /// Valid license types held.
    pub licenses: BTreeSet<String>,
}

/// Whole years from `from` to `to` (a birthday counts on its day; 0 when `to` is earlier).
pub fn whole_years(from: Date, to: Date) -> i64 {
    let mut years = i64::from(to.year() - from.year());
    if (to.month() as u8, to.day()) < (from.month() as u8, from.day()) {
        years -= 1;
    }
    years.max(0)
}

fn known(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// The facts of `record` as of `today`.
pub fn facts_of(target: Target, record: &Record, today: Date) -> Facts {
    let licenses = record.licenses.clone();
    match target {
        Target::Enterprise => Facts {
            industry: known(&record.industry),
            size: known(&record.size),
            // GB 32100: characters 3–8 of a credit code are the registering authority's
            // 行政区划代码.
            region: known(&record.region).or_else(|| {
                CreditCode::parse(&record.subject_id)
                    .ok()
                    .map(|c| c.as_str()[2..8].to_string())
            }),
            years_registered: record.registered_on.map(|d| whole_years(d, today)),
            employees: record.employees,
            licenses,
            ..Facts::default()
        },
        Target::Person => Facts {
            age: record
                .birth_date
                .or_else(|| {
                    IdNumber::parse(&record.subject_id)
                        .ok()
                        .map(|i| i.birth_date())
                })
                .map(|d| whole_years(d, today)),
            hukou_region: known(&record.hukou_region),
            licenses,
            ..Facts::default()
        },
    }
}
