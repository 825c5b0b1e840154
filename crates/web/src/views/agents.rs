//! 代办授权: a person grants and revokes agents in their own account and sees who may file
//! for them; a window clerk records a grant with the signed letter.

use super::forms::Pressed;
use app::agents::{self, Grants};
use askama::Template;
use axum::Router;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use domain::FieldError;
use domain::account::Role;

use super::{Nav, fmt_time, render};
use crate::ctx::Ctx;
use crate::views::FormPage as _;
use crate::{AppState, WebError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/agents", get(page).post(grant))
        .route("/agents/{id}/revoke", post(revoke))
        .route(
            "/agents/window",
            post(window).layer(axum::extract::DefaultBodyLimit::max(32 * 1024 * 1024)),
        )
}

/// A grant as one row of the page.
struct Row {
    id: String,
    party: String,
    via: String,
    granted: String,
    expires: String,
    status: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "agents.html")]
struct AgentsPage {
    nav: Nav,
    clerk: bool,
    given: Vec<Row>,
    received: Vec<Row>,
    periods: &'static [i64],
    errors: Vec<FieldError>,
    flash: String,
}

form_page!(AgentsPage);

fn rows(list: Vec<agents::GrantView>) -> Vec<Row> {
    list.into_iter()
        .map(|g| Row {
            id: g.id,
            party: format!("{}（{}）", g.party_name, g.party_login),
            via: g.granted_via,
            granted: fmt_time(g.granted_at),
            expires: fmt_time(g.expires_at),
            status: g.status,
            active: g.active,
        })
        .collect()
}

async fn build(
    s: &AppState,
    ctx: &Ctx,
    errors: Vec<FieldError>,
    flash: &str,
) -> Result<AgentsPage, WebError> {
    let clerk = ctx.actor.has_role(Role::Clerk);
    let Grants { given, received } = if clerk {
        Grants {
            given: vec![],
            received: vec![],
        }
    } else {
        agents::list(&s.app, &ctx.actor).await?
    };
    Ok(AgentsPage {
        nav: Nav::of(ctx),
        clerk,
        given: rows(given),
        received: rows(received),
        periods: &domain::agent::PERIODS_DAYS,
        errors,
        flash: match flash {
            "granted" => "已授权。代理人现在可以代您申请事项，每次申请您都会收到消息。",
            "revoked" => "授权已撤销。",
            "window" => "已登记代办授权，并已通知委托人。",
            _ => "",
        }
        .into(),
    })
}

#[derive(serde::Deserialize, Default)]
struct Flash {
    flash: Option<String>,
}

async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<Flash>,
) -> Result<Response, WebError> {
    if ctx.actor.is_anonymous() {
        return Ok(Redirect::to("/login?next=/agents").into_response());
    }
    render(&build(&s, &ctx, vec![], q.flash.as_deref().unwrap_or("")).await?)
}

#[derive(serde::Deserialize)]
struct GrantForm {
    csrf: String,
    agent: String,
    days: String,
}

async fn grant(
    State(s): State<AppState>,
    ctx: Ctx,
    Form(f): Form<GrantForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let days = f.days.trim().parse::<i64>().unwrap_or(0);
    let result = agents::grant(&s.app, &ctx.actor, &f.agent, days).await;
    let again = async |errors: Vec<domain::FieldError>| render(&build(&s, &ctx, errors, "").await?);
    super::after_post(result, |_| "/agents?flash=granted".to_string(), again).await
}

async fn revoke(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Pressed(ctx): Pressed,
) -> Result<Response, WebError> {
    agents::revoke(&s.app, &ctx.actor, &id).await?;
    Ok(Redirect::to("/agents?flash=revoked").into_response())
}

/// A clerk records a grant at the window: both ID numbers, the period and the signed letter.
async fn window(State(s): State<AppState>, ctx: Ctx, mp: Multipart) -> Result<Response, WebError> {
    // Only a clerk's body is read: nothing a visitor or an applicant sends is stored here.
    if !ctx.actor.has_role(Role::Clerk) {
        return Err(app::AppError::Forbidden("只有综窗受理人员可以登记代办授权".into()).into());
    }
    let f = super::cases::read_form(mp).await?;
    ctx.check_csrf(&f.csrf)?;
    let t = |k: &str| f.text.get(k).cloned().unwrap_or_default();
    let result = async {
        let (name, bytes) = f.files.get("letter").ok_or_else(|| {
            app::AppError::field("letter", "required", "请上传委托人签署的授权委托书")
        })?;
        let letter = app::uploads::store(&s.app, &ctx.actor, bytes, name).await?;
        let days = t("days").trim().parse::<i64>().unwrap_or(0);
        agents::grant_at_window(
            &s.app,
            &ctx.actor,
            &t("principal"),
            &t("agent"),
            letter,
            days,
        )
        .await
    }
    .await;
    let again = async |errors: Vec<domain::FieldError>| render(&build(&s, &ctx, errors, "").await?);
    super::after_post(result, |_| "/agents?flash=window".to_string(), again).await
}
