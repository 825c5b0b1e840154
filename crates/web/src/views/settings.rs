//! Catalog settings administrators maintain: search synonyms and the holiday calendar.

use app::catalog;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use domain::FieldError;
use domain::calendar::YearNotice;
use domain::catalog::Synonym;

use super::{Nav, render};
use crate::ctx::Ctx;
use crate::{AppState, WebError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/synonyms", get(synonyms_page).post(save_synonym))
        .route("/admin/synonyms/delete", post(delete_synonym))
        .route("/admin/calendar", get(calendar_page).post(save_notice))
}

#[derive(serde::Deserialize, Default)]
struct Flash {
    flash: Option<String>,
}

fn messages(errors: &[FieldError]) -> Vec<String> {
    errors.iter().map(|e| e.message.clone()).collect()
}

#[derive(Template)]
#[template(path = "admin_synonyms.html")]
struct SynonymsPage {
    nav: Nav,
    synonyms: Vec<Synonym>,
    phrase: String,
    terms: String,
    errors: Vec<String>,
    flash: String,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct SynonymForm {
    csrf: String,
    phrase: String,
    terms: String,
}

async fn synonyms_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<Flash>,
) -> Result<Response, WebError> {
    ctx.actor.catalog_admin()?;
    let flash = match q.flash.as_deref() {
        Some("saved") => "已保存，搜索立即生效。",
        Some("deleted") => "已删除。",
        _ => "",
    };
    let synonyms = catalog::synonyms(&s.app).await?;
    render(&SynonymsPage {
        nav: Nav::of(&ctx),
        synonyms,
        phrase: String::new(),
        terms: String::new(),
        errors: vec![],
        flash: flash.into(),
    })
}

async fn save_synonym(
    State(s): State<AppState>,
    ctx: Ctx,
    Form(f): Form<SynonymForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let cap = ctx.actor.catalog_admin()?;
    let syn = Synonym {
        phrase: f.phrase.trim().to_string(),
        terms: f
            .terms
            .lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect(),
    };
    let result = catalog::save_synonym(&s.app, &cap, syn).await;
    let again = async |errors: Vec<domain::FieldError>| {
        let synonyms = catalog::synonyms(&s.app).await?;
        let page = SynonymsPage {
            nav: Nav::of(&ctx),
            synonyms,
            phrase: f.phrase,
            terms: f.terms,
            errors: messages(&errors),
            flash: String::new(),
        };
        render(&page)
    };
    super::after_post(
        result,
        |()| "/admin/synonyms?flash=saved".to_string(),
        again,
    )
    .await
}

async fn delete_synonym(
    State(s): State<AppState>,
    ctx: Ctx,
    Form(f): Form<SynonymForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let cap = ctx.actor.catalog_admin()?;
    catalog::delete_synonym(&s.app, &cap, &f.phrase).await?;
    Ok(Redirect::to("/admin/synonyms?flash=deleted").into_response())
}

#[derive(Template)]
#[template(path = "admin_calendar.html")]
struct CalendarPage {
    nav: Nav,
    notices: Vec<YearNotice>,
    f: NoticeForm,
    errors: Vec<String>,
    flash: String,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct NoticeForm {
    csrf: String,
    year: String,
    holidays: String,
    makeup_days: String,
}

async fn calendar_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<Flash>,
) -> Result<Response, WebError> {
    ctx.actor.system_admin()?;
    let flash = if q.flash.as_deref() == Some("saved") {
        "节假日安排已保存，新计算的期限将按此安排。"
    } else {
        ""
    };
    let notices = app::org::notices(&s.app).await?;
    render(&CalendarPage {
        nav: Nav::of(&ctx),
        notices,
        f: NoticeForm::default(),
        errors: vec![],
        flash: flash.into(),
    })
}

async fn save_notice(
    State(s): State<AppState>,
    ctx: Ctx,
    Form(f): Form<NoticeForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let cap = ctx.actor.system_admin()?;
    let result = match app::org::notice_from_text(&f.year, &f.holidays, &f.makeup_days) {
        Ok(n) => app::org::add_notice(&s.app, &cap, n).await,
        Err(e) => Err(e),
    };
    let again = async |errors: Vec<domain::FieldError>| {
        let notices = app::org::notices(&s.app).await?;
        render(&CalendarPage {
            nav: Nav::of(&ctx),
            notices,
            f,
            errors: messages(&errors),
            flash: String::new(),
        })
    };
    super::after_post(
        result,
        |()| "/admin/calendar?flash=saved".to_string(),
        again,
    )
    .await
}
