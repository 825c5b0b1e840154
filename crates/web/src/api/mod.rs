//! The JSON API under `/api/v1`, described by the OpenAPI document at `/api/openapi.json`.
//! Lists answer `{"items": [...], "total": N}` (a work queue counts to 10 000 and adds
//! `"total_capped": true` beyond); errors `{"code", "message", "field"}`.
//! Writes use the session cookie and the CSRF token in the `X-CSRF-Token` header.

use app::AppError;
use app::catalog::{self, SearchParams};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use domain::catalog::ItemDefinition;
use serde_json::{Value, json};

use crate::ctx::Ctx;
use crate::{AppState, WebError};

mod bundles;
mod cases;
mod licenses;
mod supervision;

const OPENAPI: &str = include_str!("openapi.json");

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/openapi.json",
            get(|| async { ([(header::CONTENT_TYPE, "application/json")], OPENAPI) }),
        )
        .route("/v1/items", get(list_items).post(create_item))
        .route("/v1/items/{code}", get(get_item))
        .route("/v1/items/{code}/draft", put(save_draft))
        .route("/v1/items/{code}/publish", post(publish))
        .route("/v1/search", get(search))
        .route("/v1/departments", get(departments))
        .route("/v1/regions", get(regions))
        .route("/v1/synonyms", get(synonyms))
        .merge(cases::router())
        .merge(licenses::router())
        .merge(bundles::router())
        .merge(supervision::router())
        .fallback(|| async { api_err(AppError::NotFound("接口".into())) })
}

pub(crate) fn api_err(e: AppError) -> WebError {
    WebError::Api(e)
}

pub(crate) type ApiResult = Result<Response, WebError>;

pub(crate) fn ok(v: Value) -> ApiResult {
    Ok(Json(v).into_response())
}

pub(crate) fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, WebError> {
    q.map(|Query(t)| t).map_err(|e| {
        api_err(AppError::field(
            "query",
            "invalid",
            format!("查询参数有误：{}", e.body_text()),
        ))
    })
}

pub(crate) fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, WebError> {
    b.map(|Json(t)| t).map_err(|e| {
        api_err(AppError::field(
            "body",
            "invalid",
            format!("请求体不是有效的 JSON：{}", e.body_text()),
        ))
    })
}

fn list(items: Value, total: i64) -> ApiResult {
    ok(json!({ "items": items, "total": total }))
}

fn item_summary(r: &app::ItemRow) -> Value {
    json!({
        "code": r.code, "name": r.name, "department": r.department, "region": r.region, "kind": r.kind,
        "subjects": r.subjects.trim_matches(',').split(',').filter(|s| !s.is_empty()).collect::<Vec<_>>(),
        "online_depth": r.online_depth, "visits": r.visits, "version": r.current_version,
    })
}

async fn list_items(
    State(s): State<AppState>,
    q: Result<Query<SearchParams>, QueryRejection>,
) -> ApiResult {
    let p = query(q)?;
    let (rows, total) = catalog::list_public(&s.app, &p).await.map_err(api_err)?;
    list(rows.iter().map(item_summary).collect(), total)
}

#[derive(serde::Deserialize)]
struct VersionQuery {
    version: Option<i64>,
}

async fn get_item(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    q: Result<Query<VersionQuery>, QueryRejection>,
) -> ApiResult {
    let v = query(q)?;
    let g = catalog::guide(&s.app, &ctx.actor, &code, v.version)
        .await
        .map_err(api_err)?;
    ok(json!({
        "code": g.item.code,
        "version": g.version.version,
        "status": g.version.status,
        "published_at": g.version.published_at.map(crate::views::fmt_time),
        "department": g.department.as_ref().map(|d| json!({"code": d.code, "name": d.name, "phone": d.phone, "address": d.address})),
        "region": {"code": g.def().region, "name": g.region_name},
        "versions": g.versions.iter().map(|(v, st, _)| json!({"version": v, "status": st})).collect::<Vec<_>>(),
        "definition": g.def(),
    }))
}

async fn search(
    State(s): State<AppState>,
    q: Result<Query<SearchParams>, QueryRejection>,
) -> ApiResult {
    let p = query(q)?;
    s.metrics
        .searches
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let r = catalog::search(&s.app, &p).await.map_err(api_err)?;
    let items: Vec<Value> = r
        .hits
        .iter()
        .map(|h| json!({"code": h.code, "name": h.name, "department_name": h.department_name, "region": h.region, "kind": h.kind_label, "summary": h.summary, "score": h.score}))
        .collect();
    ok(json!({ "items": items, "total": r.total, "understood_as": r.understood_as }))
}

async fn departments(State(s): State<AppState>) -> ApiResult {
    let d = catalog::departments_with_counts(&s.app)
        .await
        .map_err(api_err)?;
    let items: Vec<Value> = d.iter().map(|(d, n)| json!({"code": d.code, "name": d.name, "short_name": d.short_name, "region": d.region, "credit_code": d.credit_code, "phone": d.phone, "address": d.address, "items": n})).collect();
    let n = items.len() as i64;
    list(Value::Array(items), n)
}

async fn regions(State(s): State<AppState>) -> ApiResult {
    let r = app::org::regions(&s.app).await.map_err(api_err)?;
    let n = r.len() as i64;
    list(serde_json::to_value(r).unwrap_or_default(), n)
}

async fn synonyms(State(s): State<AppState>) -> ApiResult {
    let r = catalog::synonyms(&s.app).await.map_err(api_err)?;
    let n = r.len() as i64;
    list(serde_json::to_value(r).unwrap_or_default(), n)
}

/// Writes need the session's CSRF token in a header (a browser form cannot set headers).
fn writer(ctx: &Ctx, headers: &HeaderMap) -> Result<app::auth::CatalogAdmin, WebError> {
    csrf_header(ctx, headers)?;
    ctx.actor.catalog_admin().map_err(api_err)
}

/// API writes carry the CSRF token in the `X-CSRF-Token` header.
pub(crate) fn csrf_header(ctx: &Ctx, headers: &HeaderMap) -> Result<(), WebError> {
    let token = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    ctx.check_csrf(token).map_err(|_| {
        api_err(AppError::Forbidden(
            "缺少或无效的 X-CSRF-Token 请求头".into(),
        ))
    })
}

async fn create_item(
    State(s): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    b: Result<Json<ItemDefinition>, JsonRejection>,
) -> ApiResult {
    let cap = writer(&ctx, &headers)?;
    let def = body(b)?;
    let code = def.code.clone();
    catalog::create(&s.app, &cap, def).await.map_err(api_err)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"code": code, "version": 1, "status": "draft"})),
    )
        .into_response())
}

async fn save_draft(
    State(s): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(code): Path<String>,
    b: Result<Json<ItemDefinition>, JsonRejection>,
) -> ApiResult {
    let cap = writer(&ctx, &headers)?;
    let v = catalog::save_draft(&s.app, &cap, &code, body(b)?)
        .await
        .map_err(api_err)?;
    ok(json!({"code": code, "version": v, "status": "draft"}))
}

async fn publish(
    State(s): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> ApiResult {
    let cap = writer(&ctx, &headers)?;
    let v = catalog::publish(&s.app, &cap, &code)
        .await
        .map_err(api_err)?;
    ok(json!({"code": code, "version": v, "status": "published"}))
}
