//! Oversight pages: 双随机一公开 plans (public list and page: the lists drawn from, the seed,
//! who goes where and who stood aside, the results; the re-run check; the approver's draw and
//! plan form; the drawn inspector's result form; opening a penalty case on a finding), the
//! 行政处罚 cases (public once decided; the department's steps), and the credit record (the
//! subject's own, with 信用修复; the supervisors' queue). The rules are `app::oversight`'s.

use super::forms::Pressed;
use app::oversight::{inspections, penalties};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use domain::FieldError;
use domain::inspection::{Outcome, Plan};
use domain::penalty::{Action, Opening};

use super::{Nav, Shows, fmt_time, render};
use crate::ctx::Ctx;
use crate::views::FormPage as _;
use crate::{AppState, WebError};

mod credit_pages;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/inspections", get(list).post(create))
        .route("/inspections/{id}", get(page))
        .route("/inspections/{id}/draw", post(draw))
        .route("/inspections/{id}/results/{target}", post(record))
        .route(
            "/inspections/{id}/results/{target}/penalty",
            post(open_penalty),
        )
        .route("/penalties", get(penalty_list))
        .route("/penalties/{id}", get(penalty_page))
        .route("/penalties/{id}/step", post(step))
        .merge(credit_pages::router())
}

/// Whose name a list shows: a person's ID number masked, a credit code as it is.
pub(crate) fn shown_id(id: &str) -> String {
    if domain::ids::IdNumber::parse(id).is_ok() {
        domain::ids::mask_personal(id)
    } else {
        id.to_string()
    }
}

#[derive(Template)]
#[template(path = "inspections.html")]
struct ListPage {
    nav: Nav,
    plans: Vec<inspections::PlanView>,
    /// Today (YYYY-MM-DD): plans past their publication day with results missing are marked.
    today: String,
    may_plan: bool,
    form: PlanForm,
    errors: Vec<FieldError>,
}

impl Shows for ListPage {}

form_page!(ListPage);

impl ListPage {
    fn when(&self, ms: &i64) -> String {
        if *ms == 0 {
            "—".into()
        } else {
            fmt_time(*ms)
        }
    }
    /// Past the day its results were due public, with some still missing.
    fn overdue(&self, p: &inspections::PlanView) -> bool {
        !p.publish_by.is_empty()
            && p.publish_by < self.today
            && p.results.len() < p.assignments.len()
    }
}

#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
struct PlanForm {
    csrf: String,
    title: String,
    department: String,
    region: String,
    license_types: String,
    scope: String,
    targets: String,
    inspectors: String,
}

async fn list_page(
    s: &AppState,
    ctx: &Ctx,
    form: PlanForm,
    errors: Vec<FieldError>,
) -> Result<ListPage, WebError> {
    let form = if form.department.is_empty() {
        let department = match &ctx.actor {
            app::auth::Actor::Staff { scope, .. } => scope.department.clone().unwrap_or_default(),
            _ => String::new(),
        };
        PlanForm {
            department,
            inspectors: if form.inspectors.is_empty() {
                "2".into()
            } else {
                form.inspectors
            },
            ..form
        }
    } else {
        form
    };
    Ok(ListPage {
        nav: Nav::of(ctx),
        plans: inspections::plans(&s.app, &ctx.actor).await?,
        today: domain::calendar::china_date(s.app.now()).to_string(),
        may_plan: inspections::may_plan(&ctx.actor).is_ok(),
        form,
        errors,
    })
}

async fn list(State(s): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    render(&list_page(&s, &ctx, PlanForm::default(), vec![]).await?)
}

async fn create(
    State(s): State<AppState>,
    ctx: Ctx,
    Form(f): Form<PlanForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    inspections::may_plan(&ctx.actor)?;
    let mut errors = Vec::new();
    let targets = f.targets.trim().parse::<u32>();
    let per = f.inspectors.trim().parse::<u32>();
    if targets.is_err() {
        errors.push(FieldError::new("targets", "invalid", "抽取对象数应为整数"));
    }
    if per.is_err() {
        errors.push(FieldError::new(
            "inspectors_per_target",
            "invalid",
            "检查人员数应为整数",
        ));
    }
    let result = match (targets, per) {
        (Ok(targets), Ok(inspectors_per_target)) => {
            let plan = Plan {
                title: f.title.trim().into(),
                department: f.department.trim().into(),
                region: f.region.trim().into(),
                license_types: f
                    .license_types
                    .split(['、', ',', '，'])
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_string)
                    .collect(),
                scope: f.scope.trim().into(),
                targets,
                inspectors_per_target,
            };
            inspections::create(&s.app, &ctx.actor, &plan).await
        }
        _ => Err(app::AppError::Validation(errors)),
    };
    let again =
        async |errors: Vec<domain::FieldError>| render(&list_page(&s, &ctx, f, errors).await?);
    super::after_post(result, |id| format!("/inspections/{id}"), again).await
}

#[derive(Template)]
#[template(path = "inspection.html")]
struct PlanPage {
    nav: Nav,
    p: inspections::PlanView,
    me: String,
    /// The re-run check: the seed typed and what it found.
    seed: String,
    verified: Option<bool>,
    outcomes: &'static [Outcome],
    /// The target whose form failed, and why.
    failed: String,
    errors: Vec<FieldError>,
}

impl Shows for PlanPage {}

impl PlanPage {
    fn when(&self, ms: &i64) -> String {
        if *ms == 0 {
            "—".into()
        } else {
            fmt_time(*ms)
        }
    }
    fn id(&self, id: &str) -> String {
        shown_id(id)
    }
    fn error(&self, target: &str, field: &str) -> String {
        if target == self.failed {
            super::field_error(&self.errors, field)
        } else {
            String::new()
        }
    }
    fn assigned(&self, target: &str) -> bool {
        self.p
            .assignments
            .iter()
            .any(|a| a.target.id == target && a.inspectors.iter().any(|i| i.id == self.me))
    }
    fn result_of(&self, target: &str) -> Option<&inspections::ResultRow> {
        self.p.results.iter().find(|r| r.target_id == target)
    }
    fn outcome_label(&self, s: &str) -> &'static str {
        Outcome::parse(s).map_or("", Outcome::label)
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct VerifyQuery {
    seed: String,
}

async fn plan_page(
    s: &AppState,
    ctx: &Ctx,
    id: &str,
    seed: String,
    failed: String,
    errors: Vec<FieldError>,
) -> Result<PlanPage, WebError> {
    let p = inspections::plan(&s.app, &ctx.actor, id).await?;
    let mut errors = errors;
    let verified = if seed.trim().is_empty() {
        None
    } else {
        match inspections::verify(&s.app, id, &seed).await {
            Ok(v) => Some(v),
            Err(app::AppError::Validation(e)) => {
                errors.extend(e);
                None
            }
            Err(e) => return Err(e.into()),
        }
    };
    let me = match &ctx.actor {
        app::auth::Actor::Staff { id, .. } => id.clone(),
        _ => String::new(),
    };
    Ok(PlanPage {
        nav: Nav::of(ctx),
        p,
        me,
        seed,
        verified,
        outcomes: Outcome::ALL,
        failed,
        errors,
    })
}

async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<VerifyQuery>,
) -> Result<Response, WebError> {
    let page = plan_page(&s, &ctx, &id, q.seed, String::new(), vec![]).await?;
    if page.errors.is_empty() {
        render(&page)
    } else {
        Ok(super::unprocessable(render(&page)?))
    }
}

async fn draw(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Pressed(ctx): Pressed,
) -> Result<Response, WebError> {
    inspections::draw(&s.app, &ctx.actor, &id).await?;
    Ok(Redirect::to(&format!("/inspections/{id}")).into_response())
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ResultForm {
    csrf: String,
    outcome: String,
    findings: String,
}

async fn record(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((id, target)): Path<(String, String)>,
    Form(f): Form<ResultForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    inspections::may_record(&s.app, &ctx.actor, &id, &target).await?;
    let result = match Outcome::parse(&f.outcome) {
        Some(o) => inspections::record(&s.app, &ctx.actor, &id, &target, o, &f.findings).await,
        None => Err(app::AppError::field("outcome", "invalid", "请选择检查结果")),
    };
    let again = async |errors: Vec<domain::FieldError>| {
        render(&plan_page(&s, &ctx, &id, String::new(), target, errors).await?)
    };
    super::after_post(result, |()| format!("/inspections/{id}#results"), again).await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct OpenForm {
    csrf: String,
    legal_basis: String,
    facts: String,
}

async fn open_penalty(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((id, target)): Path<(String, String)>,
    Form(f): Form<OpenForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let p = inspections::plan(&s.app, &ctx.actor, &id).await?;
    let name = p
        .assignments
        .iter()
        .find(|a| a.target.id == target)
        .map(|a| a.target.name.clone())
        .ok_or_else(|| app::AppError::NotFound("检查对象".into()))?;
    let opening = Opening {
        holder_id: target.clone(),
        holder_name: name,
        legal_basis: f.legal_basis.clone(),
        facts: f.facts.clone(),
    };
    match penalties::open(
        &s.app,
        &ctx.actor,
        &p.plan.department,
        Some((&id, &target)),
        &opening,
    )
    .await
    {
        Ok(pid) => Ok(Redirect::to(&format!("/penalties/{pid}")).into_response()),
        Err(app::AppError::Validation(errors)) => Ok(super::unprocessable(render(
            &plan_page(&s, &ctx, &id, String::new(), target, errors).await?,
        )?)),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "penalties.html")]
struct PenaltyList {
    nav: Nav,
    cases: Vec<penalties::PenaltyView>,
}

impl Shows for PenaltyList {}

impl PenaltyList {
    fn when(&self, ms: &i64) -> String {
        fmt_time(*ms)
    }
    fn id(&self, id: &str) -> String {
        shown_id(id)
    }
}

async fn penalty_list(State(s): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    render(&PenaltyList {
        nav: Nav::of(&ctx),
        cases: penalties::decided(&s.app, &ctx.actor).await?,
    })
}

#[derive(Template)]
#[template(path = "penalty.html")]
struct PenaltyPage {
    nav: Nav,
    c: penalties::PenaltyView,
    errors: Vec<FieldError>,
}

impl Shows for PenaltyPage {}

form_page!(PenaltyPage);

impl PenaltyPage {
    fn when(&self, ms: &i64) -> String {
        fmt_time(*ms)
    }
    fn id(&self, id: &str) -> String {
        shown_id(id)
    }
    fn step_label(&self, s: &str) -> &'static str {
        domain::penalty::Step::parse(s).map_or("", domain::penalty::Step::label)
    }
}

async fn penalty_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    render(&PenaltyPage {
        nav: Nav::of(&ctx),
        c: penalties::penalty(&s.app, &ctx.actor, &id).await?,
        errors: vec![],
    })
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct StepForm {
    csrf: String,
    action: String,
    text: String,
    penalized: String,
    fine: String,
}

async fn step(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<StepForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let text = f.text.clone();
    let action = match f.action.as_str() {
        "investigate" => Ok(Action::Investigate { evidence: text }),
        "notify" => Ok(Action::Notify { intended: text }),
        "execute" => Ok(Action::Execute { note: text }),
        "decide" => {
            let penalized = f.penalized == "yes";
            let fine = if f.fine.trim().is_empty() {
                Some(0)
            } else {
                domain::payment::price_of(&format!("{}元", f.fine.trim()))
            };
            match fine {
                Some(fine) => Ok(Action::Decide {
                    penalized,
                    fine,
                    text,
                }),
                None => Err(app::AppError::field(
                    "fine",
                    "invalid",
                    "罚款金额应为数字，如 5000",
                )),
            }
        }
        _ => Err(app::AppError::field("action", "invalid", "请选择办理环节")),
    };
    let result = match action {
        Ok(a) => penalties::step(&s.app, &ctx.actor, &id, &a)
            .await
            .map(|_| ()),
        Err(e) => {
            // Authority before what was typed.
            if !penalties::penalty(&s.app, &ctx.actor, &id).await?.handler {
                return Err(app::AppError::Forbidden(
                    "只有本部门的执法人员可以办理行政处罚案件".into(),
                )
                .into());
            }
            Err(e)
        }
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/penalties/{id}")).into_response()),
        Err(app::AppError::Validation(errors)) => Ok(super::unprocessable(render(&PenaltyPage {
            nav: Nav::of(&ctx),
            c: penalties::penalty(&s.app, &ctx.actor, &id).await?,
            errors,
        })?)),
        Err(e) => Err(e.into()),
    }
}
