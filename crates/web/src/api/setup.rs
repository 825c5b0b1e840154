//! Organisation set-up through the API (system administrators): regions, departments, service
//! points and staff accounts from a table sent as JSON rows (the first row holds the column
//! names, as in the spreadsheets of docs/CATALOG_LAYOUT.md), checked whole and written all or
//! nothing; and the public list of service points.

use app::setup;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use domain::service_point::ServicePoint;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Writer;
use super::openapi::{Invalid, NotFound, WriteErrors};
use super::{ApiResult, List};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/service-points", get(service_points))
        .route("/v1/setup/{table}", post(import))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct PointQuery {
    /// Only points in this region and below (GB/T 2260 or 统计用区划 code).
    region: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/service-points", tag = "catalog", operation_id = "servicePoints",
    summary = "服务场所（政务服务中心、便民服务中心、便民服务站）",
    params(PointQuery),
    responses((status = 200, description = "服务场所列表", body = List<ServicePoint>), Invalid))]
async fn service_points(
    State(s): State<AppState>,
    q: Result<Query<PointQuery>, QueryRejection>,
) -> ApiResult<List<ServicePoint>> {
    let Query(q) = q?;
    let region = super::region_param(q.region.as_deref())?;
    let items = app::org::service_points(&s.app, region.as_deref()).await?;
    Ok(Json(List::counted(items)))
}

/// A table to import.
#[derive(Deserialize, ToSchema)]
pub struct SetupTable {
    /// Rows of cells; the first row holds the column names (any order).
    #[schema(example = json!([["区划代码", "区划名称", "上级区划代码"], ["511602001", "浓洄街道", "511602"]]))]
    rows: Vec<Vec<String>>,
    /// Check every row and report, but write nothing.
    #[serde(default)]
    dry_run: bool,
}

/// One problem of a row, where a spreadsheet shows it.
#[derive(Serialize, ToSchema)]
pub struct RowProblem {
    sheet: String,
    /// The row number as a spreadsheet shows it (the column names are row 1).
    row: usize,
    column: String,
    /// The offending cell as read.
    value: String,
    message: String,
}

/// A one-time password of an account created (shown once, never stored in clear).
#[derive(Serialize, ToSchema)]
pub struct OneTimePassword {
    login: String,
    name: String,
    password: String,
}

/// What an import found, and did unless it found problems or was a dry run.
#[derive(Serialize, ToSchema)]
pub struct SetupResult {
    rows: usize,
    added: usize,
    updated: usize,
    unchanged: usize,
    dry_run: bool,
    /// Whether anything was written: false on any problem, and on a dry run.
    written: bool,
    /// Every problem found, in one pass.
    problems: Vec<RowProblem>,
    /// Staff only: the new accounts' one-time passwords.
    passwords: Vec<OneTimePassword>,
}

#[utoipa::path(post, path = "/api/v1/setup/{table}", tag = "admin", operation_id = "importSetupTable",
    summary = "导入区划、部门、服务场所或工作人员账号（整表检查，全部无误才写入）",
    params(("table" = String, Path, description = "regions、departments、service-points 或 staff", example = "regions")),
    request_body = SetupTable,
    responses(
        (status = 200, description = "检查和导入的结果；有问题时 written 为 false 并列出每一处问题", body = SetupResult),
        WriteErrors,
        NotFound,
    ))]
async fn import(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    Path(table): Path<String>,
    body: Result<Json<SetupTable>, JsonRejection>,
) -> ApiResult<SetupResult> {
    let cap = ctx.actor.system_admin()?;
    let Json(body) = body?;
    let (sheet, dry_run) = (body.rows, body.dry_run);
    let mut passwords = Vec::new();
    let report = match table.as_str() {
        "regions" => setup::import_regions(&s.app, &cap, &sheet, dry_run).await?,
        "departments" => setup::import_departments(&s.app, &cap, &sheet, dry_run).await?,
        "service-points" => setup::import_service_points(&s.app, &cap, &sheet, dry_run).await?,
        "staff" => {
            let r = setup::import_staff(&s.app, &cap, &sheet, dry_run).await?;
            passwords = r
                .passwords
                .into_iter()
                .map(|p| OneTimePassword {
                    login: p.login,
                    name: p.name,
                    password: p.password,
                })
                .collect();
            r.report
        }
        other => return Err(app::AppError::NotFound(format!("设置表 {other}")).into()),
    };
    Ok(Json(SetupResult {
        written: report.written(),
        rows: report.rows,
        added: report.added,
        updated: report.updated,
        unchanged: report.unchanged,
        dry_run: report.dry_run,
        problems: report
            .errors
            .into_iter()
            .map(|e| RowProblem {
                sheet: e.sheet,
                row: e.row,
                column: e.column,
                value: e.value,
                message: e.message,
            })
            .collect(),
        passwords,
    }))
}

pub(super) fn paths() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(service_points, import))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
