//! 一件事 pages: the list, a bundle's guide with the one application form, and the parent
//! progress page for the applicant and the lead department.

use std::collections::BTreeMap;

use app::auth::Actor;
use app::bundles::{self, Application, BundleView, Guide};
use askama::Template;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::bundle::BundleDefinition;
use domain::bundle::Savings;

use super::forms::{FieldView, Problems, kept_value, parse_kept, typed};
use super::{Nav, render, unprocessable};
use crate::ctx::Ctx;
use crate::{AppState, WebError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/bundles", get(list))
        .route("/bundles/{code}", get(guide))
        .route(
            "/bundles/{code}/apply",
            post(apply).layer(DefaultBodyLimit::max(64 * 1024 * 1024)),
        )
        .route("/bundle-cases/{id}", get(progress))
}

#[derive(Template)]
#[template(path = "bundles.html")]
struct ListPage {
    nav: Nav,
    rows: Vec<(BundleDefinition, Savings)>,
}

async fn list(State(s): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    render(&ListPage {
        nav: Nav::of(&ctx),
        rows: bundles::list(&s.app).await?,
    })
}

#[derive(Template)]
#[template(path = "bundle.html")]
struct GuidePage {
    nav: Nav,
    g: Guide,
    applicant: bool,
    fields: Vec<FieldView>,
    problems: Problems,
    /// Per merged material (by index): its problem, and a file a failed post stored, carried
    /// as (hidden value, file name).
    material_errors: Vec<String>,
    kept: Vec<Option<(String, String)>>,
    /// Optional members chosen in a failed post.
    chosen: Vec<String>,
    /// Filed as this stage of this project (工程建设项目), when both are set.
    project: String,
    stage: String,
    /// Materials an earlier stage of the project provides: identity → where from.
    carried: BTreeMap<String, String>,
}

impl GuidePage {
    fn new(ctx: &Ctx, g: Guide) -> GuidePage {
        let fields = g
            .def
            .fields
            .iter()
            .map(|f| {
                let mut v = FieldView::of(&f.as_form_field(), "bf_", String::new(), true);
                // Asked only for an optional member: say which, and require it only then.
                if g.def.only_for_optional(f) {
                    let names: Vec<&str> = f
                        .feeds
                        .iter()
                        .filter_map(|(code, _)| {
                            g.members
                                .iter()
                                .find(|m| m.0.code == *code)
                                .map(|m| m.0.name.as_str())
                        })
                        .collect();
                    v.required = false;
                    let note = format!("同时办理“{}”时填写", names.join("”“"));
                    v.help = if v.help.is_empty() {
                        note
                    } else {
                        format!("{}；{note}", v.help)
                    };
                }
                v
            })
            .collect();
        let n = g.materials.len();
        GuidePage {
            nav: Nav::of(ctx),
            applicant: matches!(ctx.actor, Actor::Applicant { .. }),
            fields,
            problems: Problems::default(),
            material_errors: vec![String::new(); n],
            kept: vec![None; n],
            chosen: vec![],
            project: String::new(),
            stage: String::new(),
            carried: BTreeMap::new(),
            g,
        }
    }

    fn material_error(&self, i: &usize) -> &str {
        self.material_errors.get(*i).map_or("", String::as_str)
    }

    fn kept_at(&self, i: &usize) -> Option<(String, String)> {
        self.kept.get(*i).cloned().flatten()
    }

    fn carried_from(&self, identity: &str) -> Option<&str> {
        self.carried.get(identity).map(String::as_str)
    }

    fn is_chosen(&self, code: &str) -> bool {
        self.chosen.iter().any(|c| c == code)
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct StageQuery {
    project: String,
    stage: String,
}

async fn guide(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<StageQuery>,
) -> Result<Response, WebError> {
    let mut page = GuidePage::new(&ctx, bundles::guide(&s.app, &code).await?);
    // A project's stage: only for someone who may see the project (else the plain guide).
    // The project's 代办员 files for the owner here too.
    if let Some(stage) = domain::project::Stage::parse(&q.stage)
        && let Ok(v) = app::projects::project(&s.app, &ctx.actor, &q.project).await
    {
        page.applicant |= v.mine;
        page.carried = app::projects::carried_for(&s.app, &ctx.actor, &q.project, stage).await?;
        page.project = q.project;
        page.stage = q.stage;
    }
    render(&page)
}

async fn apply(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    mp: Multipart,
) -> Result<Response, WebError> {
    let f = super::cases::read_form(mp).await?;
    ctx.check_csrf(&f.csrf)?;
    let g = bundles::guide(&s.app, &code).await?;
    // Every file is stored or refused on its own, so one bad file hides nothing else.
    let mut materials = BTreeMap::new();
    let mut problems = Vec::new();
    for (i, m) in g.materials.iter().enumerate() {
        if let Some((name, bytes)) = f.files.get(&format!("mat_{i}")) {
            match app::uploads::store(&s.app, &ctx.actor, bytes, name).await {
                Ok(p) => {
                    materials.insert(m.identity.clone(), p);
                }
                Err(e) => problems.push(domain::FieldError::new(
                    format!("materials.{}", m.identity),
                    "upload",
                    format!("“{}”：{}", m.name, crate::error::describe(&e).0),
                )),
            }
        } else if let Some(p) = f.text.get(&format!("kept_{i}")).and_then(|k| parse_kept(k)) {
            materials.insert(m.identity.clone(), p);
        }
    }
    let form: BTreeMap<String, String> = typed(&f.text)
        .into_iter()
        .map(|(k, v)| (k, v.trim().to_string()))
        .collect();
    let optional = f.lists.get("optional").cloned().unwrap_or_default();
    let result = if problems.is_empty() {
        let a = Application {
            form: form.clone(),
            optional: optional.clone(),
            materials: materials.clone(),
        };
        match stage_of(&f.text) {
            Some((project, stage)) => {
                app::projects::start_stage(&s.app, &ctx.actor, &project, stage, a)
                    .await
                    .map(|p| format!("/projects/{}?flash=started", p.code))
            }
            None => bundles::apply(&s.app, &ctx.actor, &code, a)
                .await
                .map(|id| format!("/bundle-cases/{id}")),
        }
    } else {
        Err(app::AppError::Validation(problems))
    };
    match result {
        Ok(to) => Ok(Redirect::to(&to).into_response()),
        Err(e @ app::AppError::Validation(_)) => {
            // The same form again, with what was typed, chosen and uploaded, and every
            // problem at the top and at its field.
            let mut page = GuidePage::new(&ctx, g);
            let anchor = |field: &str| -> Option<String> {
                if let Some(k) = field.strip_prefix("form.") {
                    return Some(format!("bf_{k}"));
                }
                let id = field.strip_prefix("materials.")?;
                let i = page.g.materials.iter().position(|m| m.identity == id)?;
                Some(format!("mat_{i}"))
            };
            page.problems = Problems::of(&e, anchor);
            for fv in &mut page.fields {
                let key = fv.name.trim_start_matches("f_");
                if let Some(v) = form.get(key) {
                    fv.value = v.clone();
                    for (o, sel) in &mut fv.options {
                        *sel = o == v;
                    }
                }
            }
            page.problems.mark(&mut page.fields);
            for (i, m) in page.g.materials.iter().enumerate() {
                page.material_errors[i] = page.problems.at(&format!("mat_{i}"));
                page.kept[i] = materials.get(&m.identity).and_then(|p| match p {
                    domain::case::Provision::Uploaded { file_name, .. } => {
                        Some((kept_value(p)?, file_name.clone()))
                    }
                    _ => None,
                });
            }
            page.chosen = optional;
            if let Some((project, stage)) = stage_of(&f.text) {
                page.applicant |= app::projects::project(&s.app, &ctx.actor, &project)
                    .await
                    .is_ok_and(|v| v.mine);
                page.carried = app::projects::carried_for(&s.app, &ctx.actor, &project, stage)
                    .await
                    .unwrap_or_default();
                page.project = project;
                page.stage = stage.as_str().into();
            }
            Ok(unprocessable(render(&page)?))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "bundle_case.html")]
struct ProgressPage {
    nav: Nav,
    v: BundleView,
}

async fn progress(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let v = bundles::view(&s.app, &ctx.actor, &id).await?;
    render(&ProgressPage {
        nav: Nav::of(&ctx),
        v,
    })
}

/// The project and stage a bundle form files for, when it carries both.
fn stage_of(text: &BTreeMap<String, String>) -> Option<(String, domain::project::Stage)> {
    let project = text
        .get("project")
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())?;
    let stage = domain::project::Stage::parse(text.get("stage")?.trim())?;
    Some((project.to_string(), stage))
}
