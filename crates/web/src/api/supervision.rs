//! Data for the upper-level platform and dashboards: statistics reports, rating records
//! (GB/T 39734 shape), and the 电子监察 warnings and 督办 notices a provincial supervision
//! system watches (list, read, acknowledge, send, resolve), with the supervision page's scope.

use app::stats::Report;
use app::warnings::{Notice, Warning, WarningQuery};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Writer;
use super::licenses::PeriodQuery;
use super::openapi::{Conflict, Forbidden, Invalid, NotFound, Unauthenticated, WriteErrors};
use super::{ApiResult, List, schemas};
use crate::AppState;
use crate::ctx::Ctx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/statistics", get(statistics))
        .route("/v1/ratings", get(ratings))
        .route("/v1/supervision/warnings", get(warnings))
        .route("/v1/supervision/warnings/{id}", get(warning))
        .route(
            "/v1/supervision/warnings/{id}/acknowledge",
            post(acknowledge),
        )
        .route("/v1/supervision/warnings/{id}/notices", post(send_notice))
        .route("/v1/supervision/notices", get(notices))
        .route("/v1/supervision/notices/{id}/resolve", post(resolve))
}

/// Filters of the warning list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct WarningParams {
    /// 区划代码：本区划及下级（须在本人区划之内）。
    region: Option<String>,
    /// 部门编码（部门工作人员只看本部门）。
    department: Option<String>,
    /// yellow（临期）或 red（超期）。
    level: Option<String>,
    /// open（未确认）、acknowledged（已确认未解除）、cleared（已解除）。
    state: Option<String>,
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
    #[param(minimum = 0)]
    offset: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/supervision/warnings", tag = "supervision", operation_id = "supervisionWarnings",
    summary = "电子监察预警列表（黄牌临期、红牌超期），按区划、部门、级别、状态筛选",
    description = "监察人员看本区划及下级，部门工作人员只看本部门。按产生时间倒序。",
    security(("sessionCookie" = [])),
    params(WarningParams),
    responses((status = 200, description = "预警", body = List<Warning>), Unauthenticated, Forbidden, Invalid))]
async fn warnings(
    State(s): State<AppState>,
    ctx: Ctx,
    q: Result<Query<WarningParams>, QueryRejection>,
) -> ApiResult<List<Warning>> {
    let Query(q) = q?;
    let q = WarningQuery {
        region: q.region,
        department: q.department,
        level: q.level,
        state: q.state,
        limit: q.limit,
        offset: q.offset,
    };
    Ok(Json(List::counted(
        app::warnings::list(&s.app, &ctx.actor, &q).await?,
    )))
}

#[utoipa::path(get, path = "/api/v1/supervision/warnings/{id}", tag = "supervision", operation_id = "supervisionWarning",
    summary = "一条预警及其督办件", security(("sessionCookie" = [])),
    params(("id" = String, Path, description = "预警 id")),
    responses((status = 200, description = "预警", body = Warning), Unauthenticated, Forbidden, NotFound))]
async fn warning(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Warning> {
    Ok(Json(app::warnings::get(&s.app, &ctx.actor, &id).await?))
}

#[utoipa::path(post, path = "/api/v1/supervision/warnings/{id}/acknowledge", tag = "supervision", operation_id = "acknowledgeWarning",
    summary = "确认预警（监察人员；预警在办件推进前保持有效，记录确认人和时间）",
    params(("id" = String, Path, description = "预警 id")),
    responses((status = 200, description = "确认后的预警", body = Warning), WriteErrors, NotFound, Conflict))]
async fn acknowledge(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    Path(id): Path<String>,
) -> ApiResult<Warning> {
    Ok(Json(
        app::warnings::acknowledge(&s.app, &ctx.actor, &id).await?,
    ))
}

/// A 督办 notice to send.
#[derive(Deserialize, ToSchema)]
struct SendNotice {
    /// 督办意见，不超过 500 字。
    message: String,
}

#[utoipa::path(post, path = "/api/v1/supervision/warnings/{id}/notices", tag = "supervision", operation_id = "sendSupervisionNotice",
    summary = "督办：就一条未解除的预警向责任部门发出督办件（监察人员）",
    params(("id" = String, Path, description = "预警 id")),
    request_body = SendNotice,
    responses((status = 200, description = "督办件", body = Notice), WriteErrors, NotFound, Conflict))]
async fn send_notice(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    Path(id): Path<String>,
    body: Result<Json<SendNotice>, JsonRejection>,
) -> ApiResult<Notice> {
    let Json(b) = body?;
    let n = app::supervision::send_notice(&s.app, &ctx.actor, &id, &b.message).await?;
    Ok(Json(n.into()))
}

#[utoipa::path(get, path = "/api/v1/supervision/notices", tag = "supervision", operation_id = "supervisionNotices",
    summary = "督办件（监察人员看本区划，部门看本部门；未办结在前）", security(("sessionCookie" = [])),
    responses((status = 200, description = "督办件", body = List<Notice>), Unauthenticated, Forbidden))]
async fn notices(State(s): State<AppState>, ctx: Ctx) -> ApiResult<List<Notice>> {
    let rows = app::supervision::notices(&s.app, &ctx.actor).await?;
    Ok(Json(List::counted(
        rows.into_iter().map(Notice::from).collect(),
    )))
}

/// How a notice was resolved.
#[derive(Deserialize, ToSchema)]
struct Resolve {
    /// 处理情况。
    resolution: String,
}

#[utoipa::path(post, path = "/api/v1/supervision/notices/{id}/resolve", tag = "supervision", operation_id = "resolveSupervisionNotice",
    summary = "办结督办件：责任部门填写处理情况",
    params(("id" = String, Path, description = "督办件 id")),
    request_body = Resolve,
    responses((status = 204, description = "已办结"), WriteErrors, NotFound, Conflict))]
async fn resolve(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    Path(id): Path<String>,
    body: Result<Json<Resolve>, JsonRejection>,
) -> Result<axum::http::StatusCode, crate::error::ApiError> {
    let Json(b) = body?;
    app::supervision::resolve(&s.app, &ctx.actor, &id, &b.resolution).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
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
    #[openapi(paths(
        statistics,
        ratings,
        warnings,
        warning,
        acknowledge,
        send_notice,
        notices,
        resolve
    ))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
