//! 双随机一公开: plans, the draw (made once, with a seed the platform picks at random and
//! records beside the lists it drew from), its re-run by anyone with the seed, the results
//! the drawn inspectors record (public as soon as recorded, due within 20 working days), and
//! the penalty case a violation opens.

use domain::account::Role;
use domain::credit::Kind;
use domain::ids::RegionCode;
use domain::inspection::{self, Assignment, Candidate, Inspector, Outcome, Plan};
use store::oversight::PlanRow;
pub use store::oversight::ResultRow;

use super::{department_staff, today};
use crate::auth::Actor;
use crate::{App, AppError, Result};

/// A plan as pages show it: public.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PlanView {
    pub id: String,
    pub plan: Plan,
    pub department_name: String,
    pub created_at: i64,
    pub seed: String,
    pub drawn_at: i64,
    pub publish_by: String,
    pub candidates: Vec<Candidate>,
    pub inspectors: Vec<Inspector>,
    pub assignments: Vec<Assignment>,
    pub results: Vec<ResultRow>,
    /// The actor may draw and open penalty cases (an approver of the department).
    pub officer: bool,
}

fn json<T: serde::de::DeserializeOwned>(s: &str, what: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| AppError::Internal(format!("inspection {what}: {e}")))
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| AppError::Internal(e.to_string()))
}

const OFFICERS: &[Role] = &[Role::Approver];
const REFUSAL: &str = "只有本部门的批准人可以制定和抽取抽查计划";

async fn view(
    app: &App,
    c: &mut store::Connection,
    actor: &Actor,
    row: &PlanRow,
) -> Result<PlanView> {
    let department_name = app.department_name(c, &row.department).await;
    Ok(PlanView {
        id: row.id.clone(),
        plan: json(&row.plan, "plan")?,
        department_name,
        created_at: row.created_at,
        seed: row.seed.clone(),
        drawn_at: row.drawn_at,
        publish_by: row.publish_by.clone(),
        candidates: json(&row.candidates, "candidates")?,
        inspectors: json(&row.inspectors, "inspectors")?,
        assignments: json(&row.assignments, "assignments")?,
        results: store::oversight::results(c, &row.id).await?,
        officer: department_staff(actor, &row.region, &row.department, OFFICERS, REFUSAL).is_ok(),
    })
}

async fn load(c: &mut store::Connection, id: &str) -> Result<PlanRow> {
    store::oversight::plan(c, id)
        .await?
        .ok_or_else(|| AppError::NotFound("抽查计划".into()))
}

/// Every plan: public (一公开).
pub async fn plans(app: &App, actor: &Actor) -> Result<Vec<PlanView>> {
    let mut c = app.store.conn().await?;
    let mut out = Vec::new();
    for row in store::oversight::plans(&mut c).await? {
        out.push(view(app, &mut c, actor, &row).await?);
    }
    Ok(out)
}

pub async fn plan(app: &App, actor: &Actor, id: &str) -> Result<PlanView> {
    let mut c = app.store.conn().await?;
    let row = load(&mut c, id).await?;
    view(app, &mut c, actor, &row).await
}

/// Whether the actor plans inspections at all (an approver of some department).
pub fn may_plan(actor: &Actor) -> Result<()> {
    match actor {
        Actor::Staff { roles, scope, .. }
            if roles.contains(&Role::Approver) && scope.department.is_some() =>
        {
            Ok(())
        }
        Actor::Anonymous => Err(AppError::Unauthenticated),
        _ => Err(AppError::Forbidden(REFUSAL.into())),
    }
}

/// An approver of the department writes a plan.
pub async fn create(app: &App, actor: &Actor, plan: &Plan) -> Result<String> {
    // Authority before what was typed: only approvers plan at all.
    may_plan(actor)?;
    let dept = {
        let mut c = app.store.conn().await?;
        store::org::get_department(&mut c, plan.department.trim())
            .await
            .map_err(|_| AppError::field("department", "unknown", "没有这个部门"))?
    };
    let (_, login, _) = department_staff(actor, &dept.region, &dept.code, OFFICERS, REFUSAL)?;
    plan.validate().map_err(AppError::Validation)?;
    let within = matches!(
        (RegionCode::parse(plan.region.trim()), RegionCode::parse(&dept.region)),
        (Ok(r), Ok(d)) if r.is_within(&d)
    );
    if !within {
        return Err(AppError::field(
            "region",
            "inconsistent",
            format!("{}不管辖该地区", dept.name),
        ));
    }
    let id = uuid::Uuid::now_v7().to_string();
    let mut tx = app.store.begin().await?;
    store::oversight::insert_plan(
        &mut tx,
        &PlanRow {
            id: id.clone(),
            department: dept.code.clone(),
            region: dept.region.clone(),
            title: plan.title.trim().into(),
            plan: to_json(plan)?,
            created_by: login.into(),
            created_at: app.now_ms(),
            ..PlanRow::default()
        },
    )
    .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(id)
}

/// The entities that may be drawn: valid holders of the plan's license types in its region,
/// with who approved each license.
async fn candidates(c: &mut store::Connection, plan: &Plan) -> Result<Vec<Candidate>> {
    let region = RegionCode::parse(plan.region.trim())
        .map_err(|_| AppError::field("region", "invalid", "抽查地区有误"))?;
    let mut out: Vec<Candidate> = Vec::new();
    for t in &plan.license_types {
        for (holder, name, dept_region, case_id) in store::oversight::licensed(c, t.trim()).await? {
            // Where the entity is: its credit code's registering region, else the issuer's.
            let at = domain::ids::CreditCode::parse(&holder)
                .map(|code| code.as_str()[2..8].to_string())
                .unwrap_or(dept_region);
            let inside = RegionCode::parse(&at).is_ok_and(|r| r.is_within(&region));
            if !inside || out.iter().any(|x| x.id == holder) {
                continue;
            }
            let approved_by = deciders(c, &case_id).await?;
            out.push(Candidate {
                id: holder,
                name,
                region: at,
                approved_by,
            });
        }
    }
    Ok(out)
}

/// Who worked the licence's approval: the staff who claimed or completed its review steps and
/// who decided it (the case's audit events; a decision is not a review step).
async fn deciders(c: &mut store::Connection, case_id: &str) -> Result<Vec<String>> {
    if case_id.is_empty() {
        return Ok(vec![]);
    }
    let mut out: Vec<String> = Vec::new();
    for e in store::cases::events(c, case_id).await? {
        if matches!(e.kind.as_str(), "claimed" | "step_completed" | "decided")
            && !out.contains(&e.actor)
        {
            out.push(e.actor);
        }
    }
    Ok(out)
}

/// Draws the plan (once): the seed is picked at random and recorded with the lists.
pub async fn draw(app: &App, actor: &Actor, id: &str) -> Result<PlanView> {
    let mut tx = app.store.begin().await?;
    let row = load(&mut tx, id).await?;
    let (_, login, _) = department_staff(actor, &row.region, &row.department, OFFICERS, REFUSAL)?;
    if !row.seed.is_empty() {
        return Err(AppError::State("该计划已经抽取，结果不能重抽".into()));
    }
    let plan: Plan = json(&row.plan, "plan")?;
    let cands = candidates(&mut tx, &plan).await?;
    let inspectors: Vec<Inspector> = store::oversight::department_staff(&mut tx, &row.department)
        .await?
        .into_iter()
        .filter(|(_, _, _, roles)| roles.split(',').any(|r| r == "reviewer" || r == "approver"))
        .map(|(id, name, region, _)| Inspector {
            id,
            name,
            residence: region,
        })
        .collect();
    let seed = format!(
        "{}-{}",
        today(app).to_string().replace('-', ""),
        &uuid::Uuid::new_v4().simple().to_string()[..16]
    );
    let assignments = inspection::draw(&seed, &plan, &cands, &inspectors)
        .map_err(|e| AppError::State(e.to_string()))?;
    let publish_by = crate::cases::calendar(app)
        .add_working_days(today(app), inspection::PUBLISH_WITHIN_WORKING_DAYS)
        .to_string();
    let next = PlanRow {
        seed,
        drawn_by: login.into(),
        drawn_at: app.now_ms(),
        candidates: to_json(&cands)?,
        inspectors: to_json(&inspectors)?,
        assignments: to_json(&assignments)?,
        publish_by,
        ..row
    };
    if !store::oversight::record_draw(&mut tx, &next).await? {
        return Err(AppError::State("该计划刚被抽取".into()));
    }
    crate::audit::admin(
        &mut tx,
        app,
        actor_id(actor),
        "inspection_drawn",
        id,
        serde_json::json!({"seed": next.seed, "targets": assignments.len()}),
    )
    .await?;
    for a in &assignments {
        for i in &a.inspectors {
            let text = format!(
                "您被抽取参加“{}”，检查对象：{}，请在 {} 前录入检查结果",
                plan.title, a.target.name, next.publish_by
            );
            crate::agents::notify(&mut tx, app, &i.id, "inspection", text, None).await?;
        }
    }
    let v = view(app, &mut tx, actor, &next).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(v)
}

fn actor_id(actor: &Actor) -> &str {
    match actor {
        Actor::Staff { id, .. } | Actor::Applicant { id, .. } => id,
        Actor::Anonymous => "",
    }
}

/// Anyone re-runs a drawn plan with its seed: true when the result is the recorded one. A
/// seed other than the recorded one is refused (it would be another draw).
pub async fn verify(app: &App, id: &str, seed: &str) -> Result<bool> {
    let mut c = app.store.conn().await?;
    let row = load(&mut c, id).await?;
    if row.seed.is_empty() {
        return Err(AppError::State("该计划尚未抽取".into()));
    }
    if seed.trim() != row.seed {
        return Err(AppError::field(
            "seed",
            "mismatch",
            "该种子不是本次抽取公布的种子；用其他种子重抽会得到另一结果，不能作为核验",
        ));
    }
    let plan: Plan = json(&row.plan, "plan")?;
    let cands: Vec<Candidate> = json(&row.candidates, "candidates")?;
    let inspectors: Vec<Inspector> = json(&row.inspectors, "inspectors")?;
    let recorded: Vec<Assignment> = json(&row.assignments, "assignments")?;
    Ok(inspection::draw(seed.trim(), &plan, &cands, &inspectors).is_ok_and(|a| a == recorded))
}

/// Whether the actor was drawn for `target` of the plan (before a form is judged).
pub async fn may_record(app: &App, actor: &Actor, id: &str, target: &str) -> Result<()> {
    let mut c = app.store.conn().await?;
    let row = load(&mut c, id).await?;
    let assignments: Vec<Assignment> = json(&row.assignments, "assignments")?;
    let me = actor_id(actor);
    if assignments
        .iter()
        .any(|a| a.target.id == target && a.inspectors.iter().any(|i| i.id == me))
    {
        Ok(())
    } else if actor.is_anonymous() {
        Err(AppError::Unauthenticated)
    } else {
        Err(AppError::Forbidden(
            "只有被抽中的检查人员可以录入该对象的结果".into(),
        ))
    }
}

/// A drawn inspector records the result for a target; a finding goes on its credit record.
pub async fn record(
    app: &App,
    actor: &Actor,
    id: &str,
    target: &str,
    outcome: Outcome,
    findings: &str,
) -> Result<()> {
    let mut tx = app.store.begin().await?;
    let row = load(&mut tx, id).await?;
    let assignments: Vec<Assignment> = json(&row.assignments, "assignments")?;
    let a = assignments
        .iter()
        .find(|a| a.target.id == target)
        .ok_or_else(|| AppError::NotFound("检查对象".into()))?;
    let me = actor_id(actor);
    if !a.inspectors.iter().any(|i| i.id == me) {
        return Err(AppError::Forbidden(
            "只有被抽中的检查人员可以录入该对象的结果".into(),
        ));
    }
    inspection::check_result(outcome, findings).map_err(AppError::Validation)?;
    let inserted = store::oversight::insert_result(
        &mut tx,
        &ResultRow {
            plan_id: id.into(),
            target_id: target.into(),
            target_name: a.target.name.clone(),
            outcome: outcome.as_str().into(),
            findings: findings.trim().into(),
            recorded_by: me.into(),
            recorded_at: app.now_ms(),
            penalty_id: String::new(),
        },
    )
    .await?;
    if !inserted {
        return Err(AppError::State("该对象的检查结果已经录入".into()));
    }
    if outcome.is_finding() {
        let plan: Plan = json(&row.plan, "plan")?;
        super::credit::add(
            &mut tx,
            app,
            format!("inspection:{id}:{target}"),
            (&a.target.id, &a.target.name),
            Kind::InspectionFinding,
            (&row.region, id),
            format!("{}：{}", plan.title, findings.trim()),
        )
        .await?;
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(())
}
