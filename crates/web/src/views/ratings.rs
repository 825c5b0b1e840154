//! 好差评 pages: the applicant's rating of a finished case (also reached by the QR code on the
//! decision notice), and the department's rectification tickets (listed on 待办).

use app::ratings::{self, NewRating, TicketView};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use domain::rating::{BAD_TAGS, GOOD_TAGS, RatingChannel, Satisfaction, TicketAction};

use super::{Nav, render};
use crate::ctx::Ctx;
use crate::{AppState, WebError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cases/{id}/rate", get(page).post(rate))
        .route("/tickets/{id}/act", post(ticket_act))
        .route("/tablet", get(tablet).post(tablet_rate))
}

#[derive(Template)]
#[template(path = "rate.html")]
struct RatePage {
    nav: Nav,
    case_id: String,
    item: String,
    number: String,
    channel: String,
    rated: Vec<(app::RatingRow, &'static str, Option<TicketView>)>,
    can_rate: bool,
    levels: Vec<(u8, &'static str)>,
    good_tags: &'static [&'static str],
    bad_tags: &'static [&'static str],
    flash: String,
    error: String,
}

#[derive(serde::Deserialize, Default)]
struct RateQuery {
    channel: Option<String>,
    flash: Option<String>,
}

async fn rate_page(
    s: &AppState,
    ctx: &Ctx,
    id: &str,
    channel: &str,
    flash: String,
    error: String,
) -> Result<RatePage, WebError> {
    let v = app::cases::view(&s.app, &ctx.actor, id).await?;
    let rated: Vec<_> = ratings::of_case(&s.app, &ctx.actor, id)
        .await?
        .into_iter()
        .map(|(r, t)| {
            let label = Satisfaction::from_code(r.level as u8)
                .map(|l| l.label())
                .unwrap_or("");
            (r, label, t)
        })
        .collect();
    let applicant = matches!(ctx.actor, app::auth::Actor::Applicant { .. });
    Ok(RatePage {
        nav: Nav::of(ctx),
        case_id: id.to_string(),
        item: v.case.item_name.clone(),
        number: v.case.number.to_string(),
        channel: RatingChannel::parse(channel)
            .unwrap_or(RatingChannel::Pc)
            .as_str()
            .to_string(),
        can_rate: applicant
            && v.case.state.is_final()
            && !rated.iter().any(|(r, _, _)| r.act == "case"),
        rated,
        levels: Satisfaction::ALL
            .iter()
            .map(|l| (l.code(), l.label()))
            .collect(),
        good_tags: GOOD_TAGS,
        bad_tags: BAD_TAGS,
        flash,
        error,
    })
}

async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<RateQuery>,
) -> Result<Response, WebError> {
    let flash = match q.flash.as_deref() {
        Some("rated") => "感谢评价！差评会转给责任部门整改并回访。".to_string(),
        _ => String::new(),
    };
    let channel = q.channel.unwrap_or_else(|| "pc".into());
    render(&rate_page(&s, &ctx, &id, &channel, flash, String::new()).await?)
}

#[derive(serde::Deserialize)]
struct RateForm {
    csrf: String,
    channel: String,
    level: Option<u8>,
    #[serde(default)]
    tag: Vec<String>,
    #[serde(default)]
    text: String,
    named: Option<String>,
}

async fn rate(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<RateForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let r = NewRating {
        level: f.level.unwrap_or(0),
        tags: f.tag,
        text: f.text,
        channel: f.channel.clone(),
        named: f.named.is_some(),
        act: "case".into(),
    };
    match ratings::rate(&s.app, &ctx.actor, &id, r).await {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{id}/rate?flash=rated")).into_response()),
        Err(
            e @ (app::AppError::Validation(_)
            | app::AppError::Conflict { .. }
            | app::AppError::State(_)),
        ) => {
            let page = rate_page(
                &s,
                &ctx,
                &id,
                &f.channel,
                String::new(),
                crate::error::describe(&e).0,
            )
            .await?;
            Ok(super::unprocessable(render(&page)?))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(serde::Deserialize)]
struct TicketForm {
    csrf: String,
    action: String,
    #[serde(default)]
    note: String,
}

/// One step of a rectification ticket from the 待办 page.
async fn ticket_act(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<TicketForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let note = f.note.clone();
    let Some(action) = TicketAction::from_code(&f.action, note) else {
        let other = &f.action;
        return Err(
            app::AppError::field("action", "invalid", format!("未知的操作“{other}”")).into(),
        );
    };
    ratings::ticket_act(&s.app, &ctx.actor, &id, action).await?;
    Ok(Redirect::to("/work#tickets").into_response())
}

#[derive(Template)]
#[template(path = "tablet.html")]
struct TabletPage {
    nav: Nav,
    number: String,
    levels: Vec<(u8, &'static str)>,
    bad_tags: &'static [&'static str],
    flash: String,
    error: String,
}

fn tablet_page(ctx: &Ctx, number: String, flash: String, error: String) -> TabletPage {
    TabletPage {
        nav: Nav::of(ctx),
        number,
        levels: Satisfaction::ALL
            .iter()
            .map(|l| (l.code(), l.label()))
            .collect(),
        bad_tags: BAD_TAGS,
        flash,
        error,
    }
}

#[derive(serde::Deserialize, Default)]
struct TabletQuery {
    number: Option<String>,
    flash: Option<String>,
}

/// The hall tablet (评价器) beside a window, logged in as the window's clerk.
async fn tablet(ctx: Ctx, Query(q): Query<TabletQuery>) -> Result<Response, WebError> {
    if ctx.actor.is_anonymous() {
        return Err(app::AppError::Unauthenticated.into());
    }
    if !ctx.actor.has_role(domain::account::Role::Clerk) {
        return Err(app::AppError::Forbidden("评价器由综窗工作人员登录使用".into()).into());
    }
    let flash = match q.flash.as_deref() {
        Some("thanks") => "感谢您的评价！".to_string(),
        _ => String::new(),
    };
    render(&tablet_page(
        &ctx,
        q.number.unwrap_or_default().trim().to_string(),
        flash,
        String::new(),
    ))
}

#[derive(serde::Deserialize)]
struct TabletForm {
    csrf: String,
    number: String,
    level: Option<u8>,
    #[serde(default)]
    tag: Vec<String>,
}

async fn tablet_rate(
    State(s): State<AppState>,
    ctx: Ctx,
    Form(f): Form<TabletForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    match ratings::rate_at_counter(&s.app, &ctx.actor, &f.number, f.level.unwrap_or(0), f.tag).await
    {
        Ok(_) => Ok(Redirect::to("/tablet?flash=thanks").into_response()),
        Err(e @ app::AppError::Validation(_)) => {
            let page = tablet_page(
                &ctx,
                f.number.clone(),
                String::new(),
                crate::error::describe(&e).0,
            );
            Ok(super::unprocessable(render(&page)?))
        }
        Err(e) => Err(e.into()),
    }
}
