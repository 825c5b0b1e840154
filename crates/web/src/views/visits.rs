//! 最多跑一次 page: the month's 实现率 by department and item, the call-back sample (drawn once
//! with its seed shown) and the form to record each call-back.

use app::visits::{self, VisitReport};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use domain::FieldError;

use super::Nav;
use crate::ctx::Ctx;
use crate::views::FormPage as _;
use crate::{AppState, WebError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/visits", get(page))
        .route("/visits/sample", post(draw))
        .route("/visits/callbacks/{id}", post(callback))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct MonthQuery {
    month: String,
}

#[derive(Template)]
#[template(path = "visits.html")]
struct Page {
    nav: Nav,
    r: VisitReport,
    chart: String,
    errors: Vec<FieldError>,
    /// The call-back whose form failed.
    failed: String,
}

form_page!(Page);

impl Page {
    fn pct(&self, r: &Option<f64>) -> String {
        domain::stats::percent(*r)
    }
}

fn this_month(s: &AppState) -> String {
    let d = domain::calendar::china_date(s.app.now());
    format!("{}-{:02}", d.year(), d.month() as u8)
}

async fn show(
    s: &AppState,
    ctx: &Ctx,
    month: &str,
    errors: Vec<FieldError>,
    failed: String,
) -> Result<Response, WebError> {
    let r = visits::report(&s.app, &ctx.actor, month).await?;
    let data: Vec<(String, f64)> = r
        .departments
        .iter()
        .filter_map(|d| Some((d.name.clone(), d.rate? * 100.0)))
        .collect();
    let page = Page {
        chart: crate::charts::bars("各部门最多跑一次实现率", &data, "%"),
        nav: Nav::of(ctx),
        r,
        errors,
        failed,
    };
    super::render_form(&page)
}

async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<MonthQuery>,
) -> Result<Response, WebError> {
    if ctx.actor.is_anonymous() {
        return Ok(Redirect::to("/login?next=/visits").into_response());
    }
    let month = if q.month.trim().is_empty() {
        this_month(&s)
    } else {
        q.month
    };
    show(&s, &ctx, &month, vec![], String::new()).await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct DrawForm {
    csrf: String,
    month: String,
}

async fn draw(
    State(s): State<AppState>,
    ctx: Ctx,
    Form(f): Form<DrawForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let result = visits::draw(&s.app, &ctx.actor, &f.month).await;
    let again = async |errors: Vec<domain::FieldError>| {
        show(&s, &ctx, &this_month(&s), errors, String::new()).await
    };
    super::after_post(
        result,
        |row| format!("/visits?month={}#sample", row.month),
        again,
    )
    .await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct CallbackForm {
    csrf: String,
    month: String,
    /// "1" reached, "0" not.
    reached: String,
    visits_said: String,
    note: String,
}

async fn callback(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(case): Path<String>,
    Form(f): Form<CallbackForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let reached = match f.reached.as_str() {
        "1" => Some(true),
        "0" => Some(false),
        _ => None,
    };
    match visits::record_callback(
        &s.app,
        &ctx.actor,
        &f.month,
        &case,
        reached,
        &f.visits_said,
        &f.note,
    )
    .await
    {
        Ok(()) => {
            Ok(Redirect::to(&format!("/visits?month={}#sample", f.month.trim())).into_response())
        }
        Err(app::AppError::Validation(errors)) => {
            let month = if f.month.trim().is_empty() {
                this_month(&s)
            } else {
                f.month.clone()
            };
            show(&s, &ctx, &month, errors, case).await
        }
        Err(e) => Err(e.into()),
    }
}
