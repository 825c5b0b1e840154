//! 跨市通办 pages for window clerks: the forwards of their region with where each stands, the
//! form that forwards an application to another city's platform (its items and their form
//! fields as the partner lists them now), and one forward with its progress and the hand-over
//! of the result.

use std::collections::BTreeMap;

use app::tongban::{self, Forwarding, Outgoing};
use askama::Template;
use axum::Router;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use domain::tongban::{OfferedItem, Person};

use super::forms::{FieldView, Problems};
use super::{Nav, fmt_time, render};
use crate::ctx::Ctx;
use crate::{AppState, WebError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/tongban",
            get(page)
                .post(send)
                .layer(axum::extract::DefaultBodyLimit::max(
                    domain::tongban::MAX_FILE_BYTES + 1024 * 1024,
                )),
        )
        .route("/tongban/new", get(new))
        .route("/tongban/{id}", get(one))
        .route("/tongban/{id}/handover", post(handover))
}

#[derive(Template)]
#[template(path = "tongban.html")]
struct ListPage {
    nav: Nav,
    partners: Vec<(String, String)>,
    rows: Vec<Outgoing>,
    configured: bool,
}

impl ListPage {
    fn when(&self, ms: &i64) -> String {
        fmt_time(*ms)
    }
}

fn partners(s: &AppState) -> Vec<(String, String)> {
    s.app
        .settings
        .tongban
        .as_ref()
        .map(|c| {
            c.partners
                .iter()
                .map(|p| (p.code.clone(), p.name.clone()))
                .collect()
        })
        .unwrap_or_default()
}

async fn page(State(s): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    if ctx.actor.is_anonymous() {
        return Ok(Redirect::to("/login?next=/tongban").into_response());
    }
    let rows = tongban::list(&s.app, &ctx.actor).await?;
    render(&ListPage {
        nav: Nav::of(&ctx),
        configured: s.app.settings.tongban.is_some(),
        partners: partners(&s),
        rows,
    })
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct NewQuery {
    partner: String,
    item: String,
}

/// One material row of the form.
struct MaterialRow {
    index: usize,
    name: String,
    original: bool,
    mandatory: bool,
    checked: bool,
    error: String,
}

#[derive(Template)]
#[template(path = "tongban_new.html")]
struct NewPage {
    nav: Nav,
    partner: String,
    partner_name: String,
    items: Vec<OfferedItem>,
    item: Option<OfferedItem>,
    reference: String,
    applicant: Person,
    note: String,
    fields: Vec<FieldView>,
    materials: Vec<MaterialRow>,
    problems: Problems,
}

impl NewPage {
    fn error(&self, id: &str) -> String {
        self.problems.at(id)
    }
}

/// What the clerk typed, kept for a form shown again.
#[derive(Default)]
struct Typed {
    reference: String,
    applicant: Person,
    form: BTreeMap<String, String>,
    checked: Vec<String>,
    note: String,
}

async fn show_new(
    s: &AppState,
    ctx: &Ctx,
    partner: &str,
    item: &str,
    typed: Typed,
    problems: Problems,
) -> Result<Response, WebError> {
    let items = tongban::offered_items(&s.app, &ctx.actor, partner).await?;
    let partner_name = partners(s)
        .into_iter()
        .find(|(c, _)| c == partner)
        .map(|(_, n)| n)
        .unwrap_or_default();
    let chosen = items.iter().find(|i| i.code == item).cloned();
    let mut fields = Vec::new();
    let mut materials = Vec::new();
    if let Some(i) = &chosen {
        for f in &i.form {
            let mut v = FieldView::of(
                f,
                "f_",
                typed.form.get(&f.key).cloned().unwrap_or_default(),
                true,
            );
            v.error = problems.at(&v.id);
            fields.push(v);
        }
        for (index, m) in i.materials.iter().enumerate() {
            materials.push(MaterialRow {
                index,
                name: m.name.clone(),
                original: m.original,
                mandatory: m.mandatory,
                checked: typed.checked.contains(&m.name),
                error: problems.at(&format!("mat-{index}")),
            });
        }
    }
    let bad = !problems.is_empty();
    let out = render(&NewPage {
        nav: Nav::of(ctx),
        partner: partner.into(),
        partner_name,
        items,
        item: chosen,
        reference: if typed.reference.is_empty() {
            uuid::Uuid::now_v7().to_string()
        } else {
            typed.reference
        },
        applicant: typed.applicant,
        note: typed.note,
        fields,
        materials,
        problems,
    })?;
    Ok(if bad { super::unprocessable(out) } else { out })
}

async fn new(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NewQuery>,
) -> Result<Response, WebError> {
    if ctx.actor.is_anonymous() {
        return Ok(Redirect::to("/login?next=/tongban").into_response());
    }
    show_new(
        &s,
        &ctx,
        &q.partner,
        &q.item,
        Typed::default(),
        Problems::default(),
    )
    .await
}

async fn send(State(s): State<AppState>, ctx: Ctx, mp: Multipart) -> Result<Response, WebError> {
    // Only a clerk's body is read: nothing anyone else sends is kept or forwarded.
    if !ctx.actor.has_role(domain::account::Role::Clerk) {
        return Err(app::AppError::Forbidden("只有综窗受理人员可以办理跨市通办".into()).into());
    }
    let f = super::cases::read_form(mp).await?;
    ctx.check_csrf(&f.csrf)?;
    let t = |k: &str| f.text.get(k).cloned().unwrap_or_default();
    let (partner, item) = (t("partner"), t("item"));
    let offered = tongban::offered_items(&s.app, &ctx.actor, &partner).await?;
    let names: Vec<String> = offered
        .iter()
        .find(|i| i.code == item)
        .map(|i| i.materials.iter().map(|m| m.name.clone()).collect())
        .unwrap_or_default();
    let typed = Typed {
        reference: t("reference"),
        applicant: Person {
            id_number: t("id_number"),
            name: t("name"),
            phone: t("phone"),
        },
        form: f
            .text
            .iter()
            .filter_map(|(k, v)| k.strip_prefix("f_").map(|k| (k.to_string(), v.clone())))
            .collect(),
        checked: names
            .iter()
            .enumerate()
            .filter(|(i, _)| f.text.contains_key(&format!("orig_{i}")))
            .map(|(_, n)| n.clone())
            .collect(),
        note: t("note"),
    };
    let files = names
        .iter()
        .enumerate()
        .filter_map(|(i, n)| {
            f.files
                .get(&format!("file_{i}"))
                .map(|(file_name, bytes)| (n.clone(), file_name.clone(), bytes.clone()))
        })
        .collect();
    let forwarding = Forwarding {
        partner: partner.clone(),
        reference: typed.reference.clone(),
        item_code: item.clone(),
        applicant: typed.applicant.clone(),
        form: typed.form.clone(),
        originals: typed.checked.clone(),
        files,
        note: typed.note.clone(),
    };
    match tongban::forward(&s.app, &ctx.actor, forwarding).await {
        Ok(row) => Ok(Redirect::to(&format!("/tongban/{}", row.id)).into_response()),
        Err(e @ (app::AppError::Validation(_) | app::AppError::Unavailable { .. })) => {
            let anchor = |field: &str| -> Option<String> {
                if let Some(k) = field.strip_prefix("form.") {
                    return Some(format!("f_{k}"));
                }
                let m = field
                    .strip_prefix("materials.")
                    .or_else(|| field.strip_prefix("files."));
                if let Some(m) = m {
                    return names
                        .iter()
                        .position(|n| n == m)
                        .map(|i| format!("mat-{i}"));
                }
                match field {
                    "applicant.id_number" | "applicant.applicant" => Some("tb-id".into()),
                    "applicant.name" => Some("tb-name".into()),
                    "applicant.phone" => Some("tb-phone".into()),
                    "item" | "item_code" => Some("tb-item".into()),
                    "note" => Some("tb-note".into()),
                    _ => None,
                }
            };
            let problems = Problems::of(&e, anchor);
            show_new(&s, &ctx, &partner, &item, typed, problems).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "tongban_case.html")]
struct OnePage {
    nav: Nav,
    o: Outgoing,
    message: String,
}

impl OnePage {
    fn when(&self, ms: &i64) -> String {
        fmt_time(*ms)
    }
    fn at(&self, t: &time::OffsetDateTime) -> String {
        fmt_time(app::millis(*t))
    }
}

async fn one(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    if ctx.actor.is_anonymous() {
        return Ok(Redirect::to("/login?next=/tongban").into_response());
    }
    let o = tongban::view(&s.app, &ctx.actor, &id).await?;
    render(&OnePage {
        nav: Nav::of(&ctx),
        o,
        message: String::new(),
    })
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct HandoverForm {
    csrf: String,
}

async fn handover(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<HandoverForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    match tongban::hand_over(&s.app, &ctx.actor, &id).await {
        Ok(_) => Ok(Redirect::to(&format!("/tongban/{id}")).into_response()),
        Err(e @ (app::AppError::State(_) | app::AppError::Unavailable { .. })) => {
            let o = tongban::view(&s.app, &ctx.actor, &id).await?;
            let out = render(&OnePage {
                nav: Nav::of(&ctx),
                o,
                message: crate::error::describe(&e).0,
            })?;
            Ok(super::unprocessable(out))
        }
        Err(e) => Err(e.into()),
    }
}
