//! Bundle definitions, bundle applications and their member cases.

use domain::bundle::BundleDefinition;
use sqlx::AnyConnection;

use crate::Result;

pub async fn upsert_bundle(conn: &mut AnyConnection, b: &BundleDefinition, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO bundles (code, name, region, lead_department, data, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (code) DO UPDATE SET name = $2, region = $3, lead_department = $4, data = $5, updated_at = $6",
    )
    .bind(&b.code)
    .bind(&b.name)
    .bind(&b.region)
    .bind(&b.lead_department)
    .bind(serde_json::to_string(b)?)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn bundles(conn: &mut AnyConnection) -> Result<Vec<BundleDefinition>> {
    let rows: Vec<String> = sqlx::query_scalar("SELECT data FROM bundles ORDER BY code")
        .fetch_all(conn)
        .await?;
    rows.iter().map(|d| Ok(serde_json::from_str(d)?)).collect()
}

pub async fn get_bundle(conn: &mut AnyConnection, code: &str) -> Result<Option<BundleDefinition>> {
    let row: Option<String> = sqlx::query_scalar("SELECT data FROM bundles WHERE code = $1")
        .bind(code)
        .fetch_optional(conn)
        .await?;
    row.map(|d| Ok(serde_json::from_str(&d)?)).transpose()
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BundleCaseRow {
    pub id: String,
    pub number: String,
    pub bundle_code: String,
    pub applicant_id: String,
    pub lead_department: String,
    pub region: String,
    pub data: String,
    pub created_at: i64,
}

const PARENT_COLS: &str =
    "id, number, bundle_code, applicant_id, lead_department, region, data, created_at";

pub async fn insert_bundle_case(conn: &mut AnyConnection, r: &BundleCaseRow) -> Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO bundle_cases ({PARENT_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    )))
    .bind(&r.id)
    .bind(&r.number)
    .bind(&r.bundle_code)
    .bind(&r.applicant_id)
    .bind(&r.lead_department)
    .bind(&r.region)
    .bind(&r.data)
    .bind(r.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get_bundle_case(conn: &mut AnyConnection, id: &str) -> Result<Option<BundleCaseRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {PARENT_COLS} FROM bundle_cases WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

pub async fn bundle_cases_of(
    conn: &mut AnyConnection,
    applicant_id: &str,
) -> Result<Vec<BundleCaseRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {PARENT_COLS} FROM bundle_cases WHERE applicant_id = $1 ORDER BY created_at DESC"
    )))
    .bind(applicant_id)
    .fetch_all(conn)
    .await?)
}

pub async fn bundle_cases_led_by(
    conn: &mut AnyConnection,
    department: &str,
    limit: i64,
) -> Result<Vec<BundleCaseRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {PARENT_COLS} FROM bundle_cases WHERE lead_department = $1 ORDER BY created_at DESC LIMIT $2"
    )))
    .bind(department)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct ChildRow {
    pub bundle_case_id: String,
    pub item_code: String,
    pub status: String,
    pub case_id: Option<String>,
    pub note: String,
}

pub async fn insert_child(conn: &mut AnyConnection, c: &ChildRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO bundle_children (bundle_case_id, item_code, status, case_id, note) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&c.bundle_case_id)
    .bind(&c.item_code)
    .bind(&c.status)
    .bind(&c.case_id)
    .bind(&c.note)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn children(conn: &mut AnyConnection, bundle_case_id: &str) -> Result<Vec<ChildRow>> {
    Ok(sqlx::query_as(
        "SELECT bundle_case_id, item_code, status, case_id, note FROM bundle_children WHERE bundle_case_id = $1 ORDER BY item_code",
    )
    .bind(bundle_case_id)
    .fetch_all(conn)
    .await?)
}

/// Marks a waiting child started with its case; false when it was no longer waiting (another
/// request started it first).
pub async fn start_child(
    conn: &mut AnyConnection,
    bundle_case_id: &str,
    item_code: &str,
    case_id: &str,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE bundle_children SET status = 'started', case_id = $3 WHERE bundle_case_id = $1 AND item_code = $2 AND status = 'waiting'",
    )
    .bind(bundle_case_id)
    .bind(item_code)
    .bind(case_id)
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn set_child_case(
    conn: &mut AnyConnection,
    bundle_case_id: &str,
    item_code: &str,
    case_id: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE bundle_children SET case_id = $3 WHERE bundle_case_id = $1 AND item_code = $2",
    )
    .bind(bundle_case_id)
    .bind(item_code)
    .bind(case_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Puts a child back to waiting after its start failed, so a later pass retries it (the
/// draft case it named, if any, stays an abandoned draft of the applicant's).
pub async fn reset_child(
    conn: &mut AnyConnection,
    bundle_case_id: &str,
    item_code: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE bundle_children SET status = 'waiting', case_id = NULL WHERE bundle_case_id = $1 AND item_code = $2 AND status = 'started'",
    )
    .bind(bundle_case_id)
    .bind(item_code)
    .execute(conn)
    .await?;
    Ok(())
}

/// Bundle applications with members still waiting (oldest first), for the retry pass.
pub async fn with_waiting_children(conn: &mut AnyConnection, limit: i64) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT bundle_case_id FROM bundle_children WHERE status = 'waiting' ORDER BY bundle_case_id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// The items and the cases of a bundle application's members, in two queries (a page of a
/// project with sixty member cases reads them per stage, not per member).
pub async fn members_of(
    conn: &mut AnyConnection,
    bundle_case_id: &str,
) -> Result<(Vec<crate::catalog::ItemRow>, Vec<domain::case::Case>)> {
    let items = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM items WHERE code IN
           (SELECT item_code FROM bundle_children WHERE bundle_case_id = $1)",
        crate::catalog::ITEM_COLS
    )))
    .bind(bundle_case_id)
    .fetch_all(&mut *conn)
    .await?;
    let data: Vec<String> = sqlx::query_scalar(
        "SELECT c.data FROM cases c JOIN bundle_children b ON b.case_id = c.id
         WHERE b.bundle_case_id = $1",
    )
    .bind(bundle_case_id)
    .fetch_all(conn)
    .await?;
    let cases = data
        .iter()
        .map(|d| crate::cases::decode(d))
        .collect::<Result<_>>()?;
    Ok((items, cases))
}
