//! Case endpoints: start, read, list (own cases or a staff queue), issue commands as JSON,
//! upload materials, and the public progress lookup.

use app::cases;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use domain::account::Role;
use domain::case::{Case, CaseState, Command, Provision};
use serde::Serialize;
use utoipa::ToSchema;

use super::Writer;
use super::openapi::{
    Conflict, Forbidden, Invalid, NotFound, NotMultipart, Unauthenticated, WriteErrors,
};
use super::schemas;
use super::{ApiResult, List};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::ApiError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/cases", get(list).post(start))
        .route("/v1/cases/{id}", get(one))
        .route("/v1/cases/{id}/commands", post(command))
        .route(
            "/v1/cases/{id}/materials/{index}",
            post(upload).layer(DefaultBodyLimit::max(32 * 1024 * 1024)),
        )
        .route(
            "/v1/cases/agent",
            post(start_as_agent).layer(DefaultBodyLimit::max(32 * 1024 * 1024)),
        )
        .route("/v1/cases/{id}/notices/{kind}", get(notice))
        .route("/v1/progress", get(progress))
}

/// The multipart body of `start_as_agent`, for the OpenAPI document.
#[derive(ToSchema)]
#[allow(dead_code)]
struct AgentForm {
    /// 事项编码（业务办理项编码）.
    item_code: String,
    /// The principal's ID number or credit code.
    applicant: String,
    /// Optional: a letter signed by the principal (PDF, JPEG, PNG or OFD), kept with the case.
    /// The authority itself is the grant the principal made in their account (or at a window).
    #[schema(value_type = Option<String>, format = Binary)]
    letter: Option<Vec<u8>>,
}

/// 帮办代办: multipart with `item_code`, `applicant` (the principal's ID number or credit
/// code) and optionally `letter`. Needs a grant in force from the principal.
#[utoipa::path(post, path = "/api/v1/cases/agent", tag = "cases", operation_id = "startCaseAsAgent",
    summary = "帮办代办：代他人申请",
    request_body(content = AgentForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "已创建草稿", body = Case),
        WriteErrors,
        NotMultipart,
        NotFound,
    ))]
async fn start_as_agent(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    mp: Multipart,
) -> Result<(StatusCode, Json<Case>), ApiError> {
    // Nothing of a visitor's body is read, let alone stored.
    if ctx.actor.is_anonymous() {
        return Err(ApiError(app::AppError::Unauthenticated));
    }
    let (text, letter) = read_multipart(mp, "letter").await?;
    let (item, applicant) = (
        text_field(&text, "item_code"),
        text_field(&text, "applicant"),
    );
    let letter = match letter {
        Some((name, bytes)) => Some(app::uploads::store(&s.app, &ctx.actor, &bytes, &name).await?),
        None => None,
    };
    let c = cases::start_as_agent(&s.app, &ctx.actor, item, applicant, letter).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct NoticeQuery {
    /// `json` (the default) or `pdf`.
    #[param(pattern = "^(json|pdf)$")]
    format: Option<String>,
}

/// A notice as JSON, or as a PDF file with `?format=pdf`.
#[utoipa::path(get, path = "/api/v1/cases/{id}/notices/{kind}", tag = "cases", operation_id = "getNotice",
    summary = "办件文书（JSON 或 PDF）",
    security(("sessionCookie" = [])),
    params(
        ("id" = String, Path, description = "办件 id"),
        ("kind" = String, Path, description = "accept、reject、supplement 或 decision", pattern = "^(accept|reject|supplement|decision)$"),
        NoticeQuery,
    ),
    responses(
        (status = 200, description = "文书", content(
            (schemas::Notice = "application/json"),
            (Vec<u8> = "application/pdf"),
        )),
        Unauthenticated,
        Forbidden,
        NotFound,
        Invalid,
    ))]
async fn notice(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((id, kind)): Path<(String, String)>,
    q: Result<Query<NoticeQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q?;
    match q.format.as_deref() {
        None | Some("json") => {
            Ok(Json(cases::notice(&s.app, &ctx.actor, &id, &kind).await?).into_response())
        }
        Some("pdf") => {
            let (n, pdf) = cases::notice_pdf(&s.app, &ctx.actor, &id, &kind).await?;
            Ok(crate::views::cases::private_file(
                pdf,
                "application/pdf".into(),
                &format!("{}.pdf", n.title),
            ))
        }
        Some(_) => Err(ApiError(app::AppError::field(
            "format",
            "invalid",
            "format 只能是 json 或 pdf",
        ))),
    }
}

#[derive(serde::Deserialize, ToSchema)]
struct StartBody {
    /// 事项实施编码（须已发布，且是具体业务办理项）.
    #[schema(example = "11511600008508271T3010140003001")]
    item_code: String,
    /// For a window clerk: the applicant's ID number or credit code.
    #[serde(default)]
    applicant: Option<String>,
    /// For a window clerk serving someone without an account (无账号办理): the identity the
    /// clerk checked against the original document. Not needed for a registered applicant.
    #[serde(default)]
    walk_in: Option<WalkInBody>,
    /// Whom the case is for when not the applicant: a minor in the applicant's care or a
    /// deceased relative, as the item's `filed_for` allows. Problems are named `subject.*`.
    #[serde(default)]
    subject: Option<SubjectBody>,
}

/// The person a case is for (行政相对人), named by the applicant.
#[derive(serde::Deserialize, ToSchema)]
struct SubjectBody {
    kind: domain::catalog::FiledFor,
    /// 姓名.
    #[serde(default)]
    #[schema(example = "李小明")]
    name: String,
    /// 公民身份号码.
    #[serde(default)]
    id_number: String,
}

/// A walk-in's identity as checked by the clerk.
#[derive(serde::Deserialize, ToSchema)]
struct WalkInBody {
    /// An enterprise (法人) rather than a natural person.
    #[serde(default)]
    enterprise: bool,
    /// 姓名, or the enterprise's name.
    #[schema(example = "张三")]
    name: String,
    /// 手机号码.
    #[schema(example = "13800138000")]
    phone: String,
    /// 法定代表人 (an enterprise only).
    #[serde(default)]
    legal_representative: String,
}

#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", operation_id = "startCase",
    summary = "申请事项（新建办件草稿）",
    request_body = StartBody,
    responses(
        (status = 201, description = "已创建草稿", body = Case),
        WriteErrors,
        NotFound,
        Conflict,
    ))]
async fn start(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    b: Result<Json<StartBody>, JsonRejection>,
) -> Result<(StatusCode, Json<Case>), ApiError> {
    let Json(b) = b?;
    let for_whom = b
        .subject
        .as_ref()
        .map(|x| cases::ForWhom {
            kind: x.kind,
            name: x.name.clone(),
            id_number: x.id_number.clone(),
        })
        .unwrap_or_default();
    let c = match &b.applicant {
        Some(a) => {
            let w = b.walk_in.as_ref();
            let who = cases::WalkIn {
                login: a.clone(),
                enterprise: w.is_some_and(|w| w.enterprise),
                name: w.map(|w| w.name.clone()).unwrap_or_default(),
                phone: w.map(|w| w.phone.clone()).unwrap_or_default(),
                legal_representative: w
                    .map(|w| w.legal_representative.clone())
                    .unwrap_or_default(),
                for_whom,
            };
            // The identity's problems are named as the body names its fields.
            cases::start_for_walk_in(&s.app, &ctx.actor, &b.item_code, &who)
                .await
                .map_err(|e| match e {
                    app::AppError::Validation(mut v) => {
                        for f in &mut v {
                            if matches!(f.field.as_str(), "name" | "phone" | "legal_representative")
                            {
                                f.field = format!("walk_in.{}", f.field);
                            }
                        }
                        app::AppError::Validation(v)
                    }
                    other => other,
                })
        }
        None => cases::start_for(&s.app, &ctx.actor, &b.item_code, &for_whom).await,
    }?;
    Ok((StatusCode::CREATED, Json(c)))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// A staff queue: clerk, reviewer or approver. Without it: the applicant's own cases.
    #[param(value_type = Option<domain::account::Role>)]
    queue: Option<String>,
    /// Page size; clamped to 1–100 (default 20).
    limit: Option<i64>,
    /// Cases to skip; below 0 counts as 0.
    offset: Option<i64>,
}

/// One case of a staff queue with the deadline it is sorted by.
#[derive(Serialize, ToSchema)]
struct QueueEntry {
    case: Case,
    /// The promised deadline, else the pre-review one (YYYY-MM-DD); null when none runs.
    due_date: Option<String>,
}

/// A staff queue, nearest deadline first.
#[derive(Serialize, ToSchema)]
struct Queue {
    items: Vec<QueueEntry>,
    /// Counted up to 10 000.
    total: i64,
    /// More than 10 000 are waiting: `total` is the cap.
    total_capped: bool,
}

/// The two answers of `list`: the applicant's own cases, or a staff queue.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
enum Cases {
    Mine(List<Case>),
    Queue(Queue),
}

#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", operation_id = "listCases",
    summary = "我的办件 / 工作人员待办队列",
    security(("sessionCookie" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "申请人本人的办件（List），或带 queue 时工作人员的待办队列（Queue）",
            body = Cases),
        Unauthenticated,
        Forbidden,
        Invalid,
    ))]
async fn list(
    State(s): State<AppState>,
    ctx: Ctx,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> ApiResult<Cases> {
    let Query(q) = q?;
    let (limit, offset) = (q.limit.unwrap_or(20), q.offset.unwrap_or(0));
    match q.queue.as_deref() {
        None => {
            let (items, total) = cases::mine(&s.app, &ctx.actor, limit, offset).await?;
            Ok(Json(Cases::Mine(List::new(items, total))))
        }
        Some(r) => {
            let role = Role::parse(r)
                .filter(|r| matches!(r, Role::Clerk | Role::Reviewer | Role::Approver))
                .ok_or_else(|| {
                    ApiError(app::AppError::field(
                        "queue",
                        "invalid",
                        "queue 只能是 clerk、reviewer 或 approver",
                    ))
                })?;
            let (items, total) = cases::queue(&s.app, &ctx.actor, role, limit, offset).await?;
            let items = items
                .into_iter()
                .map(|(case, due_date)| QueueEntry { case, due_date })
                .collect();
            let queue = Queue {
                items,
                total: total.count,
                total_capped: total.capped,
            };
            Ok(Json(Cases::Queue(queue)))
        }
    }
}

#[derive(Serialize, ToSchema)]
struct Deadline {
    label: String,
    explanation: String,
}

/// A case with what its viewer may see and do now.
#[derive(Serialize, ToSchema)]
struct CaseDetail {
    case: Case,
    /// Each running deadline.
    deadlines: Vec<Deadline>,
    /// The timeline, oldest first (saving a draft is not on it).
    #[schema(value_type = Vec<schemas::TimelineEntry>)]
    timeline: Vec<cases::TimelineEntry>,
    /// Mandatory materials neither provided nor pending.
    missing_materials: Vec<String>,
    /// Commands this person may issue now (their arguments are checked again).
    allowed_commands: Vec<&'static str>,
    /// 邮寄送达: the parcel and its scans, newest first (the recipient in full only for the
    /// applicant).
    shipment: Option<app::post::Tracking>,
    /// 统一公共支付: the case's payment orders, newest first.
    orders: Vec<app::payment::OrderView>,
}

#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", operation_id = "getCase",
    summary = "办件详情：状态、期限、时间线、缺少的材料、可执行的命令",
    security(("sessionCookie" = [])),
    params(("id" = String, Path, description = "办件 id")),
    responses(
        (status = 200, description = "办件详情", body = CaseDetail),
        Unauthenticated,
        NotFound,
    ))]
async fn one(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> ApiResult<CaseDetail> {
    let v = cases::view(&s.app, &ctx.actor, &id).await?;
    Ok(Json(CaseDetail {
        case: v.case,
        deadlines: v
            .deadlines
            .into_iter()
            .map(|(label, explanation)| Deadline { label, explanation })
            .collect(),
        timeline: v.timeline,
        missing_materials: v.completeness.missing,
        allowed_commands: v.allowed,
        shipment: v.shipment,
        orders: v.orders,
    }))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/commands", tag = "cases", operation_id = "caseCommand",
    summary = "办理命令（提交、补正、受理、签收、审批、出件、撤回等）",
    params(("id" = String, Path, description = "办件 id")),
    request_body = Command,
    responses(
        (status = 200, description = "命令执行后的办件", body = Case),
        WriteErrors,
        NotFound,
        Conflict,
    ))]
async fn command(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    Path(id): Path<String>,
    b: Result<Json<Command>, JsonRejection>,
) -> ApiResult<Case> {
    let Json(cmd) = b?;
    Ok(Json(cases::act(&s.app, &ctx.actor, &id, cmd).await?))
}

/// The multipart body of an upload, for the OpenAPI document.
#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct FileForm {
    /// The file (PDF, JPEG, PNG or OFD; its type is judged by content).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// A material stored for a case.
#[derive(Serialize, ToSchema)]
struct MaterialUploaded {
    /// The material's name.
    material: String,
    provision: Provision,
    /// The case after the upload (a supplement only stores the file: send it with `supply`).
    case: Case,
}

/// Uploads the file for material number `index` (0-based, in the item's order) and saves it
/// into the draft or supplement; the answer is the stored provision.
#[utoipa::path(post, path = "/api/v1/cases/{id}/materials/{index}", tag = "cases", operation_id = "uploadMaterial",
    summary = "上传申请材料",
    params(
        ("id" = String, Path, description = "办件 id"),
        ("index" = usize, Path, description = "材料序号，从 0 开始"),
    ),
    request_body(content = FileForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "已保存", body = MaterialUploaded),
        WriteErrors,
        NotMultipart,
        NotFound,
        Conflict,
    ))]
async fn upload(
    State(s): State<AppState>,
    Writer(ctx): Writer,
    Path((id, index)): Path<(String, usize)>,
    mp: Multipart,
) -> ApiResult<MaterialUploaded> {
    let v = cases::view(&s.app, &ctx.actor, &id).await?;
    let m = v
        .item
        .materials
        .get(index)
        .ok_or_else(|| ApiError(app::AppError::NotFound(format!("第 {index} 项材料"))))?;
    let (_, file) = read_multipart(mp, "file").await?;
    let (name, bytes) = file.ok_or_else(|| {
        ApiError(app::AppError::field(
            "file",
            "required",
            "请在 file 字段上传文件",
        ))
    })?;
    let p = app::uploads::store(&s.app, &ctx.actor, &bytes, &name).await?;
    // A draft takes the file at once. A supplement must be complete in one go, so there the
    // file is only stored: send every provision together in one `supply` command.
    if !v.allowed.contains(&"edit") {
        return Ok(Json(MaterialUploaded {
            material: m.name.clone(),
            provision: p,
            case: v.case,
        }));
    }
    let materials = std::collections::BTreeMap::from([(m.name.clone(), p.clone())]);
    let cmd = Command::Edit {
        form: Default::default(),
        materials,
    };
    let c = cases::act(&s.app, &ctx.actor, &id, cmd).await?;
    Ok(Json(MaterialUploaded {
        material: m.name.clone(),
        provision: p,
        case: c,
    }))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ProgressQuery {
    /// 办件编号（区划代码 + 日期 YYYYMMDD + 5 位序号）.
    number: String,
    /// The last four characters of the applicant's ID number (or credit code) or phone.
    tail: String,
}

/// A case's progress as anyone may look it up: no personal data.
#[derive(Serialize, ToSchema)]
struct Progress {
    number: String,
    /// The item's name.
    item: String,
    state: CaseState,
    /// The state's Chinese name.
    state_label: &'static str,
    #[schema(value_type = Vec<schemas::TimelineEntry>)]
    timeline: Vec<cases::TimelineEntry>,
}

#[utoipa::path(get, path = "/api/v1/progress", tag = "cases", operation_id = "progress",
    summary = "办件进度查询（公开）",
    params(ProgressQuery),
    responses(
        (status = 200, description = "办件进度", body = Progress),
        NotFound,
        Invalid,
    ))]
async fn progress(
    State(s): State<AppState>,
    q: Result<Query<ProgressQuery>, QueryRejection>,
) -> ApiResult<Progress> {
    let Query(q) = q?;
    let (c, timeline) = cases::lookup(&s.app, &q.number, &q.tail).await?;
    Ok(Json(Progress {
        number: c.number.into_string(),
        item: c.item_name,
        state: c.state,
        state_label: c.state.label(),
        timeline,
    }))
}

/// The operations of this module, for the OpenAPI document.
pub(super) fn paths() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(list, start, one, command, upload, start_as_agent, notice, progress))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}

/// A received file: its name and bytes.
type FilePart = (String, axum::body::Bytes);

/// The text fields of a multipart body, and the file sent under `file_field`.
pub(crate) async fn read_multipart(
    mut mp: Multipart,
    file_field: &str,
) -> Result<(std::collections::HashMap<String, String>, Option<FilePart>), ApiError> {
    let mut text = std::collections::HashMap::new();
    let mut file = None;
    while let Ok(Some(field)) = mp.next_field().await {
        let Some(key) = field.name().map(str::to_string) else {
            continue;
        };
        if key == file_field {
            let name = field.file_name().unwrap_or("材料").to_string();
            let bytes = field.bytes().await.map_err(|e| {
                ApiError(app::AppError::field(
                    file_field,
                    "unreadable",
                    format!("上传失败：{e}"),
                ))
            })?;
            file = Some((name, bytes));
        } else if let Ok(v) = field.text().await {
            text.insert(key, v);
        }
    }
    Ok((text, file))
}

fn text_field<'a>(text: &'a std::collections::HashMap<String, String>, key: &str) -> &'a str {
    text.get(key).map(|v| v.trim()).unwrap_or("")
}
