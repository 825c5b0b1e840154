//! 一件事 endpoints: definitions (list, guide, define), one application for a bundle, its
//! progress, and the upload endpoint API clients use to attach files to an application.

use app::bundles::{self, Application, BundleView, Guide};
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use domain::bundle::{BundleDefinition, Savings};
use domain::case::Provision;
use serde::Serialize;
use utoipa::ToSchema;

use super::ApiResult;
use super::Writer;
use super::cases::FileForm;
use super::openapi::{Conflict, NotFound, NotMultipart, Unauthenticated, WriteErrors};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::ApiError;

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

/// A bundle with what it saves the applicant.
#[derive(Serialize, ToSchema)]
struct BundleEntry {
    bundle: BundleDefinition,
    savings: Savings,
}

/// Every bundle.
#[derive(Serialize, ToSchema)]
struct Bundles {
    items: Vec<BundleEntry>,
}

#[utoipa::path(get, path = "/api/v1/bundles", tag = "bundles", operation_id = "listBundles",
    summary = "一件事列表",
    responses((status = 200, description = "定义及节省情况", body = Bundles)))]
async fn list(State(s): State<AppState>) -> ApiResult<Bundles> {
    let items = bundles::list(&s.app)
        .await?
        .into_iter()
        .map(|(bundle, savings)| BundleEntry { bundle, savings })
        .collect();
    Ok(Json(Bundles { items }))
}

#[utoipa::path(get, path = "/api/v1/bundles/{code}", tag = "bundles", operation_id = "getBundle",
    summary = "一件事指南",
    params(("code" = String, Path, description = "一件事编码", example = "YJS-KBCYD")),
    responses(
        (status = 200, description = "指南", body = Guide),
        NotFound,
    ))]
async fn guide(State(s): State<AppState>, Path(code): Path<String>) -> ApiResult<Guide> {
    Ok(Json(bundles::guide(&s.app, &code).await?))
}

#[utoipa::path(put, path = "/api/v1/bundles/{code}", tag = "bundles", operation_id = "defineBundle",
    summary = "定义或修改一件事",
    params(("code" = String, Path, description = "一件事编码", example = "YJS-KBCYD")),
    request_body = BundleDefinition,
    responses(
        (status = 200, description = "已保存，返回指南", body = Guide),
        WriteErrors,
        NotFound,
    ))]
async fn define(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    Path(code): Path<String>,
    b: Result<Json<BundleDefinition>, JsonRejection>,
) -> ApiResult<Guide> {
    let Json(def) = b?;
    if def.code != code {
        return Err(ApiError(app::AppError::field(
            "code",
            "mismatch",
            "请求体中的 code 与地址不一致",
        )));
    }
    bundles::define(&s.app, &ctx.actor, def).await?;
    Ok(Json(bundles::guide(&s.app, &code).await?))
}

#[utoipa::path(post, path = "/api/v1/bundles/{code}/applications", tag = "bundles", operation_id = "applyBundle",
    summary = "一次申请一件事",
    params(("code" = String, Path, description = "一件事编码")),
    request_body = Application,
    responses(
        (status = 201, description = "已申请，返回进度", body = BundleView),
        WriteErrors,
        NotFound,
        Conflict,
    ))]
async fn apply(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    Path(code): Path<String>,
    b: Result<Json<Application>, JsonRejection>,
) -> Result<(StatusCode, Json<BundleView>), ApiError> {
    let Json(a) = b?;
    let id = bundles::apply(&s.app, &ctx.actor, &code, a).await?;
    let v = bundles::view(&s.app, &ctx.actor, &id).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

#[utoipa::path(get, path = "/api/v1/bundle-cases/{id}", tag = "bundles", operation_id = "getBundleCase",
    summary = "一件事办理进度",
    security(("sessionCookie" = [])),
    params(("id" = String, Path, description = "一件事办件 id")),
    responses(
        (status = 200, description = "进度", body = BundleView),
        Unauthenticated,
        NotFound,
    ))]
async fn progress(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<BundleView> {
    Ok(Json(bundles::view(&s.app, &ctx.actor, &id).await?))
}

/// A stored file, as the provision to send in an application.
#[derive(Serialize, ToSchema)]
struct Uploaded {
    provision: Provision,
}

/// Stores a file (checked by content) and answers the provision to send in an application.
#[utoipa::path(post, path = "/api/v1/uploads", tag = "cases", operation_id = "upload",
    summary = "上传文件",
    request_body(content = FileForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "已保存", body = Uploaded),
        WriteErrors,
        NotMultipart,
    ))]
async fn upload(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    mp: Multipart,
) -> ApiResult<Uploaded> {
    if ctx.actor.is_anonymous() {
        return Err(ApiError(app::AppError::Unauthenticated));
    }
    let (_, file) = super::cases::read_multipart(mp, "file").await?;
    let (name, bytes) = file.ok_or_else(|| {
        ApiError(app::AppError::field(
            "file",
            "required",
            "请在 file 字段上传文件",
        ))
    })?;
    let provision = app::uploads::store(&s.app, &ctx.actor, &bytes, &name).await?;
    Ok(Json(Uploaded { provision }))
}

/// The operations of this module, for the OpenAPI document.
pub(super) fn paths() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(list, guide, define, apply, progress, upload))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
