//! Rights by level: a service point's page of what it may accept and conclude (counts and the
//! list, with the delegations to it), and for administrators the forms that set a power,
//! delegate an item to the point and take a delegation over. The rules are `app::rights`'s.

use app::rights::{self, PointRights};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use domain::FieldError;
use domain::rights::{DelegationDraft, DelegationKind, Powers};

use super::Nav;
use crate::ctx::Ctx;
use crate::{AppState, WebError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/points/{code}", get(page))
        .route("/points/{code}/rights", post(set_right))
        .route("/points/{code}/delegations", post(delegate))
        .route("/delegations/{id}/accept", post(accept))
        .route("/delegations/{id}/decline", post(decline))
}

#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
struct RightForm {
    csrf: String,
    item_code: String,
    guide: String,
    accept: String,
    conclude: String,
    basis: String,
}

#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
struct DelegateForm {
    csrf: String,
    kind: String,
    item_code: String,
    starts: String,
    ends: String,
    basis: String,
}

#[derive(Template)]
#[template(path = "point_rights.html")]
struct Page {
    nav: Nav,
    r: PointRights,
    kinds: &'static [DelegationKind],
    /// The actor may write delegations (which items is checked on saving).
    may_delegate: bool,
    right: RightForm,
    delegation: DelegateForm,
    /// Problems of the form posted, with which form it was ("right" or "delegation").
    form: &'static str,
    errors: Vec<FieldError>,
}

// The page names the form as well as the field (`error(form, field)`); the trait only marks
// it as a page with a form for `render_form`.
form_page!(Page);

impl Page {
    fn error(&self, form: &str, field: &str) -> String {
        if self.form == form {
            super::field_error(&self.errors, field)
        } else {
            String::new()
        }
    }
}

async fn render_page(
    s: &AppState,
    ctx: &Ctx,
    code: &str,
    right: RightForm,
    delegation: DelegateForm,
    form: &'static str,
    errors: Vec<FieldError>,
) -> Result<Response, WebError> {
    let r = rights::point_rights(&s.app, &ctx.actor, code).await?;
    let page = Page {
        nav: Nav::of(ctx),
        r,
        kinds: DelegationKind::ALL,
        may_delegate: ctx.actor.catalog_admin().is_ok(),
        right,
        delegation: DelegateForm {
            kind: if delegation.kind.is_empty() {
                "devolve".into()
            } else {
                delegation.kind
            },
            ..delegation
        },
        form,
        errors,
    };
    super::render_form(&page)
}

async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    render_page(
        &s,
        &ctx,
        &code,
        RightForm::default(),
        DelegateForm::default(),
        "",
        vec![],
    )
    .await
}

async fn set_right(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Form(f): Form<RightForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let powers = Powers {
        guide: !f.guide.is_empty(),
        accept: !f.accept.is_empty(),
        conclude: !f.conclude.is_empty(),
    };
    let result = rights::set_right(&s.app, &ctx.actor, &code, &f.item_code, powers, &f.basis).await;
    let again = async |errors: Vec<domain::FieldError>| {
        render_page(&s, &ctx, &code, f, DelegateForm::default(), "right", errors).await
    };
    super::after_post(result, |()| format!("/points/{code}#rights"), again).await
}

async fn delegate(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Form(f): Form<DelegateForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let draft = DelegationDraft {
        kind: f.kind.clone(),
        item_code: f.item_code.clone(),
        receiver: code.clone(),
        starts: f.starts.clone(),
        ends: f.ends.clone(),
        basis: f.basis.clone(),
    };
    let result = rights::delegate(&s.app, &ctx.actor, &draft).await;
    let again = async |errors: Vec<domain::FieldError>| {
        render_page(
            &s,
            &ctx,
            &code,
            RightForm::default(),
            f,
            "delegation",
            errors,
        )
        .await
    };
    super::after_post(result, |_| format!("/points/{code}#delegations"), again).await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct Decide {
    csrf: String,
    point: String,
}

async fn decided(
    s: &AppState,
    ctx: &Ctx,
    id: &str,
    f: &Decide,
    accept: bool,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    rights::decide_takeover(&s.app, &ctx.actor, id, accept).await?;
    // Back to the point the form was on; anything but a point code goes to the map.
    let code_like = |c: &str| c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-');
    let back = if f.point.is_empty() || !code_like(&f.point) {
        "/map".to_string()
    } else {
        format!("/points/{}#delegations", f.point)
    };
    Ok(Redirect::to(&back).into_response())
}

async fn accept(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<Decide>,
) -> Result<Response, WebError> {
    decided(&s, &ctx, &id, &f, true).await
}

async fn decline(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<Decide>,
) -> Result<Response, WebError> {
    decided(&s, &ctx, &id, &f, false).await
}
