//! License endpoints: the holder's wallet, one license with its use log, revocation by the
//! issuing department, public verification and the issuers' public keys.

use app::licenses::{self, LicenseView, UseView, Verification};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use utoipa::ToSchema;

use super::Writer;
use super::openapi::{Conflict, Forbidden, Invalid, NotFound, Unauthenticated, WriteErrors};
use super::{ApiResult, schemas};
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

/// A period `[from, to)` of days, YYYY-MM-DD, at most a year.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct PeriodQuery {
    /// First day, YYYY-MM-DD.
    pub from: String,
    /// The day after the last, YYYY-MM-DD.
    pub to: String,
}

/// 免提交 counts with their sum.
#[derive(Serialize, ToSchema)]
struct Avoided {
    #[schema(value_type = Vec<schemas::AvoidedCount>)]
    items: Vec<serde_json::Value>,
    total: i64,
}

/// 免提交次数 per department and item over a period (staff only).
#[utoipa::path(get, path = "/api/v1/statistics/materials-avoided", tag = "statistics",
    operation_id = "materialsAvoided", summary = "免提交次数",
    security(("sessionCookie" = [])),
    params(PeriodQuery),
    responses(
        (status = 200, description = "统计", body = Avoided),
        Unauthenticated,
        Forbidden,
        Invalid,
    ))]
async fn avoided(
    State(s): State<AppState>,
    ctx: Ctx,
    q: Result<Query<PeriodQuery>, QueryRejection>,
) -> ApiResult<Avoided> {
    let Query(q) = q?;
    let items = licenses::avoided_stats(&s.app, &ctx.actor, &q.from, &q.to).await?;
    let total: i64 = items.iter().filter_map(|i| i["count"].as_i64()).sum();
    Ok(Json(Avoided { items, total }))
}

/// The holder's licenses.
#[derive(Serialize, ToSchema)]
struct Wallet {
    #[schema(value_type = Vec<schemas::License>)]
    items: Vec<LicenseView>,
}

#[utoipa::path(get, path = "/api/v1/licenses", tag = "licenses", operation_id = "myLicenses",
    summary = "我的证照（证照夹）",
    security(("sessionCookie" = [])),
    responses(
        (status = 200, description = "证照列表", body = Wallet),
        Unauthenticated,
        Forbidden,
    ))]
async fn wallet(State(s): State<AppState>, ctx: Ctx) -> ApiResult<Wallet> {
    let items = licenses::wallet(&s.app, &ctx.actor).await?;
    Ok(Json(Wallet { items }))
}

/// A license with every use of it.
#[derive(Serialize, ToSchema)]
struct LicenseWithUses {
    #[schema(value_type = schemas::License)]
    license: LicenseView,
    #[schema(value_type = Vec<schemas::LicenseUse>)]
    uses: Vec<UseView>,
}

#[utoipa::path(get, path = "/api/v1/licenses/{id}", tag = "licenses", operation_id = "getLicense",
    summary = "一张证照及其用证记录",
    security(("sessionCookie" = [])),
    params(("id" = String, Path, description = "电子证照标识")),
    responses(
        (status = 200, description = "证照及用证记录", body = LicenseWithUses),
        Unauthenticated,
        NotFound,
    ))]
async fn one(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<LicenseWithUses> {
    let (license, uses) = licenses::get(&s.app, &ctx.actor, &id).await?;
    Ok(Json(LicenseWithUses { license, uses }))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct VerifyQuery {
    /// The QR text (or the URL it encodes).
    token: String,
}

/// Public: anyone holding the QR text may ask whether the license is valid.
#[utoipa::path(get, path = "/api/v1/licenses/verify", tag = "licenses", operation_id = "verifyLicense",
    summary = "核验证照二维码（公开）",
    params(VerifyQuery),
    responses(
        (status = 200, description = "核验结果", body = schemas::Verification),
        Invalid,
    ))]
async fn verify(
    State(s): State<AppState>,
    q: Result<Query<VerifyQuery>, QueryRejection>,
) -> ApiResult<Verification> {
    let Query(q) = q?;
    Ok(Json(licenses::verify(&s.app, &q.token).await?))
}

/// The issuers' public keys.
#[derive(Serialize, ToSchema)]
struct Keys {
    #[schema(value_type = Vec<schemas::IssuerKey>)]
    items: Vec<serde_json::Value>,
}

#[utoipa::path(get, path = "/api/v1/licenses/keys", tag = "licenses", operation_id = "licenseKeys",
    summary = "颁证单位公钥（公开）",
    responses((status = 200, description = "公钥列表", body = Keys)))]
async fn keys(State(s): State<AppState>) -> ApiResult<Keys> {
    let items = licenses::public_keys(&s.app).await?;
    Ok(Json(Keys { items }))
}

#[derive(serde::Deserialize, ToSchema)]
struct RevokeBody {
    /// 注销原因.
    reason: String,
}

#[utoipa::path(post, path = "/api/v1/licenses/{id}/revoke", tag = "licenses", operation_id = "revokeLicense",
    summary = "注销证照",
    params(("id" = String, Path, description = "电子证照标识")),
    request_body = RevokeBody,
    responses(
        (status = 200, description = "注销后的证照", body = schemas::License),
        WriteErrors,
        NotFound,
        Conflict,
    ))]
async fn revoke(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    Path(id): Path<String>,
    b: Result<Json<RevokeBody>, JsonRejection>,
) -> ApiResult<LicenseView> {
    let Json(b) = b?;
    licenses::revoke(&s.app, &ctx.actor, &id, &b.reason).await?;
    let (license, _) = licenses::get(&s.app, &ctx.actor, &id).await?;
    Ok(Json(license))
}

/// The operations of this module, for the OpenAPI document.
pub(super) fn paths() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(wallet, verify, keys, one, revoke, avoided))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
