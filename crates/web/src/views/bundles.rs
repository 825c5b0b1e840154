//! 一件事 pages: the list, a bundle's guide with the one application form, and the parent
//! progress page for the applicant and the lead department.

use std::collections::BTreeMap;

use app::auth::Actor;
use app::bundles::{self, Application, BundleView, Guide};
use askama::Template;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::bundle::BundleDefinition;
use domain::bundle::Savings;

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
    error: String,
}

async fn guide(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    render(&GuidePage {
        nav: Nav::of(&ctx),
        g: bundles::guide(&s.app, &code).await?,
        applicant: matches!(ctx.actor, Actor::Applicant { .. }),
        error: String::new(),
    })
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
    let result = async {
        let mut materials = BTreeMap::new();
        for (i, m) in g.materials.iter().enumerate() {
            if let Some((name, bytes)) = f.files.get(&format!("mat_{i}")) {
                materials.insert(
                    m.identity.clone(),
                    app::uploads::store(&s.app, &ctx.actor, bytes, name).await?,
                );
            }
        }
        let form = f
            .text
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix("f_")
                    .map(|k| (k.to_string(), v.trim().to_string()))
            })
            .collect();
        let a = Application {
            form,
            optional: f.lists.get("optional").cloned().unwrap_or_default(),
            materials,
        };
        bundles::apply(&s.app, &ctx.actor, &code, a).await
    }
    .await;
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/bundle-cases/{id}")).into_response()),
        Err(e @ app::AppError::Validation(_)) => Ok(unprocessable(render(&GuidePage {
            nav: Nav::of(&ctx),
            applicant: true,
            error: crate::error::describe(&e).0,
            g,
        })?)),
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
