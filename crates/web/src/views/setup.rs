//! Organisation set-up from spreadsheets for system administrators: regions, departments and
//! staff accounts, the same imports as `onewindow import …` (docs/CATALOG_LAYOUT.md, set-up
//! tables). Each file is checked whole and written all or nothing; staff get one-time
//! passwords shown once on the result page and never stored in clear.

use app::auth::TemporaryPassword;
use app::exchange::{ErrorGroup, RowError, summarize};
use app::setup::{self, SetupReport};
use askama::Template;
use axum::Router;
use axum::extract::{Multipart, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::{Nav, render, unprocessable};
use crate::ctx::Ctx;
use crate::{AppState, WebError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/setup", get(page))
        .route("/admin/setup/{kind}", post(upload))
        .route("/admin/setup/{kind}/template.csv", get(template))
}

/// What is set up, as the page names it.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Regions,
    Departments,
    ServicePoints,
    Staff,
}

impl Kind {
    fn parse(s: &str) -> Option<Kind> {
        match s {
            "regions" => Some(Kind::Regions),
            "departments" => Some(Kind::Departments),
            "service-points" => Some(Kind::ServicePoints),
            "staff" => Some(Kind::Staff),
            _ => None,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Kind::Regions => "区划",
            Kind::Departments => "部门（实施机关）",
            Kind::ServicePoints => "服务场所",
            Kind::Staff => "工作人员账号",
        }
    }

    /// The header row of an empty table to fill in.
    fn headers(self) -> &'static str {
        match self {
            Kind::Regions => "区划代码,区划名称,上级区划代码",
            Kind::Departments => {
                "部门编码,部门名称,部门简称,所属区划,统一社会信用代码,上级部门编码,联系电话,办公地址"
            }
            Kind::ServicePoints => "场所编码,场所名称,类型,所属区划,地址,办公时间,咨询电话,坐标",
            Kind::Staff => "登录名,姓名,角色,所属区划,所属部门编码,手机号码",
        }
    }
}

#[derive(Template)]
#[template(path = "admin_setup.html")]
struct SetupPage {
    nav: Nav,
    /// The table the result is about, by its label.
    done: String,
    report: Option<SetupReport>,
    groups: Vec<ErrorGroup>,
    passwords: Vec<TemporaryPassword>,
    error: String,
    counts: (usize, usize, usize),
}

async fn counts(s: &AppState, ctx: &Ctx) -> Result<(usize, usize, usize), WebError> {
    let cap = ctx.actor.system_admin()?;
    Ok((
        app::org::regions_in_use(&s.app).await?.len(),
        app::org::departments(&s.app).await?.len(),
        app::auth::list_staff(&s.app, &cap).await?.len(),
    ))
}

async fn page(State(s): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    ctx.actor.system_admin()?;
    render(&SetupPage {
        counts: counts(&s, &ctx).await?,
        nav: Nav::of(&ctx),
        done: String::new(),
        report: None,
        groups: vec![],
        passwords: vec![],
        error: String::new(),
    })
}

async fn upload(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(kind): Path<String>,
    mut mp: Multipart,
) -> Result<Response, WebError> {
    let cap = ctx.actor.system_admin()?;
    let kind =
        Kind::parse(&kind).ok_or_else(|| app::AppError::NotFound(format!("设置项 {kind}")))?;
    let (mut csrf, mut file, mut dry_run) = (String::new(), None, false);
    while let Ok(Some(field)) = mp.next_field().await {
        match field.name() {
            Some("csrf") => csrf = field.text().await.unwrap_or_default(),
            Some("dry_run") => dry_run = true,
            Some("file") => {
                let name = field.file_name().unwrap_or("").to_string();
                file = field.bytes().await.ok().map(|b| (name, b.to_vec()));
            }
            _ => {}
        }
    }
    ctx.check_csrf(&csrf)?;
    let mut out = SetupPage {
        counts: (0, 0, 0),
        nav: Nav::of(&ctx),
        done: kind.label().to_string(),
        report: None,
        groups: vec![],
        passwords: vec![],
        error: String::new(),
    };
    let sheet = match file.filter(|(_, b)| !b.is_empty()) {
        None => Err("请选择要导入的 .xlsx 或 .csv 文件".to_string()),
        Some((name, bytes)) => {
            setup::read_upload(&name, bytes).map_err(|e| crate::error::describe(&e).0)
        }
    };
    let sheet = match sheet {
        Ok(sheet) => sheet,
        Err(e) => {
            out.error = e;
            out.counts = counts(&s, &ctx).await?;
            return Ok(unprocessable(render(&out)?));
        }
    };
    let report = match kind {
        Kind::Regions => setup::import_regions(&s.app, &cap, &sheet, dry_run).await?,
        Kind::Departments => setup::import_departments(&s.app, &cap, &sheet, dry_run).await?,
        Kind::ServicePoints => setup::import_service_points(&s.app, &cap, &sheet, dry_run).await?,
        Kind::Staff => {
            let r = setup::import_staff(&s.app, &cap, &sheet, dry_run).await?;
            out.passwords = r.passwords;
            r.report
        }
    };
    out.groups = groups_worth_showing(&report.errors);
    let failed = !report.errors.is_empty();
    out.report = Some(report);
    out.counts = counts(&s, &ctx).await?;
    let r = render(&out)?;
    Ok(if failed { unprocessable(r) } else { r })
}

/// The summary of identical mistakes, where some occur more than once.
fn groups_worth_showing(errors: &[RowError]) -> Vec<ErrorGroup> {
    let groups = summarize(errors);
    if groups.iter().any(|g| g.count > 1) {
        groups
    } else {
        vec![]
    }
}

async fn template(ctx: Ctx, Path(kind): Path<String>) -> Result<Response, WebError> {
    ctx.actor.system_admin()?;
    let kind =
        Kind::parse(&kind).ok_or_else(|| app::AppError::NotFound(format!("设置项 {kind}")))?;
    let file = format!("attachment; filename=\"{}.csv\"", kind_file(kind));
    // A byte-order mark so that spreadsheet programs read the Chinese headers as UTF-8.
    let body = format!("\u{feff}{}\n", kind.headers());
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, file),
        ],
        body,
    )
        .into_response())
}

fn kind_file(kind: Kind) -> &'static str {
    match kind {
        Kind::Regions => "regions",
        Kind::Departments => "departments",
        Kind::ServicePoints => "service-points",
        Kind::Staff => "staff",
    }
}
