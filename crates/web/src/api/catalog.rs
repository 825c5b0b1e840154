//! Catalog endpoints: the public listing, guides and search, the departments, regions and
//! synonyms behind them, and the catalog administrators' writes (create, save a draft,
//! publish).

use app::catalog::{self, SearchParams};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use domain::catalog::{ItemDefinition, Synonym, VersionStatus};
use domain::org::Department;
use serde::Serialize;
use utoipa::ToSchema;

use super::Writer;
use super::openapi::{Conflict, Invalid, NotFound, WriteErrors};
use super::{ApiResult, List};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::ApiError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/items", get(list_items).post(create_item))
        .route("/v1/items/{code}", get(get_item))
        .route("/v1/items/{code}/draft", put(save_draft))
        .route("/v1/items/{code}/publish", post(publish))
        .route("/v1/search", get(search))
        .route("/v1/departments", get(departments))
        .route("/v1/regions", get(regions))
        .route("/v1/synonyms", get(synonyms))
}

/// An item in the listing: its current published version.
#[derive(Serialize, ToSchema)]
pub struct ItemSummary {
    /// 实施编码.
    code: String,
    name: String,
    /// 实施机关编码.
    department: String,
    /// 实施区划代码.
    region: String,
    /// 事项类型 (its JSON name, e.g. `administrative_license`).
    kind: String,
    /// 服务对象 (JSON names).
    subjects: Vec<String>,
    /// 网办深度 (JSON name).
    online_depth: String,
    /// 到现场次数.
    visits: i64,
    /// The current published version.
    version: Option<i64>,
}

impl From<&app::ItemRow> for ItemSummary {
    fn from(r: &app::ItemRow) -> Self {
        ItemSummary {
            code: r.code.clone(),
            name: r.name.clone(),
            department: r.department.clone(),
            region: r.region.clone(),
            kind: r.kind.clone(),
            subjects: r
                .subjects
                .trim_matches(',')
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            online_depth: r.online_depth.clone(),
            visits: r.visits,
            version: r.current_version,
        }
    }
}

/// The filters of the listing and the search (they arrive in `SearchParams`), for the
/// OpenAPI document.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct CatalogFilters {
    /// 所在区划（GB/T 2260，6/9/12 位数字）：该区划及其上级区划实施的事项.
    #[param(pattern = "^[0-9]{6}([0-9]{3}([0-9]{3})?)?$", example = "511602")]
    region: Option<String>,
    /// 实施机关编码，如 511600-SCJG.
    #[param(example = "511600-SCJG")]
    department: Option<String>,
    /// 服务对象：natural_person 面向个人；legal 面向法人.
    #[param(pattern = "^(natural_person|legal)$")]
    audience: Option<String>,
    /// 网办深度.
    #[param(value_type = Option<domain::catalog::OnlineDepth>)]
    online_depth: Option<String>,
    /// 跳过条数.
    #[param(minimum = 0, maximum = 10000)]
    offset: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/items", tag = "catalog", operation_id = "listItems",
    summary = "事项列表（已发布），按区划、部门、服务对象、网办深度筛选",
    params(
        CatalogFilters,
        ("limit" = Option<i64>, Query, description = "每页条数，默认 50", minimum = 1, maximum = 100),
    ),
    responses(
        (status = 200, description = "事项列表", body = List<ItemSummary>),
        Invalid,
    ))]
async fn list_items(
    State(s): State<AppState>,
    q: Result<Query<SearchParams>, QueryRejection>,
) -> ApiResult<List<ItemSummary>> {
    let Query(p) = q?;
    let (rows, total) = catalog::list_public(&s.app, &p).await?;
    Ok(Json(List::new(
        rows.iter().map(ItemSummary::from).collect(),
        total,
    )))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct VersionQuery {
    /// 版本号；省略时为当前发布版本（事项管理员在未发布时看到草稿）.
    version: Option<i64>,
}

/// The department of a guide, as its contact card.
#[derive(Serialize, ToSchema)]
pub struct DepartmentContact {
    code: String,
    name: String,
    phone: String,
    address: String,
}

#[derive(Serialize, ToSchema)]
pub struct RegionName {
    code: String,
    /// Empty when the region is unknown.
    name: String,
}

#[derive(Serialize, ToSchema)]
pub struct VersionEntry {
    version: i64,
    status: VersionStatus,
}

/// 办事指南: one version of an item with its context.
#[derive(Serialize, ToSchema)]
pub struct ItemDetail {
    code: String,
    version: i64,
    status: VersionStatus,
    /// 发布时间，北京时间 YYYY-MM-DD HH:MM；未发布为 null.
    published_at: Option<String>,
    /// Null when the department is not found.
    department: Option<DepartmentContact>,
    region: RegionName,
    /// Every version this person may read, newest first (drafts only to administrators).
    versions: Vec<VersionEntry>,
    definition: ItemDefinition,
}

#[utoipa::path(get, path = "/api/v1/items/{code}", tag = "catalog", operation_id = "getItem",
    summary = "办事指南：事项的当前版本或指定版本",
    params(("code" = String, Path, description = "实施编码", example = "11511600008508271T3010140003001"), VersionQuery),
    responses(
        (status = 200, description = "办事指南", body = ItemDetail),
        NotFound,
        Invalid,
    ))]
async fn get_item(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    q: Result<Query<VersionQuery>, QueryRejection>,
) -> ApiResult<ItemDetail> {
    let Query(v) = q?;
    let g = catalog::guide(&s.app, &ctx.actor, &code, v.version).await?;
    let region = RegionName {
        code: g.def().region.clone(),
        name: g.region_name,
    };
    Ok(Json(ItemDetail {
        code: g.item.code,
        version: g.version.version,
        status: g.version.status,
        published_at: g.version.published_at.map(crate::views::fmt_time),
        department: g.department.map(|d| DepartmentContact {
            code: d.code,
            name: d.name,
            phone: d.phone,
            address: d.address,
        }),
        region,
        versions: g
            .versions
            .iter()
            .map(|&(version, status, _)| VersionEntry { version, status })
            .collect(),
        definition: g.version.definition,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct SearchHit {
    code: String,
    name: String,
    department_name: String,
    region: String,
    /// 事项类型中文标签，如 行政许可.
    kind: String,
    summary: String,
    score: f32,
}

#[derive(Serialize, ToSchema)]
pub struct SearchResults {
    items: Vec<SearchHit>,
    total: usize,
    /// The words the query was understood as, after segmentation and synonyms.
    understood_as: Vec<String>,
}

#[utoipa::path(get, path = "/api/v1/search", tag = "catalog", operation_id = "search",
    summary = "搜索事项（中文分词 + 同义词）",
    params(
        ("q" = Option<String>, Query, description = "搜索词，最多 100 个字符", max_length = 100, example = "开饭店"),
        ("near" = Option<String>, Query, description = "搜索人所在区划代码：本区划及上级区划的事项排在前面，不筛除其他事项", example = "511602"),
        CatalogFilters,
        ("limit" = Option<i64>, Query, description = "每页条数，默认 20", minimum = 1, maximum = 100),
    ),
    responses(
        (status = 200, description = "搜索结果", body = SearchResults),
        Invalid,
    ))]
async fn search(
    State(s): State<AppState>,
    q: Result<Query<SearchParams>, QueryRejection>,
) -> ApiResult<SearchResults> {
    let Query(p) = q?;
    s.metrics
        .searches
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let r = catalog::search(&s.app, &p).await?;
    let items = r
        .hits
        .into_iter()
        .map(|h| SearchHit {
            code: h.code,
            name: h.name,
            department_name: h.department_name,
            region: h.region,
            kind: h.kind_label,
            summary: h.summary,
            score: h.score,
        })
        .collect();
    Ok(Json(SearchResults {
        items,
        total: r.total,
        understood_as: r.understood_as,
    }))
}

/// A department with the number of published items it implements.
#[derive(Serialize, ToSchema)]
pub struct DepartmentEntry {
    #[serde(flatten)]
    department: Department,
    /// Published items of the department.
    items: i64,
}

#[utoipa::path(get, path = "/api/v1/departments", tag = "catalog", operation_id = "departments",
    summary = "部门列表（含已发布事项数）",
    responses((status = 200, description = "部门列表", body = List<DepartmentEntry>)))]
async fn departments(State(s): State<AppState>) -> ApiResult<List<DepartmentEntry>> {
    let items: Vec<_> = catalog::departments_with_counts(&s.app)
        .await?
        .into_iter()
        .map(|(department, items)| DepartmentEntry { department, items })
        .collect();
    Ok(Json(List::counted(items)))
}

/// A region (GB/T 2260) with its place in the hierarchy.
#[derive(Serialize, ToSchema)]
pub struct RegionEntry {
    code: String,
    name: String,
    /// The parent region's code; null for a province.
    parent: Option<String>,
    /// province, city, county, township or village.
    level: String,
}

#[utoipa::path(get, path = "/api/v1/regions", tag = "catalog", operation_id = "regions",
    summary = "行政区划列表",
    responses((status = 200, description = "区划列表", body = List<RegionEntry>)))]
async fn regions(State(s): State<AppState>) -> ApiResult<List<RegionEntry>> {
    let items: Vec<_> = app::org::regions(&s.app)
        .await?
        .into_iter()
        .map(|r| RegionEntry {
            code: r.code,
            name: r.name,
            parent: r.parent,
            level: r.level,
        })
        .collect();
    Ok(Json(List::counted(items)))
}

#[utoipa::path(get, path = "/api/v1/synonyms", tag = "catalog", operation_id = "synonyms",
    summary = "搜索同义词列表",
    responses((status = 200, description = "同义词列表", body = List<Synonym>)))]
async fn synonyms(State(s): State<AppState>) -> ApiResult<List<Synonym>> {
    Ok(Json(List::counted(catalog::synonyms(&s.app).await?)))
}

/// What a write answers: the item, the version written and its status.
#[derive(Serialize, ToSchema)]
pub struct VersionWritten {
    code: String,
    version: i64,
    /// `draft` or `published`.
    status: &'static str,
}

#[utoipa::path(post, path = "/api/v1/items", tag = "admin", operation_id = "createItem",
    summary = "新建事项（保存为第 1 版草稿）",
    request_body = ItemDefinition,
    responses(
        (status = 201, description = "已创建草稿", body = VersionWritten),
        WriteErrors,
        Conflict,
    ))]
async fn create_item(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    b: Result<Json<ItemDefinition>, JsonRejection>,
) -> Result<(StatusCode, Json<VersionWritten>), ApiError> {
    let cap = ctx.actor.catalog_admin()?;
    let Json(def) = b?;
    let code = def.code.clone();
    catalog::create(&s.app, &cap, def).await?;
    let written = VersionWritten {
        code,
        version: 1,
        status: "draft",
    };
    Ok((StatusCode::CREATED, Json(written)))
}

#[utoipa::path(put, path = "/api/v1/items/{code}/draft", tag = "admin", operation_id = "saveDraft",
    summary = "保存草稿（公开指南在发布前不变）",
    params(("code" = String, Path, description = "实施编码", example = "11511600008508271T3010140003001")),
    request_body = ItemDefinition,
    responses(
        (status = 200, description = "已保存草稿", body = VersionWritten),
        WriteErrors,
        NotFound,
        Conflict,
    ))]
async fn save_draft(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    Path(code): Path<String>,
    b: Result<Json<ItemDefinition>, JsonRejection>,
) -> ApiResult<VersionWritten> {
    let cap = ctx.actor.catalog_admin()?;
    let Json(def) = b?;
    let version = catalog::save_draft(&s.app, &cap, &code, def).await?;
    Ok(Json(VersionWritten {
        code,
        version,
        status: "draft",
    }))
}

#[utoipa::path(post, path = "/api/v1/items/{code}/publish", tag = "admin", operation_id = "publish",
    summary = "发布草稿（成为公开指南并更新搜索索引）",
    params(("code" = String, Path, description = "实施编码", example = "11511600008508271T3010140003001")),
    responses(
        (status = 200, description = "已发布", body = VersionWritten),
        WriteErrors,
        NotFound,
        Conflict,
    ))]
async fn publish(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    Path(code): Path<String>,
) -> ApiResult<VersionWritten> {
    let cap = ctx.actor.catalog_admin()?;
    let version = catalog::publish(&s.app, &cap, &code).await?;
    Ok(Json(VersionWritten {
        code,
        version,
        status: "published",
    }))
}

/// The operations of this module, for the OpenAPI document.
pub(super) fn paths() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(
        list_items,
        create_item,
        get_item,
        save_draft,
        publish,
        search,
        departments,
        regions,
        synonyms
    ))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
