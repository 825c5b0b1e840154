//! 工程建设项目: projects, the paths of their categories, stages started, clock holds and joint
//! steps. The project's draft, its path and each joint step are kept as JSON (read whole);
//! what lists filter on is a column.

use sqlx::{AnyConnection, AssertSqlSafe};

use crate::Result;

/// Sets the path of a category (`domain::project::Path` as JSON).
pub async fn save_path(conn: &mut AnyConnection, category: &str, path: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO project_paths (category, path) VALUES ($1, $2)
         ON CONFLICT (category) DO UPDATE SET path = excluded.path",
    )
    .bind(category)
    .bind(path)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn path(conn: &mut AnyConnection, category: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT path FROM project_paths WHERE category = $1")
            .bind(category)
            .fetch_optional(conn)
            .await?,
    )
}

#[derive(Debug, Clone, PartialEq, Eq, Default, sqlx::FromRow)]
pub struct ProjectRow {
    pub code: String,
    pub owner_id: String,
    pub owner_code: String,
    pub owner_name: String,
    pub region: String,
    pub category: String,
    /// `domain::project::ProjectDraft` as JSON.
    pub draft: String,
    /// The path it was registered on (a later change of the category's path does not move it).
    pub path: String,
    /// The 代办员 assigned, if any.
    pub agent_id: String,
    pub created_at: i64,
}

const PROJECT: &str =
    "code, owner_id, owner_code, owner_name, region, category, draft, path, agent_id, created_at";

/// Registers a project; false when its code is registered already.
pub async fn insert(conn: &mut AnyConnection, p: &ProjectRow) -> Result<bool> {
    let done = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO projects ({PROJECT}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (code) DO NOTHING"
    )))
    .bind(&p.code)
    .bind(&p.owner_id)
    .bind(&p.owner_code)
    .bind(&p.owner_name)
    .bind(&p.region)
    .bind(&p.category)
    .bind(&p.draft)
    .bind(&p.path)
    .bind(&p.agent_id)
    .bind(p.created_at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn project(conn: &mut AnyConnection, code: &str) -> Result<Option<ProjectRow>> {
    crate::read::row_by_key(
        conn,
        format!("SELECT {PROJECT} FROM projects WHERE code = $1"),
        code,
    )
    .await
}

/// Projects an owner or agent has (`account` non-empty), else those in regions starting with
/// `region_prefix` (staff), newest first, at most `limit`.
pub async fn projects(
    conn: &mut AnyConnection,
    account: &str,
    region_prefix: &str,
    limit: i64,
) -> Result<Vec<ProjectRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {PROJECT} FROM projects
         WHERE ($1 <> '' AND (owner_id = $1 OR agent_id = $1))
            OR ($1 = '' AND region LIKE $2)
         ORDER BY created_at DESC, code LIMIT $3"
    )))
    .bind(account)
    .bind(format!("{region_prefix}%"))
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

pub async fn set_agent(conn: &mut AnyConnection, code: &str, agent_id: &str) -> Result<()> {
    sqlx::query("UPDATE projects SET agent_id = $2 WHERE code = $1")
        .bind(code)
        .bind(agent_id)
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StageRow {
    pub project_code: String,
    pub stage: String,
    /// The bundle application that runs it.
    pub parent_id: String,
    pub started_at: i64,
    /// 0 while it runs.
    pub finished_at: i64,
}

/// Records a stage started; false when it was started already (two clicks, two nodes).
pub async fn start_stage(conn: &mut AnyConnection, s: &StageRow) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO project_stages (project_code, stage, parent_id, started_at, finished_at)
         VALUES ($1, $2, $3, $4, 0) ON CONFLICT (project_code, stage) DO NOTHING",
    )
    .bind(&s.project_code)
    .bind(&s.stage)
    .bind(&s.parent_id)
    .bind(s.started_at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn stages(conn: &mut AnyConnection, code: &str) -> Result<Vec<StageRow>> {
    Ok(sqlx::query_as(
        "SELECT project_code, stage, parent_id, started_at, finished_at FROM project_stages
         WHERE project_code = $1 ORDER BY started_at",
    )
    .bind(code)
    .fetch_all(conn)
    .await?)
}

/// Replaces a stage row's bundle application id `from` with `to` (and its start time): a
/// claim confirmed by the application it stood for, or a stale claim taken over. False when
/// the row no longer holds `from`.
pub async fn swap_parent(
    conn: &mut AnyConnection,
    code: &str,
    stage: &str,
    from: &str,
    to: &str,
    at: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE project_stages SET parent_id = $4, started_at = $5
         WHERE project_code = $1 AND stage = $2 AND parent_id = $3",
    )
    .bind(code)
    .bind(stage)
    .bind(from)
    .bind(to)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes a stage row that still holds `parent_id` (a claim whose application failed).
pub async fn release_stage(
    conn: &mut AnyConnection,
    code: &str,
    stage: &str,
    parent_id: &str,
) -> Result<()> {
    sqlx::query(
        "DELETE FROM project_stages WHERE project_code = $1 AND stage = $2 AND parent_id = $3",
    )
    .bind(code)
    .bind(stage)
    .bind(parent_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks a running stage finished at `at` (once).
pub async fn finish_stage(
    conn: &mut AnyConnection,
    code: &str,
    stage: &str,
    at: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE project_stages SET finished_at = $3
         WHERE project_code = $1 AND stage = $2 AND finished_at = 0",
    )
    .bind(code)
    .bind(stage)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct HoldRow {
    pub id: String,
    pub project_code: String,
    pub reason: String,
    /// ISO dates; `to_day` empty while the hold lasts.
    pub from_day: String,
    pub to_day: String,
    pub note: String,
    pub created_by: String,
    pub created_at: i64,
}

pub async fn add_hold(conn: &mut AnyConnection, h: &HoldRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO project_holds (id, project_code, reason, from_day, to_day, note, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&h.id)
    .bind(&h.project_code)
    .bind(&h.reason)
    .bind(&h.from_day)
    .bind(&h.to_day)
    .bind(&h.note)
    .bind(&h.created_by)
    .bind(h.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Ends an open hold on `to_day`; false when it is not open (or not this project's).
pub async fn end_hold(
    conn: &mut AnyConnection,
    code: &str,
    id: &str,
    to_day: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE project_holds SET to_day = $3 WHERE project_code = $1 AND id = $2 AND to_day = ''",
    )
    .bind(code)
    .bind(id)
    .bind(to_day)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn holds(conn: &mut AnyConnection, code: &str) -> Result<Vec<HoldRow>> {
    Ok(sqlx::query_as(
        "SELECT id, project_code, reason, from_day, to_day, note, created_by, created_at
         FROM project_holds WHERE project_code = $1 ORDER BY from_day, created_at",
    )
    .bind(code)
    .fetch_all(conn)
    .await?)
}

/// A joint step as JSON (`domain::project::joint::Step`) with its version.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct JointRow {
    pub project_code: String,
    pub kind: String,
    pub step: String,
    pub version: i64,
}

/// Opens a joint step; false when the project has one of this kind already.
pub async fn open_joint(conn: &mut AnyConnection, j: &JointRow) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO project_joints (project_code, kind, step, version) VALUES ($1, $2, $3, 1)
         ON CONFLICT (project_code, kind) DO NOTHING",
    )
    .bind(&j.project_code)
    .bind(&j.kind)
    .bind(&j.step)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Writes a changed step if nobody changed it since `version` was read.
pub async fn update_joint(conn: &mut AnyConnection, j: &JointRow) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE project_joints SET step = $3, version = version + 1
         WHERE project_code = $1 AND kind = $2 AND version = $4",
    )
    .bind(&j.project_code)
    .bind(&j.kind)
    .bind(&j.step)
    .bind(j.version)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn joints(conn: &mut AnyConnection, code: &str) -> Result<Vec<JointRow>> {
    Ok(sqlx::query_as(
        "SELECT project_code, kind, step, version FROM project_joints
         WHERE project_code = $1 ORDER BY kind",
    )
    .bind(code)
    .fetch_all(conn)
    .await?)
}

/// The projects `projects(account, region_prefix, limit)` lists, as a subquery of codes.
const LISTED: &str = "SELECT code FROM projects
     WHERE ($1 <> '' AND (owner_id = $1 OR agent_id = $1))
        OR ($1 = '' AND region LIKE $2)
     ORDER BY created_at DESC, code LIMIT $3";

/// The stage rows of the projects [`projects`] lists, in one query.
pub async fn stages_of_listed(
    conn: &mut AnyConnection,
    account: &str,
    region_prefix: &str,
    limit: i64,
) -> Result<Vec<StageRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT s.project_code, s.stage, s.parent_id, s.started_at, s.finished_at
         FROM project_stages s JOIN ({LISTED}) l ON l.code = s.project_code
         ORDER BY s.project_code, s.started_at"
    )))
    .bind(account)
    .bind(format!("{region_prefix}%"))
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// The holds of the projects [`projects`] lists, in one query.
pub async fn holds_of_listed(
    conn: &mut AnyConnection,
    account: &str,
    region_prefix: &str,
    limit: i64,
) -> Result<Vec<HoldRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT h.id, h.project_code, h.reason, h.from_day, h.to_day, h.note, h.created_by,
                h.created_at
         FROM project_holds h JOIN ({LISTED}) l ON l.code = h.project_code
         ORDER BY h.project_code, h.from_day, h.created_at"
    )))
    .bind(account)
    .bind(format!("{region_prefix}%"))
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// The member cases of the stages of projects in regions starting with `region_prefix`, each
/// with its due date, in one query.
pub async fn stage_cases(
    conn: &mut AnyConnection,
    region_prefix: &str,
) -> Result<Vec<(domain::case::Case, Option<String>)>> {
    let rows: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT c.data, c.due_date FROM project_stages s
         JOIN projects p ON p.code = s.project_code
         JOIN bundle_children b ON b.bundle_case_id = s.parent_id
         JOIN cases c ON c.id = b.case_id
         WHERE p.region LIKE $1",
    )
    .bind(format!("{region_prefix}%"))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|(d, due)| Ok((crate::cases::decode(d)?, due.clone())))
        .collect()
}
