//! Case endpoints: start, read, list (own cases or a staff queue), issue commands as JSON,
//! upload materials, and the public progress lookup.

use app::cases;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use domain::account::Role;
use domain::case::Command;
use serde_json::json;

use super::{ApiResult, api_err, body, csrf_header as csrf, ok, query};
use crate::AppState;
use crate::ctx::Ctx;

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

/// 帮办代办: multipart with `item_code`, `applicant` (the principal's ID number or credit
/// code) and `letter`, the signed authorization letter.
async fn start_as_agent(
    State(s): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    mp: Multipart,
) -> ApiResult {
    csrf(&ctx, &headers)?;
    let (text, letter) = read_multipart(mp, "letter").await?;
    let (name, bytes) = letter.ok_or_else(|| {
        api_err(app::AppError::field(
            "letter",
            "required",
            "请上传申请人签署的授权委托书",
        ))
    })?;
    let (item, applicant) = (
        text_field(&text, "item_code"),
        text_field(&text, "applicant"),
    );
    let letter = app::uploads::store(&s.app, &bytes, &name).map_err(api_err)?;
    let c = cases::start_as_agent(&s.app, &ctx.actor, item, applicant, letter)
        .await
        .map_err(api_err)?;
    Ok((StatusCode::CREATED, Json(json!(c))).into_response())
}

#[derive(serde::Deserialize)]
struct NoticeQuery {
    format: Option<String>,
}

/// A notice as JSON, or as a PDF file with `?format=pdf`.
async fn notice(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((id, kind)): Path<(String, String)>,
    q: Result<Query<NoticeQuery>, QueryRejection>,
) -> ApiResult {
    let q = query(q)?;
    let n = cases::notice(&s.app, &ctx.actor, &id, &kind)
        .await
        .map_err(api_err)?;
    match q.format.as_deref() {
        None | Some("json") => ok(json!(n)),
        Some("pdf") => {
            let pdf = n.to_pdf().map_err(api_err)?;
            Ok(crate::views::cases::private_file(
                pdf,
                "application/pdf".into(),
                &format!("{}.pdf", n.title),
            ))
        }
        Some(_) => Err(api_err(app::AppError::field(
            "format",
            "invalid",
            "format 只能是 json 或 pdf",
        ))),
    }
}

#[derive(serde::Deserialize)]
struct StartBody {
    item_code: String,
    /// For a window clerk: the applicant's ID number or credit code.
    #[serde(default)]
    applicant: Option<String>,
}

async fn start(
    State(s): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    b: Result<Json<StartBody>, JsonRejection>,
) -> ApiResult {
    csrf(&ctx, &headers)?;
    let b = body(b)?;
    let c = match &b.applicant {
        Some(a) => cases::start_at_window(&s.app, &ctx.actor, &b.item_code, a).await,
        None => cases::start(&s.app, &ctx.actor, &b.item_code).await,
    }
    .map_err(api_err)?;
    Ok((StatusCode::CREATED, Json(json!(c))).into_response())
}

#[derive(serde::Deserialize)]
struct ListQuery {
    /// A staff queue: clerk, reviewer or approver. Without it: the applicant's own cases.
    queue: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

async fn list(
    State(s): State<AppState>,
    ctx: Ctx,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> ApiResult {
    let q = query(q)?;
    let (limit, offset) = (q.limit.unwrap_or(20), q.offset.unwrap_or(0));
    match q.queue.as_deref() {
        None => {
            let (items, total) = cases::mine(&s.app, &ctx.actor, limit, offset)
                .await
                .map_err(api_err)?;
            ok(json!({ "items": items, "total": total }))
        }
        Some(r) => {
            let role = Role::parse(r)
                .filter(|r| matches!(r, Role::Clerk | Role::Reviewer | Role::Approver))
                .ok_or_else(|| {
                    api_err(app::AppError::field(
                        "queue",
                        "invalid",
                        "queue 只能是 clerk、reviewer 或 approver",
                    ))
                })?;
            let (items, total) = cases::queue(&s.app, &ctx.actor, role, limit, offset)
                .await
                .map_err(api_err)?;
            let items: Vec<_> = items
                .into_iter()
                .map(|(c, due)| json!({ "case": c, "due_date": due }))
                .collect();
            ok(json!({ "items": items, "total": total.count, "total_capped": total.capped }))
        }
    }
}

async fn one(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> ApiResult {
    let v = cases::view(&s.app, &ctx.actor, &id)
        .await
        .map_err(api_err)?;
    ok(json!({
        "case": v.case,
        "deadlines": v.deadlines.iter().map(|(l, e)| json!({"label": l, "explanation": e})).collect::<Vec<_>>(),
        "timeline": v.timeline,
        "missing_materials": v.completeness.missing,
        "allowed_commands": v.allowed,
    }))
}

async fn command(
    State(s): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<String>,
    b: Result<Json<Command>, JsonRejection>,
) -> ApiResult {
    csrf(&ctx, &headers)?;
    let c = cases::act(&s.app, &ctx.actor, &id, body(b)?)
        .await
        .map_err(api_err)?;
    ok(json!(c))
}

/// Uploads the file for material number `index` (0-based, in the item's order) and saves it
/// into the draft or supplement; the answer is the stored provision.
async fn upload(
    State(s): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path((id, index)): Path<(String, usize)>,
    mp: Multipart,
) -> ApiResult {
    csrf(&ctx, &headers)?;
    let v = cases::view(&s.app, &ctx.actor, &id)
        .await
        .map_err(api_err)?;
    let m = v
        .item
        .materials
        .get(index)
        .ok_or_else(|| api_err(app::AppError::NotFound(format!("第 {index} 项材料"))))?;
    let (_, file) = read_multipart(mp, "file").await?;
    let (name, bytes) = file.ok_or_else(|| {
        api_err(app::AppError::field(
            "file",
            "required",
            "请在 file 字段上传文件",
        ))
    })?;
    let p = app::uploads::store(&s.app, &bytes, &name).map_err(api_err)?;
    // A draft takes the file at once. A supplement must be complete in one go, so there the
    // file is only stored: send every provision together in one `supply` command.
    if !v.allowed.contains(&"edit") {
        return ok(json!({ "material": m.name, "provision": p, "case": v.case }));
    }
    let materials = std::collections::BTreeMap::from([(m.name.clone(), p.clone())]);
    let cmd = Command::Edit {
        form: Default::default(),
        materials,
    };
    let c = cases::act(&s.app, &ctx.actor, &id, cmd)
        .await
        .map_err(api_err)?;
    ok(json!({ "material": m.name, "provision": p, "case": c }))
}

#[derive(serde::Deserialize)]
struct ProgressQuery {
    number: String,
    tail: String,
}

async fn progress(
    State(s): State<AppState>,
    q: Result<Query<ProgressQuery>, QueryRejection>,
) -> ApiResult {
    let q = query(q)?;
    let (c, timeline) = cases::lookup(&s.app, &q.number, &q.tail)
        .await
        .map_err(api_err)?;
    ok(
        json!({ "number": c.number, "item": c.item_name, "state": c.state, "state_label": c.state.label(), "timeline": timeline }),
    )
}

/// A received file: its name and bytes.
type FilePart = (String, axum::body::Bytes);

/// The text fields of a multipart body, and the file sent under `file_field`.
pub(crate) async fn read_multipart(
    mut mp: Multipart,
    file_field: &str,
) -> Result<(std::collections::HashMap<String, String>, Option<FilePart>), crate::error::WebError> {
    let mut text = std::collections::HashMap::new();
    let mut file = None;
    while let Ok(Some(field)) = mp.next_field().await {
        let Some(key) = field.name().map(str::to_string) else {
            continue;
        };
        if key == file_field {
            let name = field.file_name().unwrap_or("材料").to_string();
            let bytes = field.bytes().await.map_err(|e| {
                api_err(app::AppError::field(
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
