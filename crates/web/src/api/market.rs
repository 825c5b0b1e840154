//! 中介超市 in JSON: jobs (post, bid, withdraw, select, contract, deliver, rate), the draw's
//! re-run check, the directory of intermediaries with registration and review, and the
//! credit list. The same use cases as the pages (`app::market`), so the same rules: prices
//! and bidders sealed while bids are taken, authority checked before input.

use app::market::{self, IntermediaryView, JobView, Selection};
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use domain::market::{DrawEntry, JobPost, JobState, Method, Registration, Service, Standing};
use time::OffsetDateTime;
use utoipa::{OpenApi, ToSchema};

use super::Writer;
use super::cases::{FileForm, read_multipart};
use super::openapi::{Conflict, NotFound, NotMultipart, WriteErrors};
use super::{ApiResult, List};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::ApiError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/market/jobs", get(jobs).post(post_job))
        .route("/v1/market/jobs/{id}", get(job))
        .route("/v1/market/jobs/{id}/bids", post(bid))
        .route("/v1/market/jobs/{id}/withdraw", post(withdraw))
        .route("/v1/market/jobs/{id}/select", post(select))
        .route("/v1/market/jobs/{id}/draw", get(draw))
        .route("/v1/market/jobs/{id}/contract", post(contract))
        .route(
            "/v1/market/jobs/{id}/report",
            get(report)
                .post(deliver)
                .layer(DefaultBodyLimit::max(24 * 1024 * 1024)),
        )
        .route("/v1/market/jobs/{id}/rating", post(rate))
        .route(
            "/v1/market/intermediaries",
            get(intermediaries).post(register),
        )
        .route("/v1/market/intermediaries/{code}", get(intermediary))
        .route("/v1/market/intermediaries/{code}/review", post(review))
        .route("/v1/market/credit-list", get(credit_list))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct JobsQuery {
    /// open, selected, failed, contracted, delivered, rated or withdrawn; all when absent.
    state: Option<String>,
    /// 1-based; 50 jobs a page.
    page: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/market/jobs", tag = "market", operation_id = "marketJobs",
    summary = "中介服务项目列表（公开，新发布的在前，每页 50 个）",
    params(JobsQuery),
    responses(
        (status = 200, description = "项目；报名截止前报价机构和报价保密", body = List<JobView>),
        super::openapi::Invalid,
    ))]
async fn jobs(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<JobsQuery>,
) -> ApiResult<List<JobView>> {
    let state = match q.state.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => Some(JobState::parse(v).ok_or_else(|| {
            app::AppError::field("state", "invalid", format!("没有这种项目状态：{v}"))
        })?),
    };
    let page = market::jobs(&s.app, &ctx.actor, state, q.page.unwrap_or(1)).await?;
    Ok(Json(List::new(page.jobs, page.total)))
}

/// A job as a buyer posts it through the API: the deadline in RFC 3339.
#[derive(serde::Deserialize, ToSchema)]
struct JobBody {
    title: String,
    service: Service,
    /// 服务范围及要求.
    scope: String,
    /// 最高限价，单位分.
    #[schema(example = 3_000_000)]
    budget_cap: i64,
    /// 报名截止时刻（RFC 3339，至少 24 小时后）.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime, example = "2026-12-20T17:00:00+08:00")]
    bid_deadline: OffsetDateTime,
    /// 服务期限（自然日）.
    delivery_days: u32,
    method: Method,
    /// 项目所在地行政区划代码.
    #[schema(example = "511602")]
    region: String,
    /// 投资项目代码（如有）.
    #[serde(default)]
    project_code: String,
}

#[utoipa::path(post, path = "/api/v1/market/jobs", tag = "market", operation_id = "postMarketJob",
    summary = "发布中介服务项目（企业，或本辖区的工作人员代政府采购人）",
    request_body = JobBody,
    responses((status = 201, description = "已发布", body = JobView), WriteErrors))]
async fn post_job(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    b: Result<Json<JobBody>, JsonRejection>,
) -> Result<(StatusCode, Json<JobView>), ApiError> {
    let Json(b) = b?;
    let post = JobPost {
        title: b.title,
        service: b.service,
        scope: b.scope,
        budget_cap: b.budget_cap,
        bid_deadline: b.bid_deadline,
        delivery_days: b.delivery_days,
        method: b.method,
        region: b.region,
        project_code: b.project_code,
    };
    let v = market::post_job(&s.app, &ctx.actor, &post).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

#[utoipa::path(get, path = "/api/v1/market/jobs/{id}", tag = "market", operation_id = "marketJob",
    summary = "一个中介服务项目（公开）",
    params(("id" = String, Path, description = "项目 id")),
    responses((status = 200, description = "项目", body = JobView), NotFound))]
async fn job(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> ApiResult<JobView> {
    Ok(Json(market::job(&s.app, &ctx.actor, &id).await?))
}

#[derive(serde::Deserialize, ToSchema)]
struct BidBody {
    /// 报价，单位分，不超过最高限价.
    price: i64,
    /// 承诺服务天数，不超过项目的服务期限.
    days: u32,
}

#[utoipa::path(post, path = "/api/v1/market/jobs/{id}/bids", tag = "market", operation_id = "bidMarketJob",
    summary = "报价（以入驻机构的企业账号）",
    params(("id" = String, Path, description = "项目 id")),
    request_body = BidBody,
    responses((status = 200, description = "已报价", body = JobView), WriteErrors, NotFound))]
async fn bid(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    Path(id): Path<String>,
    b: Result<Json<BidBody>, JsonRejection>,
) -> ApiResult<JobView> {
    let Json(b) = b?;
    Ok(Json(
        market::bid(&s.app, &ctx.actor, &id, b.price, b.days).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/market/jobs/{id}/withdraw", tag = "market", operation_id = "withdrawMarketJob",
    summary = "撤回尚无报价的项目（采购人）",
    params(("id" = String, Path, description = "项目 id")),
    responses((status = 200, description = "已撤回", body = JobView), WriteErrors, NotFound, Conflict))]
async fn withdraw(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    Path(id): Path<String>,
) -> ApiResult<JobView> {
    Ok(Json(market::withdraw(&s.app, &ctx.actor, &id).await?))
}

/// Quality points of one bid (综合评价).
#[derive(serde::Deserialize, ToSchema)]
struct Points {
    credit_code: String,
    /// 0–40.
    quality: u32,
}

#[derive(serde::Deserialize, ToSchema, Default)]
struct SelectBody {
    /// 直接选取: the chosen bidder's credit code.
    #[serde(default)]
    choice: Option<String>,
    /// 综合评价: quality points for every bid.
    #[serde(default)]
    quality: Vec<Points>,
}

#[utoipa::path(post, path = "/api/v1/market/jobs/{id}/select", tag = "market", operation_id = "selectMarketJob",
    summary = "报名截止后按公告的方式选取（采购人）；随机抽取由服务器生成并公示种子",
    params(("id" = String, Path, description = "项目 id")),
    request_body = SelectBody,
    responses((status = 200, description = "选取结果", body = JobView), WriteErrors, NotFound, Conflict))]
async fn select(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    Path(id): Path<String>,
    b: Result<Json<SelectBody>, JsonRejection>,
) -> ApiResult<JobView> {
    let Json(b) = b?;
    let sel = Selection {
        choice: b.choice.filter(|c| !c.trim().is_empty()),
        quality: b
            .quality
            .into_iter()
            .map(|p| (p.credit_code, p.quality))
            .collect(),
    };
    Ok(Json(market::select(&s.app, &ctx.actor, &id, &sel).await?))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct DrawQuery {
    /// The seed to re-run the draw with (the published one, 64 hex digits).
    seed: String,
}

#[utoipa::path(get, path = "/api/v1/market/jobs/{id}/draw", tag = "market", operation_id = "rerunMarketDraw",
    summary = "用公示的种子复核随机抽取（公开）：顺序与公示一致时返回该顺序",
    params(("id" = String, Path, description = "项目 id"), DrawQuery),
    responses(
        (status = 200, description = "重新抽取的顺序，第一位中选", body = Vec<DrawEntry>),
        super::openapi::Invalid,
        NotFound,
    ))]
async fn draw(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<DrawQuery>,
) -> ApiResult<Vec<DrawEntry>> {
    Ok(Json(market::verify_draw(&s.app, &id, &q.seed).await?))
}

#[derive(serde::Deserialize, ToSchema)]
struct ContractBody {
    /// 合同金额，单位分，不超过中选报价.
    amount: i64,
    /// 合同服务期限（自然日）.
    days: u32,
}

#[utoipa::path(post, path = "/api/v1/market/jobs/{id}/contract", tag = "market", operation_id = "contractMarketJob",
    summary = "登记合同（采购人）",
    params(("id" = String, Path, description = "项目 id")),
    request_body = ContractBody,
    responses((status = 200, description = "已登记", body = JobView), WriteErrors, NotFound, Conflict))]
async fn contract(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    Path(id): Path<String>,
    b: Result<Json<ContractBody>, JsonRejection>,
) -> ApiResult<JobView> {
    let Json(b) = b?;
    Ok(Json(
        market::contract(&s.app, &ctx.actor, &id, b.amount, b.days).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/market/jobs/{id}/report", tag = "market", operation_id = "deliverMarketJob",
    summary = "交付成果文件（中选机构，multipart 的 file 字段）；逾期交付记入信用",
    params(("id" = String, Path, description = "项目 id")),
    request_body(content = FileForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "已交付", body = JobView),
        WriteErrors,
        NotMultipart,
        NotFound,
        Conflict,
    ))]
async fn deliver(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    Path(id): Path<String>,
    mp: Multipart,
) -> ApiResult<JobView> {
    let (_, file) = read_multipart(mp, "file").await?;
    let (name, bytes) = file.unwrap_or_default();
    Ok(Json(
        market::deliver(&s.app, &ctx.actor, &id, &name, bytes.to_vec()).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/market/jobs/{id}/report", tag = "market", operation_id = "marketReport",
    summary = "下载成果文件（采购人、中选机构和系统管理员）",
    security(("sessionCookie" = [])),
    params(("id" = String, Path, description = "项目 id")),
    responses(
        (status = 200, description = "成果文件", content_type = "application/octet-stream", body = Vec<u8>),
        super::openapi::Unauthenticated,
        super::openapi::Forbidden,
        NotFound,
    ))]
async fn report(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (name, bytes) = market::report(&s.app, &ctx.actor, &id).await?;
    Ok(crate::views::attachment(&name, bytes))
}

#[derive(serde::Deserialize, ToSchema)]
struct RatingBody {
    /// 1–5; 1 or 2 stars need a comment and put a mark on the credit list.
    stars: u8,
    #[serde(default)]
    comment: String,
}

#[utoipa::path(post, path = "/api/v1/market/jobs/{id}/rating", tag = "market", operation_id = "rateMarketJob",
    summary = "评价中介服务（采购人，交付后）",
    params(("id" = String, Path, description = "项目 id")),
    request_body = RatingBody,
    responses((status = 200, description = "已评价", body = JobView), WriteErrors, NotFound, Conflict))]
async fn rate(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    Path(id): Path<String>,
    b: Result<Json<RatingBody>, JsonRejection>,
) -> ApiResult<JobView> {
    let Json(b) = b?;
    Ok(Json(
        market::rate(&s.app, &ctx.actor, &id, b.stars, &b.comment).await?,
    ))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct DirectoryQuery {
    /// approved (default, public), pending or rejected (the administrators who may review them).
    standing: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/market/intermediaries", tag = "market", operation_id = "intermediaries",
    summary = "入驻中介机构名录（已入驻的公开；待审核和未通过的仅有权审核的系统管理员）",
    params(DirectoryQuery),
    responses(
        (status = 200, description = "机构", body = List<IntermediaryView>),
        super::openapi::Unauthenticated,
        super::openapi::Forbidden,
        super::openapi::Invalid,
    ))]
async fn intermediaries(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DirectoryQuery>,
) -> ApiResult<List<IntermediaryView>> {
    let standing = match q
        .standing
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        None => Standing::Approved,
        Some(v) => Standing::parse(v).ok_or_else(|| {
            app::AppError::field("standing", "invalid", format!("没有这种入驻状态：{v}"))
        })?,
    };
    let all = market::list_intermediaries(&s.app, &ctx.actor, standing).await?;
    Ok(Json(List::counted(all)))
}

#[utoipa::path(post, path = "/api/v1/market/intermediaries", tag = "market", operation_id = "registerIntermediary",
    summary = "中介机构申请入驻（以本机构的企业账号；统一社会信用代码须为登录账号）",
    request_body = Registration,
    responses((status = 201, description = "已提交，待审核", body = IntermediaryView), WriteErrors, Conflict))]
async fn register(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    b: Result<Json<Registration>, JsonRejection>,
) -> Result<(StatusCode, Json<IntermediaryView>), ApiError> {
    let Json(r) = b?;
    let v = market::register(&s.app, &ctx.actor, &r).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

#[utoipa::path(get, path = "/api/v1/market/intermediaries/{code}", tag = "market", operation_id = "intermediary",
    summary = "一个中介机构（已入驻的公开）",
    params(("code" = String, Path, description = "统一社会信用代码")),
    responses((status = 200, description = "机构", body = IntermediaryView), NotFound))]
async fn intermediary(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> ApiResult<IntermediaryView> {
    Ok(Json(market::intermediary(&s.app, &ctx.actor, &code).await?))
}

#[derive(serde::Deserialize, ToSchema)]
struct ReviewBody {
    approve: bool,
    /// Required when not approving: why.
    #[serde(default)]
    note: String,
}

#[utoipa::path(post, path = "/api/v1/market/intermediaries/{code}/review", tag = "market", operation_id = "reviewIntermediary",
    summary = "审核入驻申请（管辖其全部服务区域的系统管理员）",
    params(("code" = String, Path, description = "统一社会信用代码")),
    request_body = ReviewBody,
    responses((status = 200, description = "已审核", body = IntermediaryView), WriteErrors, NotFound, Conflict))]
async fn review(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    Path(code): Path<String>,
    b: Result<Json<ReviewBody>, JsonRejection>,
) -> ApiResult<IntermediaryView> {
    let Json(b) = b?;
    Ok(Json(
        market::review(&s.app, &ctx.actor, &code, b.approve, &b.note).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/market/credit-list", tag = "market", operation_id = "marketCreditList",
    summary = "信用名单：一年内有逾期、差评或违约记录的机构，被限制报价的在前（公开）",
    responses((status = 200, description = "机构", body = List<IntermediaryView>)))]
async fn credit_list(State(s): State<AppState>) -> ApiResult<List<IntermediaryView>> {
    Ok(Json(List::counted(market::credit_list(&s.app).await?)))
}

pub(super) fn paths() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(
        jobs,
        post_job,
        job,
        bid,
        withdraw,
        select,
        draw,
        contract,
        deliver,
        report,
        rate,
        intermediaries,
        register,
        intermediary,
        review,
        credit_list
    ))]
    struct Doc;
    Doc::openapi()
}
