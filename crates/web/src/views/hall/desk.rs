//! The window's desk (窗口叫号): a clerk signs in at a window, calls the next ticket, recalls,
//! marks a no-show, transfers with a reason or finishes (naming the cases handled, so the
//! applicant rates them on the window tablet), pauses and signs out.

use super::super::forms::Pressed;
use app::auth::Actor;
use app::hall::tickets::{self, Desk, WindowAction};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use domain::hall::Hall;

use super::fixable;
use crate::ctx::Ctx;
use crate::views::{Nav, render, unprocessable};
use crate::{AppState, WebError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/desk", get(page))
        .route("/desk/sign-in", post(sign_in))
        .route("/desk/sign-out", post(sign_out))
        .route("/desk/pause", post(pause))
        .route("/desk/call", post(call))
        .route("/desk/act", post(act))
}

#[derive(Template)]
#[template(path = "desk.html")]
struct DeskPage {
    nav: Nav,
    desk: Option<Desk>,
    halls: Vec<Hall>,
    hall: Option<Hall>,
    flash: String,
    error: String,
    /// Case numbers just finished: the tablet link rates them.
    rate: String,
}

#[derive(serde::Deserialize, Default)]
struct DeskQuery {
    flash: Option<String>,
    rate: Option<String>,
}

async fn desk_page(
    s: &AppState,
    ctx: &Ctx,
    flash: String,
    error: String,
    rate: String,
) -> Result<DeskPage, WebError> {
    let desk = tickets::desk(&s.app, &ctx.actor).await?;
    let all = app::hall::halls(&s.app).await?;
    let hall = desk
        .as_ref()
        .and_then(|d| all.iter().find(|h| h.code == d.hall).cloned());
    let halls = match &ctx.actor {
        Actor::Staff { scope, .. } => all
            .into_iter()
            .filter(|h| scope.covers_region(&h.region))
            .collect(),
        _ => vec![],
    };
    Ok(DeskPage {
        nav: Nav::of(ctx),
        desk,
        halls,
        hall,
        flash,
        error,
        rate,
    })
}

async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DeskQuery>,
) -> Result<Response, WebError> {
    let flash = q.flash.unwrap_or_default();
    render(&desk_page(&s, &ctx, flash, String::new(), q.rate.unwrap_or_default()).await?)
}

/// After a change: back to the desk with what happened, or the desk with the problem.
async fn done(
    s: &AppState,
    ctx: &Ctx,
    r: Result<String, app::AppError>,
) -> Result<Response, WebError> {
    match r {
        Ok(flash) => {
            Ok(Redirect::to(&format!("/desk?flash={}", urlencode(&flash))).into_response())
        }
        Err(e) => {
            let msg = fixable(e)?;
            Ok(unprocessable(render(
                &desk_page(s, ctx, String::new(), msg, String::new()).await?,
            )?))
        }
    }
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|v| v.trim_start_matches('=').to_string())
        .unwrap_or_default()
}

#[derive(serde::Deserialize)]
struct SignInForm {
    csrf: String,
    /// `HALL|WINDOW`.
    place: String,
}

async fn sign_in(
    State(s): State<AppState>,
    ctx: Ctx,
    Form(f): Form<SignInForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let (hall, window) = f.place.split_once('|').unwrap_or((&f.place, ""));
    let r = tickets::sign_in(&s.app, &ctx.actor, hall, window)
        .await
        .map(|d| format!("已在{} {} 号窗口签到", d.hall_name, d.window.number));
    done(&s, &ctx, r).await
}

async fn sign_out(State(s): State<AppState>, Pressed(ctx): Pressed) -> Result<Response, WebError> {
    let r = tickets::sign_out(&s.app, &ctx.actor)
        .await
        .map(|_| "已签退".to_string());
    done(&s, &ctx, r).await
}

#[derive(serde::Deserialize)]
struct PauseForm {
    csrf: String,
    paused: String,
}

async fn pause(
    State(s): State<AppState>,
    ctx: Ctx,
    Form(f): Form<PauseForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let paused = f.paused == "1";
    let r = tickets::pause(&s.app, &ctx.actor, paused).await.map(|_| {
        if paused {
            "窗口已暂停叫号"
        } else {
            "窗口已恢复叫号"
        }
        .to_string()
    });
    done(&s, &ctx, r).await
}

async fn call(State(s): State<AppState>, Pressed(ctx): Pressed) -> Result<Response, WebError> {
    let r = tickets::call_next(&s.app, &ctx.actor)
        .await
        .map(|t| format!("已叫 {} 号", t.number));
    done(&s, &ctx, r).await
}

#[derive(serde::Deserialize)]
struct ActForm {
    csrf: String,
    ticket: String,
    action: String,
    #[serde(default)]
    cases: String,
    #[serde(default)]
    line: String,
    #[serde(default)]
    window: String,
    #[serde(default)]
    reason: String,
}

async fn act(
    State(s): State<AppState>,
    ctx: Ctx,
    Form(f): Form<ActForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let cases: Vec<String> = f
        .cases
        .split([',', '，', ' ', '\n'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect();
    let action = match f.action.as_str() {
        "recall" => WindowAction::Recall,
        "no_show" => WindowAction::NoShow,
        "finish" => WindowAction::Finish {
            cases: cases.clone(),
        },
        "transfer" => WindowAction::Transfer {
            line: f.line.clone(),
            window: Some(f.window.clone()).filter(|w| !w.trim().is_empty()),
            reason: f.reason.clone(),
        },
        other => {
            return Err(app::AppError::field(
                "action",
                "invalid",
                format!("未知的窗口操作“{other}”"),
            )
            .into());
        }
    };
    let r = tickets::act(&s.app, &ctx.actor, &f.ticket, &action).await;
    match (r, &action) {
        (Ok(t), WindowAction::Finish { .. }) if !cases.is_empty() => Ok(Redirect::to(&format!(
            "/desk?flash={}&rate={}",
            urlencode(&format!("{} 号已办结", t.number)),
            urlencode(&cases[0])
        ))
        .into_response()),
        (r, _) => {
            let r = r.map(|t| match &action {
                WindowAction::Recall => format!("已重呼 {} 号（第 {} 次）", t.number, t.calls),
                WindowAction::NoShow => format!("{} 号已过号", t.number),
                WindowAction::Finish { .. } => format!("{} 号已办结", t.number),
                WindowAction::Transfer { .. } => format!("{} 号已转移", t.number),
            });
            done(&s, &ctx, r).await
        }
    }
}
