//! License endpoints: the holder's wallet, one license with its use log, revocation by the
//! issuing department, public verification and the issuers' public keys.

use app::licenses;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

use super::{ApiResult, api_err, body, csrf_header as csrf, ok, query};
use crate::AppState;
use crate::ctx::Ctx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/licenses", get(wallet))
        .route("/v1/licenses/verify", get(verify))
        .route("/v1/licenses/keys", get(keys))
        .route("/v1/licenses/{id}", get(one))
        .route("/v1/licenses/{id}/revoke", post(revoke))
        .route("/v1/statistics/materials-avoided", get(avoided))
}

#[derive(serde::Deserialize)]
struct PeriodQuery {
    from: String,
    to: String,
}

/// 免提交次数 per department and item over a period (staff only).
async fn avoided(
    State(s): State<AppState>,
    ctx: Ctx,
    q: Result<Query<PeriodQuery>, QueryRejection>,
) -> ApiResult {
    let q = query(q)?;
    let items = licenses::avoided_stats(&s.app, &ctx.actor, &q.from, &q.to)
        .await
        .map_err(api_err)?;
    let total: i64 = items.iter().filter_map(|i| i["count"].as_i64()).sum();
    ok(json!({ "items": items, "total": total }))
}

async fn wallet(State(s): State<AppState>, ctx: Ctx) -> ApiResult {
    let items = licenses::wallet(&s.app, &ctx.actor)
        .await
        .map_err(api_err)?;
    ok(json!({ "items": items }))
}

async fn one(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> ApiResult {
    let (license, uses) = licenses::get(&s.app, &ctx.actor, &id)
        .await
        .map_err(api_err)?;
    ok(json!({ "license": license, "uses": uses }))
}

#[derive(serde::Deserialize)]
struct VerifyQuery {
    token: String,
}

/// Public: anyone holding the QR text may ask whether the license is valid.
async fn verify(
    State(s): State<AppState>,
    q: Result<Query<VerifyQuery>, QueryRejection>,
) -> ApiResult {
    let q = query(q)?;
    let v = licenses::verify(&s.app, &q.token).await.map_err(api_err)?;
    ok(json!(v))
}

async fn keys(State(s): State<AppState>) -> ApiResult {
    let keys = licenses::public_keys(&s.app).await.map_err(api_err)?;
    ok(json!({ "items": keys }))
}

#[derive(serde::Deserialize)]
struct RevokeBody {
    reason: String,
}

async fn revoke(
    State(s): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<String>,
    b: Result<Json<RevokeBody>, JsonRejection>,
) -> ApiResult {
    csrf(&ctx, &headers)?;
    let b = body(b)?;
    licenses::revoke(&s.app, &ctx.actor, &id, &b.reason)
        .await
        .map_err(api_err)?;
    let (license, _) = licenses::get(&s.app, &ctx.actor, &id)
        .await
        .map_err(api_err)?;
    ok(json!(license))
}
