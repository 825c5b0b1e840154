//! The operator's desk (话务台): a call in progress. The operator searches the knowledge base
//! and the catalog as they type (with this page's script; without it, by submitting the
//! search), answers directly with an article (直接办结), or files the ticket (then dispatches
//! it on the ticket's page, with the rules' suggestion), merging a likely duplicate.

use app::AppError;
use app::hotline::knowledge::{self as kb, DeskResults};
use app::hotline::tickets::{self, DirectAnswer, FileTicket};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::Form;
use domain::hotline::classes::Class;
use domain::hotline::{Caller, Channel, Kind, NewTicket};

use super::super::forms::Problems;
use super::super::{Nav, render, unprocessable};
use super::urlencode;
use crate::ctx::Ctx;
use crate::{AppState, WebError};

/// A region the desk offers: code and name.
struct RegionOption {
    code: String,
    name: String,
}

pub fn router() -> Router<AppState> {
    Router::new().route("/hotline/desk", get(page).post(file))
}

#[derive(Template)]
#[template(path = "hotline_desk.html")]
struct DeskPage {
    nav: Nav,
    f: DeskForm,
    kinds: Vec<Kind>,
    classes: Vec<Class>,
    regions: Vec<RegionOption>,
    results: Option<DeskResults>,
    problems: Problems,
}

#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
struct DeskForm {
    csrf: String,
    action: String,
    q: String,
    channel: String,
    kind: String,
    class: String,
    region: String,
    address: String,
    caller_name: String,
    caller_phone: String,
    anonymous: String,
    text: String,
    related_case: String,
    related_item: String,
    answer: String,
    article: String,
    merge_into: String,
}

async fn desk_page(
    s: &AppState,
    ctx: &Ctx,
    f: DeskForm,
    problems: Problems,
) -> Result<DeskPage, WebError> {
    let hs = app::hotline::staff(&ctx.actor)?;
    if !hs.roles.contains(&domain::account::Role::HotlineOperator) {
        return Err(AppError::Forbidden("话务台仅限 12345 话务员".into()).into());
    }
    let regions = app::org::regions(&s.app)
        .await?
        .into_iter()
        .filter(|r| hs.scope.covers_region(&r.code))
        .map(|r| RegionOption {
            code: r.code,
            name: r.name,
        })
        .collect();
    let results = if f.q.trim().is_empty() {
        None
    } else {
        Some(kb::desk_search(&s.app, &ctx.actor, &f.q, f.region.trim()).await?)
    };
    Ok(DeskPage {
        nav: Nav::of(ctx),
        kinds: Kind::ALL.to_vec(),
        classes: tickets::tree(&s.app).await?,
        regions,
        results,
        problems,
        f,
    })
}

async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(f): Query<DeskForm>,
) -> Result<Response, WebError> {
    render(&desk_page(&s, &ctx, f, Problems::default()).await?)
}

/// The element that shows a field's problem.
fn anchor(field: &str) -> Option<String> {
    Some(
        match field {
            "caller.name" => "caller_name",
            "caller.phone" => "caller_phone",
            "into" => "merge_into",
            other => other,
        }
        .replace('.', "_"),
    )
}

async fn file(
    State(s): State<AppState>,
    ctx: Ctx,
    Form(f): Form<DeskForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    tickets::may_file(&ctx.actor, true)?;
    if f.action == "search" {
        return render(&desk_page(&s, &ctx, f, Problems::default()).await?);
    }
    let req = FileTicket {
        ticket: NewTicket {
            kind: f.kind.clone(),
            class: f.class.clone(),
            region: f.region.clone(),
            address: f.address.clone(),
            position: None,
            caller: Caller {
                name: f.caller_name.clone(),
                phone: f.caller_phone.clone(),
                anonymous: f.anonymous == "1",
            },
            text: f.text.clone(),
            related_case: f.related_case.clone(),
            related_item: f.related_item.clone(),
            attachments: vec![],
        },
        channel: Some(if f.channel == "letter" {
            Channel::Letter
        } else {
            Channel::Phone
        }),
        answer: (f.action == "answer").then(|| DirectAnswer {
            article: (!f.article.trim().is_empty()).then(|| f.article.trim().to_string()),
            text: f.answer.clone(),
        }),
        merge_into: (f.action == "merge").then(|| f.merge_into.clone()),
    };
    match tickets::file(&s.app, &ctx.actor, &req, false).await {
        Ok(v) => {
            let msg = match f.action.as_str() {
                "answer" => format!("工单 {} 已直接办结", v.ticket.number),
                "merge" => format!("工单 {} 已登记并合并", v.ticket.number),
                _ => format!("工单 {} 已登记，请派单", v.ticket.number),
            };
            Ok(Redirect::to(&format!(
                "/hotline/tickets/{}?flash={}",
                v.ticket.id,
                urlencode(&msg)
            ))
            .into_response())
        }
        Err(e @ (AppError::Validation(_) | AppError::State(_) | AppError::Conflict { .. })) => {
            let problems = Problems::of(&e, anchor);
            Ok(unprocessable(render(
                &desk_page(&s, &ctx, f, problems).await?,
            )?))
        }
        Err(e) => Err(e.into()),
    }
}
