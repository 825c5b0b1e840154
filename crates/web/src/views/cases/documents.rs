//! Files and documents of a case (uploaded materials, notices as pages and PDFs) and the
//! public progress lookup.

use app::cases::{self};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};

use super::{Nav, fmt_time, render};
use crate::ctx::Ctx;
use crate::{AppState, WebError};

pub(super) async fn file(
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
    let disposition = format!(
        "inline; filename*=UTF-8''{}",
        crate::views::admin::urlencode(name)
    );
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
pub(super) async fn notice_pdf(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((id, kind)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let (n, pdf) = cases::notice_pdf(&s.app, &ctx.actor, &id, &kind).await?;
    Ok(private_file(
        pdf,
        "application/pdf".into(),
        &format!("{}.pdf", n.title),
    ))
}

#[derive(Template)]
#[template(path = "notice.html")]
pub(super) struct NoticePage {
    nav: Nav,
    case_id: String,
    kind: String,
    n: app::cases::Notice,
    /// The rating QR code as SVG (decision notices), else empty.
    qr: String,
}

pub(super) async fn notice(
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
pub(super) struct LookupQuery {
    number: Option<String>,
    tail: Option<String>,
}

/// Item name, state label and the timeline (time, text) of a looked-up case.
type Lookup = (String, String, Vec<(String, String)>);

#[derive(Template)]
#[template(path = "progress.html")]
pub(super) struct ProgressPage {
    nav: Nav,
    number: String,
    result: Option<Lookup>,
    error: String,
}

pub(super) async fn progress(
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
