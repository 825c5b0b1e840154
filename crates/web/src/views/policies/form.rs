//! The policy editor: the terms as fields, the rule as rows of (fact, test, value). Rows
//! left empty are dropped and the rest renumbered, so that a problem the domain names as
//! `rule.clauses[i]` is shown on the i-th row of the page it comes back on.

use app::policies::{self, PolicyView};
use askama::Template;
use axum::response::Response;
use domain::FieldError;
use domain::org::Department;
use domain::policy::{Clause, Fact, Mode, Rule, Target, Terms, Test};

use super::super::{Nav, render};
use crate::ctx::Ctx;
use crate::views::FormPage as _;
use crate::{AppState, WebError};

/// The tests a row offers, as (key, label).
pub(crate) const TESTS: &[(&str, &str)] = &[
    ("at_least", "不少于"),
    ("at_most", "不超过"),
    ("one_of", "为下列之一"),
    ("under", "属于下列代码（含下级）"),
    ("holds", "持有证照"),
    ("lacks_license", "未持有证照"),
];

/// Blank rows offered below the rule's clauses.
const BLANK_ROWS: usize = 3;

#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
pub(crate) struct PolicyForm {
    pub csrf: String,
    pub title: String,
    pub document: String,
    pub department: String,
    pub region: String,
    pub benefit: String,
    /// Yuan as typed.
    pub amount: String,
    pub legal_basis: String,
    pub summary: String,
    pub mode: String,
    pub item_code: String,
    pub valid_from: String,
    pub valid_until: String,
    pub target: String,
    pub fact: Vec<String>,
    pub test: Vec<String>,
    pub value: Vec<String>,
}

/// One row of the rule as the page shows it.
pub(crate) struct Row {
    pub fact: String,
    pub test: String,
    pub value: String,
}

fn test_parts(t: &Test) -> (&'static str, String) {
    match t {
        Test::AtLeast(n) => ("at_least", n.to_string()),
        Test::AtMost(n) => ("at_most", n.to_string()),
        Test::OneOf(v) => ("one_of", v.join("、")),
        Test::Under(v) => ("under", v.join("、")),
        Test::Holds(s) => ("holds", s.clone()),
        Test::LacksLicense(s) => ("lacks_license", s.clone()),
    }
}

fn list(value: &str) -> Vec<String> {
    value
        .split([',', '，', '、', ';', '；', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

impl PolicyForm {
    pub(crate) fn blank() -> PolicyForm {
        PolicyForm {
            mode: Mode::Exempt.as_str().into(),
            target: "enterprise".into(),
            ..PolicyForm::default()
        }
    }

    pub(crate) fn of(p: &PolicyView) -> PolicyForm {
        let t = &p.terms;
        let mut f = PolicyForm {
            csrf: String::new(),
            title: t.title.clone(),
            document: t.document.clone(),
            department: t.department.clone(),
            region: t.region.clone(),
            benefit: t.benefit.clone(),
            amount: if t.amount == 0 {
                "0".into()
            } else {
                format!("{}.{:02}", t.amount / 100, t.amount % 100)
            },
            legal_basis: t.legal_basis.clone(),
            summary: t.summary.clone(),
            mode: t.mode.as_str().into(),
            item_code: t.item_code.clone(),
            valid_from: t.valid_from.to_string(),
            valid_until: t.valid_until.to_string(),
            target: t.rule.target.as_str().into(),
            ..PolicyForm::default()
        };
        for c in &t.rule.clauses {
            let (test, value) = test_parts(&c.test);
            f.fact.push(c.fact.clone());
            f.test.push(test.into());
            f.value.push(value);
        }
        f
    }

    /// The non-empty rows, then blanks.
    pub(crate) fn rows(&self) -> Vec<Row> {
        let mut rows: Vec<Row> = (0..self.fact.len())
            .filter(|&i| {
                !self.fact[i].trim().is_empty()
                    || !self.value.get(i).is_none_or(|v| v.trim().is_empty())
            })
            .map(|i| Row {
                fact: self.fact[i].trim().to_string(),
                test: self.test.get(i).cloned().unwrap_or_default(),
                value: self.value.get(i).cloned().unwrap_or_default(),
            })
            .collect();
        for _ in 0..BLANK_ROWS {
            rows.push(Row {
                fact: String::new(),
                test: String::new(),
                value: String::new(),
            });
        }
        rows
    }

    /// The terms, or every problem the form alone can see (fields the domain cannot type).
    fn terms(&self) -> Result<Terms, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut bad = |field: &str, message: &str| {
            errors.push(FieldError::new(field, "invalid", message));
        };
        let amount = if self.amount.trim().is_empty() {
            Some(0)
        } else {
            domain::payment::price_of(&format!("{}元", self.amount.trim()))
        };
        if amount.is_none() {
            bad(
                "amount",
                "金额应为数字，如 3000 或 3000.50；不是资金的扶持填 0",
            );
        }
        let mode = Mode::parse(&self.mode);
        if mode.is_none() {
            bad("mode", "请选择兑现方式");
        }
        let target = Target::parse(&self.target);
        if target.is_none() {
            bad("target", "请选择政策对象");
        }
        let from = domain::calendar::parse_iso_date(&self.valid_from).ok();
        if from.is_none() {
            bad("valid_from", "请填写有效期起始日");
        }
        let until = domain::calendar::parse_iso_date(&self.valid_until).ok();
        if until.is_none() {
            bad("valid_until", "请填写有效期截止日");
        }
        let mut clauses = Vec::new();
        for (i, row) in self
            .rows()
            .into_iter()
            .filter(|r| !r.fact.is_empty() || !r.value.trim().is_empty())
            .enumerate()
        {
            let v = row.value.trim();
            let number = v.parse::<i64>();
            let test = match row.test.as_str() {
                "at_least" | "at_most" => match number {
                    Ok(n) if row.test == "at_least" => Some(Test::AtLeast(n)),
                    Ok(n) => Some(Test::AtMost(n)),
                    Err(_) => {
                        bad(&format!("rule.clauses[{i}].value"), "请填写整数");
                        None
                    }
                },
                "one_of" => Some(Test::OneOf(list(v))),
                "under" => Some(Test::Under(list(v))),
                "holds" => Some(Test::Holds(v.to_string())),
                "lacks_license" => Some(Test::LacksLicense(v.to_string())),
                _ => {
                    bad(&format!("rule.clauses[{i}].value"), "请选择判断方式");
                    None
                }
            };
            if let Some(test) = test {
                clauses.push(Clause {
                    fact: row.fact.clone(),
                    test,
                });
            }
        }
        match (amount, mode, target, from, until) {
            (Some(amount), Some(mode), Some(target), Some(valid_from), Some(valid_until))
                if errors.is_empty() =>
            {
                Ok(Terms {
                    title: self.title.trim().into(),
                    document: self.document.trim().into(),
                    department: self.department.trim().into(),
                    region: self.region.trim().into(),
                    benefit: self.benefit.trim().into(),
                    amount,
                    legal_basis: self.legal_basis.trim().into(),
                    summary: self.summary.trim().into(),
                    mode,
                    item_code: self.item_code.trim().into(),
                    valid_from,
                    valid_until,
                    rule: Rule { target, clauses },
                })
            }
            _ => Err(errors),
        }
    }
}

#[derive(Template)]
#[template(path = "policy_edit.html")]
pub(crate) struct EditPage {
    nav: Nav,
    id: Option<String>,
    form: PolicyForm,
    rows: Vec<Row>,
    departments: Vec<Department>,
    facts: &'static [Fact],
    tests: &'static [(&'static str, &'static str)],
    modes: &'static [Mode],
    errors: Vec<FieldError>,
}

form_page!(EditPage);

impl EditPage {
    pub(crate) async fn of(
        s: &AppState,
        ctx: &Ctx,
        id: Option<String>,
        form: PolicyForm,
        errors: Vec<FieldError>,
    ) -> Result<EditPage, WebError> {
        Ok(EditPage {
            nav: Nav::of(ctx),
            id,
            rows: form.rows(),
            form,
            departments: app::org::departments(&s.app).await?,
            facts: Fact::ALL,
            tests: TESTS,
            modes: Mode::ALL,
            errors,
        })
    }

    fn row_error(&self, i: &usize) -> String {
        let mine: Vec<String> = ["fact", "value"]
            .iter()
            .map(|f| self.error(&format!("rule.clauses[{i}].{f}")))
            .filter(|e| !e.is_empty())
            .collect();
        mine.join("；")
    }

    fn rule_error(&self) -> String {
        self.error("rule.clauses")
    }

    fn action(&self) -> String {
        match &self.id {
            Some(id) => format!("/policies/{id}"),
            None => "/policies".into(),
        }
    }
}

pub(crate) async fn save(
    s: &AppState,
    ctx: &Ctx,
    id: Option<String>,
    f: PolicyForm,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    // Authority before the form is judged: a stranger learns nothing from the answer.
    if !policies::may_write(&ctx.actor) {
        return Err(app::AppError::Forbidden("只有事项管理员可以管理政策".into()).into());
    }
    if let Some(id) = &id {
        let p = policies::policy(&s.app, &ctx.actor, id).await?;
        if !p.officer {
            return Err(app::AppError::Forbidden("该政策不属于您管理的地区和部门".into()).into());
        }
    }
    let result = match f.terms() {
        Ok(t) => policies::save_draft(&s.app, &ctx.actor, id.as_deref(), &t).await,
        Err(e) => Err(app::AppError::Validation(e)),
    };
    let again = async |errors: Vec<domain::FieldError>| {
        let page = EditPage::of(s, ctx, id, f, errors).await?;
        render(&page)
    };
    crate::views::after_post(result, |id| format!("/policies/{id}"), again).await
}
