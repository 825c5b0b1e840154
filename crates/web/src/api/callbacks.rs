//! Callbacks from outside platforms and devices: the courier's tracking scans (邮寄送达), the payment
//! platform's payment notices (统一公共支付), partner platforms' 跨市通办 messages and kiosks' identity readers. Not in the OpenAPI document: each platform speaks
//! the protocol of docs/INTEGRATION.md, signed with the secret of `[post]`, `[payment]` or the partner's in `[tongban]`, and
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
        .route("/tongban/items", axum::routing::get(tongban_items))
        .route(
            "/tongban/forwards",
            post(tongban_forward).layer(axum::extract::DefaultBodyLimit::max(
                domain::tongban::MAX_FILE_BYTES / 3 * 4 + 1024 * 1024,
            )),
        )
        .route("/tongban/progress", post(tongban_progress))
        .route("/tongban/handovers", post(tongban_handover))
        .route("/kiosk/identity", post(kiosk_identity))
}

/// A kiosk's identity reader reporting a card and face check (docs/KIOSK.md).
async fn kiosk_identity(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<app::hall::kiosk::Entry>, ApiError> {
    let (ts, sig) = signed(&headers);
    let kiosk = headers
        .get(app::hall::kiosk::KIOSK_HEADER)
        .and_then(|v| v.to_str().ok());
    Ok(Json(
        app::hall::kiosk::read_identity(&s.app, kiosk, ts, sig, &body).await?,
    ))
}

/// The partner a 跨市通办 message names as its sender.
fn sender(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(app::tongban::PARTNER_HEADER)
        .and_then(|v| v.to_str().ok())
}

async fn tongban_items(
    State(s): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Vec<domain::tongban::OfferedItem>>, ApiError> {
    let (ts, sig) = signed(&headers);
    Ok(Json(
        app::tongban::answer_items(&s.app, sender(&headers), ts, sig).await?,
    ))
}

async fn tongban_forward(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<domain::tongban::Receipt>, ApiError> {
    let (ts, sig) = signed(&headers);
    Ok(Json(
        app::tongban::receive_forward(&s.app, sender(&headers), ts, sig, &body).await?,
    ))
}

async fn tongban_progress(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (ts, sig) = signed(&headers);
    let new = app::tongban::receive_progress(&s.app, sender(&headers), ts, sig, &body).await?;
    Ok(Json(
        json!({ "received": if new { "recorded" } else { "repeated" } }),
    ))
}

async fn tongban_handover(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (ts, sig) = signed(&headers);
    let state = app::tongban::receive_handover(&s.app, sender(&headers), ts, sig, &body).await?;
    Ok(Json(json!({ "state": state })))
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
