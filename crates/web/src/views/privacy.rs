//! 谁查看了我的信息: the reads of a person's data, for them.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use super::{Nav, fmt_time, render};
use crate::ctx::Ctx;
use crate::{AppState, WebError};

pub fn router() -> Router<AppState> {
    Router::new().route("/account/reads", get(page))
}

#[derive(Template)]
#[template(path = "privacy.html")]
struct ReadsPage {
    nav: Nav,
    reads: Vec<(String, String, String, String)>,
}

async fn page(State(s): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    if ctx.actor.is_anonymous() {
        return Ok(Redirect::to("/login?next=/account/reads").into_response());
    }
    let reads = app::privacy::reads_of_me(&s.app, &ctx.actor)
        .await?
        .into_iter()
        .map(|r| (fmt_time(r.at), r.who, r.unit, r.what))
        .collect();
    render(&ReadsPage {
        nav: Nav::of(&ctx),
        reads,
    })
}
