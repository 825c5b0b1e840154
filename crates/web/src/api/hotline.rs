//! The 12345 hotline through the API: filing and following tickets, their steps, the
//! operator's knowledge search, duplicates and the dispatch suggestion, the classification
//! tree, the 接诉即办 figures, knowledge-base articles and the questions asked on guides.

use app::hotline::knowledge::{self as kb, AnswerQuestion, DeskResults, SaveArticle};
use app::hotline::tickets::{self, Duplicate, FileTicket, Queue};
use app::hotline::{TicketView, measures};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use domain::hotline::Ticket;
use domain::hotline::classes::{Class, Suggestion};
use domain::hotline::flow::Command;
use domain::hotline::knowledge::{Article, Question};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Writer;
use super::openapi::{Conflict, Forbidden, Invalid, NotFound, Unauthenticated, WriteErrors};
use super::{ApiResult, List};
use crate::AppState;
use crate::ctx::Ctx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/hotline/tickets", get(queue).post(file))
        .route("/v1/hotline/tickets/mine", get(mine))
        .route("/v1/hotline/tickets/{id}", get(one))
        .route("/v1/hotline/tickets/{id}/steps", post(step))
        .route("/v1/hotline/tickets/{id}/events", get(events))
        .route("/v1/hotline/desk/search", get(desk_search))
        .route("/v1/hotline/duplicates", get(duplicates))
        .route("/v1/hotline/suggestion", get(suggestion))
        .route("/v1/hotline/classes", get(classes))
        .route("/v1/hotline/figures", get(figures))
        .route("/v1/hotline/articles", get(articles).post(new_article))
        .route("/v1/hotline/articles/{id}", get(article).put(save_article))
        .route(
            "/v1/items/{code}/questions",
            get(public_questions).post(ask),
        )
        .route("/v1/questions", get(my_questions))
        .route("/v1/questions/{id}/answer", post(answer))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct QueueQuery {
    /// dispatch（待派单和退单待审）、callback（待回访）、department（本单位待签收和办理中）、all。
    #[serde(default = "all")]
    queue: Queue,
    #[serde(default)]
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    #[serde(default)]
    #[param(minimum = 0)]
    offset: Option<i64>,
}

fn all() -> Queue {
    Queue::All
}

#[utoipa::path(get, path = "/api/v1/hotline/tickets", tag = "hotline", operation_id = "hotlineTickets",
    summary = "12345 工单队列（话务员、派单员、承办单位；来电人信息仅话务员可见全文）",
    security(("sessionCookie" = [])),
    params(QueueQuery),
    responses((status = 200, description = "工单", body = List<TicketView>), Unauthenticated, Forbidden, Invalid))]
async fn queue(
    State(s): State<AppState>,
    ctx: Ctx,
    q: Result<Query<QueueQuery>, QueryRejection>,
) -> ApiResult<List<TicketView>> {
    let Query(q) = q?;
    let limit = q.limit.unwrap_or(50);
    let offset = q.offset.unwrap_or(0);
    if !(1..=200).contains(&limit) || offset < 0 {
        return Err(
            app::AppError::field("limit", "invalid", "limit 应为 1–200，offset 不小于 0").into(),
        );
    }
    Ok(Json(List::counted(
        tickets::queue(&s.app, &ctx.actor, q.queue, limit, offset).await?,
    )))
}

#[utoipa::path(post, path = "/api/v1/hotline/tickets", tag = "hotline", operation_id = "fileHotlineTicket",
    summary = "登记工单：话务员登记来电、来信（可直接办结或合并到重复工单）；登录的群众和企业以本人名义留言",
    request_body = FileTicket,
    responses((status = 200, description = "工单", body = TicketView), WriteErrors, Conflict))]
async fn file(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    body: Result<Json<FileTicket>, JsonRejection>,
) -> ApiResult<TicketView> {
    // Who may file is settled before the body is judged.
    if !matches!(ctx.actor, app::auth::Actor::Applicant { .. }) {
        tickets::may_file(&ctx.actor, true)?;
    }
    let Json(req) = body?;
    Ok(Json(tickets::file(&s.app, &ctx.actor, &req, true).await?))
}

#[utoipa::path(get, path = "/api/v1/hotline/tickets/mine", tag = "hotline", operation_id = "myHotlineTickets",
    summary = "本人的留言和诉求", security(("sessionCookie" = [])),
    responses((status = 200, description = "工单", body = List<Ticket>), Unauthenticated))]
async fn mine(State(s): State<AppState>, ctx: Ctx) -> ApiResult<List<Ticket>> {
    Ok(Json(List::counted(
        tickets::mine(&s.app, &ctx.actor).await?,
    )))
}

#[utoipa::path(get, path = "/api/v1/hotline/tickets/{id}", tag = "hotline", operation_id = "hotlineTicket",
    summary = "一张工单（编号或 id）与当前可做的操作", security(("sessionCookie" = [])),
    params(("id" = String, Path, description = "工单 id 或编号")),
    responses((status = 200, description = "工单", body = TicketView), Unauthenticated, Forbidden, NotFound))]
async fn one(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> ApiResult<TicketView> {
    Ok(Json(app::hotline::view(&s.app, &ctx.actor, &id).await?))
}

#[utoipa::path(post, path = "/api/v1/hotline/tickets/{id}/steps", tag = "hotline", operation_id = "hotlineStep",
    summary = "工单操作：派单、签收、退单、退单审核、延期（一次）、回复、回访（可重办一次）、合并、直接办结",
    params(("id" = String, Path, description = "工单 id 或编号")),
    request_body = Command,
    responses((status = 200, description = "操作后的工单", body = TicketView), WriteErrors, NotFound, Conflict))]
async fn step(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    Path(id): Path<String>,
    body: Result<Json<Command>, JsonRejection>,
) -> ApiResult<TicketView> {
    let Json(cmd) = body?;
    Ok(Json(tickets::step(&s.app, &ctx.actor, &id, &cmd).await?))
}

/// One event of a ticket's audit chain.
#[derive(Serialize, ToSchema)]
struct EventOut {
    seq: i64,
    /// Unix milliseconds.
    at: i64,
    actor: String,
    role: String,
    kind: String,
    payload: String,
    hash: String,
}

#[utoipa::path(get, path = "/api/v1/hotline/tickets/{id}/events", tag = "hotline", operation_id = "hotlineTicketEvents",
    summary = "工单留痕（SM3 链）", security(("sessionCookie" = [])),
    params(("id" = String, Path, description = "工单 id 或编号")),
    responses((status = 200, description = "事件", body = List<EventOut>), Unauthenticated, Forbidden, NotFound))]
async fn events(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<List<EventOut>> {
    let rows = tickets::history(&s.app, &ctx.actor, &id).await?;
    Ok(Json(List::counted(
        rows.into_iter()
            .map(|e| EventOut {
                seq: e.seq,
                at: e.at,
                actor: e.actor,
                role: e.role,
                kind: e.kind,
                payload: e.payload,
                hash: e.hash,
            })
            .collect(),
    )))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct DeskQuery {
    /// 已输入的文字.
    #[serde(default)]
    q: String,
    /// 诉求发生地区划代码（知识按适用区划筛选）.
    #[serde(default)]
    region: String,
}

#[utoipa::path(get, path = "/api/v1/hotline/desk/search", tag = "hotline", operation_id = "hotlineDeskSearch",
    summary = "话务台边输边查：知识库（当前有效、适用于该区划）和事项目录", security(("sessionCookie" = [])),
    params(DeskQuery),
    responses((status = 200, description = "结果", body = DeskResults), Unauthenticated, Forbidden, Invalid))]
async fn desk_search(
    State(s): State<AppState>,
    ctx: Ctx,
    q: Result<Query<DeskQuery>, QueryRejection>,
) -> ApiResult<DeskResults> {
    let Query(q) = q?;
    Ok(Json(
        kb::desk_search(&s.app, &ctx.actor, &q.q, q.region.trim()).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct DuplicateQuery {
    #[serde(default)]
    phone: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    text: String,
}

#[utoipa::path(get, path = "/api/v1/hotline/duplicates", tag = "hotline", operation_id = "hotlineDuplicates",
    summary = "疑似重复工单：同一号码或地点、内容相似、近期未办结", security(("sessionCookie" = [])),
    params(DuplicateQuery),
    responses((status = 200, description = "疑似重复", body = List<Duplicate>), Unauthenticated, Forbidden, Invalid))]
async fn duplicates(
    State(s): State<AppState>,
    ctx: Ctx,
    q: Result<Query<DuplicateQuery>, QueryRejection>,
) -> ApiResult<List<Duplicate>> {
    let Query(q) = q?;
    Ok(Json(List::counted(
        tickets::duplicates(&s.app, &ctx.actor, &q.phone, &q.address, &q.text).await?,
    )))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct SuggestQuery {
    class: String,
    region: String,
}

/// The suggestion, if a rule applies.
#[derive(Serialize, ToSchema)]
struct SuggestionOut {
    suggestion: Option<Suggestion>,
}

#[utoipa::path(get, path = "/api/v1/hotline/suggestion", tag = "hotline", operation_id = "hotlineSuggestion",
    summary = "按分类和区划规则建议承办单位（附理由）", security(("sessionCookie" = [])),
    params(SuggestQuery),
    responses((status = 200, description = "建议", body = SuggestionOut), Unauthenticated, Forbidden, Invalid))]
async fn suggestion(
    State(s): State<AppState>,
    ctx: Ctx,
    q: Result<Query<SuggestQuery>, QueryRejection>,
) -> ApiResult<SuggestionOut> {
    let Query(q) = q?;
    Ok(Json(SuggestionOut {
        suggestion: tickets::suggest(&s.app, &ctx.actor, q.class.trim(), q.region.trim()).await?,
    }))
}

#[utoipa::path(get, path = "/api/v1/hotline/classes", tag = "hotline", operation_id = "hotlineClasses",
    summary = "诉求分类树（编码两位一级）",
    responses((status = 200, description = "分类", body = List<Class>)))]
async fn classes(State(s): State<AppState>) -> ApiResult<List<Class>> {
    Ok(Json(List::counted(tickets::tree(&s.app).await?)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct FigureQuery {
    /// 开始月份 YYYY-MM（默认本月）.
    #[serde(default)]
    from: String,
    /// 结束月份 YYYY-MM（默认本月）.
    #[serde(default)]
    to: String,
}

#[utoipa::path(get, path = "/api/v1/hotline/figures", tag = "hotline", operation_id = "hotlineFigures",
    summary = "接诉即办考核：响应率、解决率、满意率和综合得分（按单位、区县、月份），热点分类、时段和高频词",
    security(("sessionCookie" = [])),
    params(FigureQuery),
    responses((status = 200, description = "统计", body = Object), Unauthenticated, Forbidden, Invalid))]
async fn figures(
    State(s): State<AppState>,
    ctx: Ctx,
    q: Result<Query<FigureQuery>, QueryRejection>,
) -> ApiResult<measures::Overview> {
    let Query(q) = q?;
    let month = measures::this_month(&s.app);
    let from = if q.from.is_empty() {
        measures::month_ago(&s.app)
    } else {
        q.from
    };
    let to = if q.to.is_empty() { month } else { q.to };
    Ok(Json(
        measures::overview(&s.app, &ctx.actor, &from, &to).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/hotline/articles", tag = "hotline", operation_id = "hotlineArticles",
    summary = "知识库（当前版本）", security(("sessionCookie" = [])),
    responses((status = 200, description = "知识", body = List<Article>), Unauthenticated, Forbidden))]
async fn articles(State(s): State<AppState>, ctx: Ctx) -> ApiResult<List<Article>> {
    Ok(Json(List::counted(kb::list(&s.app, &ctx.actor).await?)))
}

#[utoipa::path(post, path = "/api/v1/hotline/articles", tag = "hotline", operation_id = "newHotlineArticle",
    summary = "新增知识（热线中心或负责单位）",
    request_body = SaveArticle,
    responses((status = 200, description = "知识", body = Article), WriteErrors, Conflict))]
async fn new_article(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    body: Result<Json<SaveArticle>, JsonRejection>,
) -> ApiResult<Article> {
    let Json(req) = body?;
    Ok(Json(kb::save(&s.app, &ctx.actor, None, &req).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct VersionQuery {
    /// 历史版本号（默认当前版本）.
    #[serde(default)]
    #[param(minimum = 1)]
    version: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/hotline/articles/{id}", tag = "hotline", operation_id = "hotlineArticle",
    summary = "一条知识（当前或历史版本）", security(("sessionCookie" = [])),
    params(("id" = String, Path, description = "知识 id"), VersionQuery),
    responses((status = 200, description = "知识", body = Article), Unauthenticated, Forbidden, NotFound, Invalid))]
async fn article(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    q: Result<Query<VersionQuery>, QueryRejection>,
) -> ApiResult<Article> {
    let Query(q) = q?;
    Ok(Json(kb::article(&s.app, &ctx.actor, &id, q.version).await?))
}

#[utoipa::path(put, path = "/api/v1/hotline/articles/{id}", tag = "hotline", operation_id = "saveHotlineArticle",
    summary = "修改知识（保存为新版本，旧版本保留）",
    params(("id" = String, Path, description = "知识 id")),
    request_body = SaveArticle,
    responses((status = 200, description = "知识", body = Article), WriteErrors, NotFound, Conflict))]
async fn save_article(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    Path(id): Path<String>,
    body: Result<Json<SaveArticle>, JsonRejection>,
) -> ApiResult<Article> {
    let Json(req) = body?;
    Ok(Json(kb::save(&s.app, &ctx.actor, Some(&id), &req).await?))
}

#[utoipa::path(get, path = "/api/v1/items/{code}/questions", tag = "hotline", operation_id = "itemQuestions",
    summary = "事项的网上咨询（已答复并公开的，不含提问人）",
    params(("code" = String, Path, description = "事项编码")),
    responses((status = 200, description = "问答", body = List<Question>)))]
async fn public_questions(
    State(s): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<List<Question>> {
    Ok(Json(List::counted(
        kb::public_questions(&s.app, &code).await?,
    )))
}

/// A question.
#[derive(Deserialize, ToSchema)]
struct Ask {
    text: String,
}

#[utoipa::path(post, path = "/api/v1/items/{code}/questions", tag = "hotline", operation_id = "askQuestion",
    summary = "网上咨询：登录的群众和企业就事项提问，由事项所属单位答复",
    params(("code" = String, Path, description = "事项编码")),
    request_body = Ask,
    responses((status = 200, description = "问题", body = Question), WriteErrors, NotFound))]
async fn ask(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    Path(code): Path<String>,
    body: Result<Json<Ask>, JsonRejection>,
) -> ApiResult<Question> {
    let Json(a) = body?;
    Ok(Json(kb::ask(&s.app, &ctx.actor, &code, &a.text).await?))
}

#[utoipa::path(get, path = "/api/v1/questions", tag = "hotline", operation_id = "questions",
    summary = "网上咨询：本人提出的，或本单位待答复的", security(("sessionCookie" = [])),
    responses((status = 200, description = "问题", body = List<Question>), Unauthenticated, Forbidden))]
async fn my_questions(State(s): State<AppState>, ctx: Ctx) -> ApiResult<List<Question>> {
    Ok(Json(List::counted(
        kb::questions(&s.app, &ctx.actor).await?,
    )))
}

#[utoipa::path(post, path = "/api/v1/questions/{id}/answer", tag = "hotline", operation_id = "answerQuestion",
    summary = "答复网上咨询（可公开到办事指南、可加入知识库）",
    params(("id" = String, Path, description = "问题 id")),
    request_body = AnswerQuestion,
    responses((status = 200, description = "问题", body = Question), WriteErrors, NotFound, Conflict))]
async fn answer(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    Path(id): Path<String>,
    body: Result<Json<AnswerQuestion>, JsonRejection>,
) -> ApiResult<Question> {
    let Json(req) = body?;
    Ok(Json(kb::answer(&s.app, &ctx.actor, &id, &req).await?))
}

pub(super) fn paths() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(
        queue,
        file,
        mine,
        one,
        step,
        events,
        desk_search,
        duplicates,
        suggestion,
        classes,
        figures,
        articles,
        new_article,
        article,
        save_article,
        public_questions,
        ask,
        my_questions,
        answer
    ))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}
