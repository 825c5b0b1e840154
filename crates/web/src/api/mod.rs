//! The JSON API under `/api/v1`, described by the OpenAPI document at `/api/openapi.json`.
//! Lists answer `{"items": [...], "total": N}` (a work queue counts to 10 000 and adds
//! `"total_capped": true` beyond); errors `{"code", "message", "field"}`.
//! Writes use the session cookie and the CSRF token in the `X-CSRF-Token` header.
//!
//! The document is generated (utoipa) from the `#[utoipa::path]` attribute of each handler and
//! the types it reads and answers, so it cannot drift from them; `openapi::document` gathers
//! the modules' operations.

use app::AppError;
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::ctx::Ctx;
use crate::error::ApiError;

mod account;
mod agents;
mod bundles;
mod callbacks;
mod cases;
mod catalog;
mod hall;
mod hotline;
mod licenses;
mod market;
mod open311;
mod openapi;
mod schemas;
mod setup;
mod supervision;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi_json))
        .merge(catalog::router())
        .merge(cases::router())
        .merge(hall::router())
        .merge(hotline::router())
        .merge(open311::router())
        .merge(callbacks::router())
        .merge(agents::router())
        .merge(licenses::router())
        .merge(market::router())
        .merge(bundles::router())
        .merge(supervision::router())
        .merge(account::router())
        .merge(setup::router())
        .fallback(|| async { ApiError(AppError::NotFound("接口".into())) })
}

/// The generated OpenAPI document, built once.
#[utoipa::path(get, path = "/api/openapi.json", tag = "meta", operation_id = "openapi",
    summary = "本 OpenAPI 文档",
    responses((status = 200, description = "OpenAPI 3.1 文档", body = Object)))]
async fn openapi_json() -> impl IntoResponse {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let doc = DOC.get_or_init(openapi::document);
    ([(header::CONTENT_TYPE, "application/json")], doc.as_str())
}

/// A handler's answer: JSON, or an `ApiError` rendered as JSON.
pub(crate) type ApiResult<T> = Result<Json<T>, ApiError>;

/// The list envelope. Exactly these two fields (`deny_unknown_fields` only tells the schema),
/// so it cannot be mistaken for a work queue, which adds `total_capped`.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct List<T> {
    items: Vec<T>,
    /// Matches in all, regardless of paging.
    total: i64,
}

impl<T> List<T> {
    fn new(items: Vec<T>, total: i64) -> List<T> {
        List { items, total }
    }

    /// A whole list: the total is its length.
    fn counted(items: Vec<T>) -> List<T> {
        let total = items.len() as i64;
        List { items, total }
    }
}

/// An optional region code given as a query parameter, checked: `None` when absent or blank.
pub(crate) fn region_param(v: Option<&str>) -> Result<Option<String>, ApiError> {
    match v.map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) => Ok(Some(
            domain::ids::RegionCode::parse(r)
                .map_err(|e| AppError::field("region", "invalid", format!("区划代码无效：{e}")))?
                .as_str()
                .to_string(),
        )),
        None => Ok(None),
    }
}

/// The caller of an API write: the session, with the CSRF token of its `X-CSRF-Token` header
/// checked before the handler runs (and before its body is judged).
pub(crate) struct Writer(pub Ctx);

impl axum::extract::FromRequestParts<AppState> for Writer {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, state).await?;
        csrf_header(&ctx, &parts.headers)?;
        Ok(Writer(ctx))
    }
}

/// API writes carry the CSRF token in the `X-CSRF-Token` header.
pub(crate) fn csrf_header(ctx: &Ctx, headers: &HeaderMap) -> Result<(), ApiError> {
    let token = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    Ok(ctx.check_csrf(token)?)
}
