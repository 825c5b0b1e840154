//! System administrators manage staff accounts of their region, and reset the passwords of
//! staff of their region and of applicants.

use app::auth::{self, NewStaff, StaffView};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum_extra::extract::Form;
use domain::FieldError;
use domain::account::Role;

use super::{Nav, render};
use crate::ctx::Ctx;
use crate::views::FormPage as _;
use crate::{AppState, WebError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/staff", get(page).post(create))
        .route("/admin/accounts/reset-password", post(reset))
}

#[derive(Template)]
#[template(path = "admin_staff.html")]
struct StaffPage {
    nav: Nav,
    staff: Vec<StaffView>,
    roles: Vec<(&'static str, &'static str, bool)>,
    regions: Vec<(String, String, bool)>,
    departments: Vec<(String, String, bool)>,
    f: StaffForm,
    errors: Vec<FieldError>,
    flash: String,
    /// A password just reset: shown once.
    reset: Option<auth::TemporaryPassword>,
    /// What went wrong with a reset.
    reset_error: String,
}

form_page!(StaffPage);

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct StaffForm {
    csrf: String,
    login: String,
    name: String,
    phone: String,
    password: String,
    roles: Vec<String>,
    region: String,
    department: String,
}

#[derive(serde::Deserialize, Default)]
struct Flash {
    flash: Option<String>,
}

async fn build(
    s: &AppState,
    ctx: &Ctx,
    f: StaffForm,
    errors: Vec<FieldError>,
    flash: String,
) -> Result<StaffPage, WebError> {
    let cap = ctx.actor.system_admin()?;
    let staff = auth::list_staff(&s.app, &cap).await?;
    let regions = app::org::regions(&s.app)
        .await?
        .into_iter()
        .filter(|r| cap.scope().covers(&r.code, None))
        .map(|r| {
            let sel = r.code == f.region;
            (r.code, r.name, sel)
        })
        .collect();
    let departments = app::org::departments(&s.app)
        .await?
        .into_iter()
        .filter(|d| cap.scope().covers(&d.region, None))
        .map(|d| {
            let sel = d.code == f.department;
            (d.code, d.name, sel)
        })
        .collect();
    let roles = Role::ALL
        .iter()
        .map(|r| {
            (
                r.as_str(),
                r.label(),
                f.roles.iter().any(|x| x == r.as_str()),
            )
        })
        .collect();
    Ok(StaffPage {
        nav: Nav::of(ctx),
        staff,
        roles,
        regions,
        departments,
        f,
        errors,
        flash,
        reset: None,
        reset_error: String::new(),
    })
}

async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<Flash>,
) -> Result<Response, WebError> {
    let flash = if q.flash.as_deref() == Some("created") {
        "账号已创建。".to_string()
    } else {
        String::new()
    };
    render(&build(&s, &ctx, StaffForm::default(), vec![], flash).await?)
}

async fn create(
    State(s): State<AppState>,
    ctx: Ctx,
    Form(f): Form<StaffForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let cap = ctx.actor.system_admin()?;
    let mut roles = Vec::new();
    let mut errors = Vec::new();
    for r in &f.roles {
        match Role::parse(r) {
            Some(role) => roles.push(role),
            None => errors.push(FieldError::new(
                "roles",
                "invalid",
                format!("未知角色“{r}”"),
            )),
        }
    }
    let new = NewStaff {
        login: f.login.clone(),
        name: f.name.clone(),
        phone: f.phone.clone(),
        password: f.password.clone(),
        roles,
        region: f.region.clone(),
        department: Some(f.department.trim().to_string()).filter(|d| !d.is_empty()),
    };
    let result = if errors.is_empty() {
        auth::create_staff(&s.app, &cap, &new).await.map(|_| ())
    } else {
        Err(app::AppError::Validation(errors))
    };
    let again = async |errors: Vec<domain::FieldError>| {
        let mut f = f;
        f.password.clear();
        render(&build(&s, &ctx, f, errors, String::new()).await?)
    };
    super::after_post(result, |()| "/admin/staff?flash=created".to_string(), again).await
}

#[derive(serde::Deserialize)]
struct ResetForm {
    csrf: String,
    #[serde(default)]
    login: String,
}

/// Resets a password and shows the temporary one on the page (200, not a redirect: it is
/// never stored in clear, so it can be shown only in this answer).
async fn reset(
    State(s): State<AppState>,
    ctx: Ctx,
    Form(f): Form<ResetForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let cap = ctx.actor.system_admin()?;
    let mut page = build(&s, &ctx, StaffForm::default(), vec![], String::new()).await?;
    let status = match auth::reset_password(&s.app, &cap, &f.login).await {
        Ok(t) => {
            page.reset = Some(t);
            axum::http::StatusCode::OK
        }
        Err(app::AppError::Validation(v)) => {
            page.reset_error = v
                .iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join("；");
            axum::http::StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(e @ app::AppError::Forbidden(_)) => {
            page.reset_error = e.to_string();
            axum::http::StatusCode::FORBIDDEN
        }
        Err(e) => return Err(e.into()),
    };
    let mut r = render(&page)?;
    *r.status_mut() = status;
    Ok(r)
}
