//! 工程建设项目审批: an enterprise registers its project under the 投资项目代码; the project
//! runs the stages of its category's path, each stage one 一件事 bundle application filed by
//! the owner (a stage starts when the one before it has finished); one clock counts the
//! government's working days against the promise, without the spans the file is held by the
//! enterprise or an intermediary; 联合审图 and 联合验收 gather every department's opinion
//! (see `joint`).
//!
//! Who sees a project: its owner, its 代办员, and staff whose region covers it.

mod agent;
mod carried;
mod joint;
mod list;
mod stats;

use agent::acts_for_owner;
pub use agent::{assign_agent, reminders};
pub use carried::carried_for;
pub use list::{ProjectSummary, projects};

pub use joint::{add_hold, add_hold_allowed, close_joint, end_hold, open_joint, opine, resubmit};
pub use stats::{MarketFigures, ProjectStats, statistics};

use domain::account::ApplicantKind;
use domain::project::joint::Step;
use domain::project::{self, Clock, Hold, HoldReason, Path, ProjectDraft, Stage, StagePlan};
use serde::Serialize;
use store::projects::{ProjectRow, StageRow};
use time::Date;

use crate::auth::Actor;
use crate::bundles::{Application, BundleView};
use crate::{App, AppError, Result};

/// One stage as the project page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct StageView {
    pub plan: StagePlan,
    pub label: &'static str,
    /// The bundle application running it, once started.
    pub bundle: Option<BundleView>,
    pub started_at: i64,
    pub finished_at: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct HoldView {
    pub id: String,
    pub hold: Hold,
    pub label: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProjectView {
    pub code: String,
    pub draft: ProjectDraft,
    pub owner_code: String,
    pub owner_name: String,
    pub path: Path,
    pub stages: Vec<StageView>,
    /// The stage the owner may start now, if any.
    pub next: Option<Stage>,
    pub holds: Vec<HoldView>,
    /// From the first stage's start; None before it.
    pub clock: Option<Clock>,
    pub joints: Vec<Step>,
    /// Intermediary services bought for it on the 中介超市.
    pub services: Vec<crate::market::JobView>,
    /// Where it is built, by name (the draft keeps the region code).
    pub region_name: String,
    /// The 代办员 the owner named (display name), empty when none.
    pub agent: String,
    /// Names of the departments in the joint steps, by code.
    pub departments: std::collections::BTreeMap<String, String>,
    /// The actor owns it (or is its agent).
    pub mine: bool,
}

fn internal(code: &str, what: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("project {code}: {what}"))
}

fn parse<T: serde::de::DeserializeOwned>(code: &str, json: &str) -> Result<T> {
    serde_json::from_str(json).map_err(|e| internal(code, e))
}

fn json(v: &impl Serialize) -> Result<String> {
    serde_json::to_string(v).map_err(|e| AppError::Internal(e.to_string()))
}

/// The configured path of each category (an administrator's setting; the demo loads one).
pub async fn save_paths(app: &App, actor: &Actor, paths: &[Path]) -> Result<()> {
    actor.system_admin()?;
    save_paths_unchecked(app, paths).await
}

pub(crate) async fn save_paths_unchecked(app: &App, paths: &[Path]) -> Result<()> {
    let mut tx = app.store.begin().await?;
    for p in paths {
        p.validate()?;
        for s in &p.stages {
            if store::bundles::get_bundle(&mut tx, &s.bundle)
                .await?
                .is_none()
            {
                return Err(AppError::field(
                    "stages",
                    "unknown_bundle",
                    format!("“{}”阶段的一件事 {} 不存在", s.stage.label(), s.bundle),
                ));
            }
        }
        store::projects::save_path(&mut tx, p.category.as_str(), &json(p)?).await?;
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(())
}

/// Whether `actor` may register a project (an enterprise); the pages ask before they judge
/// the form.
pub fn may_register(actor: &Actor) -> Result<()> {
    match actor {
        Actor::Applicant {
            kind: ApplicantKind::Enterprise,
            ..
        } => Ok(()),
        Actor::Anonymous => Err(AppError::Unauthenticated),
        _ => Err(AppError::Forbidden("项目由建设单位（企业账号）登记".into())),
    }
}

/// The owner enterprise registers a project; it takes its category's path as configured now.
pub async fn register(app: &App, actor: &Actor, draft: &ProjectDraft) -> Result<ProjectView> {
    let Actor::Applicant {
        id,
        login,
        name,
        kind: ApplicantKind::Enterprise,
    } = actor
    else {
        return Err(match actor {
            Actor::Anonymous => AppError::Unauthenticated,
            _ => AppError::Forbidden("项目由建设单位（企业账号）登记".into()),
        });
    };
    draft.validate()?;
    let code = project::check_code(&draft.code)?;
    let mut tx = app.store.begin().await?;
    let path = store::projects::path(&mut tx, draft.category.as_str())
        .await?
        .ok_or_else(|| {
            AppError::field(
                "category",
                "no_path",
                format!("尚未配置{}的审批路径，请联系管理员", draft.category.label()),
            )
        })?;
    let draft = ProjectDraft {
        code: code.clone(),
        name: draft.name.trim().to_string(),
        ..draft.clone()
    };
    let row = ProjectRow {
        code: code.clone(),
        owner_id: id.clone(),
        owner_code: login.clone(),
        owner_name: name.clone(),
        region: draft.region.trim().to_string(),
        category: draft.category.as_str().into(),
        draft: json(&draft)?,
        path,
        agent_id: String::new(),
        created_at: app.now_ms(),
    };
    if !store::projects::insert(&mut tx, &row).await? {
        return Err(AppError::Conflict {
            field: "code".into(),
            message: format!("投资项目代码 {code} 已登记"),
        });
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    project(app, actor, &code).await
}

/// Whether `actor` may see the project: owner, agent, or staff covering its region.
fn may_see(actor: &Actor, p: &ProjectRow) -> Result<bool> {
    Ok(match actor {
        Actor::Anonymous => return Err(AppError::Unauthenticated),
        Actor::Applicant { id, .. } => *id == p.owner_id,
        Actor::Staff { id, scope, .. } => *id == p.agent_id || scope.covers_region(&p.region),
    })
}

pub(crate) async fn load(
    conn: &mut store::Connection,
    actor: &Actor,
    code: &str,
) -> Result<ProjectRow> {
    let code = code.trim().to_ascii_uppercase();
    let p = store::projects::project(conn, &code)
        .await?
        .ok_or_else(|| AppError::NotFound("项目".into()))?;
    if !may_see(actor, &p)? {
        return Err(AppError::NotFound("项目".into()));
    }
    Ok(p)
}

/// The project page: stages with their members, holds, clock, joint steps.
pub async fn project(app: &App, actor: &Actor, code: &str) -> Result<ProjectView> {
    let mut c = app.store.conn().await?;
    let p = load(&mut c, actor, code).await?;
    refresh_finished(app, &mut c, &p).await?;
    view(app, &mut c, actor, &p).await
}

/// Marks started stages whose bundle application has completed as finished.
async fn refresh_finished(app: &App, c: &mut store::Connection, p: &ProjectRow) -> Result<()> {
    for s in store::projects::stages(c, &p.code).await? {
        if s.finished_at == 0 && !s.parent_id.starts_with(PENDING) {
            let (b, _, _) = crate::bundles::build(app, c, &s.parent_id).await?;
            if b.state == "已办结" {
                // The finish and its reminder are one write; a second reader finds it done.
                let mut tx = app.store.begin().await?;
                if store::projects::finish_stage(&mut tx, &p.code, &s.stage, app.now_ms()).await? {
                    let label = Stage::parse(&s.stage).map_or("", Stage::label);
                    agent::remind(&mut tx, app, p, &format!("“{label}”阶段已办结")).await?;
                }
                tx.commit().await.map_err(store::StoreError::from)?;
            }
        }
    }
    Ok(())
}

/// The stages a project has started, and those of them finished.
fn stages_begun(rows: &[store::projects::StageRow]) -> (Vec<Stage>, Vec<Stage>) {
    let started = rows.iter().filter_map(|r| Stage::parse(&r.stage)).collect();
    let finished = rows
        .iter()
        .filter(|r| r.finished_at > 0)
        .filter_map(|r| Stage::parse(&r.stage))
        .collect();
    (started, finished)
}

async fn view(
    app: &App,
    c: &mut store::Connection,
    actor: &Actor,
    p: &ProjectRow,
) -> Result<ProjectView> {
    let draft: ProjectDraft = parse(&p.code, &p.draft)?;
    let path: Path = parse(&p.code, &p.path)?;
    let rows = store::projects::stages(c, &p.code).await?;
    let mut stages = Vec::new();
    for plan in &path.stages {
        let row = rows.iter().find(|r| r.stage == plan.stage.as_str());
        let bundle = match row {
            Some(r) if !r.parent_id.starts_with(PENDING) => {
                Some(crate::bundles::build(app, c, &r.parent_id).await?.0)
            }
            _ => None,
        };
        stages.push(StageView {
            label: plan.stage.label(),
            plan: plan.clone(),
            bundle,
            started_at: row.map_or(0, |r| r.started_at),
            finished_at: row.map_or(0, |r| r.finished_at),
        });
    }
    let (started, finished) = stages_begun(&rows);
    let next = path
        .next(&started)
        .map(|s| s.stage)
        .filter(|s| project::may_start(&path, *s, &started, &finished).is_ok());
    let mut holds = joint::hold_views(c, &p.code).await?;
    let hs: Vec<Hold> = holds.iter().map(|h| h.hold.clone()).collect();
    let clock = clock_of(app, &path, &rows, &hs);
    // The spans between stages are shown with the recorded holds (they have no id: nobody
    // ends them but the next filing).
    for hold in gaps(&path, &rows) {
        holds.push(HoldView {
            id: String::new(),
            label: hold.reason.label(),
            hold,
        });
    }
    holds.sort_by_key(|h| h.hold.from);
    let joints = store::projects::joints(c, &p.code)
        .await?
        .iter()
        .map(|j| parse(&p.code, &j.step))
        .collect::<Result<Vec<Step>>>()?;
    let mut departments = std::collections::BTreeMap::new();
    for d in joints.iter().flat_map(|j| j.departments.iter()) {
        if !departments.contains_key(d) {
            let name = app.department_name(c, d).await;
            departments.insert(d.clone(), name);
        }
    }
    let agent = if p.agent_id.is_empty() {
        String::new()
    } else {
        store::accounts::get_account(c, &p.agent_id)
            .await?
            .display_name
    };
    let services = crate::market::jobs_for_project(app, actor, &p.code).await?;
    let region_name = store::org::get_region(c, &draft.region)
        .await
        .map_or_else(|_| draft.region.clone(), |r| r.name);
    Ok(ProjectView {
        region_name,
        services,
        agent,
        departments,
        code: p.code.clone(),
        owner_code: p.owner_code.clone(),
        owner_name: p.owner_name.clone(),
        draft,
        path,
        stages,
        next,
        holds,
        clock,
        joints,
        mine: acts_for_owner(c, app, actor, p).await?,
    })
}

/// The owner starts a stage: it files the stage's bundle with `application` (the merged form
/// and materials, as any 一件事), once the stages before it have finished.
pub async fn start_stage(
    app: &App,
    actor: &Actor,
    code: &str,
    stage: Stage,
    application: Application,
) -> Result<ProjectView> {
    let mut c = app.store.conn().await?;
    let p = load(&mut c, actor, code).await?;
    let (applicant, agent) = agent::filer(&mut c, app, actor, &p).await?;
    refresh_finished(app, &mut c, &p).await?;
    let path: Path = parse(&p.code, &p.path)?;
    let rows = store::projects::stages(&mut c, &p.code).await?;
    let (started, finished) = stages_begun(&rows);
    project::may_start(&path, stage, &started, &finished)?;
    let plan = path
        .stages
        .iter()
        .find(|s| s.stage == stage)
        .ok_or_else(|| internal(&p.code, "stage"))?;
    // What earlier stages produced and this stage asks for (read before the claim: a failure
    // here leaves nothing to release).
    let results = carried::carried(app, &mut c, &p, &plan.bundle).await?;
    drop(c);
    // The bundle application is its own transaction (it starts member cases), so the stage is
    // claimed first: a second start meanwhile (a double click, another node) loses at the
    // row's key before it files anything. A claim whose application fails is released; one
    // left by a crash is taken over once it is stale.
    let claim = format!("{PENDING}{}", uuid::Uuid::now_v7());
    claim_stage(app, &p.code, stage, &claim).await?;
    let by = agent
        .as_ref()
        .map(|(id, name)| crate::bundles::FiledBy { id, name });
    let filed =
        crate::bundles::apply_for(app, &applicant, by, &plan.bundle, application, results).await;
    let parent_id = match filed {
        Ok(id) => id,
        Err(e) => {
            let mut c = app.store.conn().await?;
            store::projects::release_stage(&mut c, &p.code, stage.as_str(), &claim).await?;
            return Err(e);
        }
    };
    let mut c = app.store.conn().await?;
    let at = app.now_ms();
    if !store::projects::swap_parent(&mut c, &p.code, stage.as_str(), &claim, &parent_id, at)
        .await?
    {
        return Err(internal(
            &p.code,
            "the stage's claim was taken over while it was filed",
        ));
    }
    if let Some((agent_id, agent_name)) = &agent {
        let detail = serde_json::json!({"stage": stage.as_str(), "parent": parent_id});
        let mut tx = app.store.begin().await?;
        crate::audit::admin(
            &mut tx,
            app,
            agent_id,
            "project_stage_by_agent",
            &p.code,
            detail,
        )
        .await?;
        let text = format!("代办员{agent_name}为您申报了“{}”阶段", stage.label());
        agent::remind(&mut tx, app, &p, &text).await?;
        tx.commit().await.map_err(store::StoreError::from)?;
    }
    drop(c);
    project(app, actor, &p.code).await
}

/// A stage row's `parent_id` while its bundle application is being filed.
const PENDING: &str = "pending:";

/// A claim older than this was left by a crash: another start may take it over.
const STALE_CLAIM_MS: i64 = 10 * 60 * 1000;

/// Claims a stage for filing, or says it has started (or is being filed).
async fn claim_stage(app: &App, code: &str, stage: Stage, claim: &str) -> Result<()> {
    let mut c = app.store.conn().await?;
    let now = app.now_ms();
    let row = StageRow {
        project_code: code.to_string(),
        stage: stage.as_str().into(),
        parent_id: claim.to_string(),
        started_at: now,
        finished_at: 0,
    };
    if store::projects::start_stage(&mut c, &row).await? {
        return Ok(());
    }
    let stale = store::projects::stages(&mut c, code)
        .await?
        .into_iter()
        .find(|r| r.stage == stage.as_str())
        .filter(|r| r.parent_id.starts_with(PENDING) && now - r.started_at > STALE_CLAIM_MS);
    if let Some(old) = stale
        && store::projects::swap_parent(&mut c, code, stage.as_str(), &old.parent_id, claim, now)
            .await?
    {
        return Ok(());
    }
    Err(AppError::State(format!(
        "“{}”阶段已经启动或正在申报",
        stage.label()
    )))
}

/// The project's clock from its stage rows: from the first start to today, or to the last
/// finish once every stage of the path has finished; None before any stage started.
pub(crate) fn clock_of(app: &App, path: &Path, rows: &[StageRow], holds: &[Hold]) -> Option<Clock> {
    let first = rows.iter().map(|r| r.started_at).min()?;
    let all_done = rows.iter().filter(|r| r.finished_at > 0).count() == path.stages.len();
    let end = if all_done {
        rows.iter()
            .map(|r| r.finished_at)
            .max()
            .map(store::from_millis)
    } else {
        None
    };
    let day = domain::calendar::china_date;
    let today: Date = day(end.unwrap_or_else(|| app.now()));
    let cal = crate::cases::calendar(app);
    let mut holds = holds.to_vec();
    holds.extend(gaps(path, rows));
    Some(project::clock(
        day(store::from_millis(first)),
        today,
        &holds,
        path.promised_days,
        &cal,
    ))
}

/// The spans between stages when the enterprise holds the file (see
/// `domain::project::between_stages`).
pub(crate) fn gaps(path: &Path, rows: &[StageRow]) -> Vec<Hold> {
    let day = |ms| domain::calendar::china_date(store::from_millis(ms));
    let stages: Vec<(Date, Option<Date>)> = rows
        .iter()
        .filter(|r| !r.parent_id.starts_with(PENDING))
        .map(|r| {
            (
                day(r.started_at),
                (r.finished_at > 0).then(|| day(r.finished_at)),
            )
        })
        .collect();
    project::between_stages(&stages, path.stages.len())
}

/// Holds as they are stored, for the clock.
pub(crate) fn hold_of(code: &str, h: &store::projects::HoldRow) -> Result<Hold> {
    let day = |s: &str| domain::calendar::parse_iso_date(s).map_err(|e| internal(code, e));
    Ok(Hold {
        reason: HoldReason::parse(&h.reason).ok_or_else(|| internal(code, "hold reason"))?,
        from: day(&h.from_day)?,
        to: if h.to_day.is_empty() {
            None
        } else {
            Some(day(&h.to_day)?)
        },
        note: h.note.clone(),
    })
}
