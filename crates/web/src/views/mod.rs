//! HTML pages. Each module is one area of the site with its own `router()`.

/// A page with a form shows each field's problems under it (`self.error("field")` in its
/// template): the page keeps them in `errors`.
macro_rules! form_page {
    ($page:ident) => {
        impl $crate::views::FormPage for $page {
            fn errors(&self) -> &[domain::FieldError] {
                &self.errors
            }
        }
    };
}

mod account;
pub(crate) mod admin;
mod agents;
mod assessment;
mod auth;
mod bundles;
pub(crate) mod cases;
mod events;
pub(crate) mod for_whom;
pub mod forms;
mod hall;
mod hotline;
mod licenses;
mod market;
mod off_platform;
mod oidc;
mod oversight;
mod policies;
pub(crate) mod portal;
pub(crate) mod posts;
mod privacy;
mod projects;
mod ratings;
mod rights;
mod second_factor;
mod settings;
mod setup;
mod staff;
mod stats;
mod supervision;
mod tongban;
mod unresolved;
mod visits;

use askama::Template;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use domain::account::Role;

use crate::ctx::Ctx;
use crate::{AppState, WebError};

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(portal::router())
        .merge(auth::router())
        .merge(oidc::router())
        .merge(account::router())
        .merge(admin::router())
        .merge(staff::router())
        .merge(setup::router())
        .merge(settings::router())
        .merge(events::router())
        .merge(cases::router())
        .merge(agents::router())
        .merge(market::router())
        .merge(policies::router())
        .merge(posts::router())
        .merge(rights::router())
        .merge(unresolved::router())
        .merge(oversight::router())
        .merge(projects::router())
        .merge(privacy::router())
        .merge(second_factor::router())
        .merge(licenses::router())
        .merge(bundles::router())
        .merge(supervision::router())
        .merge(off_platform::router())
        .merge(assessment::router())
        .merge(tongban::router())
        .merge(visits::router())
        .merge(ratings::router())
        .merge(stats::router())
        .merge(hall::router())
        .merge(hotline::router())
}

/// What the page header needs: who is logged in, what they may open, and the CSRF token for
/// the logout form.
#[derive(Debug, Clone, Default)]
pub struct Nav {
    pub name: String,
    pub logged_in: bool,
    pub catalog_admin: bool,
    pub system_admin: bool,
    pub applicant: bool,
    pub staff: bool,
    pub supervisor: bool,
    /// 综窗: may register applicants at the window.
    pub clerk: bool,
    /// 12345 centre or a department's handler.
    pub hotline: bool,
    /// Answers 网上咨询 for a department.
    pub answers_questions: bool,
    pub csrf: String,
    pub query: String,
    pub css: String,
    pub js: String,
    /// 适老化 mode: larger type and higher contrast.
    pub care: bool,
    /// Logged in at this hall's kiosk: kiosk header, large type, logout after 60 s idle.
    pub kiosk: String,
}

impl Nav {
    pub fn anonymous() -> Nav {
        Nav {
            css: crate::assets::CSS_PATH.clone(),
            js: crate::assets::JS_PATH.clone(),
            ..Default::default()
        }
    }

    pub fn of(ctx: &Ctx) -> Nav {
        Nav {
            name: ctx.actor.display_name().to_string(),
            logged_in: !ctx.actor.is_anonymous()
                || ctx.must_change_password
                || ctx.must_bind_second_factor,
            catalog_admin: ctx.actor.has_role(Role::CatalogAdmin)
                || ctx.actor.has_role(Role::SystemAdmin),
            system_admin: ctx.actor.has_role(Role::SystemAdmin),
            applicant: matches!(ctx.actor, app::auth::Actor::Applicant { .. }),
            staff: matches!(ctx.actor, app::auth::Actor::Staff { .. }),
            supervisor: ctx.actor.has_role(Role::Supervisor)
                || ctx.actor.has_role(Role::SystemAdmin),
            clerk: ctx.actor.has_role(Role::Clerk),
            hotline: [
                Role::HotlineOperator,
                Role::HotlineDispatcher,
                Role::HotlineHandler,
            ]
            .into_iter()
            .any(|r| ctx.actor.has_role(r)),
            answers_questions: matches!(&ctx.actor, app::auth::Actor::Staff { roles, scope, .. }
                if scope.department.is_some()
                    && roles.iter().any(|r| matches!(r, Role::Reviewer | Role::Approver | Role::HotlineHandler))),
            csrf: ctx.csrf.clone(),
            care: ctx.care,
            kiosk: if ctx.actor.is_anonymous() {
                String::new()
            } else {
                ctx.kiosk.clone()
            },
            ..Nav::anonymous()
        }
    }

    pub fn with_query(mut self, q: &str) -> Nav {
        self.query = q.to_string();
        self
    }
}

/// What [`form_page!`] gives a page: `error(field)` for its template.
pub trait FormPage {
    fn errors(&self) -> &[domain::FieldError];

    /// The messages of the problems with `field`, joined, for the line under that field.
    fn error(&self, field: &str) -> String {
        field_error(self.errors(), field)
    }
}

/// The messages of the problems with `field`, joined, for the line under that field.
pub fn field_error(errors: &[domain::FieldError], field: &str) -> String {
    errors
        .iter()
        .filter(|e| e.field == field)
        .map(|e| e.message.as_str())
        .collect::<Vec<_>>()
        .join("；")
}

pub fn render<T: Template>(t: &T) -> Result<Response, WebError> {
    t.render()
        .map(|h| Html(h).into_response())
        .map_err(|e| WebError::App(app::AppError::Internal(format!("template: {e}"))))
}

/// Renders a page with a form: 422 when it comes back with problems, so that a script or
/// a test sees the refusal as well as the person reading the page.
pub fn render_form<T: Template + FormPage>(page: &T) -> Result<Response, WebError> {
    let out = render(page)?;
    Ok(if page.errors().is_empty() {
        out
    } else {
        unprocessable(out)
    })
}

/// What a form post answers (post/redirect/get): on success a redirect to `to(value)`; when
/// the input had problems the page `again` with them, as 422; any other error as it is.
pub async fn after_post<T>(
    result: app::Result<T>,
    to: impl FnOnce(T) -> String,
    again: impl AsyncFnOnce(Vec<domain::FieldError>) -> Result<Response, WebError>,
) -> Result<Response, WebError> {
    match result {
        Ok(v) => Ok(axum::response::Redirect::to(&to(v)).into_response()),
        Err(app::AppError::Validation(errors)) => Ok(unprocessable(again(errors).await?)),
        Err(e) => Err(e.into()),
    }
}

/// A re-rendered form with its problems: 422.
pub fn unprocessable(mut r: Response) -> Response {
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    r
}

pub async fn not_found() -> Response {
    crate::error::page(
        StatusCode::NOT_FOUND,
        "找不到页面",
        "您访问的页面不存在，请检查地址或从首页重新进入。",
    )
}

/// "2026-11-27 09:00" in Beijing time, from stored milliseconds.
pub fn fmt_time(ms: i64) -> String {
    let t = app::from_millis(ms).to_offset(domain::calendar::CHINA_OFFSET);
    format!(
        "{}-{:02}-{:02} {:02}:{:02}",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// Money (fen as yuan) and instants as the pages show them; a page struct gets both with an
/// empty `impl Shows for …` and its template calls `self.money(…)`, `self.at(…)`.
pub trait Shows {
    fn money(&self, fen: &i64) -> String {
        domain::payment::yuan(*fen)
    }
    fn at(&self, t: &time::OffsetDateTime) -> String {
        fmt_time(app::millis(*t))
    }
}

/// A file to download under its own (Chinese) name.
pub(crate) fn attachment(name: &str, bytes: Vec<u8>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let disposition = format!("attachment; filename*=UTF-8''{}", admin::urlencode(name));
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/octet-stream".to_string(),
            ),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}
