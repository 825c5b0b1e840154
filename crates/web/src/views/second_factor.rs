//! 绑定身份验证器: an account binds an authenticator app (TOTP) by scanning a QR code and
//! typing the first code. Staff where a second factor is required land here after their
//! password and may do nothing else until they have.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::Form;
use domain::FieldError;

use super::{Nav, render};
use crate::ctx::Ctx;
use crate::{AppState, WebError};

/// Where a session that must bind a second factor is sent.
pub const PAGE: &str = "/account/second-factor";

pub fn router() -> Router<AppState> {
    Router::new().route(PAGE, get(page).post(confirm))
}

#[derive(Template)]
#[template(path = "second_factor.html")]
struct BindPage {
    nav: Nav,
    required: bool,
    secret: String,
    qr: String,
    errors: Vec<FieldError>,
}

impl BindPage {
    fn error(&self, field: &str) -> String {
        super::field_error(&self.errors, field)
    }
}

fn session_token(ctx: &Ctx) -> Result<String, WebError> {
    match &ctx.session_token {
        Some(t) if !ctx.actor.is_anonymous() || ctx.must_bind_second_factor => Ok(t.clone()),
        _ => Err(app::AppError::Unauthenticated.into()),
    }
}

async fn build(s: &AppState, ctx: &Ctx, errors: Vec<FieldError>) -> Result<BindPage, WebError> {
    let e = app::auth::begin_enrolment(&s.app, &session_token(ctx)?).await?;
    let qr = paper::qr_svg(&e.uri, "身份验证器绑定二维码")
        .map_err(|e| app::AppError::Internal(e.to_string()))?;
    Ok(BindPage {
        nav: Nav::of(ctx),
        required: ctx.must_bind_second_factor,
        secret: e.secret,
        qr,
        errors,
    })
}

async fn page(State(s): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    if ctx.session_token.is_none() {
        return Ok(Redirect::to(&format!("/login?next={PAGE}")).into_response());
    }
    render(&build(&s, &ctx, vec![]).await?)
}

#[derive(serde::Deserialize)]
struct ConfirmForm {
    csrf: String,
    #[serde(default)]
    code: String,
}

async fn confirm(
    State(s): State<AppState>,
    ctx: Ctx,
    Form(f): Form<ConfirmForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let token = session_token(&ctx)?;
    match app::auth::confirm_enrolment(&s.app, &token, &f.code).await {
        Ok(()) => Ok(Redirect::to("/").into_response()),
        Err(app::AppError::Validation(errors)) => {
            let mut r = render(&build(&s, &ctx, errors).await?)?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}
