//! The credit record's pages: the subject's own records with the 信用修复 form, and the
//! supervisors' queue of repairs to decide.

use app::oversight::credit::{self, CreditView};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use domain::FieldError;

use super::super::{Nav, render};
use crate::ctx::Ctx;
use crate::{AppState, WebError};

pub fn router() -> axum::Router<AppState> {
    Router::new()
        .route("/credit", get(mine))
        .route("/credit/repairs", get(queue))
        .route("/credit/{id}/repair", post(apply))
        .route("/credit/{id}/decide", post(decide))
}

#[derive(Template)]
#[template(path = "credit.html")]
struct MinePage {
    nav: Nav,
    records: Vec<CreditView>,
    failed: String,
    errors: Vec<FieldError>,
    notice: String,
}

impl MinePage {
    fn error(&self, id: &str, field: &str) -> String {
        if id == self.failed {
            super::super::field_error(&self.errors, field)
        } else {
            String::new()
        }
    }
}

async fn mine_page(
    s: &AppState,
    ctx: &Ctx,
    failed: String,
    errors: Vec<FieldError>,
    notice: String,
) -> Result<MinePage, WebError> {
    Ok(MinePage {
        nav: Nav::of(ctx),
        records: credit::mine(&s.app, &ctx.actor).await?,
        failed,
        errors,
        notice,
    })
}

async fn mine(State(s): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    if ctx.actor.is_anonymous() {
        return Ok(Redirect::to("/login?next=/credit").into_response());
    }
    if !matches!(ctx.actor, app::auth::Actor::Applicant { .. }) {
        return Err(app::AppError::Forbidden("信用记录页面面向企业和群众的账号".into()).into());
    }
    render(&mine_page(&s, &ctx, String::new(), vec![], String::new()).await?)
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct RepairForm {
    csrf: String,
    reason: String,
}

async fn apply(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<RepairForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    match credit::apply_repair(&s.app, &ctx.actor, &id, &f.reason).await {
        Ok(()) => Ok(Redirect::to("/credit").into_response()),
        Err(app::AppError::Validation(errors)) => Ok(super::super::unprocessable(render(
            &mine_page(&s, &ctx, id, errors, String::new()).await?,
        )?)),
        Err(app::AppError::State(m)) => Ok(super::super::unprocessable(render(
            &mine_page(&s, &ctx, String::new(), vec![], m).await?,
        )?)),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "credit_repairs.html")]
struct QueuePage {
    nav: Nav,
    records: Vec<CreditView>,
    failed: String,
    errors: Vec<FieldError>,
}

impl QueuePage {
    fn error(&self, id: &str, field: &str) -> String {
        if id == self.failed {
            super::super::field_error(&self.errors, field)
        } else {
            String::new()
        }
    }
    fn id(&self, id: &str) -> String {
        super::shown_id(id)
    }
}

async fn queue(State(s): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    render(&QueuePage {
        nav: Nav::of(&ctx),
        records: credit::repairs_waiting(&s.app, &ctx.actor).await?,
        failed: String::new(),
        errors: vec![],
    })
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct DecideForm {
    csrf: String,
    decision: String,
    note: String,
}

async fn decide(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<DecideForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let result =
        credit::decide_repair(&s.app, &ctx.actor, &id, f.decision == "repair", &f.note).await;
    let again = async |errors: Vec<domain::FieldError>| {
        render(&QueuePage {
            nav: Nav::of(&ctx),
            records: credit::repairs_waiting(&s.app, &ctx.actor).await?,
            failed: id,
            errors,
        })
    };
    crate::views::after_post(result, |()| "/credit/repairs".to_string(), again).await
}
