//! 考核 indicators and targets, and the per-department counts the figures need beyond the
//! statistics: cases received for other offices (通办) and confirmed 体外循环.

use sqlx::AnyConnection;

use crate::Result;

#[derive(Debug, Clone, Default, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct IndicatorRow {
    pub code: String,
    pub name: String,
    pub formula: String,
    pub unit: String,
    pub higher_better: i64,
    pub weight: i64,
    pub position: i64,
    pub updated_by: String,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Default, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct TargetRow {
    pub year: i64,
    pub department: String,
    pub indicator: String,
    pub value: f64,
    pub updated_by: String,
    pub updated_at: i64,
}

pub async fn indicators(conn: &mut AnyConnection) -> Result<Vec<IndicatorRow>> {
    Ok(sqlx::query_as(
        "SELECT code, name, formula, unit, higher_better, weight, position, updated_by, updated_at
         FROM assessment_indicators ORDER BY position, code",
    )
    .fetch_all(conn)
    .await?)
}

/// Adds or replaces an indicator; a new one goes last.
pub async fn save_indicator(conn: &mut AnyConnection, r: &IndicatorRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO assessment_indicators (code, name, formula, unit, higher_better, weight, position, updated_by, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, (SELECT COALESCE(MAX(position), 0) + 1 FROM assessment_indicators), $7, $8)
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, formula = excluded.formula,
           unit = excluded.unit, higher_better = excluded.higher_better, weight = excluded.weight,
           updated_by = excluded.updated_by, updated_at = excluded.updated_at",
    )
    .bind(&r.code)
    .bind(&r.name)
    .bind(&r.formula)
    .bind(&r.unit)
    .bind(r.higher_better)
    .bind(r.weight)
    .bind(&r.updated_by)
    .bind(r.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn targets(conn: &mut AnyConnection, year: i64) -> Result<Vec<TargetRow>> {
    Ok(sqlx::query_as(
        "SELECT year, department, indicator, value, updated_by, updated_at
         FROM assessment_targets WHERE year = $1 ORDER BY department, indicator",
    )
    .bind(year)
    .fetch_all(conn)
    .await?)
}

pub async fn set_target(conn: &mut AnyConnection, r: &TargetRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO assessment_targets (year, department, indicator, value, updated_by, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (year, department, indicator) DO UPDATE SET value = excluded.value,
           updated_by = excluded.updated_by, updated_at = excluded.updated_at",
    )
    .bind(r.year)
    .bind(&r.department)
    .bind(&r.indicator)
    .bind(r.value)
    .bind(&r.updated_by)
    .bind(r.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Per department: cases received at a point for it (通办, 就近办) in [from, to) (ms).
pub async fn relayed_by_department(
    conn: &mut AnyConnection,
    from: i64,
    to: i64,
) -> Result<Vec<(String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT department, COUNT(*) FROM cases
         WHERE intake_point IS NOT NULL AND created_at >= $1 AND created_at < $2 AND state <> 'draft'
         GROUP BY department",
    )
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await?)
}

/// Per department: cases forwarded by partner platforms (跨市通办), filed in [from, to) (ms).
pub async fn cross_city_by_department(
    conn: &mut AnyConnection,
    from: i64,
    to: i64,
) -> Result<Vec<(String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT c.department, COUNT(*) FROM tongban_in t JOIN cases c ON c.id = t.case_id
         WHERE c.created_at >= $1 AND c.created_at < $2
         GROUP BY c.department",
    )
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await?)
}

/// Per department: 体外循环 suspicions confirmed, raised in [from, to) (ms).
pub async fn off_platform_by_department(
    conn: &mut AnyConnection,
    from: i64,
    to: i64,
) -> Result<Vec<(String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT department, COUNT(*) FROM off_platform_suspicions
         WHERE state = 'confirmed' AND raised_at >= $1 AND raised_at < $2
         GROUP BY department",
    )
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await?)
}
