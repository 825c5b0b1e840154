//! Electronic licenses: the holder's wallet (亮证, PDF, use log), staff revocation, and the
//! public verification page a QR code opens.

use app::auth::Actor;
use app::licenses::{self, LicenseView, Verification};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use domain::account::Role;

use super::{Nav, fmt_time, render};
use crate::ctx::Ctx;
use crate::{AppState, WebError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/licenses", get(wallet))
        .route("/licenses/{id}", get(one))
        .route("/licenses/{id}/pdf", get(pdf))
        .route("/licenses/{id}/revoke", post(revoke))
        .route("/v/{token}", get(verify_link))
        .route("/verify", get(verify_form).post(verify_posted))
        .route("/work/coverage", get(coverage))
}

#[derive(Template)]
#[template(path = "coverage.html")]
struct CoveragePage {
    nav: Nav,
    item: String,
    rows: Vec<licenses::Coverage>,
    provided: usize,
    remaining: usize,
}

#[derive(serde::Deserialize)]
struct CoverageQuery {
    item: String,
    who: String,
}

/// 一证通办 at the window: what the register and shared data already provide for a holder.
async fn coverage(
    State(s): State<AppState>,
    ctx: Ctx,
    axum::extract::Query(q): axum::extract::Query<CoverageQuery>,
) -> Result<Response, WebError> {
    let result = licenses::coverage(&s.app, &ctx.actor, &q.item, &q.who).await;
    let (item, rows) = match result {
        Ok(v) => v,
        Err(e @ app::AppError::Validation(_)) => {
            return Ok(crate::error::page(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "无法查询",
                &crate::error::describe(&e).0,
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let provided = rows.iter().filter(|r| r.provided_by.is_some()).count();
    render(&CoveragePage {
        nav: Nav::of(&ctx),
        item,
        remaining: rows.len() - provided,
        provided,
        rows,
    })
}

#[derive(Template)]
#[template(path = "licenses.html")]
struct WalletPage {
    nav: Nav,
    rows: Vec<LicenseView>,
}

async fn wallet(State(s): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let rows = licenses::wallet(&s.app, &ctx.actor).await?;
    render(&WalletPage {
        nav: Nav::of(&ctx),
        rows,
    })
}

#[derive(Template)]
#[template(path = "license.html")]
struct LicensePage {
    nav: Nav,
    l: LicenseView,
    qr: String,
    /// (time, department, case number, purpose) of each use.
    uses: Vec<(String, String, String, String)>,
    holder: bool,
    can_revoke: bool,
    flash: Option<String>,
    /// The holder's dynamic code (亮证动态码): QR, "HH:MM" it expires, the code.
    dynamic: Option<(String, String, String)>,
}

#[derive(serde::Deserialize, Default)]
struct FlashQuery {
    flash: Option<String>,
}

async fn one(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<FlashQuery>,
) -> Result<Response, WebError> {
    let (l, uses) = licenses::get(&s.app, &ctx.actor, &id).await?;
    // Only the holder shows the license (亮证); staff get no QR token.
    let qr = if l.token.is_empty() {
        String::new()
    } else {
        paper::qr_svg(&l.verify_url, &format!("{}核验二维码", l.type_name))
            .map_err(|e| app::AppError::Internal(e.to_string()))?
    };
    let holder = matches!(ctx.actor, Actor::Applicant { .. });
    let presented = if holder && !l.token.is_empty() {
        // Who filed for someone reads their licence without presenting it.
        match licenses::present(&s.app, &ctx.actor, &id).await {
            Ok(p) => Some(p),
            Err(app::AppError::Forbidden(_)) => None,
            Err(e) => return Err(e.into()),
        }
    } else {
        None
    };
    let dynamic = if let Some(p) = presented {
        let at = p.expires.to_offset(domain::calendar::CHINA_OFFSET);
        let svg = paper::qr_svg(&p.url, &format!("{}动态核验码", l.type_name))
            .map_err(|e| app::AppError::Internal(e.to_string()))?;
        Some((svg, format!("{:02}:{:02}", at.hour(), at.minute()), p.code))
    } else {
        None
    };
    let uses = uses
        .into_iter()
        .map(|u| {
            (
                fmt_time(u.at),
                u.department,
                u.case_number,
                format!("{}（{}）", u.reason, u.material),
            )
        })
        .collect();
    render(&LicensePage {
        nav: Nav::of(&ctx),
        holder,
        dynamic,
        can_revoke: ctx.actor.has_role(Role::Approver) || ctx.actor.has_role(Role::SystemAdmin),
        flash: q
            .flash
            .filter(|f| f == "revoked")
            .map(|_| "证照已注销".to_string()),
        l,
        qr,
        uses,
    })
}

async fn pdf(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    if !matches!(ctx.actor, Actor::Applicant { .. } | Actor::Anonymous) {
        return Err(app::AppError::Forbidden("证照 PDF 由持证人下载".into()).into());
    }
    let (l, _) = licenses::get(&s.app, &ctx.actor, &id).await?;
    let bytes = licenses::pdf_file(&s.app, &l).await?;
    Ok(super::cases::private_file(
        bytes,
        "application/pdf".into(),
        &format!("{}-{}.pdf", l.type_name, l.number),
    ))
}

#[derive(serde::Deserialize)]
struct RevokeForm {
    csrf: String,
    reason: String,
}

async fn revoke(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<RevokeForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    licenses::revoke(&s.app, &ctx.actor, &id, &f.reason).await?;
    Ok(Redirect::to(&format!(
        "/licenses/{}?flash=revoked",
        crate::views::admin::urlencode(&id)
    ))
    .into_response())
}

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    nav: Nav,
    v: Option<Verification>,
    /// The holder's name with all but the first character hidden.
    holder: String,
}

fn verify_page(ctx: &Ctx, v: Option<Verification>) -> Result<Response, WebError> {
    let holder = v
        .as_ref()
        .and_then(|v| v.core.as_ref())
        .map(|c| {
            c.holder
                .chars()
                .enumerate()
                .map(|(i, ch)| {
                    if i == 0 || c.holder.chars().count() > 6 && i < 4 {
                        ch
                    } else {
                        '*'
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    render(&VerifyPage {
        nav: Nav::of(ctx),
        v,
        holder,
    })
}

async fn verify_link(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let v = licenses::verify(&s.app, &token).await?;
    verify_page(&ctx, Some(v))
}

async fn verify_form(ctx: Ctx) -> Result<Response, WebError> {
    verify_page(&ctx, None)
}

#[derive(serde::Deserialize)]
struct VerifyForm {
    csrf: String,
    token: String,
}

async fn verify_posted(
    State(s): State<AppState>,
    ctx: Ctx,
    Form(f): Form<VerifyForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let v = licenses::verify(&s.app, &f.token).await?;
    verify_page(&ctx, Some(v))
}
