//! Case pages: apply from a guide, my cases, the case page with its timeline and the actions
//! the visitor may take, staff work queues, and the public progress lookup. Every action posts
//! one multipart form (uploads travel with it) to `/cases/{id}/act`.

use std::collections::BTreeMap;

use app::auth::Actor;
use app::cases::{self, CaseView};
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use domain::account::Role;
use domain::case::{Case, Command, Delivery, Provision};

use super::{Nav, fmt_time, render};
use crate::ctx::Ctx;
use crate::{AppState, WebError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cases", get(mine).post(start))
        .route(
            "/cases/agent",
            post(start_as_agent).layer(DefaultBodyLimit::max(32 * 1024 * 1024)),
        )
        .route("/cases/{id}", get(page))
        .route("/cases/{id}/notices/{kind}", get(notice))
        .route("/cases/{id}/notices/{kind}/pdf", get(notice_pdf))
        .route("/cases/{id}/files/{hash}", get(file))
        .route(
            "/cases/{id}/act",
            post(act).layer(DefaultBodyLimit::max(64 * 1024 * 1024)),
        )
        .route("/work", get(work))
        .route("/work/window", post(window_start))
        .route("/progress", get(progress))
}

#[derive(serde::Deserialize)]
struct StartForm {
    csrf: String,
    item: String,
}

async fn start(
    State(s): State<AppState>,
    ctx: Ctx,
    Form(f): Form<StartForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    if ctx.actor.is_anonymous() {
        return Ok(Redirect::to(&format!(
            "/login?next=/items/{}",
            super::admin::urlencode(&f.item)
        ))
        .into_response());
    }
    let c = cases::start(&s.app, &ctx.actor, &f.item).await?;
    Ok(Redirect::to(&format!("/cases/{}", c.id)).into_response())
}

/// 帮办代办 from the guide page: the applicant's ID number and the signed letter.
async fn start_as_agent(
    State(s): State<AppState>,
    ctx: Ctx,
    mp: Multipart,
) -> Result<Response, WebError> {
    let f = read_form(mp).await?;
    ctx.check_csrf(&f.csrf)?;
    let item = f.text.get("item").cloned().unwrap_or_default();
    let result = match f.files.get("letter") {
        None => Err(app::AppError::field(
            "letter",
            "required",
            "请上传申请人签署的授权委托书",
        )),
        Some((name, bytes)) => match app::uploads::store(&s.app, bytes, name) {
            Ok(letter) => {
                cases::start_as_agent(
                    &s.app,
                    &ctx.actor,
                    &item,
                    f.text.get("applicant").map(String::as_str).unwrap_or(""),
                    letter,
                )
                .await
            }
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(c) => Ok(Redirect::to(&format!("/cases/{}", c.id)).into_response()),
        Err(e @ app::AppError::Validation(_)) => Ok(crate::error::page(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "无法代为申请",
            &crate::error::describe(&e).0,
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(serde::Deserialize)]
struct WindowForm {
    csrf: String,
    item: String,
    applicant: String,
}

async fn window_start(
    State(s): State<AppState>,
    ctx: Ctx,
    Form(f): Form<WindowForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let c = cases::start_at_window(&s.app, &ctx.actor, f.item.trim(), &f.applicant).await?;
    Ok(Redirect::to(&format!("/cases/{}", c.id)).into_response())
}

/// A case as one line of a list.
pub struct Row {
    pub id: String,
    pub number: String,
    pub item: String,
    pub state: &'static str,
    pub due: String,
    pub claimed: bool,
}

fn row(c: &Case, due: String) -> Row {
    Row {
        id: c.id.to_string(),
        number: if c.number.is_empty() {
            "（未提交）".into()
        } else {
            c.number.to_string()
        },
        item: c.item_name.clone(),
        state: c.state.label(),
        due,
        claimed: c.claimed_by.is_some(),
    }
}

#[derive(Template)]
#[template(path = "cases_mine.html")]
struct MinePage {
    nav: Nav,
    rows: Vec<Row>,
    total: i64,
    bundles: Vec<app::bundles::BundleView>,
}

async fn mine(State(s): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let (list, total) = cases::mine(&s.app, &ctx.actor, 100, 0).await?;
    let rows = list.iter().map(|c| row(c, String::new())).collect();
    render(&MinePage {
        nav: Nav::of(&ctx),
        rows,
        total,
        bundles: app::bundles::mine(&s.app, &ctx.actor).await?,
    })
}

#[derive(Template)]
#[template(path = "work.html")]
struct WorkPage {
    nav: Nav,
    /// Bundle applications the staff member's department leads.
    bundles: Vec<app::bundles::BundleView>,
    /// 督办件 sent to the department.
    notices: Vec<app::NoticeRow>,
    /// 差评整改单 of the department (all of them for supervisors).
    tickets: Vec<app::ratings::TicketView>,
    /// Role, its label, the queue's total as shown ("10000+" beyond the cap), the rows.
    queues: Vec<(&'static str, &'static str, String, Vec<Row>)>,
    verifications: Vec<Row>,
    is_clerk: bool,
}

async fn work(State(s): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let Actor::Staff { roles, .. } = &ctx.actor else {
        return Err(app::AppError::Forbidden("只有工作人员有待办队列".into()).into());
    };
    let mut queues = Vec::new();
    for role in roles
        .iter()
        .copied()
        .filter(|r| matches!(r, Role::Clerk | Role::Reviewer | Role::Approver))
    {
        let (list, total) = cases::queue(&s.app, &ctx.actor, role, 100, 0).await?;
        let rows = list
            .iter()
            .map(|(c, due)| row(c, due.clone().unwrap_or_default()))
            .collect();
        let total = if total.capped {
            format!("{}+", total.count)
        } else {
            total.count.to_string()
        };
        queues.push((role.as_str(), role.label(), total, rows));
    }
    let verifications = cases::verifications(&s.app, &ctx.actor)
        .await?
        .iter()
        .map(|(c, due)| row(c, due.clone()))
        .collect();
    render(&WorkPage {
        verifications,
        bundles: app::bundles::mine(&s.app, &ctx.actor).await?,
        notices: app::supervision::notices(&s.app, &ctx.actor).await?,
        tickets: app::ratings::tickets(&s.app, &ctx.actor).await?,
        nav: Nav::of(&ctx),
        is_clerk: ctx.actor.has_role(Role::Clerk),
        queues,
    })
}

/// A form field on the case page, with its input type.
pub struct FieldView {
    pub key: String,
    pub label: String,
    pub value: String,
    pub required: bool,
    pub help: String,
    /// HTML input type, or `select`/`textarea`.
    pub input: &'static str,
    pub options: Vec<(String, bool)>,
}

/// A material line on the case page.
pub struct MaterialLine {
    pub index: usize,
    pub name: String,
    pub mandatory: bool,
    pub key: bool,
    pub status: String,
    pub file: Option<(String, String)>,
    pub missing: bool,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    nav: Nav,
    v: CaseView,
    materials: Vec<MaterialLine>,
    timeline: Vec<(String, String, String)>,
    fields: Vec<FieldView>,
    notices: Vec<(&'static str, &'static str)>,
    staff: bool,
    error: String,
    flash: String,
}

impl CasePage {
    fn can(&self, action: &str) -> bool {
        self.v.allowed.contains(&action)
    }
}

#[derive(serde::Deserialize, Default)]
struct Flash {
    flash: Option<String>,
}

fn case_page(ctx: &Ctx, v: CaseView, error: String, flash: String) -> CasePage {
    let materials = v
        .item
        .materials
        .iter()
        .enumerate()
        .map(|(index, m)| {
            let p = v
                .case
                .materials
                .get(&m.name)
                .cloned()
                .unwrap_or(Provision::Missing);
            let status = match &p {
                Provision::Pending { due } => format!("容缺待补（{due} 前）"),
                other => other.label().to_string(),
            };
            let file = match &p {
                Provision::Uploaded {
                    file, file_name, ..
                } => Some((file.clone(), file_name.clone())),
                _ => None,
            };
            MaterialLine {
                index,
                name: m.name.clone(),
                mandatory: m.mandatory,
                key: m.key,
                status,
                file,
                missing: !p.is_provided(),
            }
        })
        .collect();
    let timeline = v
        .timeline
        .iter()
        .map(|t| (fmt_time(t.at), t.who.clone(), t.text.clone()))
        .collect();
    let fields = v
        .item
        .form
        .iter()
        .map(|f| {
            use domain::workflow::FieldKind as K;
            let value = v.case.form.get(&f.key).cloned().unwrap_or_default();
            let input = match f.kind {
                K::Select => "select",
                K::Multiline => "textarea",
                K::Number => "number",
                K::Date => "date",
                K::Phone => "tel",
                K::Text | K::IdNumber => "text",
            };
            let options = f.options.iter().map(|o| (o.clone(), *o == value)).collect();
            FieldView {
                key: f.key.clone(),
                label: f.label.clone(),
                value,
                required: f.required,
                help: f.help.clone(),
                input,
                options,
            }
        })
        .collect();
    let staff = matches!(ctx.actor, Actor::Staff { .. });
    let notices = cases::notice_kinds(&v.case)
        .into_iter()
        .map(|k| {
            let label = match k {
                "supplement" => "补正材料通知书",
                "reject" => "不予受理通知书",
                "accept" => "受理通知书",
                _ => "审批决定书",
            };
            (k, label)
        })
        .collect();
    CasePage {
        notices,
        nav: Nav::of(ctx),
        v,
        materials,
        timeline,
        fields,
        staff,
        error,
        flash,
    }
}

async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<Flash>,
) -> Result<Response, WebError> {
    let v = cases::view(&s.app, &ctx.actor, &id).await?;
    let flash = match q.flash.as_deref() {
        Some("done") => "操作已完成。",
        Some("saved") => "已保存。",
        _ => "",
    };
    render(&case_page(&ctx, v, String::new(), flash.into()))
}

/// The fields of the action form, as posted.
#[derive(Default)]
pub(crate) struct ActForm {
    pub csrf: String,
    pub action: String,
    pub text: BTreeMap<String, String>,
    pub lists: BTreeMap<String, Vec<String>>,
    pub files: BTreeMap<String, (String, Vec<u8>)>,
}

pub(crate) async fn read_form(mut mp: Multipart) -> Result<ActForm, WebError> {
    let mut f = ActForm::default();
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| app::AppError::field("file", "unreadable", format!("上传失败：{e}")))?
    {
        let name = field.name().unwrap_or("").to_string();
        if let Some(file_name) = field.file_name().map(str::to_string) {
            let bytes = field
                .bytes()
                .await
                .map_err(|e| app::AppError::field(&name, "unreadable", format!("上传失败：{e}")))?;
            if !bytes.is_empty() {
                f.files.insert(name, (file_name, bytes.to_vec()));
            }
            continue;
        }
        let value = field.text().await.unwrap_or_default();
        match name.as_str() {
            "csrf" => f.csrf = value,
            "action" => f.action = value,
            "tolerate" | "supp_mat" | "optional" => f.lists.entry(name).or_default().push(value),
            _ => {
                f.text.insert(name, value);
            }
        }
    }
    Ok(f)
}

/// Turns the posted form into the command it asks for; uploads are stored on the way.
fn command(s: &AppState, v: &CaseView, f: &ActForm) -> Result<Command, app::AppError> {
    let t = |k: &str| f.text.get(k).cloned().unwrap_or_default();
    let list = |k: &str| f.lists.get(k).cloned().unwrap_or_default();
    let materials = || -> Result<BTreeMap<String, Provision>, app::AppError> {
        let mut out = BTreeMap::new();
        for (i, m) in v.item.materials.iter().enumerate() {
            if let Some((name, bytes)) = f.files.get(&format!("file_{i}")) {
                let p = app::uploads::store(&s.app, bytes, name).map_err(|e| match e {
                    app::AppError::Validation(mut errs) => {
                        for e in &mut errs {
                            e.message = format!("“{}”：{}", m.name, e.message);
                        }
                        app::AppError::Validation(errs)
                    }
                    other => other,
                })?;
                out.insert(m.name.clone(), p);
            } else if t(&format!("check_{i}")) == "1" {
                out.insert(
                    m.name.clone(),
                    Provision::CheckedOriginal { by: String::new() },
                );
            }
        }
        Ok(out)
    };
    let form = || -> BTreeMap<String, String> {
        v.item
            .form
            .iter()
            .filter_map(|fd| {
                f.text
                    .get(&format!("f_{}", fd.key))
                    .map(|val| (fd.key.clone(), val.clone()))
            })
            .collect()
    };
    let days = |k: &str| {
        t(k).trim()
            .parse::<u32>()
            .map_err(|_| app::AppError::field(k, "invalid", "天数应为正整数"))
    };
    Ok(match f.action.as_str() {
        "save" | "edit" => Command::Edit {
            form: form(),
            materials: materials()?,
        },
        "submit" => Command::Submit,
        "supply_pending" => Command::SupplyPending {
            materials: materials()?,
        },
        "supply" => Command::Supply {
            form: form(),
            materials: materials()?,
        },
        "request_supplement" => Command::RequestSupplement {
            materials: list("supp_mat"),
            fields: vec![],
            note: t("note"),
        },
        "accept" => Command::Accept {
            tolerate: list("tolerate"),
            commitment: t("commitment") == "1",
        },
        "reject_at_intake" => Command::RejectAtIntake {
            reason: t("reason"),
        },
        "claim" => Command::Claim,
        "complete_step" => Command::CompleteStep {
            opinion: t("reason"),
        },
        "approve" => Command::Approve {
            reason: t("reason"),
            legal_basis: t("legal_basis"),
        },
        "deny" => Command::Deny {
            reason: t("reason"),
            legal_basis: t("legal_basis"),
        },
        "suspend" => Command::Suspend {
            reason: t("reason"),
            expected_days: days("days")?,
        },
        "resume" => Command::Resume,
        "extend" => Command::Extend {
            days: days("days")?,
            reason: t("reason"),
        },
        "issue" => Command::Issue {
            delivery: match t("delivery").as_str() {
                "post" => Delivery::Post {
                    carrier: t("carrier"),
                    tracking: t("tracking"),
                },
                "electronic" => Delivery::Electronic,
                _ => Delivery::Window {
                    window: if t("window").trim().is_empty() {
                        "统一出件窗口".into()
                    } else {
                        format!("{}号窗口", t("window").trim())
                    },
                },
            },
        },
        "complete" => Command::Complete,
        "withdraw" => Command::Withdraw {
            reason: t("reason"),
        },
        "verify_pass" => Command::Verify {
            passed: true,
            note: t("note"),
        },
        "verify_fail" => Command::Verify {
            passed: false,
            note: t("note"),
        },
        other => {
            return Err(app::AppError::field(
                "action",
                "unknown",
                format!("未知操作“{other}”"),
            ));
        }
    })
}

async fn act(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    mp: Multipart,
) -> Result<Response, WebError> {
    let f = read_form(mp).await?;
    ctx.check_csrf(&f.csrf)?;
    let v = cases::view(&s.app, &ctx.actor, &id).await?;
    let result = match command(&s, &v, &f) {
        Ok(cmd) => {
            // Saving the draft and then submitting is one click for the applicant.
            if f.action == "submit"
                && (!f.files.is_empty()
                    || f.text
                        .keys()
                        .any(|k| k.starts_with("f_") || k.starts_with("check_")))
            {
                let edit = command(
                    &s,
                    &v,
                    &ActForm {
                        action: "save".into(),
                        ..clone_form(&f)
                    },
                )?;
                cases::act(&s.app, &ctx.actor, &id, edit)
                    .await
                    .map(|_| ())?;
            }
            cases::act(&s.app, &ctx.actor, &id, cmd).await.map(|_| ())
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!(
            "/cases/{id}?flash={}",
            if f.action == "save" { "saved" } else { "done" }
        ))
        .into_response()),
        Err(
            e @ (app::AppError::Validation(_)
            | app::AppError::State(_)
            | app::AppError::Conflict { .. }),
        ) => {
            let status = crate::error::status_of(&e);
            let message = crate::error::describe(&e).0;
            let v = cases::view(&s.app, &ctx.actor, &id).await?;
            let mut r = render(&case_page(&ctx, v, message, String::new()))?;
            *r.status_mut() = status;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

fn clone_form(f: &ActForm) -> ActForm {
    ActForm {
        csrf: f.csrf.clone(),
        action: f.action.clone(),
        text: f.text.clone(),
        lists: f.lists.clone(),
        files: f.files.clone(),
    }
}

async fn file(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((id, hash)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let (bytes, media_type, name) = cases::material_file(&s.app, &ctx.actor, &id, &hash).await?;
    Ok(private_file(bytes, media_type, &name))
}

/// A file of a case, shown inline and never cached by shared caches. The file name is
/// percent-encoded (RFC 6266) since it is usually Chinese.
pub(crate) fn private_file(bytes: Vec<u8>, media_type: String, name: &str) -> Response {
    let disposition = format!("inline; filename*=UTF-8''{}", super::admin::urlencode(name));
    (
        [
            (axum::http::header::CONTENT_TYPE, media_type),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
            (
                axum::http::header::CACHE_CONTROL,
                "private, no-store".to_string(),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The notice as a PDF download.
async fn notice_pdf(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((id, kind)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let n = cases::notice(&s.app, &ctx.actor, &id, &kind).await?;
    let pdf = n.to_pdf()?;
    Ok(private_file(
        pdf,
        "application/pdf".into(),
        &format!("{}.pdf", n.title),
    ))
}

#[derive(Template)]
#[template(path = "notice.html")]
struct NoticePage {
    nav: Nav,
    case_id: String,
    kind: String,
    n: app::cases::Notice,
    /// The rating QR code as SVG (decision notices), else empty.
    qr: String,
}

async fn notice(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((id, kind)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let n = cases::notice(&s.app, &ctx.actor, &id, &kind).await?;
    let qr = match &n.rate_url {
        Some(url) => {
            paper::qr_svg(url, "评价二维码").map_err(|e| app::AppError::Internal(e.to_string()))?
        }
        None => String::new(),
    };
    render(&NoticePage {
        qr,
        nav: Nav::of(&ctx),
        case_id: id,
        kind,
        n,
    })
}

#[derive(serde::Deserialize, Default)]
struct LookupQuery {
    number: Option<String>,
    tail: Option<String>,
}

/// Item name, state label and the timeline (time, text) of a looked-up case.
type Lookup = (String, String, Vec<(String, String)>);

#[derive(Template)]
#[template(path = "progress.html")]
struct ProgressPage {
    nav: Nav,
    number: String,
    result: Option<Lookup>,
    error: String,
}

async fn progress(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<LookupQuery>,
) -> Result<Response, WebError> {
    let number = q.number.clone().unwrap_or_default();
    let mut page = ProgressPage {
        nav: Nav::of(&ctx),
        number: number.chars().take(40).collect(),
        result: None,
        error: String::new(),
    };
    if !number.trim().is_empty() {
        match cases::lookup(&s.app, &number, q.tail.as_deref().unwrap_or("")).await {
            Ok((c, timeline)) => {
                page.result = Some((
                    c.item_name.clone(),
                    c.state.label().to_string(),
                    timeline
                        .into_iter()
                        .map(|t| (fmt_time(t.at), t.text))
                        .collect(),
                ));
            }
            Err(e @ (app::AppError::NotFound(_) | app::AppError::Validation(_))) => {
                page.error = crate::error::describe(&e).0
            }
            Err(e) => return Err(e.into()),
        }
    }
    render(&page)
}
