//! 电子监察 pages: open warnings with 督办 for supervisors, and the department's resolution of
//! a notice (its list is on the 待办 page).

use app::supervision::{self, WarningView};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use domain::account::Role;

use super::{Nav, render};
use crate::ctx::Ctx;
use crate::{AppState, WebError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/supervision", get(page))
        .route("/supervision/warnings/{id}/notice", post(send))
        .route("/supervision/notices/{id}/resolve", post(resolve))
        .route("/supervision/thresholds", post(save_thresholds))
}

#[derive(Template)]
#[template(path = "supervision.html")]
struct SupervisionPage {
    nav: Nav,
    rows: Vec<WarningView>,
    red: usize,
    yellow: usize,
    can_send: bool,
    flash: String,
    thresholds: Vec<app::supervision::ThresholdRow>,
    /// 12345 tickets with a warning in the reader's region (supervisors and admins).
    hotline: Vec<app::hotline::TicketView>,
    hotline_red: usize,
}

#[derive(serde::Deserialize, Default)]
struct FlashQuery {
    flash: Option<String>,
}

async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<FlashQuery>,
) -> Result<Response, WebError> {
    let rows = supervision::open(&s.app, &ctx.actor).await?;
    let red = rows.iter().filter(|r| r.w.level == "red").count();
    let oversees = ctx.actor.has_role(Role::Supervisor) || ctx.actor.has_role(Role::SystemAdmin);
    let hotline = if oversees {
        app::hotline::tickets::warned(&s.app, &ctx.actor, 2000).await?
    } else {
        vec![]
    };
    render(&SupervisionPage {
        hotline_red: hotline
            .iter()
            .filter(|v| v.level.as_deref() == Some("red"))
            .count(),
        hotline,
        nav: Nav::of(&ctx),
        yellow: rows.len() - red,
        red,
        rows,
        can_send: ctx.actor.has_role(Role::Supervisor) || ctx.actor.has_role(Role::SystemAdmin),
        flash: match q.flash.as_deref() {
            Some("sent") => "督办已发送，责任部门会在待办中看到。".into(),
            Some("thresholds") => "预警阈值已保存。".into(),
            _ => String::new(),
        },
        thresholds: supervision::threshold_rows(&s.app).await?,
    })
}

#[derive(serde::Deserialize)]
struct SendForm {
    csrf: String,
    message: String,
}

async fn send(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<SendForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    supervision::send_notice(&s.app, &ctx.actor, &id, &f.message).await?;
    Ok(Redirect::to("/supervision?flash=sent").into_response())
}

#[derive(serde::Deserialize)]
struct ResolveForm {
    csrf: String,
    resolution: String,
}

async fn resolve(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<ResolveForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    supervision::resolve(&s.app, &ctx.actor, &id, &f.resolution).await?;
    Ok(Redirect::to("/work").into_response())
}

#[derive(serde::Deserialize)]
struct ThresholdForm {
    csrf: String,
    #[serde(default)]
    scope: String,
    yellow_days: String,
    yellow_percent: String,
}

async fn save_thresholds(
    State(s): State<AppState>,
    ctx: Ctx,
    Form(f): Form<ThresholdForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let num = |field: &str, v: &str| {
        v.trim()
            .parse::<u32>()
            .map_err(|_| app::AppError::field(field, "invalid", format!("“{v}”不是整数")))
    };
    let days = num("yellow_days", &f.yellow_days)?;
    let pct = num("yellow_percent", &f.yellow_percent)?;
    supervision::set_thresholds(&s.app, &ctx.actor, &f.scope, days, pct).await?;
    Ok(Redirect::to("/supervision?flash=thresholds").into_response())
}
