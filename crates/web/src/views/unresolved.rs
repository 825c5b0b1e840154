//! 办不成事: a person's own reports with the form to make one (a window clerk files for an
//! applicant), the department's list with the answer form, and the counts per department.

use app::unresolved::{self, DeptCount, TicketView};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use domain::FieldError;
use domain::org::Department;
use domain::unresolved::Step;

use super::Nav;
use crate::ctx::Ctx;
use crate::views::FormPage as _;
use crate::{AppState, WebError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/unresolved", get(page).post(report))
        .route("/unresolved/{id}/answer", post(answer))
        .route("/unresolved/{id}/confirm", post(confirm))
        .route("/unresolved/{id}/reopen", post(reopen))
}

#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
struct ReportForm {
    csrf: String,
    for_login: String,
    what: String,
    department: String,
    item_code: String,
}

#[derive(Template)]
#[template(path = "unresolved.html")]
struct Page {
    nav: Nav,
    tickets: Vec<TicketView>,
    counts: Vec<DeptCount>,
    departments: Vec<Department>,
    /// A window clerk files for an applicant.
    for_others: bool,
    form: ReportForm,
    errors: Vec<FieldError>,
    /// The ticket whose step failed, with its problems.
    failed: String,
}

form_page!(Page);

async fn show(
    s: &AppState,
    ctx: &Ctx,
    form: ReportForm,
    errors: Vec<FieldError>,
    failed: String,
) -> Result<Response, WebError> {
    let tickets = unresolved::list(&s.app, &ctx.actor).await?;
    let counts = if matches!(ctx.actor, app::auth::Actor::Staff { .. }) {
        unresolved::counts(&s.app, &ctx.actor).await?
    } else {
        vec![]
    };
    let page = Page {
        nav: Nav::of(ctx),
        tickets,
        counts,
        departments: app::org::departments(&s.app).await?,
        for_others: ctx.actor.has_role(domain::account::Role::Clerk),
        form,
        failed,
        errors,
    };
    super::render_form(&page)
}

async fn page(State(s): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    if ctx.actor.is_anonymous() {
        return Ok(Redirect::to("/login?next=/unresolved").into_response());
    }
    show(&s, &ctx, ReportForm::default(), vec![], String::new()).await
}

async fn report(
    State(s): State<AppState>,
    ctx: Ctx,
    Form(f): Form<ReportForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    match unresolved::report(
        &s.app,
        &ctx.actor,
        &f.for_login,
        &f.what,
        &f.department,
        &f.item_code,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/unresolved#tickets").into_response()),
        Err(app::AppError::Validation(errors)) => show(&s, &ctx, f, errors, String::new()).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct StepForm {
    csrf: String,
    text: String,
}

async fn stepped(
    s: &AppState,
    ctx: &Ctx,
    id: &str,
    f: &StepForm,
    step: Step,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let result = unresolved::act(&s.app, &ctx.actor, id, step).await;
    let again = async |errors: Vec<domain::FieldError>| {
        show(s, ctx, ReportForm::default(), errors, id.to_string()).await
    };
    super::after_post(result, |()| "/unresolved#tickets".to_string(), again).await
}

async fn answer(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<StepForm>,
) -> Result<Response, WebError> {
    let step = Step::Answer(f.text.clone());
    stepped(&s, &ctx, &id, &f, step).await
}

async fn confirm(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<StepForm>,
) -> Result<Response, WebError> {
    stepped(&s, &ctx, &id, &f, Step::Confirm).await
}

async fn reopen(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<StepForm>,
) -> Result<Response, WebError> {
    let step = Step::Reopen(f.text.clone());
    stepped(&s, &ctx, &id, &f, step).await
}
