//! The logged-in person's own account: changing the password.

use app::auth::{self, PasswordChange};
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::routing::post;

use super::Writer;
use super::openapi::{TooManyAttempts, WriteErrors};
use crate::AppState;
use crate::ctx::ClientIp;
use crate::error::ApiError;

pub fn router() -> Router<AppState> {
    Router::new().route("/v1/account/password", post(change_password))
}

/// Changes the password of the session's account. The session stays; the account's other
/// sessions end. Also the one thing a session that logged in with a temporary password
/// (set by an administrator or at a window) may do.
#[utoipa::path(post, path = "/api/v1/account/password", tag = "account",
    operation_id = "changePassword", summary = "修改本人密码（其他会话随之退出）",
    request_body = PasswordChange,
    responses(
        (status = 204, description = "已修改"),
        WriteErrors,
        TooManyAttempts,
    ))]
async fn change_password(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    ClientIp(ip): ClientIp,
    b: Result<Json<PasswordChange>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(change) = b?;
    let token = ctx
        .session_token
        .as_deref()
        .filter(|_| !ctx.actor.is_anonymous() || ctx.must_change_password)
        .ok_or(ApiError(app::AppError::Unauthenticated))?;
    auth::change_password(&s.app, ip, token, &change).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The operations of this module, for the OpenAPI document.
pub(super) fn paths() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(change_password))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
