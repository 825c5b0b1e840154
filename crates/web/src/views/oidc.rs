//! 统一身份认证 pages: the login page's button starts a login at the province's identity
//! provider (a form, so it carries the CSRF token), and the provider sends the browser back to
//! the callback. The login's state rides in a short-lived cookie scoped to these paths, so a
//! callback link made in another browser (login CSRF) finds no match.

use app::auth::oidc;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::{Cookie, SameSite};
use axum_extra::extract::{CookieJar, Form};

use super::auth::{LoginPage, logged_in, oidc_label, safe_next};
use super::{Nav, render};
use crate::ctx::Ctx;
use crate::{AppState, WebError};

const STATE_COOKIE: &str = "ow_oidc";
const PATH: &str = "/login/oidc";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(PATH, post(start))
        .route("/login/oidc/callback", get(callback))
}

#[derive(serde::Deserialize)]
struct StartForm {
    csrf: String,
    #[serde(default)]
    next: String,
}

async fn start(
    State(s): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(f): Form<StartForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let next = safe_next(Some(&f.next));
    match oidc::begin(&s.app, &next).await {
        Ok((url, state)) => {
            let cookie = Cookie::build((STATE_COOKIE, state))
                .http_only(true)
                // Lax: the provider's redirect back is a top-level GET, which carries it.
                .same_site(SameSite::Lax)
                .secure(s.secure_cookies)
                .path(PATH)
                .max_age(oidc::PENDING_FOR)
                .build();
            Ok((jar.add(cookie), Redirect::to(&url)).into_response())
        }
        Err(e) => failed(&s, &ctx, next, e),
    }
}

async fn callback(
    State(s): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Query(cb): Query<oidc::Callback>,
) -> Result<Response, WebError> {
    let browser_state = jar.get(STATE_COOKIE).map(|c| c.value().to_string());
    let jar = jar.remove(Cookie::build(STATE_COOKIE).path(PATH));
    match oidc::finish(&s.app, browser_state.as_deref(), cb).await {
        Ok((session, next)) => Ok(logged_in(&s, jar, session, &safe_next(Some(&next)))),
        Err(e) => Ok((jar, failed(&s, &ctx, "/".into(), e)?).into_response()),
    }
}

/// The login page again, saying why: a refusal (422), or the provider unreachable (503).
fn failed(s: &AppState, ctx: &Ctx, next: String, e: app::AppError) -> Result<Response, WebError> {
    let (status, error) = match &e {
        app::AppError::Validation(v) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            v.iter()
                .map(|f| f.message.clone())
                .collect::<Vec<_>>()
                .join("；"),
        ),
        app::AppError::Unavailable { .. } => (StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
        _ => return Err(e.into()),
    };
    let mut r = render(&LoginPage {
        nav: Nav::of(ctx),
        login: String::new(),
        error: Some(error),
        next,
        oidc: oidc_label(&s.app),
    })?;
    *r.status_mut() = status;
    Ok(r)
}
