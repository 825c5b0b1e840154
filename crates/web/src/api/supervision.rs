//! Data for the upper-level platform and dashboards: statistics reports and rating records
//! (GB/T 39734 shape), for supervisors.

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::routing::get;
use serde_json::json;

use super::{ApiResult, api_err, ok, query};
use crate::AppState;
use crate::ctx::Ctx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/statistics", get(statistics))
        .route("/v1/ratings", get(ratings))
}

async fn statistics(
    State(s): State<AppState>,
    ctx: Ctx,
    q: Result<Query<app::stats::Query>, QueryRejection>,
) -> ApiResult {
    let q = query(q)?;
    let r = app::stats::report(&s.app, &ctx.actor, &q)
        .await
        .map_err(api_err)?;
    ok(json!(r))
}

#[derive(serde::Deserialize)]
struct Period {
    from: String,
    to: String,
}

async fn ratings(
    State(s): State<AppState>,
    ctx: Ctx,
    q: Result<Query<Period>, QueryRejection>,
) -> ApiResult {
    let q = query(q)?;
    let items = app::ratings::export_records(&s.app, &ctx.actor, &q.from, &q.to)
        .await
        .map_err(api_err)?;
    ok(json!({ "items": items }))
}
