//! 最多跑一次 回访 samples and their call-backs.

use sqlx::AnyConnection;

use crate::Result;

#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct SampleRow {
    pub month: String,
    pub region: String,
    pub seed: String,
    pub population: i64,
    pub drawn_by: String,
    pub drawn_at: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct CallbackRow {
    pub month: String,
    pub region: String,
    pub case_id: String,
    pub case_number: String,
    pub position: i64,
    pub reached: Option<i64>,
    pub visits_said: Option<i64>,
    pub note: String,
    pub called_by: Option<String>,
    pub called_at: Option<i64>,
}

/// Records a month's sample with its cases, unless the region's month was drawn already:
/// false then, and nothing written.
pub async fn insert_sample(
    conn: &mut AnyConnection,
    s: &SampleRow,
    cases: &[(String, String)],
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO visit_samples (month, region, seed, population, drawn_by, drawn_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (month, region) DO NOTHING",
    )
    .bind(&s.month)
    .bind(&s.region)
    .bind(&s.seed)
    .bind(s.population)
    .bind(&s.drawn_by)
    .bind(s.drawn_at)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    for (i, (id, number)) in cases.iter().enumerate() {
        sqlx::query(
            "INSERT INTO visit_callbacks (month, region, case_id, case_number, position, note)
             VALUES ($1, $2, $3, $4, $5, '')",
        )
        .bind(&s.month)
        .bind(&s.region)
        .bind(id)
        .bind(number)
        .bind(i as i64 + 1)
        .execute(&mut *conn)
        .await?;
    }
    Ok(true)
}

pub async fn sample(
    conn: &mut AnyConnection,
    month: &str,
    region: &str,
) -> Result<Option<SampleRow>> {
    Ok(sqlx::query_as(
        "SELECT month, region, seed, population, drawn_by, drawn_at FROM visit_samples
         WHERE month = $1 AND region = $2",
    )
    .bind(month)
    .bind(region)
    .fetch_optional(conn)
    .await?)
}

pub async fn callbacks(
    conn: &mut AnyConnection,
    month: &str,
    region: &str,
) -> Result<Vec<CallbackRow>> {
    Ok(sqlx::query_as(
        "SELECT month, region, case_id, case_number, position, reached, visits_said, note, called_by, called_at
         FROM visit_callbacks WHERE month = $1 AND region = $2 ORDER BY position",
    )
    .bind(month)
    .bind(region)
    .fetch_all(conn)
    .await?)
}

/// Records one call-back once: false when the case is not in the sample or was called.
#[allow(clippy::too_many_arguments)]
pub async fn record(
    conn: &mut AnyConnection,
    month: &str,
    region: &str,
    case_id: &str,
    reached: bool,
    visits_said: Option<i64>,
    note: &str,
    by: &str,
    at: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE visit_callbacks SET reached = $1, visits_said = $2, note = $3, called_by = $4, called_at = $5
         WHERE month = $6 AND region = $7 AND case_id = $8 AND called_at IS NULL",
    )
    .bind(i64::from(reached))
    .bind(visits_said)
    .bind(note)
    .bind(by)
    .bind(at)
    .bind(month)
    .bind(region)
    .bind(case_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
