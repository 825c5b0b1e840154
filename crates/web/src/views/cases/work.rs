//! The staff work page: the comprehensive window (a registered applicant or a walk-in without
//! an account), the work queues with a search and an overdue filter, 告知承诺 to verify,
//! bundles, 督办 notices and rating tickets.

use app::auth::Actor;
use app::cases::{self, WalkIn};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use domain::account::Role;

use super::{Row, row};
use crate::ctx::Ctx;
use crate::views::for_whom::{self, ForWhomForm, ForWhomView};
use crate::views::forms::Problems;
use crate::views::{Nav, render, unprocessable};
use crate::{AppState, WebError};

#[derive(Template)]
#[template(path = "work.html")]
pub(super) struct WorkPage {
    nav: Nav,
    /// Bundle applications the staff member's department leads.
    bundles: Vec<app::bundles::BundleView>,
    /// 督办件 sent to the department.
    notices: Vec<app::NoticeRow>,
    /// 差评整改单 of the department (all of them for supervisors).
    tickets: Vec<app::ratings::TicketView>,
    /// Role, its label, the queue's total as shown ("10000+" beyond the cap), the rows.
    queues: Vec<(&'static str, &'static str, String, Vec<Row>)>,
    /// Whom the window's case is for (本人 unless the clerk names a child or the deceased).
    fw: ForWhomView,
    verifications: Vec<Row>,
    /// (code, name) a clerk may accept, for the item picker.
    items: Vec<(String, String)>,
    is_clerk: bool,
    /// The window form as typed, and what was wrong with it.
    window: WindowForm,
    problems: Problems,
    filter: WorkQuery,
}

/// The queue filter (GET /work).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub(super) struct WorkQuery {
    q: String,
    /// "1": only cases past their deadline.
    overdue: String,
}

impl WorkQuery {
    fn is_active(&self) -> bool {
        !self.q.trim().is_empty() || self.overdue == "1"
    }
}

pub(super) async fn work(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(filter): Query<WorkQuery>,
) -> Result<Response, WebError> {
    let page = work_page(&s, &ctx, WindowForm::default(), Problems::default(), filter).await?;
    render(&page)
}

async fn work_page(
    s: &AppState,
    ctx: &Ctx,
    window: WindowForm,
    problems: Problems,
    filter: WorkQuery,
) -> Result<WorkPage, WebError> {
    let Actor::Staff { roles, .. } = &ctx.actor else {
        return Err(app::AppError::Forbidden("只有工作人员有待办队列".into()).into());
    };
    let today = app::licenses::today_iso(&s.app);
    let narrow = cases::QueueFilter {
        search: Some(filter.q.trim().to_string()).filter(|q| !q.is_empty()),
        due_before: (filter.overdue == "1").then(|| today.clone()),
        ..Default::default()
    };
    let mut queues = Vec::new();
    for role in roles
        .iter()
        .copied()
        .filter(|r| matches!(r, Role::Clerk | Role::Reviewer | Role::Approver))
    {
        let (list, total) =
            cases::queue_matching(&s.app, &ctx.actor, role, &narrow, 100, 0).await?;
        let who = cases::queue_applicants(&s.app, &list.iter().map(|(c, _)| c).collect::<Vec<_>>())
            .await?;
        let rows = list
            .iter()
            .zip(who)
            .map(|((c, due), applicant)| Row {
                applicant,
                overdue: due.as_ref().is_some_and(|d| *d < today),
                ..row(c, due.clone().unwrap_or_default())
            })
            .collect();
        let total = if total.capped {
            format!("{}+", total.count)
        } else {
            total.count.to_string()
        };
        queues.push((role.as_str(), role.label(), total, rows));
    }
    let verifications = cases::verifications(&s.app, &ctx.actor)
        .await?
        .iter()
        .map(|(c, due)| row(c, due.clone()))
        .collect();
    Ok(WorkPage {
        fw: ForWhomView::new(domain::catalog::FiledFor::ALL, &window.for_whom()),
        items: cases::window_items(&s.app, &ctx.actor).await?,
        verifications,
        bundles: app::bundles::mine(&s.app, &ctx.actor).await?,
        notices: app::supervision::notices(&s.app, &ctx.actor).await?,
        tickets: app::ratings::tickets(&s.app, &ctx.actor).await?,
        nav: Nav::of(ctx),
        is_clerk: ctx.actor.has_role(Role::Clerk),
        queues,
        window,
        problems,
        filter,
    })
}

/// The window form: the item, and who stands at the window.
#[derive(serde::Deserialize, Default)]
pub(super) struct WindowForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    item: String,
    #[serde(default)]
    applicant: String,
    /// "enterprise" for a 法人, anything else a natural person.
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    legal_representative: String,
    #[serde(default, rename = "for")]
    kind_for: String,
    #[serde(default)]
    subject_name: String,
    #[serde(default)]
    subject_id: String,
}

impl WindowForm {
    fn for_whom(&self) -> ForWhomForm {
        ForWhomForm {
            kind: self.kind_for.clone(),
            subject_name: self.subject_name.clone(),
            subject_id: self.subject_id.clone(),
        }
    }
}

/// The element that shows a window-form field's problem.
fn window_anchor(field: &str) -> Option<String> {
    let id = match field {
        "item" => "w-item",
        "applicant" => "w-app",
        "name" => "w-name",
        "phone" => "w-phone",
        "legal_representative" => "w-lr",
        other => return for_whom::anchor(other),
    };
    Some(id.to_string())
}

/// Starts a case at the window; a mistake re-renders the work page with what was typed.
pub(super) async fn window_start(
    State(s): State<AppState>,
    ctx: Ctx,
    Form(f): Form<WindowForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let started = async {
        let code = cases::resolve_window_item(&s.app, &ctx.actor, &f.item).await?;
        let who = WalkIn {
            login: f.applicant.clone(),
            enterprise: f.kind == "enterprise",
            name: f.name.clone(),
            phone: f.phone.clone(),
            legal_representative: f.legal_representative.clone(),
            for_whom: f.for_whom().parse()?,
        };
        cases::start_for_walk_in(&s.app, &ctx.actor, &code, &who).await
    }
    .await;
    match started {
        Ok(c) => Ok(Redirect::to(&format!("/cases/{}", c.id)).into_response()),
        Err(e @ (app::AppError::Validation(_) | app::AppError::NotFound(_))) => {
            let problems = match &e {
                // An item code that names nothing is the item field's problem.
                app::AppError::NotFound(m) => Problems {
                    items: vec![(window_anchor("item"), format!("未找到{m}，请从列表中选择"))],
                },
                other => Problems::of(other, window_anchor),
            };
            let page = work_page(&s, &ctx, f, problems, WorkQuery::default()).await?;
            Ok(unprocessable(render(&page)?))
        }
        Err(e) => Err(e.into()),
    }
}
