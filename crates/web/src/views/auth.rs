//! Login, registration (by the person, or by a clerk at a window) and logout pages.

use super::forms::Pressed;
use app::auth;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::{CookieJar, Form};
use domain::FieldError;
use domain::account::ApplicantRegistration;

use super::{Nav, render};
use crate::ctx::{ClientIp, Ctx, csrf_cookie, session_cookie};
use crate::views::FormPage as _;
use crate::{AppState, WebError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/register", get(register_page).post(register))
        .route("/logout", post(logout))
        .route("/window/register", get(window_page).post(window_register))
}

#[derive(Template)]
#[template(path = "login.html")]
pub(super) struct LoginPage {
    pub nav: Nav,
    pub login: String,
    pub error: Option<String>,
    pub next: String,
    /// The identity provider's button, where one is configured.
    pub oidc: Option<String>,
}

pub(super) fn oidc_label(app: &app::App) -> Option<String> {
    app.settings.oidc.as_ref().map(|o| o.label.clone())
}

#[derive(serde::Deserialize, Default)]
struct NextQuery {
    next: Option<String>,
}

/// Only local paths, so a login link cannot send people to another site.
pub(super) fn safe_next(n: Option<&str>) -> String {
    match n {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p.to_string(),
        _ => "/".into(),
    }
}

async fn login_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NextQuery>,
) -> Result<Response, WebError> {
    if ctx.must_change_password {
        return Ok(Redirect::to(super::account::PASSWORD_PAGE).into_response());
    }
    render(&LoginPage {
        nav: Nav::of(&ctx),
        login: String::new(),
        error: None,
        next: safe_next(q.next.as_deref()),
        oidc: oidc_label(&s.app),
    })
}

#[derive(serde::Deserialize)]
struct LoginForm {
    csrf: String,
    login: String,
    password: String,
    /// 动态口令, for accounts that bound an authenticator app.
    #[serde(default)]
    otp: String,
    #[serde(default)]
    next: String,
}

pub(super) fn logged_in(
    s: &AppState,
    jar: CookieJar,
    session: auth::Session,
    next: &str,
) -> Response {
    let ttl = auth::session_ttl(&s.app);
    let next = if session.must_change_password {
        super::account::PASSWORD_PAGE
    } else if session.must_bind_second_factor {
        super::second_factor::PAGE
    } else {
        next
    };
    let jar = jar
        .add(session_cookie(session.token, s.secure_cookies, ttl))
        .add(csrf_cookie(session.csrf, s.secure_cookies));
    (jar, Redirect::to(next)).into_response()
}

async fn login(
    State(s): State<AppState>,
    ctx: Ctx,
    ClientIp(ip): ClientIp,
    jar: CookieJar,
    Form(f): Form<LoginForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let next = safe_next(Some(&f.next));
    let otp = Some(f.otp.as_str()).filter(|c| !c.trim().is_empty());
    match auth::login_with_code(&s.app, ip, &f.login, &f.password, otp).await {
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
                oidc: oidc_label(&s.app),
            })?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e @ app::AppError::Throttled { .. }) => {
            let mut r = render(&LoginPage {
                nav: Nav::of(&ctx),
                login: f.login,
                error: Some(e.to_string()),
                next,
                oidc: oidc_label(&s.app),
            })?;
            *r.status_mut() = StatusCode::TOO_MANY_REQUESTS;
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
    /// A clerk registers someone at a window: no password field, the override box.
    window: bool,
    /// After a window registration: the account and its one-time password.
    done: Option<auth::WindowRegistration>,
}

form_page!(RegisterPage);

impl RegisterPage {
    fn base(&self) -> &'static str {
        if self.window {
            "/window/register"
        } else {
            "/register"
        }
    }
}

#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
struct RegisterForm {
    csrf: String,
    kind: String,
    id_number: String,
    name: String,
    credit_code: String,
    enterprise_name: String,
    legal_representative: String,
    phone: String,
    password: String,
    accept_check_mismatch: Option<String>,
}

#[derive(serde::Deserialize, Default)]
struct KindQuery {
    kind: Option<String>,
}

fn kind_of(q: Option<&str>) -> &'static str {
    if q == Some("enterprise") {
        "enterprise"
    } else {
        "natural_person"
    }
}

async fn register_page(ctx: Ctx, Query(q): Query<KindQuery>) -> Result<Response, WebError> {
    render(&RegisterPage {
        nav: Nav::of(&ctx),
        kind: kind_of(q.kind.as_deref()).into(),
        f: RegisterForm::default(),
        errors: vec![],
        window: false,
        done: None,
    })
}

impl RegisterForm {
    fn registration(&self) -> ApplicantRegistration {
        if self.kind == "enterprise" {
            ApplicantRegistration::Enterprise {
                credit_code: self.credit_code.clone(),
                name: self.enterprise_name.clone(),
                legal_representative: self.legal_representative.clone(),
                phone: self.phone.clone(),
                password: self.password.clone(),
            }
        } else {
            ApplicantRegistration::NaturalPerson {
                id_number: self.id_number.clone(),
                name: self.name.clone(),
                phone: self.phone.clone(),
                password: self.password.clone(),
            }
        }
    }
}

/// The form again with its problems (422), or a throttled visitor told when to come back
/// (429).
fn refused(
    ctx: &Ctx,
    f: RegisterForm,
    e: app::AppError,
    window: bool,
) -> Result<Response, WebError> {
    let enterprise = f.kind == "enterprise";
    let (mut errors, status) = match e {
        app::AppError::Validation(errors) => (errors, StatusCode::UNPROCESSABLE_ENTITY),
        e @ app::AppError::Throttled { .. } => (
            vec![FieldError::new("form", "throttled", e.to_string())],
            StatusCode::TOO_MANY_REQUESTS,
        ),
        e => return Err(e.into()),
    };
    if enterprise {
        for e in &mut errors {
            if e.field == "name" {
                e.field = "enterprise_name".into();
            }
        }
    }
    let mut form = f;
    form.password.clear();
    let mut r = render(&RegisterPage {
        nav: Nav::of(ctx),
        kind: kind_of(Some(&form.kind)).into(),
        f: form,
        errors,
        window,
        done: None,
    })?;
    *r.status_mut() = status;
    Ok(r)
}

async fn register(
    State(s): State<AppState>,
    ctx: Ctx,
    ClientIp(ip): ClientIp,
    jar: CookieJar,
    Form(f): Form<RegisterForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    // Self-registration never accepts a failed credit-code check, whatever the form says.
    match auth::register(&s.app, ip, f.registration()).await {
        Ok(session) => Ok(logged_in(&s, jar, session, "/")),
        Err(e) => refused(&ctx, f, e, false),
    }
}

/// 窗口注册: a comprehensive-window clerk registers an applicant who came in person.
async fn window_page(ctx: Ctx, Query(q): Query<KindQuery>) -> Result<Response, WebError> {
    ctx.actor.window_clerk()?;
    render(&RegisterPage {
        nav: Nav::of(&ctx),
        kind: kind_of(q.kind.as_deref()).into(),
        f: RegisterForm::default(),
        errors: vec![],
        window: true,
        done: None,
    })
}

async fn window_register(
    State(s): State<AppState>,
    ctx: Ctx,
    Form(f): Form<RegisterForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let clerk = ctx.actor.window_clerk()?;
    let accept = f.accept_check_mismatch.is_some();
    match auth::register_at_window(&s.app, &clerk, f.registration(), accept).await {
        // Shown once, not redirected: the temporary password is never stored in clear.
        Ok(done) => render(&RegisterPage {
            nav: Nav::of(&ctx),
            kind: kind_of(Some(&f.kind)).into(),
            f: RegisterForm::default(),
            errors: vec![],
            window: true,
            done: Some(done),
        }),
        Err(e) => refused(&ctx, f, e, true),
    }
}

async fn logout(
    State(s): State<AppState>,
    jar: CookieJar,
    Pressed(ctx): Pressed,
) -> Result<Response, WebError> {
    if let Some(t) = &ctx.session_token {
        auth::logout(&s.app, t).await?;
    }
    let jar = jar
        .remove(axum_extra::extract::cookie::Cookie::build(crate::ctx::SESSION_COOKIE).path("/"));
    // A kiosk goes back to its own start page for the next person.
    if !ctx.kiosk.is_empty() {
        let jar = jar
            .remove(axum_extra::extract::cookie::Cookie::build(crate::ctx::KIOSK_COOKIE).path("/"));
        let back = format!("/halls/{}/kiosk", ctx.kiosk);
        return Ok((jar, Redirect::to(&back)).into_response());
    }
    Ok((jar, Redirect::to("/")).into_response())
}
