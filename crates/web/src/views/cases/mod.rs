//! Case pages: apply from a guide, my cases, the case page with its timeline and the actions
//! the visitor may take, staff work queues, and the public progress lookup. Every action posts
//! one multipart form (uploads travel with it) to `/cases/{id}/act`.

mod act;
mod documents;
mod page;
mod work;

use app::cases::{self};
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use domain::case::Case;

use super::for_whom::{self, ForWhomForm};
use super::forms::Problems;
use super::{Nav, fmt_time, render};
use crate::ctx::Ctx;
use crate::{AppState, WebError};

pub(crate) use act::*;
pub(crate) use documents::*;
pub(crate) use page::*;
use work::{window_start, work};
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cases", get(mine).post(start))
        .route(
            "/cases/agent",
            post(start_as_agent).layer(DefaultBodyLimit::max(32 * 1024 * 1024)),
        )
        .route("/cases/{id}", get(page))
        .route("/cases/{id}/notices/{kind}", get(notice))
        .route("/cases/{id}/notices/{kind}/pdf", get(notice_pdf))
        .route("/cases/{id}/files/{hash}", get(file))
        .route(
            "/cases/{id}/act",
            post(act).layer(DefaultBodyLimit::max(64 * 1024 * 1024)),
        )
        .route("/work", get(work))
        .route("/work/window", post(window_start))
        .route("/progress", get(progress))
}

#[derive(serde::Deserialize)]
pub(super) struct StartForm {
    csrf: String,
    item: String,
    #[serde(default, rename = "for")]
    kind: String,
    #[serde(default)]
    subject_name: String,
    #[serde(default)]
    subject_id: String,
}

pub(super) async fn start(
    State(s): State<AppState>,
    ctx: Ctx,
    Form(f): Form<StartForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    if ctx.actor.is_anonymous() {
        return Ok(Redirect::to(&format!(
            "/login?next=/items/{}",
            super::admin::urlencode(&f.item)
        ))
        .into_response());
    }
    let posted = ForWhomForm {
        kind: f.kind,
        subject_name: f.subject_name,
        subject_id: f.subject_id,
    };
    let started = match posted.parse() {
        Ok(fw) => cases::start_or_resume(&s.app, &ctx.actor, &f.item, &fw).await,
        Err(e) => Err(e),
    };
    match started {
        Ok(c) => Ok(Redirect::to(&format!("/cases/{}", c.id)).into_response()),
        // Whom it is for was wrong: the guide again, with what was typed.
        Err(e @ app::AppError::Validation(_)) => {
            let problems = Problems::of(&e, for_whom::anchor);
            let page =
                super::portal::guide_page(&s, &ctx, &f.item, None, &posted, problems).await?;
            Ok(super::unprocessable(page))
        }
        Err(e) => Err(e.into()),
    }
}

/// 帮办代办 from the guide page: the principal's ID number (they granted this account the
/// right to file for them) and, optionally, a signed letter.
pub(super) async fn start_as_agent(
    State(s): State<AppState>,
    ctx: Ctx,
    mp: Multipart,
) -> Result<Response, WebError> {
    // A visitor's upload is never read, let alone stored.
    if ctx.actor.is_anonymous() {
        return Err(app::AppError::Unauthenticated.into());
    }
    let f = read_form(mp).await?;
    ctx.check_csrf(&f.csrf)?;
    let item = f.text.get("item").cloned().unwrap_or_default();
    let result = async {
        let letter = match f.files.get("letter") {
            Some((name, bytes)) => {
                Some(app::uploads::store(&s.app, &ctx.actor, bytes, name).await?)
            }
            None => None,
        };
        cases::start_as_agent(
            &s.app,
            &ctx.actor,
            &item,
            f.text.get("applicant").map(String::as_str).unwrap_or(""),
            letter,
        )
        .await
    }
    .await;
    match result {
        Ok(c) => Ok(Redirect::to(&format!("/cases/{}", c.id)).into_response()),
        Err(e @ app::AppError::Validation(_)) => Ok(crate::error::page(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "无法代为申请",
            &crate::error::describe(&e).0,
        )),
        Err(e) => Err(e.into()),
    }
}

/// The day (in China) of an instant, as YYYY-MM-DD.
fn day(t: time::OffsetDateTime) -> String {
    app::licenses::iso(domain::calendar::china_date(t))
}

/// A case as one line of a list.
pub struct Row {
    pub id: String,
    pub number: String,
    pub item: String,
    pub state: &'static str,
    pub due: String,
    pub claimed: bool,
    /// Masked for a person (see `cases::queue_applicants`); empty where not shown.
    pub applicant: String,
    /// The day it was filed.
    pub submitted: String,
    /// The deadline has passed.
    pub overdue: bool,
    /// 收件与办结分离: "五福社区便民服务站收件 · 五福社区便民服务站取件", empty otherwise.
    pub relay: String,
}

pub(super) fn row(c: &Case, due: String) -> Row {
    Row {
        id: c.id.to_string(),
        number: if c.number.is_empty() {
            "（未提交）".into()
        } else {
            c.number.to_string()
        },
        item: c.item_name.clone(),
        state: c.state.label(),
        overdue: false,
        due,
        claimed: c.claimed_by.is_some(),
        applicant: String::new(),
        submitted: c.submitted_at.map(day).unwrap_or_default(),
        relay: c
            .relay
            .as_ref()
            .map(|r| format!("{}收件 · {}取件", r.received_at.name, r.pickup.name))
            .unwrap_or_default(),
    }
}

/// A line of 我的办件.
pub struct MineLine {
    pub id: String,
    pub number: String,
    pub item: String,
    pub state: &'static str,
    /// 办理对象 when it is not the applicant (a newborn, a new enterprise).
    pub subject: String,
    pub created: String,
    pub submitted: String,
    pub due: String,
    pub todo: Option<&'static str>,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "cases_mine.html")]
pub(super) struct MinePage {
    nav: Nav,
    rows: Vec<MineLine>,
    flash: &'static str,
    total: i64,
    bundles: Vec<app::bundles::BundleView>,
    /// Messages (a case an agent filed in this person's name, a grant made at a window).
    messages: Vec<(String, String, Option<String>, bool)>,
}

pub(super) async fn mine(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<Flash>,
) -> Result<Response, WebError> {
    let (list, total) = cases::mine_overview(&s.app, &ctx.actor).await?;
    let today = app::licenses::today_iso(&s.app);
    let rows = list
        .into_iter()
        .map(|r| {
            let c = &r.case;
            let open = !c.state.is_final();
            MineLine {
                id: c.id.to_string(),
                number: if c.number.is_empty() {
                    "（草稿）".into()
                } else {
                    c.number.to_string()
                },
                item: c.item_name.clone(),
                state: c.state.label(),
                subject: c.subject.name().unwrap_or_default().to_string(),
                created: day(c.created_at),
                submitted: c.submitted_at.map(day).unwrap_or_default(),
                overdue: open && r.due.as_ref().is_some_and(|d| *d < today),
                due: if open {
                    r.due.clone().unwrap_or_default()
                } else {
                    String::new()
                },
                todo: r.todo,
            }
        })
        .collect();
    render(&MinePage {
        flash: if q.flash.as_deref() == Some("deleted") {
            "草稿已删除。"
        } else {
            ""
        },
        nav: Nav::of(&ctx),
        rows,
        total,
        bundles: app::bundles::mine(&s.app, &ctx.actor).await?,
        messages: app::agents::notifications(&s.app, &ctx.actor)
            .await?
            .into_iter()
            .map(|n| (fmt_time(n.at), n.text, n.case_id, n.unread))
            .collect(),
    })
}
