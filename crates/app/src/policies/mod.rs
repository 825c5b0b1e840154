//! 惠企政策 and 免申即享: a department's policy officers (事项管理员 of its scope) write a
//! policy's terms and rule, publish it (checked clause by clause), and the platform finds
//! everyone eligible among the subjects it knows (`run`), records a grant each with the
//! reasons, and tells them; holders confirm an account and the department records payment
//! (`grants`). Anyone may check an enterprise against the published policies, and a logged-in
//! applicant sees the policies they likely qualify for (`check`).

mod check;
mod grants;
mod item_rule;
mod run;

pub(crate) use check::verdicts;
pub use check::{Checked, PublicCheck, check_public, matches};
pub use grants::{GrantView, Ledger, confirm, grants_of, ledger, my_grants, pay};
pub(crate) use item_rule::check_auto_rule;
pub use item_rule::{ItemRule, item_rule, make_auto_rule};
pub use run::{RunReport, count_eligible, run, run_due};

use domain::policy::{Mode, PolicyState, Terms};
use store::policies::PolicyRow;

use crate::auth::{Actor, CatalogAdmin};
use crate::{App, AppError, Result};

/// A policy as pages show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PolicyView {
    pub id: String,
    pub terms: Terms,
    #[serde(skip)]
    pub state: PolicyState,
    pub version: i64,
    pub department_name: String,
    pub published_at: i64,
    pub last_run_at: i64,
    /// The actor may edit, publish, stop it and record payments.
    pub officer: bool,
}

pub(crate) fn terms_of(row: &PolicyRow) -> Result<Terms> {
    serde_json::from_str(&row.terms)
        .map_err(|e| AppError::Internal(format!("policy {}: terms: {e}", row.id)))
}

fn state_of(row: &PolicyRow) -> Result<PolicyState> {
    PolicyState::parse(&row.state)
        .ok_or_else(|| AppError::Internal(format!("policy {}: state {}", row.id, row.state)))
}

/// The capability of a policy officer for a policy of `department` in `region`.
fn officer(actor: &Actor, region: &str, department: &str) -> Result<CatalogAdmin> {
    let admin = actor
        .catalog_admin()
        .map_err(|_| AppError::Forbidden("只有政策发布部门的事项管理员可以管理政策".into()))?;
    if admin.covers(region, Some(department)) {
        Ok(admin)
    } else {
        Err(AppError::Forbidden("该政策不属于您管理的地区和部门".into()))
    }
}

fn is_officer(actor: &Actor, row: &PolicyRow) -> bool {
    officer(actor, &row.region, &row.department).is_ok()
}

async fn view_of(
    app: &App,
    c: &mut store::Connection,
    actor: &Actor,
    row: &PolicyRow,
) -> Result<PolicyView> {
    let department_name = app.department_name(c, &row.department).await;
    Ok(PolicyView {
        id: row.id.clone(),
        terms: terms_of(row)?,
        state: state_of(row)?,
        version: row.version,
        department_name,
        published_at: row.published_at,
        last_run_at: row.last_run_at,
        officer: is_officer(actor, row),
    })
}

/// Loads a policy the actor may see: drafts only to its officers.
async fn load(c: &mut store::Connection, actor: &Actor, id: &str) -> Result<PolicyRow> {
    let row = store::policies::policy(c, id)
        .await?
        .ok_or_else(|| AppError::NotFound("政策".into()))?;
    if row.state == PolicyState::Draft.as_str() && !is_officer(actor, &row) {
        return Err(AppError::NotFound("政策".into()));
    }
    Ok(row)
}

/// Published and stopped policies for everyone, with the drafts the actor may edit.
pub async fn list(app: &App, actor: &Actor) -> Result<Vec<PolicyView>> {
    let mut c = app.store.conn().await?;
    let mut out = Vec::new();
    for row in store::policies::policies(&mut c, "").await? {
        if row.state == PolicyState::Draft.as_str() && !is_officer(actor, &row) {
            continue;
        }
        out.push(view_of(app, &mut c, actor, &row).await?);
    }
    Ok(out)
}

pub async fn policy(app: &App, actor: &Actor, id: &str) -> Result<PolicyView> {
    let mut c = app.store.conn().await?;
    let row = load(&mut c, actor, id).await?;
    view_of(app, &mut c, actor, &row).await
}

/// Whether the actor may write policies at all (to offer the form).
pub fn may_write(actor: &Actor) -> bool {
    actor.catalog_admin().is_ok()
}

fn row_of(id: &str, t: &Terms, by: &str, now: i64) -> Result<PolicyRow> {
    Ok(PolicyRow {
        id: id.to_string(),
        department: t.department.trim().to_string(),
        region: t.region.trim().to_string(),
        terms: serde_json::to_string(t).map_err(|e| AppError::Internal(e.to_string()))?,
        title: t.title.trim().to_string(),
        target: t.rule.target.as_str().to_string(),
        mode: t.mode.as_str().to_string(),
        state: PolicyState::Draft.as_str().to_string(),
        created_by: by.to_string(),
        created_at: now,
        updated_at: now,
        ..PolicyRow::default()
    })
}

/// Checks what a draft may hold before it is saved: the fields (a draft may be incomplete
/// only in its rule, which `publish` checks again), the department of the region, and the
/// item of a 申报 policy.
async fn check_terms(c: &mut store::Connection, t: &Terms) -> Result<()> {
    t.validate().map_err(AppError::Validation)?;
    crate::org::speaks_for(c, &t.department, &t.region).await?;
    if t.mode == Mode::Apply
        && store::catalog::find_item(c, t.item_code.trim())
            .await?
            .is_none()
    {
        return Err(AppError::field(
            "item_code",
            "unknown",
            format!("事项目录中没有编码为“{}”的事项", t.item_code.trim()),
        ));
    }
    Ok(())
}

/// Saves a draft: a new policy when `id` is None. Returns its id.
pub async fn save_draft(app: &App, actor: &Actor, id: Option<&str>, t: &Terms) -> Result<String> {
    let admin = officer(actor, t.region.trim(), t.department.trim())?;
    let mut tx = app.store.begin().await?;
    check_terms(&mut tx, t).await?;
    let id = match id {
        Some(id) => {
            let old = load(&mut tx, actor, id).await?;
            // The officer must hold the policy as it was, not only as it is being moved to.
            officer(actor, &old.region, &old.department)?;
            let row = row_of(id, t, admin.login(), app.now_ms())?;
            if !store::policies::update_draft(&mut tx, &row).await? {
                return Err(AppError::State(
                    "政策已发布，请先点击“修订”生成新的草稿".into(),
                ));
            }
            id.to_string()
        }
        None => {
            let id = uuid::Uuid::now_v7().to_string();
            store::policies::insert_policy(&mut tx, &row_of(&id, t, admin.login(), app.now_ms())?)
                .await?;
            id
        }
    };
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(id)
}

/// Publishes a draft as the next version; a 免申即享 policy in force then runs at once.
pub async fn publish(app: &App, actor: &Actor, id: &str) -> Result<Option<RunReport>> {
    let mut tx = app.store.begin().await?;
    let row = load(&mut tx, actor, id).await?;
    let admin = officer(actor, &row.region, &row.department)?;
    let t = terms_of(&row)?;
    check_terms(&mut tx, &t).await?;
    let Some(version) =
        store::policies::publish(&mut tx, id, &row.terms, admin.login(), app.now_ms()).await?
    else {
        return Err(AppError::State("只有草稿可以发布".into()));
    };
    crate::audit::admin(
        &mut tx,
        app,
        admin.actor_id(),
        "policy_published",
        id,
        serde_json::json!({"version": version, "title": t.title}),
    )
    .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    let today = domain::calendar::china_date(app.now());
    if t.mode == Mode::Exempt && t.in_force(today) {
        return Ok(Some(run(app, id).await?));
    }
    Ok(None)
}

/// Back to a draft for a new version (the grants made stand), or stopped (停止): no new grants.
pub async fn set_state(app: &App, actor: &Actor, id: &str, to: PolicyState) -> Result<()> {
    let mut tx = app.store.begin().await?;
    let row = load(&mut tx, actor, id).await?;
    let admin = officer(actor, &row.region, &row.department)?;
    let from = state_of(&row)?;
    let allowed = matches!(
        (from, to),
        (
            PolicyState::Published,
            PolicyState::Draft | PolicyState::Withdrawn
        )
    );
    if !allowed
        || !store::policies::set_state(&mut tx, id, from.as_str(), to.as_str(), app.now_ms())
            .await?
    {
        return Err(AppError::State(format!(
            "{}的政策不能改为{}",
            from.label(),
            to.label()
        )));
    }
    crate::audit::admin(
        &mut tx,
        app,
        admin.actor_id(),
        "policy_state",
        id,
        serde_json::json!({"to": to.as_str()}),
    )
    .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(())
}
