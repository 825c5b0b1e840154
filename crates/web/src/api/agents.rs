//! 代办授权 (帮办代办 grants) and a person's messages.

use app::agents::{self, GrantView, Grants, Notification};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use utoipa::ToSchema;

use super::ApiResult;
use super::Writer;
use super::openapi::{Conflict, NotFound, Unauthenticated, WriteErrors};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::ApiError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/agent-grants", get(list).post(grant))
        .route("/v1/agent-grants/{id}/revoke", post(revoke))
        .route("/v1/notifications", get(notifications))
}

#[utoipa::path(get, path = "/api/v1/agent-grants", tag = "agents", operation_id = "agentGrants",
    summary = "我的代办授权（我授权的与授权我的）",
    security(("sessionCookie" = [])),
    responses(
        (status = 200, description = "授权", body = Grants),
        Unauthenticated,
        super::openapi::Forbidden,
    ))]
async fn list(State(s): State<AppState>, ctx: Ctx) -> ApiResult<Grants> {
    Ok(Json(agents::list(&s.app, &ctx.actor).await?))
}

#[derive(serde::Deserialize, ToSchema)]
struct GrantBody {
    /// The agent's ID number or credit code (registered on the platform).
    agent: String,
    /// 7, 30, 90 or 365.
    #[schema(example = 30)]
    days: i64,
}

#[utoipa::path(post, path = "/api/v1/agent-grants", tag = "agents", operation_id = "grantAgent",
    summary = "授权他人代我办理",
    request_body = GrantBody,
    responses(
        (status = 201, description = "已授权", body = GrantView),
        WriteErrors,
    ))]
async fn grant(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    b: Result<Json<GrantBody>, JsonRejection>,
) -> Result<(StatusCode, Json<GrantView>), ApiError> {
    let Json(b) = b?;
    let g = agents::grant(&s.app, &ctx.actor, &b.agent, b.days).await?;
    Ok((StatusCode::CREATED, Json(g)))
}

/// An empty answer to a write that has nothing to return.
#[derive(Serialize, ToSchema)]
struct Done {
    ok: bool,
}

#[utoipa::path(post, path = "/api/v1/agent-grants/{id}/revoke", tag = "agents", operation_id = "revokeAgentGrant",
    summary = "撤销（委托人）或放弃（代理人）代办授权",
    params(("id" = String, Path, description = "授权 id")),
    responses(
        (status = 200, description = "已撤销", body = Done),
        WriteErrors,
        NotFound,
        Conflict,
    ))]
async fn revoke(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    Path(id): Path<String>,
) -> ApiResult<Done> {
    agents::revoke(&s.app, &ctx.actor, &id).await?;
    Ok(Json(Done { ok: true }))
}

/// A person's latest messages.
#[derive(Serialize, ToSchema)]
struct Notifications {
    items: Vec<Notification>,
}

#[utoipa::path(get, path = "/api/v1/notifications", tag = "agents", operation_id = "notifications",
    summary = "我的消息（读取后标为已读）",
    security(("sessionCookie" = [])),
    responses(
        (status = 200, description = "消息，最新在前", body = Notifications),
        Unauthenticated,
    ))]
async fn notifications(State(s): State<AppState>, ctx: Ctx) -> ApiResult<Notifications> {
    Ok(Json(Notifications {
        items: agents::notifications(&s.app, &ctx.actor).await?,
    }))
}

/// The operations of this module, for the OpenAPI document.
pub(super) fn paths() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(list, grant, revoke, notifications))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
