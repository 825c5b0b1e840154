//! 惠企政策 and 免申即享: a policy's eligibility as a rule over facts the platform holds about a
//! person or an enterprise (industry, size, region, years since registration, employees, age,
//! 户籍 region, the licenses held). A rule is a list of clauses that must all hold; it is
//! checked before publishing (every fact known and fit for the target, every test fit for
//! its fact, no two clauses that cannot hold together), and every decision says which clauses
//! held, what the platform knows, and what is missing.
//!
//! Rules are data (stored as JSON, versioned with their policy): facts are named by key, so a
//! rule naming a fact the platform does not hold is refused by `validate` with its place, not
//! by a parser. Evaluation is a plain walk over the clauses: a million subjects take a
//! fraction of a second (`onewindow bench policy` once the use cases exist).

mod facts;
mod terms;
#[cfg(test)]
mod tests;

pub use facts::{Record, facts_of, whole_years};
pub use terms::{
    GrantError, GrantState, MAX_AMOUNT, Mode, PolicyState, Terms, bank_account, confirm,
    mask_account, pay,
};

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::error::{FieldError, Problems};

/// Whom a policy is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    Person,
    Enterprise,
}

impl Target {
    /// As stored and as forms send it.
    pub fn as_str(self) -> &'static str {
        match self {
            Target::Person => "person",
            Target::Enterprise => "enterprise",
        }
    }

    pub fn parse(s: &str) -> Option<Target> {
        [Target::Person, Target::Enterprise]
            .into_iter()
            .find(|t| t.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Target::Person => "个人",
            Target::Enterprise => "企业",
        }
    }
}

/// What kind of value a fact has, which decides the tests it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A whole number (years, people, age).
    Number,
    /// A hierarchical code, tested by its prefixes (行政区划代码, 国民经济行业分类代码).
    Code,
    /// One of a few values (企业规模).
    Choice(&'static [&'static str]),
    /// The types of valid licenses held (电子证照).
    Licenses,
}

/// A fact the platform holds, by its key in a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fact {
    /// 国民经济行业分类 (GB/T 4754) code of the enterprise, e.g. `H6210`.
    Industry,
    /// 企业规模 (大型, 中型, 小型, 微型).
    Size,
    /// Where the enterprise is registered (行政区划代码).
    Region,
    /// Whole years since the enterprise was registered.
    YearsRegistered,
    /// People the enterprise employs (参保人数).
    Employees,
    /// A person's age in whole years.
    Age,
    /// A person's 户籍 region (行政区划代码).
    HukouRegion,
    /// The license types the subject holds valid (营业执照, 残疾人证 …).
    Licenses,
}

/// The values of 企业规模, as the 中小企业划型标准 names them.
pub const SIZES: &[&str] = &["大型", "中型", "小型", "微型"];

impl Fact {
    pub const ALL: &'static [Fact] = &[
        Fact::Industry,
        Fact::Size,
        Fact::Region,
        Fact::YearsRegistered,
        Fact::Employees,
        Fact::Age,
        Fact::HukouRegion,
        Fact::Licenses,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Fact::Industry => "industry",
            Fact::Size => "size",
            Fact::Region => "region",
            Fact::YearsRegistered => "years_registered",
            Fact::Employees => "employees",
            Fact::Age => "age",
            Fact::HukouRegion => "hukou_region",
            Fact::Licenses => "licenses",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Fact::Industry => "所属行业（国民经济行业分类代码）",
            Fact::Size => "企业规模",
            Fact::Region => "注册地（行政区划代码）",
            Fact::YearsRegistered => "成立年限（年）",
            Fact::Employees => "参保职工人数",
            Fact::Age => "年龄（周岁）",
            Fact::HukouRegion => "户籍地（行政区划代码）",
            Fact::Licenses => "持有的有效证照",
        }
    }

    pub fn parse(key: &str) -> Option<Fact> {
        Fact::ALL.iter().copied().find(|f| f.key() == key)
    }

    pub fn kind(self) -> Kind {
        match self {
            Fact::Industry | Fact::Region | Fact::HukouRegion => Kind::Code,
            Fact::Size => Kind::Choice(SIZES),
            Fact::YearsRegistered | Fact::Employees | Fact::Age => Kind::Number,
            Fact::Licenses => Kind::Licenses,
        }
    }

    /// Whether the platform holds this fact about subjects of `target`.
    pub fn applies_to(self, target: Target) -> bool {
        match self {
            Fact::Industry
            | Fact::Size
            | Fact::Region
            | Fact::YearsRegistered
            | Fact::Employees => target == Target::Enterprise,
            Fact::Age | Fact::HukouRegion => target == Target::Person,
            Fact::Licenses => true,
        }
    }
}

/// What a clause asks of its fact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "test", content = "value")]
pub enum Test {
    /// A number at least this.
    AtLeast(i64),
    /// A number at most this.
    AtMost(i64),
    /// A choice among these values.
    OneOf(Vec<String>),
    /// A code under one of these prefixes (a region and the regions under it, an industry
    /// section and its classes).
    Under(Vec<String>),
    /// A license of this type held valid.
    Holds(String),
    /// No valid license of this type (those already served are left out).
    LacksLicense(String),
}

/// One condition of a rule: a fact (by key, as stored) and its test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clause {
    pub fact: String,
    #[serde(flatten)]
    pub test: Test,
}

impl Clause {
    pub fn new(fact: &str, test: Test) -> Clause {
        Clause {
            fact: fact.into(),
            test,
        }
    }
}

/// A policy's eligibility: every clause holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub target: Target,
    pub clauses: Vec<Clause>,
}

/// At most this many clauses: a policy a person can read in one go.
pub const MAX_CLAUSES: usize = 20;

fn is_code(s: &str) -> bool {
    !s.is_empty() && s.len() <= 12 && s.chars().all(|c| c.is_ascii_alphanumeric())
}

impl Rule {
    /// Before publishing: every fact known and held for the target, every test fit for its
    /// fact and well formed, and no two clauses that cannot hold together. Problems name the
    /// clause (`clauses[i].fact`, `clauses[i].value`, `clauses`).
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut p = Problems::default();
        if self.clauses.is_empty() {
            p.push("clauses", "required", "请至少写一个条件");
        }
        if self.clauses.len() > MAX_CLAUSES {
            p.push(
                "clauses",
                "too_many",
                format!("条件不能超过 {MAX_CLAUSES} 个"),
            );
        }
        for (i, c) in self.clauses.iter().enumerate() {
            let Some(fact) = Fact::parse(&c.fact) else {
                p.push(
                    format!("clauses[{i}].fact"),
                    "unknown_fact",
                    format!("平台没有“{}”这项信息，无法据此判断", c.fact),
                );
                continue;
            };
            if !fact.applies_to(self.target) {
                p.push(
                    format!("clauses[{i}].fact"),
                    "not_for_target",
                    format!("“{}”不是{}的信息", fact.label(), self.target.label()),
                );
                continue;
            }
            if let Err(m) = fits(fact, &c.test) {
                p.push(format!("clauses[{i}].value"), "invalid", m);
            }
        }
        if p.is_empty() {
            for (fact, m) in contradictions(self) {
                p.push(
                    "clauses",
                    "contradiction",
                    format!("“{}”：{m}", fact.label()),
                );
            }
        }
        p.into_result()
    }

    /// The clauses with their facts resolved; None when `validate` would refuse a fact.
    fn resolved(&self) -> Option<Vec<(Fact, &Test)>> {
        self.clauses
            .iter()
            .map(|c| Fact::parse(&c.fact).map(|f| (f, &c.test)))
            .collect()
    }
}

/// Whether `test` suits `fact`, and its values are well formed.
fn fits(fact: Fact, test: &Test) -> Result<(), String> {
    let wrong = || format!("“{}”不能这样判断", fact.label());
    match (fact.kind(), test) {
        (Kind::Number, Test::AtLeast(n) | Test::AtMost(n)) => {
            if *n < 0 || *n > 1_000_000 {
                return Err("数值应在 0 至 1000000 之间".into());
            }
            Ok(())
        }
        (Kind::Code, Test::Under(prefixes)) => {
            if prefixes.is_empty() {
                return Err("请至少写一个代码".into());
            }
            match prefixes.iter().find(|v| !is_code(v.trim())) {
                Some(v) => Err(format!("“{v}”不是代码")),
                None => Ok(()),
            }
        }
        (Kind::Choice(allowed), Test::OneOf(values)) => {
            if values.is_empty() {
                return Err("请至少选一个值".into());
            }
            match values.iter().find(|v| !allowed.contains(&v.as_str())) {
                Some(v) => Err(format!("“{v}”不是可选值（{}）", allowed.join("、"))),
                None => Ok(()),
            }
        }
        (Kind::Licenses, Test::Holds(t) | Test::LacksLicense(t)) => {
            if t.trim().is_empty() {
                Err("请写明证照类型".into())
            } else {
                Ok(())
            }
        }
        _ => Err(wrong()),
    }
}

/// Pairs of clauses on one fact that no subject can meet together, as (fact, why). Only for
/// rules whose facts and tests `fits` accepts.
fn contradictions(rule: &Rule) -> Vec<(Fact, String)> {
    let Some(clauses) = rule.resolved() else {
        return vec![];
    };
    let mut out = Vec::new();
    for &fact in Fact::ALL {
        let of: Vec<&Test> = clauses
            .iter()
            .filter(|(f, _)| *f == fact)
            .map(|(_, t)| *t)
            .collect();
        if of.len() < 2 {
            continue;
        }
        match fact.kind() {
            Kind::Number => {
                let lo = of
                    .iter()
                    .filter_map(|t| match t {
                        Test::AtLeast(n) => Some(*n),
                        _ => None,
                    })
                    .max();
                let hi = of
                    .iter()
                    .filter_map(|t| match t {
                        Test::AtMost(n) => Some(*n),
                        _ => None,
                    })
                    .min();
                if let (Some(lo), Some(hi)) = (lo, hi)
                    && lo > hi
                {
                    out.push((fact, format!("不少于 {lo} 又不多于 {hi}，没有人能满足")));
                }
            }
            Kind::Choice(_) => {
                let mut sets = of.iter().filter_map(|t| match t {
                    Test::OneOf(v) => Some(v.iter().map(String::as_str).collect::<BTreeSet<_>>()),
                    _ => None,
                });
                if let Some(first) = sets.next() {
                    let common = sets.fold(first, |a, b| a.intersection(&b).copied().collect());
                    if common.is_empty() {
                        out.push((fact, "几个条件的可选值没有交集".into()));
                    }
                }
            }
            Kind::Code => {
                let sets: Vec<&Vec<String>> = of
                    .iter()
                    .filter_map(|t| match t {
                        Test::Under(v) => Some(v),
                        _ => None,
                    })
                    .collect();
                // Two prefix lists meet where one prefix extends the other.
                let meets = |a: &Vec<String>, b: &Vec<String>| {
                    a.iter().any(|x| {
                        b.iter().any(|y| {
                            x.trim().starts_with(y.trim()) || y.trim().starts_with(x.trim())
                        })
                    })
                };
                for (i, a) in sets.iter().enumerate() {
                    for b in &sets[i + 1..] {
                        if !meets(a, b) {
                            out.push((fact, "几个条件的代码范围没有重叠".into()));
                        }
                    }
                }
            }
            Kind::Licenses => {
                let held: BTreeSet<&str> = of
                    .iter()
                    .filter_map(|t| match t {
                        Test::Holds(n) => Some(n.trim()),
                        _ => None,
                    })
                    .collect();
                for t in &of {
                    if let Test::LacksLicense(n) = t
                        && held.contains(n.trim())
                    {
                        out.push((fact, format!("既要求持有又要求未持有“{}”", n.trim())));
                    }
                }
            }
        }
    }
    out.dedup();
    out
}

/// What the platform holds about one subject. A fact it does not hold is None: a clause on
/// it does not hold, and the decision says the fact is unknown (not that the subject fails).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    pub industry: Option<String>,
    pub size: Option<String>,
    pub region: Option<String>,
    pub years_registered: Option<i64>,
    pub employees: Option<i64>,
    pub age: Option<i64>,
    pub hukou_region: Option<String>,
    /// Valid license types held.
    pub licenses: BTreeSet<String>,
}

impl Facts {
    fn number(&self, f: Fact) -> Option<i64> {
        match f {
            Fact::YearsRegistered => self.years_registered,
            Fact::Employees => self.employees,
            Fact::Age => self.age,
            _ => None,
        }
    }

    fn text(&self, f: Fact) -> Option<&str> {
        match f {
            Fact::Industry => self.industry.as_deref(),
            Fact::Size => self.size.as_deref(),
            Fact::Region => self.region.as_deref(),
            Fact::HukouRegion => self.hukou_region.as_deref(),
            _ => None,
        }
    }
}

/// Whether one clause holds for `facts`: Some(bool), or None when the fact is not held.
fn holds(fact: Fact, test: &Test, facts: &Facts) -> Option<bool> {
    Some(match test {
        Test::AtLeast(n) => facts.number(fact)? >= *n,
        Test::AtMost(n) => facts.number(fact)? <= *n,
        Test::OneOf(v) => {
            let x = facts.text(fact)?;
            v.iter().any(|y| y == x)
        }
        Test::Under(v) => {
            let x = facts.text(fact)?;
            v.iter().any(|p| x.starts_with(p.trim()))
        }
        Test::Holds(t) => facts.licenses.contains(t.trim()),
        Test::LacksLicense(t) => !facts.licenses.contains(t.trim()),
    })
}

/// Eligibility alone, for the bulk pass: no allocation. A rule with an unknown fact holds for
/// no one (it cannot be published anyway).
pub fn eligible(rule: &Rule, facts: &Facts) -> bool {
    !rule.clauses.is_empty()
        && rule
            .clauses
            .iter()
            .all(|c| Fact::parse(&c.fact).is_some_and(|f| holds(f, &c.test, facts) == Some(true)))
}

/// One clause as a decision explains it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClauseResult {
    /// The condition in words.
    pub condition: String,
    /// What the platform holds for it, in words ("未掌握" when nothing).
    pub actual: String,
    /// None when the platform holds nothing on the fact.
    pub holds: Option<bool>,
}

/// A decision with its reasons: every clause, whether it held, on what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub eligible: bool,
    pub clauses: Vec<ClauseResult>,
}

impl Decision {
    /// The clauses that did not hold (or could not be judged): what is missing.
    pub fn missing(&self) -> Vec<&ClauseResult> {
        self.clauses
            .iter()
            .filter(|c| c.holds != Some(true))
            .collect()
    }

    /// Share of the clauses that held, 0–1: how close a subject is, for ranking.
    pub fn closeness(&self) -> f64 {
        if self.clauses.is_empty() {
            return 0.0;
        }
        let held = self
            .clauses
            .iter()
            .filter(|c| c.holds == Some(true))
            .count();
        held as f64 / self.clauses.len() as f64
    }
}

/// A clause in words.
pub fn describe(fact: Fact, test: &Test) -> String {
    let l = fact.label();
    match test {
        Test::AtLeast(n) => format!("{l}不少于 {n}"),
        Test::AtMost(n) => format!("{l}不超过 {n}"),
        Test::OneOf(v) => format!("{l}为{}", v.join("或")),
        Test::Under(v) => format!("{l}属于 {}", v.join("、")),
        Test::Holds(t) => format!("持有有效的{t}"),
        Test::LacksLicense(t) => format!("未持有有效的{t}"),
    }
}

fn actual(fact: Fact, test: &Test, facts: &Facts) -> String {
    let unknown = || "未掌握".to_string();
    match fact.kind() {
        Kind::Number => facts.number(fact).map_or_else(unknown, |n| n.to_string()),
        Kind::Code | Kind::Choice(_) => facts.text(fact).map_or_else(unknown, str::to_string),
        Kind::Licenses => match test {
            Test::Holds(t) | Test::LacksLicense(t) => {
                if facts.licenses.contains(t.trim()) {
                    format!("持有{}", t.trim())
                } else {
                    format!("未持有{}", t.trim())
                }
            }
            _ => unknown(),
        },
    }
}

/// The decision for one subject, explained clause by clause.
pub fn decide(rule: &Rule, facts: &Facts) -> Decision {
    let clauses: Vec<ClauseResult> = rule
        .clauses
        .iter()
        .map(|c| match Fact::parse(&c.fact) {
            Some(f) => ClauseResult {
                condition: describe(f, &c.test),
                actual: actual(f, &c.test, facts),
                holds: holds(f, &c.test, facts),
            },
            None => ClauseResult {
                condition: format!("“{}”（平台没有这项信息）", c.fact),
                actual: "未掌握".into(),
                holds: None,
            },
        })
        .collect();
    Decision {
        eligible: !clauses.is_empty() && clauses.iter().all(|c| c.holds == Some(true)),
        clauses,
    }
}
