//! Oversight after approval in storage: inspection plans and their draws, results, 行政处罚
//! cases and the credit record. Plans, lists and histories are JSON read whole.

use sqlx::{AnyConnection, AssertSqlSafe};

use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq, Default, sqlx::FromRow)]
pub struct PlanRow {
    pub id: String,
    pub department: String,
    pub region: String,
    pub title: String,
    pub plan: String,
    pub created_by: String,
    pub created_at: i64,
    pub seed: String,
    pub drawn_by: String,
    pub drawn_at: i64,
    pub candidates: String,
    pub inspectors: String,
    pub assignments: String,
    pub publish_by: String,
}

const PLAN: &str = "id, department, region, title, plan, created_by, created_at, seed, drawn_by, drawn_at, candidates, inspectors, assignments, publish_by";

pub async fn insert_plan(conn: &mut AnyConnection, p: &PlanRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO inspection_plans (id, department, region, title, plan, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&p.id)
    .bind(&p.department)
    .bind(&p.region)
    .bind(&p.title)
    .bind(&p.plan)
    .bind(&p.created_by)
    .bind(p.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn plan(conn: &mut AnyConnection, id: &str) -> Result<Option<PlanRow>> {
    crate::read::row_by_key(
        conn,
        format!("SELECT {PLAN} FROM inspection_plans WHERE id = $1"),
        id,
    )
    .await
}

/// Every plan, newest first.
pub async fn plans(conn: &mut AnyConnection) -> Result<Vec<PlanRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {PLAN} FROM inspection_plans ORDER BY created_at DESC, id"
    )))
    .fetch_all(conn)
    .await?)
}

/// Records the draw; false when the plan was drawn already (a draw is made once).
pub async fn record_draw(conn: &mut AnyConnection, p: &PlanRow) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE inspection_plans SET seed = $2, drawn_by = $3, drawn_at = $4, candidates = $5,
           inspectors = $6, assignments = $7, publish_by = $8
         WHERE id = $1 AND seed = ''",
    )
    .bind(&p.id)
    .bind(&p.seed)
    .bind(&p.drawn_by)
    .bind(p.drawn_at)
    .bind(&p.candidates)
    .bind(&p.inspectors)
    .bind(&p.assignments)
    .bind(&p.publish_by)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The valid licenses of a type (by name) as (holder, holder name, issuing department's
/// region, issuing case id or '').
pub async fn licensed(
    conn: &mut AnyConnection,
    type_name: &str,
) -> Result<Vec<(String, String, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT l.holder_id, l.holder_name, d.region, COALESCE(l.case_id, '')
         FROM licenses l JOIN license_types t ON t.code = l.type_code
         JOIN departments d ON d.code = l.department
         WHERE l.status = 'valid' AND t.name = $1 ORDER BY l.holder_id",
    )
    .bind(type_name)
    .fetch_all(conn)
    .await?)
}

/// The enabled staff of a department as (id, name, region, roles).
pub async fn department_staff(
    conn: &mut AnyConnection,
    department: &str,
) -> Result<Vec<(String, String, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT id, display_name, COALESCE(region, ''), roles FROM accounts
         WHERE kind = 'staff' AND department = $1 AND disabled = 0 ORDER BY id",
    )
    .bind(department)
    .fetch_all(conn)
    .await?)
}

#[derive(Debug, Clone, PartialEq, Eq, Default, sqlx::FromRow, serde::Serialize)]
pub struct ResultRow {
    pub plan_id: String,
    pub target_id: String,
    pub target_name: String,
    pub outcome: String,
    pub findings: String,
    pub recorded_by: String,
    pub recorded_at: i64,
    pub penalty_id: String,
}

/// Records a result; false when one is recorded already.
pub async fn insert_result(conn: &mut AnyConnection, r: &ResultRow) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO inspection_results (plan_id, target_id, target_name, outcome, findings,
           recorded_by, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (plan_id, target_id) DO NOTHING",
    )
    .bind(&r.plan_id)
    .bind(&r.target_id)
    .bind(&r.target_name)
    .bind(&r.outcome)
    .bind(&r.findings)
    .bind(&r.recorded_by)
    .bind(r.recorded_at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn results(conn: &mut AnyConnection, plan_id: &str) -> Result<Vec<ResultRow>> {
    Ok(sqlx::query_as(
        "SELECT plan_id, target_id, target_name, outcome, findings, recorded_by, recorded_at,
                penalty_id
         FROM inspection_results WHERE plan_id = $1 ORDER BY recorded_at, target_id",
    )
    .bind(plan_id)
    .fetch_all(conn)
    .await?)
}

/// Links a result to the penalty case its finding opened; false when it has one.
pub async fn link_penalty(
    conn: &mut AnyConnection,
    plan_id: &str,
    target_id: &str,
    penalty_id: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE inspection_results SET penalty_id = $3
         WHERE plan_id = $1 AND target_id = $2 AND penalty_id = ''",
    )
    .bind(plan_id)
    .bind(target_id)
    .bind(penalty_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Debug, Clone, PartialEq, Eq, Default, sqlx::FromRow)]
pub struct PenaltyRow {
    pub id: String,
    pub department: String,
    pub region: String,
    pub holder_id: String,
    pub holder_name: String,
    pub legal_basis: String,
    pub facts: String,
    pub step: String,
    pub source: String,
    pub history: String,
    pub penalized: i64,
    pub fine: i64,
    pub decision: String,
    pub opened_by: String,
    pub opened_at: i64,
    pub decided_at: i64,
    pub executed_at: i64,
}

const PENALTY: &str = "id, department, region, holder_id, holder_name, legal_basis, facts, step, source, history, penalized, fine, decision, opened_by, opened_at, decided_at, executed_at";

pub async fn insert_penalty(conn: &mut AnyConnection, p: &PenaltyRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO penalty_cases (id, department, region, holder_id, holder_name, legal_basis,
           facts, step, source, history, opened_by, opened_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&p.id)
    .bind(&p.department)
    .bind(&p.region)
    .bind(&p.holder_id)
    .bind(&p.holder_name)
    .bind(&p.legal_basis)
    .bind(&p.facts)
    .bind(&p.step)
    .bind(&p.source)
    .bind(&p.history)
    .bind(&p.opened_by)
    .bind(p.opened_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn penalty(conn: &mut AnyConnection, id: &str) -> Result<Option<PenaltyRow>> {
    crate::read::row_by_key(
        conn,
        format!("SELECT {PENALTY} FROM penalty_cases WHERE id = $1"),
        id,
    )
    .await
}

/// Penalty cases, newest first: of one holder when `holder` is not empty; only those decided
/// (the public list) when `decided_only`.
pub async fn penalties(
    conn: &mut AnyConnection,
    holder: &str,
    decided_only: bool,
) -> Result<Vec<PenaltyRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {PENALTY} FROM penalty_cases
         WHERE ($1 = '' OR holder_id = $1) AND ($2 = 0 OR decided_at > 0)
         ORDER BY opened_at DESC, id"
    )))
    .bind(holder)
    .bind(i64::from(decided_only))
    .fetch_all(conn)
    .await?)
}

/// Moves a case on from `from`; false when it is no longer there (someone else moved it).
pub async fn step_penalty(conn: &mut AnyConnection, p: &PenaltyRow, from: &str) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE penalty_cases SET step = $2, history = $3, penalized = $4, fine = $5,
           decision = $6, decided_at = $7, executed_at = $8
         WHERE id = $1 AND step = $9",
    )
    .bind(&p.id)
    .bind(&p.step)
    .bind(&p.history)
    .bind(p.penalized)
    .bind(p.fine)
    .bind(&p.decision)
    .bind(p.decided_at)
    .bind(p.executed_at)
    .bind(from)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Debug, Clone, PartialEq, Eq, Default, sqlx::FromRow)]
pub struct CreditRow {
    pub id: String,
    pub subject_id: String,
    pub subject_name: String,
    pub kind: String,
    pub region: String,
    pub source: String,
    pub note: String,
    pub on_day: String,
    pub at: i64,
    pub repair: String,
    pub repair_reason: String,
    pub repair_note: String,
    pub repair_by: String,
    pub repair_at: i64,
}

const CREDIT: &str = "id, subject_id, subject_name, kind, region, source, note, on_day, at, repair, repair_reason, repair_note, repair_by, repair_at";

/// Adds a record; one with the same id (the same fact recorded again) is left alone.
pub async fn add_credit(conn: &mut AnyConnection, r: &CreditRow) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO credit_records (id, subject_id, subject_name, kind, region, source, note,
           on_day, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING",
    )
    .bind(&r.id)
    .bind(&r.subject_id)
    .bind(&r.subject_name)
    .bind(&r.kind)
    .bind(&r.region)
    .bind(&r.source)
    .bind(&r.note)
    .bind(&r.on_day)
    .bind(r.at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn credit_of(conn: &mut AnyConnection, subject_id: &str) -> Result<Vec<CreditRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {CREDIT} FROM credit_records WHERE subject_id = $1 ORDER BY at DESC, id"
    )))
    .bind(subject_id)
    .fetch_all(conn)
    .await?)
}

pub async fn credit(conn: &mut AnyConnection, id: &str) -> Result<Option<CreditRow>> {
    crate::read::row_by_key(
        conn,
        format!("SELECT {CREDIT} FROM credit_records WHERE id = $1"),
        id,
    )
    .await
}

/// Records with a repair applied for, oldest first.
pub async fn repairs_waiting(conn: &mut AnyConnection) -> Result<Vec<CreditRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {CREDIT} FROM credit_records WHERE repair = 'applied' ORDER BY repair_at, id"
    )))
    .fetch_all(conn)
    .await?)
}

/// Moves a record's repair from `from` to `r.repair`; false when it was not in `from`.
pub async fn set_repair(conn: &mut AnyConnection, r: &CreditRow, from: &str) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE credit_records SET repair = $2, repair_reason = $3, repair_note = $4,
           repair_by = $5, repair_at = $6
         WHERE id = $1 AND repair = $7",
    )
    .bind(&r.id)
    .bind(&r.repair)
    .bind(&r.repair_reason)
    .bind(&r.repair_note)
    .bind(&r.repair_by)
    .bind(r.repair_at)
    .bind(from)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
