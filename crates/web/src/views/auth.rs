//! Login, registration and logout pages.

use app::auth;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::{CookieJar, Form};
use domain::FieldError;
use domain::account::ApplicantRegistration;

use super::{Nav, render};
use crate::ctx::{Ctx, csrf_cookie, session_cookie};
use crate::{AppState, WebError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/register", get(register_page).post(register))
        .route("/logout", post(logout))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    nav: Nav,
    login: String,
    error: Option<String>,
    next: String,
}

#[derive(serde::Deserialize, Default)]
struct NextQuery {
    next: Option<String>,
}

/// Only local paths, so a login link cannot send people to another site.
fn safe_next(n: Option<&str>) -> String {
    match n {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p.to_string(),
        _ => "/".into(),
    }
}

async fn login_page(ctx: Ctx, Query(q): Query<NextQuery>) -> Result<Response, WebError> {
    render(&LoginPage {
        nav: Nav::of(&ctx),
        login: String::new(),
        error: None,
        next: safe_next(q.next.as_deref()),
    })
}

#[derive(serde::Deserialize)]
struct LoginForm {
    csrf: String,
    login: String,
    password: String,
    #[serde(default)]
    next: String,
}

fn logged_in(s: &AppState, jar: CookieJar, session: auth::Session, next: &str) -> Response {
    let ttl = auth::session_ttl(&s.app);
    let jar = jar
        .add(session_cookie(session.token, s.secure_cookies, ttl))
        .add(csrf_cookie(session.csrf, s.secure_cookies));
    (jar, Redirect::to(next)).into_response()
}

async fn login(
    State(s): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(f): Form<LoginForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let next = safe_next(Some(&f.next));
    match auth::login(&s.app, &f.login, &f.password).await {
        Ok(session) => Ok(logged_in(&s, jar, session, &next)),
        Err(app::AppError::Validation(v)) => {
            let error = Some(
                v.iter()
                    .map(|e| e.message.clone())
                    .collect::<Vec<_>>()
                    .join("；"),
            );
            let mut r = render(&LoginPage {
                nav: Nav::of(&ctx),
                login: f.login,
                error,
                next,
            })?;
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e @ app::AppError::Throttled { .. }) => {
            let mut r = render(&LoginPage {
                nav: Nav::of(&ctx),
                login: f.login,
                error: Some(e.to_string()),
                next,
            })?;
            *r.status_mut() = axum::http::StatusCode::TOO_MANY_REQUESTS;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    nav: Nav,
    kind: String,
    f: RegisterForm,
    errors: Vec<FieldError>,
}

impl RegisterPage {
    fn error(&self, field: &str) -> String {
        self.errors
            .iter()
            .filter(|e| e.field == field)
            .map(|e| e.message.clone())
            .collect::<Vec<_>>()
            .join("；")
    }
}

#[derive(serde::Deserialize, Default, Clone)]
struct RegisterForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    credit_code: String,
    #[serde(default)]
    enterprise_name: String,
    #[serde(default)]
    legal_representative: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    accept_check_mismatch: Option<String>,
}

#[derive(serde::Deserialize, Default)]
struct KindQuery {
    kind: Option<String>,
}

async fn register_page(ctx: Ctx, Query(q): Query<KindQuery>) -> Result<Response, WebError> {
    let kind = if q.kind.as_deref() == Some("enterprise") {
        "enterprise"
    } else {
        "natural_person"
    };
    render(&RegisterPage {
        nav: Nav::of(&ctx),
        kind: kind.into(),
        f: RegisterForm::default(),
        errors: vec![],
    })
}

async fn register(
    State(s): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(f): Form<RegisterForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let enterprise = f.kind == "enterprise";
    let reg = if enterprise {
        ApplicantRegistration::Enterprise {
            credit_code: f.credit_code.clone(),
            name: f.enterprise_name.clone(),
            legal_representative: f.legal_representative.clone(),
            phone: f.phone.clone(),
            password: f.password.clone(),
            accept_check_mismatch: f.accept_check_mismatch.is_some(),
        }
    } else {
        ApplicantRegistration::NaturalPerson {
            id_number: f.id_number.clone(),
            name: f.name.clone(),
            phone: f.phone.clone(),
            password: f.password.clone(),
        }
    };
    match auth::register(&s.app, reg).await {
        Ok(session) => Ok(logged_in(&s, jar, session, "/")),
        Err(app::AppError::Validation(errors)) => {
            let mut errors = errors;
            if enterprise {
                for e in &mut errors {
                    if e.field == "name" {
                        e.field = "enterprise_name".into();
                    }
                }
            }
            let mut form = f;
            form.password.clear();
            let kind = if enterprise {
                "enterprise"
            } else {
                "natural_person"
            }
            .to_string();
            let mut r = render(&RegisterPage {
                nav: Nav::of(&ctx),
                kind,
                f: form,
                errors,
            })?;
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(serde::Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn logout(
    State(s): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(f): Form<CsrfForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    if let Some(t) = &ctx.session_token {
        auth::logout(&s.app, t).await?;
    }
    let jar = jar
        .remove(axum_extra::extract::cookie::Cookie::build(crate::ctx::SESSION_COOKIE).path("/"));
    Ok((jar, Redirect::to("/")).into_response())
}
