//! Callbacks from outside platforms: the courier's tracking scans (邮寄送达) and the payment
//! platform's payment notices (统一公共支付). Not in the OpenAPI document: each platform speaks
//! the protocol of docs/INTEGRATION.md, signed with the secret of `[post]` or `[payment]`, and
//! no session or CSRF token opens these doors.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::json;

use crate::AppState;
use crate::error::ApiError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/post/scans", post(scan))
        .route("/payments/notify", post(payment))
}

/// The signature headers every platform sends.
fn signed(headers: &HeaderMap) -> (Option<&str>, Option<&str>) {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    (
        header("x-onewindow-timestamp"),
        header("x-onewindow-signature"),
    )
}

async fn scan(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (ts, sig) = signed(&headers);
    let received = app::post::receive(&s.app, ts, sig, &body).await?;
    Ok(Json(json!({
        "received": match received {
            app::post::Received::Recorded => "recorded",
            app::post::Received::Repeated => "repeated",
        }
    })))
}

async fn payment(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (ts, sig) = signed(&headers);
    let received = app::payment::notify(&s.app, ts, sig, &body).await?;
    Ok(Json(json!({
        "received": match received {
            app::payment::Received::Recorded => "recorded",
            app::payment::Received::Repeated => "repeated",
            app::payment::Received::Refunded => "refunded",
        }
    })))
}
