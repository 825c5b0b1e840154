//! 工程建设项目 pages: the list with the owner's registration form, and a project's page (its
//! stages with their parallel cases, the clock against the promise with every hold and its
//! reason, the joint steps with each department's opinion), with the forms of the owner (start
//! the next stage, resubmit after rectification) and of staff (holds, joint review). A stage
//! is filed on its bundle's own page (`/bundles/{code}?project=…&stage=…`). The rules are
//! `app::projects`'.

use app::projects::{self, ProjectSummary, ProjectView};
use askama::Template;
use axum::Router;
use axum::extract::{MatchedPath, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use domain::FieldError;
use domain::project::joint::{JointKind, Opinion, Step};
use domain::project::{Category, Filing, Funding, HoldReason, ProjectDraft};

use super::{Nav, Shows, render};
use crate::ctx::Ctx;
use crate::views::FormPage as _;
use crate::{AppState, WebError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/projects", get(list).post(register))
        .route("/projects/stats", get(stats))
        .route("/projects/{code}", get(page))
        .route("/projects/{code}/agent", post(assign_agent))
        .route("/projects/{code}/holds", post(add_hold))
        .route("/projects/{code}/holds/{id}/end", post(end_hold))
        .route("/projects/{code}/joints", post(open_joint))
        .route("/projects/{code}/joints/{kind}/opinion", post(joint_step))
        .route("/projects/{code}/joints/{kind}/close", post(joint_step))
        .route("/projects/{code}/joints/{kind}/resubmit", post(joint_step))
}

#[derive(Template)]
#[template(path = "projects.html")]
struct ListPage {
    nav: Nav,
    rows: Vec<ProjectSummary>,
    /// Reminders about the reader's projects: (time, text).
    reminders: Vec<(String, String)>,
    /// May register (an enterprise).
    owner: bool,
    categories: &'static [Category],
    /// What was typed, shown again after an error.
    form: RegisterForm,
    errors: Vec<FieldError>,
}

form_page!(ListPage);

async fn list_page(
    s: &AppState,
    ctx: &Ctx,
    form: RegisterForm,
    errors: Vec<FieldError>,
) -> Result<ListPage, WebError> {
    Ok(ListPage {
        nav: Nav::of(ctx),
        rows: projects::projects(&s.app, &ctx.actor).await?,
        reminders: projects::reminders(&s.app, &ctx.actor)
            .await?
            .into_iter()
            .map(|n| (super::fmt_time(n.at), n.text))
            .collect(),
        owner: ctx.actor.is_enterprise(),
        categories: Category::ALL,
        form,
        errors,
    })
}

async fn list(State(s): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    render(&list_page(&s, &ctx, RegisterForm::default(), vec![]).await?)
}

#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
struct RegisterForm {
    csrf: String,
    code: String,
    name: String,
    /// "enterprise-record", "enterprise-verification" or "government-approval".
    funding: String,
    category: String,
    region: String,
    land: String,
    scale: String,
    floor_area: String,
}

async fn register(
    State(s): State<AppState>,
    ctx: Ctx,
    Form(f): Form<RegisterForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    // Authority before the form is judged.
    projects::may_register(&ctx.actor)?;
    let typed = RegisterForm {
        csrf: String::new(),
        ..f.clone()
    };
    let (funding, filing) = match f.funding.as_str() {
        "government-approval" => (Funding::Government, Filing::Approval),
        "enterprise-verification" => (Funding::Enterprise, Filing::Verification),
        _ => (Funding::Enterprise, Filing::Record),
    };
    let mut errors = Vec::new();
    let area = f.floor_area.trim().parse::<u32>().ok();
    if area.is_none() {
        errors.push(FieldError::new(
            "floor_area_m2",
            "invalid",
            "总建筑面积应为平方米整数",
        ));
    }
    let category = Category::parse(&f.category);
    if category.is_none() {
        errors.push(FieldError::new("category", "invalid", "请选择项目类别"));
    }
    let result = match (area, category) {
        (Some(floor_area_m2), Some(category)) => {
            let d = ProjectDraft {
                code: f.code,
                name: f.name,
                funding,
                filing,
                category,
                region: f.region.trim().to_string(),
                land: f.land,
                scale: f.scale,
                floor_area_m2,
            };
            projects::register(&s.app, &ctx.actor, &d).await
        }
        _ => Err(app::AppError::Validation(errors)),
    };
    match result {
        Ok(p) => {
            Ok(Redirect::to(&format!("/projects/{}?flash=registered", p.code)).into_response())
        }
        Err(app::AppError::Validation(errors)) => Ok(super::unprocessable(render(
            &list_page(&s, &ctx, typed, errors).await?,
        )?)),
        Err(app::AppError::Conflict { field, message }) => {
            let errors = vec![FieldError::new(field, "conflict", message)];
            Ok(super::unprocessable(render(
                &list_page(&s, &ctx, typed, errors).await?,
            )?))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "project.html")]
struct ProjectPage {
    nav: Nav,
    p: ProjectView,
    /// Staff whose region covers it (holds); a reviewer of a department (joint steps).
    staff: bool,
    /// The owner enterprise itself (names the agent).
    owner: bool,
    department: String,
    reasons: &'static [HoldReason],
    today: String,
    errors: Vec<FieldError>,
    flash: String,
}

form_page!(ProjectPage);

impl ProjectPage {
    fn day(&self, ms: &i64) -> String {
        if *ms == 0 {
            String::new()
        } else {
            super::fmt_time(*ms).chars().take(10).collect()
        }
    }
    fn opinion<'a>(&self, j: &'a Step, d: &str) -> Option<&'a Opinion> {
        j.opinions.get(d)
    }
    /// A department's name (its code when unknown).
    fn dept(&self, code: &str) -> String {
        self.p
            .departments
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_string())
    }
}

#[derive(serde::Deserialize, Default)]
struct PageQuery {
    flash: Option<String>,
}

async fn project_page(
    s: &AppState,
    ctx: &Ctx,
    code: &str,
    errors: Vec<FieldError>,
    flash: String,
) -> Result<ProjectPage, WebError> {
    let p = projects::project(&s.app, &ctx.actor, code).await?;
    let (staff, department) = match &ctx.actor {
        app::auth::Actor::Staff { scope, .. } => {
            (true, scope.department.clone().unwrap_or_default())
        }
        _ => (false, String::new()),
    };
    let owner = ctx.actor.is_enterprise() && ctx.actor.login() == Some(p.owner_code.as_str());
    Ok(ProjectPage {
        nav: Nav::of(ctx),
        p,
        staff,
        owner,
        department,
        reasons: HoldReason::RECORDED,
        today: domain::calendar::china_date(s.app.now()).to_string(),
        errors,
        flash,
    })
}

async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    let flash = match q.flash.as_deref() {
        Some("registered") => "项目已登记。请按阶段申报。",
        Some("started") => "阶段已申报，各部门并联办理。",
        Some("hold") => "已记录暂停计时。",
        Some("hold_end") => "暂停计时已结束。",
        Some("joint") => "联合审查已更新。",
        Some("agent") => "代办员已更新。",
        _ => "",
    };
    render(&project_page(&s, &ctx, &code, vec![], flash.into()).await?)
}

async fn done(
    s: &AppState,
    ctx: &Ctx,
    code: &str,
    flash: &str,
    result: app::Result<ProjectView>,
) -> Result<Response, WebError> {
    let to = |p: ProjectView| format!("/projects/{}?flash={flash}", p.code);
    let again = async |errors: Vec<domain::FieldError>| {
        render(&project_page(s, ctx, code, errors, String::new()).await?)
    };
    super::after_post(result, to, again).await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct AgentForm {
    csrf: String,
    agent: String,
}

async fn assign_agent(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Form(f): Form<AgentForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let result = projects::assign_agent(&s.app, &ctx.actor, &code, &f.agent).await;
    done(&s, &ctx, &code, "agent", result).await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct HoldForm {
    csrf: String,
    reason: String,
    from: String,
    to: String,
    note: String,
}

fn date(field: &str, text: &str) -> app::Result<time::Date> {
    domain::calendar::parse_iso_date(text.trim())
        .map_err(|_| app::AppError::field(field, "invalid", "请填写日期，如 2026-12-01"))
}

async fn add_hold(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Form(f): Form<HoldForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let reason = HoldReason::parse(&f.reason).unwrap_or(HoldReason::Supplement);
    let result = match date("from", &f.from) {
        Ok(from) => projects::add_hold(&s.app, &ctx.actor, &code, reason, from, &f.note).await,
        Err(e) => {
            // The date is judged after the authority: ask with today's, then report.
            projects::add_hold_allowed(&s.app, &ctx.actor, &code).await?;
            Err(e)
        }
    };
    done(&s, &ctx, &code, "hold", result).await
}

async fn end_hold(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((code, id)): Path<(String, String)>,
    Form(f): Form<HoldForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    projects::add_hold_allowed(&s.app, &ctx.actor, &code).await?;
    let result = match date("to", &f.to) {
        Ok(to) => projects::end_hold(&s.app, &ctx.actor, &code, &id, to).await,
        Err(e) => Err(e),
    };
    done(&s, &ctx, &code, "hold_end", result).await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct JointForm {
    csrf: String,
    kind: String,
    /// Department codes, one a line or separated by commas.
    departments: String,
    decision: String,
    points: String,
}

fn kind_of(text: &str) -> app::Result<JointKind> {
    JointKind::parse(text).ok_or_else(|| app::AppError::NotFound("联合审查".into()))
}

fn lines(text: &str) -> Vec<String> {
    text.split(['\n', ',', '，'])
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

async fn open_joint(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Form(f): Form<JointForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let kind = JointKind::parse(&f.kind).unwrap_or(JointKind::DrawingReview);
    let result =
        projects::open_joint(&s.app, &ctx.actor, &code, kind, &lines(&f.departments)).await;
    done(&s, &ctx, &code, "joint", result).await
}

/// A step of a joint review (联合审查): a member's opinion, closing it, or the enterprise's
/// resubmission after rectification; which one is the route's last segment.
async fn joint_step(
    State(s): State<AppState>,
    ctx: Ctx,
    route: MatchedPath,
    Path((code, kind)): Path<(String, String)>,
    Form(f): Form<JointForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let kind = kind_of(&kind)?;
    let (app, actor) = (&s.app, &ctx.actor);
    let result = match route.as_str().rsplit('/').next() {
        Some("opinion") => {
            let points: Vec<String> = f.points.lines().map(str::to_string).collect();
            projects::opine(app, actor, &code, kind, f.decision == "pass", &points).await
        }
        Some("close") => projects::close_joint(app, actor, &code, kind).await,
        Some("resubmit") => projects::resubmit(app, actor, &code, kind).await,
        _ => Err(app::AppError::NotFound("联合审查步骤".into())),
    };
    done(&s, &ctx, &code, "joint", result).await
}

#[derive(Template)]
#[template(path = "projects_stats.html")]
struct StatsPage {
    nav: Nav,
    s: projects::ProjectStats,
    used_chart: String,
    stage_chart: String,
    department_chart: String,
}

impl Shows for StatsPage {}

impl StatsPage {
    fn one(&self, v: &f64) -> String {
        format!("{v:.1}")
    }
    fn percent(&self, v: &f64) -> String {
        format!("{:.0}%", v * 100.0)
    }
}

/// Figures of the region's projects and of the market's delivered services (staff).
async fn stats(State(s): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let figures = projects::statistics(&s.app, &ctx.actor).await?;
    let used: Vec<(String, f64)> = figures
        .categories
        .iter()
        .map(|c| (c.category.label().to_string(), c.mean_used))
        .collect();
    let stage: Vec<(String, f64)> = figures
        .stages
        .iter()
        .map(|st| (st.stage.label().to_string(), st.mean_days))
        .collect();
    let department: Vec<(String, f64)> = figures
        .departments
        .iter()
        .map(|d| (d.name.clone(), d.figures.mean_used))
        .collect();
    render(&StatsPage {
        nav: Nav::of(&ctx),
        department_chart: crate::charts::bars(
            "各部门平均办理用时（已办结，工作日）",
            &department,
            "天",
        ),
        used_chart: crate::charts::bars("各类项目政府部门平均用时（工作日）", &used, "天"),
        stage_chart: crate::charts::bars("各阶段平均用时（已办结，工作日）", &stage, "天"),
        s: figures,
    })
}
