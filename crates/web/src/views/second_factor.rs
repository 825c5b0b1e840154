//! 绑定身份验证器: an account binds an authenticator app (TOTP) by scanning a QR code and
//! typing the first code. Staff where a second factor is required land here after their
//! password and may do nothing else until they have.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::Form;
use domain::FieldError;

use super::{Nav, render};
use crate::ctx::Ctx;
use crate::views::FormPage as _;
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

form_page!(BindPage);

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
    let result = app::auth::confirm_enrolment(&s.app, &token, &f.code).await;
    let again = async |errors: Vec<domain::FieldError>| render(&build(&s, &ctx, errors).await?);
    super::after_post(result, |()| "/".to_string(), again).await
}
