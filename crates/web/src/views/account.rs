//! 我的账号: the logged-in person changes their password (also a session that logged in with
//! a temporary password, which may do nothing else until it has).

use app::auth::{self, PasswordChange};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::Form;
use domain::FieldError;

use super::{Nav, render};
use crate::ctx::{ClientIp, Ctx};
use crate::{AppState, WebError};

/// Where a session with a temporary password is sent.
pub const PASSWORD_PAGE: &str = "/account/password";

pub fn router() -> Router<AppState> {
    Router::new().route(PASSWORD_PAGE, get(page).post(change))
}

#[derive(Template)]
#[template(path = "account_password.html")]
struct PasswordPage {
    nav: Nav,
    must_change: bool,
    errors: Vec<FieldError>,
    flash: String,
}

impl PasswordPage {
    fn error(&self, field: &str) -> String {
        super::field_error(&self.errors, field)
    }
}

#[derive(serde::Deserialize, Default)]
struct Flash {
    flash: Option<String>,
}

#[derive(serde::Deserialize)]
struct ChangeForm {
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

fn logged_in(ctx: &Ctx) -> Result<(), WebError> {
    if ctx.actor.is_anonymous() && !ctx.must_change_password {
        return Err(app::AppError::Unauthenticated.into());
    }
    Ok(())
}

async fn page(ctx: Ctx, Query(q): Query<Flash>) -> Result<Response, WebError> {
    logged_in(&ctx)?;
    let flash = match q.flash.as_deref() {
        Some("changed") => "密码已修改，您在其他设备上的登录已退出。".to_string(),
        _ => String::new(),
    };
    render(&PasswordPage {
        nav: Nav::of(&ctx),
        must_change: ctx.must_change_password,
        errors: vec![],
        flash,
    })
}

async fn change(
    State(s): State<AppState>,
    ctx: Ctx,
    ClientIp(ip): ClientIp,
    Form(f): Form<ChangeForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    logged_in(&ctx)?;
    let token = ctx.session_token.clone().unwrap_or_default();
    let change = PasswordChange {
        current: f.current,
        new: f.new,
        confirm: f.confirm,
    };
    let (errors, status) = match auth::change_password(&s.app, ip, &token, &change).await {
        Ok(()) => {
            let to = format!("{PASSWORD_PAGE}?flash=changed");
            return Ok(Redirect::to(&to).into_response());
        }
        Err(app::AppError::Validation(errors)) => (errors, StatusCode::UNPROCESSABLE_ENTITY),
        Err(e @ app::AppError::Throttled { .. }) => (
            vec![FieldError::new("current", "throttled", e.to_string())],
            StatusCode::TOO_MANY_REQUESTS,
        ),
        Err(e) => return Err(e.into()),
    };
    let mut r = render(&PasswordPage {
        nav: Nav::of(&ctx),
        must_change: ctx.must_change_password,
        errors,
        flash: String::new(),
    })?;
    *r.status_mut() = status;
    Ok(r)
}
