//! 体外循环疑点: the suspicions of the supervisor's region with their evidence, and the form to
//! confirm or dismiss each with a note.

use app::off_platform::{self, SuspicionView};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
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
        .route("/supervision/off-platform", get(page))
        .route("/supervision/off-platform/{id}", post(decide))
}

#[derive(Template)]
#[template(path = "off_platform.html")]
struct Page {
    nav: Nav,
    rows: Vec<SuspicionView>,
    open: usize,
    errors: Vec<FieldError>,
    /// The suspicion whose judgement failed.
    failed: String,
}

form_page!(Page);

async fn show(
    s: &AppState,
    ctx: &Ctx,
    errors: Vec<FieldError>,
    failed: String,
) -> Result<Response, WebError> {
    if ctx.actor.is_anonymous() {
        return Ok(Redirect::to("/login?next=/supervision/off-platform").into_response());
    }
    let rows = off_platform::list(&s.app, &ctx.actor).await?;
    let page = Page {
        nav: Nav::of(ctx),
        open: rows.iter().filter(|r| r.may_decide).count(),
        rows,
        errors,
        failed,
    };
    super::render_form(&page)
}

async fn page(State(s): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    show(&s, &ctx, vec![], String::new()).await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct DecideForm {
    csrf: String,
    note: String,
    /// "confirm" or "dismiss".
    verdict: String,
}

async fn decide(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<DecideForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let confirm = match f.verdict.as_str() {
        "confirm" => Some(true),
        "dismiss" => Some(false),
        _ => None,
    };
    let result = off_platform::decide(&s.app, &ctx.actor, &id, confirm, &f.note).await;
    let again = async |errors: Vec<domain::FieldError>| show(&s, &ctx, errors, id).await;
    super::after_post(
        result,
        |()| "/supervision/off-platform#suspicions".to_string(),
        again,
    )
    .await
}
