//! Data for the upper-level platform and dashboards: statistics reports and rating records
//! (GB/T 39734 shape), for supervisors.

use app::stats::Report;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::ToSchema;

use super::licenses::PeriodQuery;
use super::openapi::{Forbidden, Invalid, Unauthenticated};
use super::{ApiResult, schemas};
use crate::AppState;
use crate::ctx::Ctx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/statistics", get(statistics))
        .route("/v1/ratings", get(ratings))
}

#[utoipa::path(get, path = "/api/v1/statistics", tag = "statistics", operation_id = "statistics",
    summary = "统计报表",
    description = "受理、办结、按时、网办率、全程网办率、即办件率、办理时长、件均材料、免提交、满意率、差评整改等（公式见 domain::stats），并按下一级（部门/事项/办件）分组。监察人员看本区划，部门人员只看本部门。",
    security(("sessionCookie" = [])),
    params(
        ("from" = String, Query, description = "第一天，YYYY-MM-DD"),
        ("to" = String, Query, description = "不含当日，YYYY-MM-DD；区间最长一年"),
        ("department" = Option<String>, Query, description = "部门编码"),
        ("item" = Option<String>, Query, description = "事项实施编码"),
        ("group" = Option<String>, Query, description = "按 window（受理人）或 staff（决定人）分组，而不是按地点"),
    ),
    responses(
        (status = 200, description = "报表", body = Report),
        Unauthenticated,
        Forbidden,
        Invalid,
    ))]
async fn statistics(
    State(s): State<AppState>,
    ctx: Ctx,
    q: Result<Query<app::stats::Query>, QueryRejection>,
) -> ApiResult<Report> {
    let Query(q) = q?;
    Ok(Json(app::stats::report(&s.app, &ctx.actor, &q).await?))
}

/// Rating records of a period.
#[derive(Serialize, ToSchema)]
struct Ratings {
    #[schema(value_type = Vec<schemas::RatingRecord>)]
    items: Vec<serde_json::Value>,
}

#[utoipa::path(get, path = "/api/v1/ratings", tag = "statistics", operation_id = "ratingRecords",
    summary = "好差评数据（上报）",
    security(("sessionCookie" = [])),
    params(PeriodQuery),
    responses(
        (status = 200, description = "评价记录", body = Ratings),
        Unauthenticated,
        Forbidden,
        Invalid,
    ))]
async fn ratings(
    State(s): State<AppState>,
    ctx: Ctx,
    q: Result<Query<PeriodQuery>, QueryRejection>,
) -> ApiResult<Ratings> {
    let Query(q) = q?;
    let items = app::ratings::export_records(&s.app, &ctx.actor, &q.from, &q.to).await?;
    Ok(Json(Ratings { items }))
}

/// The operations of this module, for the OpenAPI document.
pub(super) fn paths() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(statistics, ratings))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
