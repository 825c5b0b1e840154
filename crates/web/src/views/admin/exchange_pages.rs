//! Import and export of the catalog workbook (the layout in docs/CATALOG_LAYOUT.md).

use app::exchange::{self, ImportReport};
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::admin;
use crate::ctx::Ctx;
use crate::views::{Nav, render, unprocessable};
use crate::{AppState, WebError};

#[derive(Template)]
#[template(path = "admin_import.html")]
struct ImportPage {
    nav: Nav,
    report: Option<ImportReport>,
    error: String,
}

pub(super) async fn import_page(ctx: Ctx) -> Result<Response, WebError> {
    admin(&ctx)?;
    render(&ImportPage {
        nav: Nav::of(&ctx),
        report: None,
        error: String::new(),
    })
}

pub(super) async fn import(
    State(s): State<AppState>,
    ctx: Ctx,
    mut mp: Multipart,
) -> Result<Response, WebError> {
    let cap = admin(&ctx)?;
    let (mut csrf, mut file, mut dry_run) = (String::new(), None, false);
    while let Ok(Some(field)) = mp.next_field().await {
        match field.name() {
            Some("csrf") => csrf = field.text().await.unwrap_or_default(),
            Some("dry_run") => dry_run = true,
            Some("file") => file = field.bytes().await.ok().map(|b| b.to_vec()),
            _ => {}
        }
    }
    ctx.check_csrf(&csrf)?;
    let page = |report, error: String| ImportPage {
        nav: Nav::of(&ctx),
        report,
        error,
    };
    let Some(bytes) = file.filter(|b| !b.is_empty()) else {
        return Ok(unprocessable(render(&page(
            None,
            "请选择要导入的 .xlsx 文件".into(),
        ))?));
    };
    let sheets = match exchange::read_xlsx(bytes) {
        Ok(s) => s,
        Err(e) => {
            return Ok(unprocessable(render(&page(
                None,
                crate::error::describe(&e).0,
            ))?));
        }
    };
    let report =
        exchange::import(&s.app, &cap, &sheets.0, &sheets.1, dry_run, true, |_, _| {}).await?;
    render(&page(Some(report), String::new()))
}

pub(super) async fn export(State(s): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let bytes = exchange::export_xlsx(&s.app, &admin(&ctx)?).await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"catalog.xlsx\"",
            ),
        ],
        bytes,
    )
        .into_response())
}
