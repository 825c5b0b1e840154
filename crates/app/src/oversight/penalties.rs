//! 行政处罚 cases: opened (立案) by an approver of the department from an inspection finding
//! or on their own, each later step by its reviewers and approvers (the decision by an
//! approver), public once decided; a penalty goes on the credit record; the party is told
//! at 告知 and at 决定.

use domain::account::Role;
use domain::credit::Kind;
use domain::penalty::{self, Action, Opening, Step};
use store::oversight::PenaltyRow;

use super::department_staff;
use crate::auth::Actor;
use crate::{App, AppError, Result};

/// One step taken, as the history keeps it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Taken {
    pub step: String,
    pub text: String,
    pub by: String,
    pub at: i64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct PenaltyView {
    pub id: String,
    pub department: String,
    pub department_name: String,
    pub holder_id: String,
    pub holder_name: String,
    pub legal_basis: String,
    pub facts: String,
    #[serde(skip)]
    pub step: Step,
    pub source: String,
    pub history: Vec<Taken>,
    pub penalized: bool,
    pub fine: i64,
    pub decision: String,
    pub opened_at: i64,
    pub decided_at: i64,
    /// The actor may take the next step.
    pub handler: bool,
}

const HANDLERS: &[Role] = &[Role::Reviewer, Role::Approver];
const REFUSAL: &str = "只有本部门的执法人员可以办理行政处罚案件";

async fn view(
    app: &App,
    c: &mut store::Connection,
    actor: &Actor,
    p: &PenaltyRow,
) -> Result<PenaltyView> {
    let department_name = app.department_name(c, &p.department).await;
    Ok(PenaltyView {
        id: p.id.clone(),
        department: p.department.clone(),
        department_name,
        holder_id: p.holder_id.clone(),
        holder_name: p.holder_name.clone(),
        legal_basis: p.legal_basis.clone(),
        facts: p.facts.clone(),
        step: Step::parse(&p.step)
            .ok_or_else(|| AppError::Internal(format!("penalty {}: step", p.id)))?,
        source: p.source.clone(),
        history: serde_json::from_str(&p.history)
            .map_err(|e| AppError::Internal(format!("penalty {}: {e}", p.id)))?,
        penalized: p.penalized != 0,
        fine: p.fine,
        decision: p.decision.clone(),
        opened_at: p.opened_at,
        decided_at: p.decided_at,
        handler: department_staff(actor, &p.region, &p.department, HANDLERS, REFUSAL).is_ok(),
    })
}

/// Whether the actor may read a case: its department's staff always; the party and everyone
/// once it is decided (行政处罚决定公开).
async fn readable(c: &mut store::Connection, actor: &Actor, p: &PenaltyRow) -> Result<bool> {
    if p.decided_at > 0
        || department_staff(actor, &p.region, &p.department, HANDLERS, REFUSAL).is_ok()
    {
        return Ok(true);
    }
    Ok(match actor {
        Actor::Applicant { id, login, .. } => {
            *login == p.holder_id || store::subjects::is_linked(c, &p.holder_id, id).await?
        }
        Actor::Staff { scope, .. } => scope.covers(&p.region, Some(&p.department)),
        Actor::Anonymous => false,
    })
}

pub async fn penalty(app: &App, actor: &Actor, id: &str) -> Result<PenaltyView> {
    let mut c = app.store.conn().await?;
    let p = store::oversight::penalty(&mut c, id)
        .await?
        .ok_or_else(|| AppError::NotFound("行政处罚案件".into()))?;
    if !readable(&mut c, actor, &p).await? {
        return Err(AppError::NotFound("行政处罚案件".into()));
    }
    view(app, &mut c, actor, &p).await
}

/// The decided cases (public), newest first.
pub async fn decided(app: &App, actor: &Actor) -> Result<Vec<PenaltyView>> {
    let mut c = app.store.conn().await?;
    let mut out = Vec::new();
    for p in store::oversight::penalties(&mut c, "", true).await? {
        out.push(view(app, &mut c, actor, &p).await?);
    }
    Ok(out)
}

/// Opens a case (立案) against a target of a plan whose result found a violation, or
/// against anyone when `plan` is None.
pub async fn open(
    app: &App,
    actor: &Actor,
    department: &str,
    plan: Option<(&str, &str)>,
    o: &Opening,
) -> Result<String> {
    let mut tx = app.store.begin().await?;
    let dept = store::org::get_department(&mut tx, department.trim())
        .await
        .map_err(|_| AppError::field("department", "unknown", "没有这个部门"))?;
    let approver = [Role::Approver];
    let (_, login, _) = department_staff(
        actor,
        &dept.region,
        &dept.code,
        &approver,
        "只有本部门的批准人可以立案",
    )?;
    o.validate().map_err(AppError::Validation)?;
    let id = uuid::Uuid::now_v7().to_string();
    let mut source = String::new();
    if let Some((plan_id, target)) = plan {
        let results = store::oversight::results(&mut tx, plan_id).await?;
        let r = results
            .iter()
            .find(|r| r.target_id == target)
            .ok_or_else(|| AppError::NotFound("检查结果".into()))?;
        if r.outcome != "violation" && r.outcome != "rectify" {
            return Err(AppError::State(
                "该对象的检查未发现问题，不能据此立案".into(),
            ));
        }
        if !store::oversight::link_penalty(&mut tx, plan_id, target, &id).await? {
            return Err(AppError::State("该检查结果已经立案".into()));
        }
        source = plan_id.to_string();
    }
    let history = vec![Taken {
        step: Step::Filed.as_str().into(),
        text: o.facts.trim().into(),
        by: login.into(),
        at: app.now_ms(),
    }];
    store::oversight::insert_penalty(
        &mut tx,
        &PenaltyRow {
            id: id.clone(),
            department: dept.code.clone(),
            region: dept.region.clone(),
            holder_id: o.holder_id.trim().into(),
            holder_name: o.holder_name.trim().into(),
            legal_basis: o.legal_basis.trim().into(),
            facts: o.facts.trim().into(),
            step: Step::Filed.as_str().into(),
            source,
            history: serde_json::to_string(&history)
                .map_err(|e| AppError::Internal(e.to_string()))?,
            opened_by: login.into(),
            opened_at: app.now_ms(),
            ..PenaltyRow::default()
        },
    )
    .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(id)
}

/// Takes the next step.
pub async fn step(app: &App, actor: &Actor, id: &str, action: &Action) -> Result<PenaltyView> {
    let mut tx = app.store.begin().await?;
    let p = store::oversight::penalty(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::NotFound("行政处罚案件".into()))?;
    let (_, login, _) = department_staff(actor, &p.region, &p.department, HANDLERS, REFUSAL)
        .map_err(|e| match e {
            AppError::Forbidden(_) if p.decided_at == 0 => {
                AppError::NotFound("行政处罚案件".into())
            }
            e => e,
        })?;
    if matches!(action, Action::Decide { .. })
        && !matches!(actor, Actor::Staff { roles, .. } if roles.contains(&Role::Approver))
    {
        return Err(AppError::Forbidden("处罚决定须由批准人作出".into()));
    }
    let from =
        Step::parse(&p.step).ok_or_else(|| AppError::Internal(format!("penalty {id}: step")))?;
    let to = penalty::advance(from, action).map_err(|e| match e {
        Ok(fields) => AppError::Validation(fields),
        Err(e) => AppError::State(e.to_string()),
    })?;
    let mut history: Vec<Taken> = serde_json::from_str(&p.history)
        .map_err(|e| AppError::Internal(format!("penalty {id}: {e}")))?;
    let now = app.now_ms();
    let text = match action {
        Action::Investigate { evidence } => evidence,
        Action::Notify { intended } => intended,
        Action::Decide { text, .. } => text,
        Action::Execute { note } => note,
    };
    history.push(Taken {
        step: to.as_str().into(),
        text: text.trim().into(),
        by: login.into(),
        at: now,
    });
    let mut next = PenaltyRow {
        step: to.as_str().into(),
        history: serde_json::to_string(&history).map_err(|e| AppError::Internal(e.to_string()))?,
        ..p.clone()
    };
    if let Action::Decide {
        penalized,
        fine,
        text,
    } = action
    {
        next.penalized = i64::from(*penalized);
        next.fine = *fine;
        next.decision = text.trim().into();
        next.decided_at = now;
    }
    if matches!(action, Action::Execute { .. }) {
        next.executed_at = now;
    }
    if !store::oversight::step_penalty(&mut tx, &next, from.as_str()).await? {
        return Err(AppError::State("案件刚被他人办理，请刷新后再试".into()));
    }
    let tell = match action {
        Action::Notify { intended } => Some(format!(
            "行政处罚事先告知：{}拟对您作出如下处理：{}。您有权陈述、申辩，符合条件的可要求听证",
            app.department_name(&mut tx, &p.department).await,
            intended.trim()
        )),
        Action::Decide { text, .. } => Some(format!("行政处罚决定：{}", text.trim())),
        _ => None,
    };
    if let Action::Decide {
        penalized: true, ..
    } = action
    {
        super::credit::add(
            &mut tx,
            app,
            format!("penalty:{id}"),
            (&p.holder_id, &p.holder_name),
            Kind::Penalty,
            (&p.region, id),
            format!("行政处罚：{}（依据：{}）", next.decision, p.legal_basis),
        )
        .await?;
    }
    if let Some(text) = tell
        && let Some(a) = store::accounts::find_by_login(&mut tx, &p.holder_id).await?
    {
        crate::agents::notify(&mut tx, app, &a.id, "penalty", text, None).await?;
    }
    let v = view(app, &mut tx, actor, &next).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(v)
}
