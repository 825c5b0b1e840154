//! Static assets compiled into the binary, served under content-hashed names so browsers
//! may cache them forever.

use std::hash::{Hash, Hasher};
use std::sync::LazyLock;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::AppState;

const CSS: &str = include_str!("../static/app.css");
const JS: &str = include_str!("../static/app.js");

fn hashed(name: &str, ext: &str, body: &str) -> String {
    // std's SipHash with fixed keys: stable for the same content within a build.
    let mut h = std::hash::DefaultHasher::new();
    body.hash(&mut h);
    format!("/static/{name}.{:08x}.{ext}", h.finish() as u32)
}

pub static CSS_PATH: LazyLock<String> = LazyLock::new(|| hashed("app", "css", CSS));
pub static JS_PATH: LazyLock<String> = LazyLock::new(|| hashed("app", "js", JS));

pub fn router() -> Router<AppState> {
    const FOREVER: &str = "public, max-age=31536000, immutable";
    Router::new()
        .route(
            CSS_PATH.as_str(),
            get(|| async {
                (
                    [
                        (header::CONTENT_TYPE, "text/css; charset=utf-8"),
                        (header::CACHE_CONTROL, FOREVER),
                    ],
                    CSS,
                )
                    .into_response()
            }),
        )
        .route(
            JS_PATH.as_str(),
            get(|| async {
                (
                    [
                        (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                        (header::CACHE_CONTROL, FOREVER),
                    ],
                    JS,
                )
                    .into_response()
            }),
        )
}
