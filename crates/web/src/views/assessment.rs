//! 考核 pages: the monthly or yearly ranking of the departments of the viewer's region (a
//! table with each indicator's value and score, a chart of the totals, drill-down into the
//! statistics, Excel), and for the platform's top-level supervisors the indicator editor and
//! the targets.

use app::assessment::{self, Assessment};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use domain::FieldError;
use domain::assessment::{FIGURES, Indicator, IndicatorDraft};

use super::Nav;
use crate::ctx::Ctx;
use crate::views::FormPage as _;
use crate::{AppState, WebError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/assessment", get(page))
        .route("/assessment.xlsx", get(export))
        .route("/assessment/indicators", post(save_indicator))
        .route("/assessment/targets", post(set_target))
}

#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
struct Period {
    year: String,
    /// "" for the whole year, else 1–12.
    month: String,
}

impl Period {
    fn parse(&self, this_year: i32) -> Result<(i32, Option<u8>), app::AppError> {
        let year = match self.year.trim() {
            "" => this_year,
            y => y
                .parse()
                .map_err(|_| app::AppError::field("year", "invalid", "年度应为四位数字"))?,
        };
        let month = match self.month.trim() {
            "" => None,
            m => Some(
                m.parse::<u8>()
                    .ok()
                    .filter(|m| (1..=12).contains(m))
                    .ok_or_else(|| app::AppError::field("month", "invalid", "月份应为 1–12"))?,
            ),
        };
        Ok((year, month))
    }
}

#[derive(Template)]
#[template(path = "assessment.html")]
struct Page {
    nav: Nav,
    a: Assessment,
    chart: String,
    may_edit: bool,
    figures: &'static [(&'static str, &'static str)],
    departments: Vec<domain::org::Department>,
    /// The indicator form as posted, and what was wrong with it (or with the target form).
    draft: IndicatorDraft,
    errors: Vec<FieldError>,
    months: Vec<u8>,
}

form_page!(Page);

impl Page {
    fn chosen(&self, m: &u8) -> bool {
        self.a.month == Some(*m)
    }
    fn num(&self, v: &Option<f64>) -> String {
        v.map(|v| format!("{v:.1}")).unwrap_or_else(|| "—".into())
    }
    fn drill(&self, department: &str) -> String {
        format!(
            "/supervision/stats?from={}&to={}&department={}",
            self.a.from,
            self.a.to,
            super::admin::urlencode(department)
        )
    }
    fn direction(&self, i: &Indicator) -> &'static str {
        if i.higher_is_better {
            "越高越好"
        } else {
            "越低越好"
        }
    }
}

fn this_year(s: &AppState) -> i32 {
    domain::calendar::china_date(s.app.now()).year()
}

async fn show(
    s: &AppState,
    ctx: &Ctx,
    period: (i32, Option<u8>),
    draft: IndicatorDraft,
    errors: Vec<FieldError>,
) -> Result<Response, WebError> {
    let a = assessment::report(&s.app, &ctx.actor, period.0, period.1).await?;
    let totals: Vec<(String, f64)> = a
        .lines
        .iter()
        .filter_map(|l| Some((l.name.clone(), l.total?)))
        .collect();
    let page = Page {
        chart: crate::charts::bars("各部门考核总分（百分制）", &totals, "分"),
        may_edit: assessment::may_edit(&s.app, &ctx.actor).await,
        figures: FIGURES,
        departments: app::org::departments(&s.app).await?,
        nav: Nav::of(ctx),
        a,
        draft,
        errors,
        months: (1..=12).collect(),
    };
    super::render_form(&page)
}

async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(p): Query<Period>,
) -> Result<Response, WebError> {
    if ctx.actor.is_anonymous() {
        return Ok(Redirect::to("/login?next=/assessment").into_response());
    }
    let period = p.parse(this_year(&s))?;
    show(&s, &ctx, period, IndicatorDraft::default(), vec![]).await
}

async fn export(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(p): Query<Period>,
) -> Result<Response, WebError> {
    let (year, month) = p.parse(this_year(&s))?;
    let a = assessment::report(&s.app, &ctx.actor, year, month).await?;
    let bytes = assessment::to_xlsx(&a)?;
    let name = match month {
        Some(m) => format!("考核-{year}年{m}月.xlsx"),
        None => format!("考核-{year}年.xlsx"),
    };
    Ok(super::attachment(&name, bytes))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct IndicatorForm {
    csrf: String,
    code: String,
    name: String,
    formula: String,
    unit: String,
    /// "1": higher is better.
    higher: String,
    weight: String,
}

async fn save_indicator(
    State(s): State<AppState>,
    ctx: Ctx,
    Form(f): Form<IndicatorForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let draft = IndicatorDraft {
        code: f.code,
        name: f.name,
        formula: f.formula,
        unit: f.unit,
        higher_is_better: f.higher == "1",
        // Not a number: 0, which the check refuses at its field.
        weight: f.weight.trim().parse().unwrap_or(0),
    };
    let result = assessment::save_indicator(&s.app, &ctx.actor, &draft).await;
    let again = async |errors: Vec<domain::FieldError>| {
        show(&s, &ctx, (this_year(&s), None), draft, errors).await
    };
    super::after_post(result, |()| "/assessment#indicators".to_string(), again).await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct TargetForm {
    csrf: String,
    year: String,
    department: String,
    indicator: String,
    value: String,
}

async fn set_target(
    State(s): State<AppState>,
    ctx: Ctx,
    Form(f): Form<TargetForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    // A year that is not a number is refused at its field by the app (0 is out of range).
    let year = f.year.trim().parse().unwrap_or(0);
    match assessment::set_target(
        &s.app,
        &ctx.actor,
        year,
        &f.department,
        &f.indicator,
        &f.value,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/assessment?year={year}#targets")).into_response()),
        Err(app::AppError::Validation(errors)) => {
            show(
                &s,
                &ctx,
                (this_year(&s), None),
                IndicatorDraft::default(),
                errors,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
