//! The display board (叫号大屏): drawn at once from the hall's state, then kept live by
//! app.js over the feed at `/api/v1/halls/{code}/board/events` (server-sent events; the
//! browser reconnects by itself and the page says so meanwhile), speaking each call.

use app::hall::board::{self, Board};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;

use crate::ctx::Ctx;
use crate::views::{Nav, render};
use crate::{AppState, WebError};

pub fn router() -> Router<AppState> {
    Router::new().route("/halls/{code}/board", get(page))
}

#[derive(Template)]
#[template(path = "board.html")]
struct BoardPage {
    nav: Nav,
    b: Board,
}

async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    render(&BoardPage {
        nav: Nav::of(&ctx),
        b: board::board(&s.app, &code).await?,
    })
}
