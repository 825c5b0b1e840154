//! 一件事 endpoints: definitions (list, guide, define), one application for a bundle, its
//! progress, and the upload endpoint API clients use to attach files to an application.

use app::bundles::{self, Application};
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use domain::bundle::BundleDefinition;
use serde_json::json;

use super::{ApiResult, api_err, body, csrf_header as csrf, ok};
use crate::AppState;
use crate::ctx::Ctx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/bundles", get(list))
        .route("/v1/bundles/{code}", get(guide).put(define))
        .route("/v1/bundles/{code}/applications", post(apply))
        .route("/v1/bundle-cases/{id}", get(progress))
        .route(
            "/v1/uploads",
            post(upload).layer(DefaultBodyLimit::max(32 * 1024 * 1024)),
        )
}

async fn list(State(s): State<AppState>) -> ApiResult {
    let items: Vec<_> = bundles::list(&s.app)
        .await
        .map_err(api_err)?
        .into_iter()
        .map(|(def, savings)| json!({"bundle": def, "savings": savings}))
        .collect();
    ok(json!({ "items": items }))
}

async fn guide(State(s): State<AppState>, Path(code): Path<String>) -> ApiResult {
    let g = bundles::guide(&s.app, &code).await.map_err(api_err)?;
    ok(json!(g))
}

async fn define(
    State(s): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(code): Path<String>,
    b: Result<Json<BundleDefinition>, JsonRejection>,
) -> ApiResult {
    csrf(&ctx, &headers)?;
    let def = body(b)?;
    if def.code != code {
        return Err(api_err(app::AppError::field(
            "code",
            "mismatch",
            "请求体中的 code 与地址不一致",
        )));
    }
    bundles::define(&s.app, &ctx.actor, def)
        .await
        .map_err(api_err)?;
    let g = bundles::guide(&s.app, &code).await.map_err(api_err)?;
    ok(json!(g))
}

async fn apply(
    State(s): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(code): Path<String>,
    b: Result<Json<Application>, JsonRejection>,
) -> ApiResult {
    csrf(&ctx, &headers)?;
    let id = bundles::apply(&s.app, &ctx.actor, &code, body(b)?)
        .await
        .map_err(api_err)?;
    let v = bundles::view(&s.app, &ctx.actor, &id)
        .await
        .map_err(api_err)?;
    Ok((StatusCode::CREATED, Json(json!(v))).into_response())
}

async fn progress(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> ApiResult {
    let v = bundles::view(&s.app, &ctx.actor, &id)
        .await
        .map_err(api_err)?;
    ok(json!(v))
}

/// Stores a file (checked by content) and answers the provision to send in an application.
async fn upload(
    State(s): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    mp: Multipart,
) -> ApiResult {
    csrf(&ctx, &headers)?;
    if ctx.actor.is_anonymous() {
        return Err(api_err(app::AppError::Unauthenticated));
    }
    let (_, file) = super::cases::read_multipart(mp, "file").await?;
    let (name, bytes) = file.ok_or_else(|| {
        api_err(app::AppError::field(
            "file",
            "required",
            "请在 file 字段上传文件",
        ))
    })?;
    let p = app::uploads::store(&s.app, &bytes, &name).map_err(api_err)?;
    ok(json!({ "provision": p }))
}
