//! Counts for the 接诉即办 measures and hotspots: one GROUP BY over the flag columns.

use domain::hotline::measures::Tally;
use sqlx::{AnyConnection, AssertSqlSafe as AssertSql};

use crate::Result;

/// What tallies are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Department,
    County,
    Month,
    Class,
    Day,
    Hour,
}

impl GroupBy {
    fn column(self) -> &'static str {
        match self {
            GroupBy::Department => "COALESCE(department, '')",
            GroupBy::County => "county",
            GroupBy::Month => "month",
            GroupBy::Class => "class",
            GroupBy::Day => "day",
            GroupBy::Hour => "CAST(hour AS TEXT)",
        }
    }
}

/// Which tickets are counted: months `from..=to` (YYYY-MM), a county prefix, a department.
#[derive(Debug, Clone, Default)]
pub struct Period {
    pub from_month: String,
    pub to_month: String,
    pub region_prefix: String,
    pub department: Option<String>,
}

type Row = (String, i64, i64, i64, i64, i64, i64, i64);

/// Tallies per group, in the group's order.
/// `now` decides which dispatched tickets count for the response rate: those accepted and
/// those whose response limit has passed (see `Tally::add`).
pub async fn tallies(
    conn: &mut AnyConnection,
    p: &Period,
    by: GroupBy,
    now: time::OffsetDateTime,
) -> Result<Vec<(String, Tally)>> {
    let col = by.column();
    let dept = if p.department.is_some() {
        " AND department = $5"
    } else {
        ""
    };
    let sql = format!(
        // PostgreSQL sums BIGINT as NUMERIC, which the Any driver cannot read: cast back.
        "SELECT {col} AS g, COUNT(*), CAST(SUM(CASE WHEN dispatched = 1 AND (accepted = 1 OR respond_due < $4) THEN 1 ELSE 0 END) AS BIGINT), CAST(SUM(in_time) AS BIGINT),
           CAST(SUM(called_back) AS BIGINT), CAST(SUM(resolved) AS BIGINT),
           CAST(SUM(satisfied) AS BIGINT), CAST(SUM(direct) AS BIGINT)
         FROM hotline_tickets
         WHERE month >= $1 AND month <= $2 AND region LIKE $3 ESCAPE '!' AND state <> 'merged'{dept}
         GROUP BY {col} ORDER BY g"
    );
    let mut q = sqlx::query_as(AssertSql(sql))
        .bind(&p.from_month)
        .bind(&p.to_month)
        .bind(format!("{}%", super::like_literal(&p.region_prefix)))
        .bind(crate::millis(now));
    if let Some(d) = &p.department {
        q = q.bind(d);
    }
    let rows: Vec<Row> = q.fetch_all(conn).await?;
    Ok(rows
        .into_iter()
        .map(|(g, n, d, i, c, r, s, direct)| {
            (
                g,
                Tally {
                    received: n as u64,
                    dispatched: d as u64,
                    responded_in_time: i as u64,
                    called_back: c as u64,
                    resolved: r as u64,
                    satisfied: s as u64,
                    answered_directly: direct as u64,
                },
            )
        })
        .collect())
}

/// Texts of the period's tickets (of the department, when the period names one; merged
/// duplicates left out), newest first, for the frequent terms.
pub async fn texts(conn: &mut AnyConnection, p: &Period, limit: i64) -> Result<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT data FROM hotline_tickets
         WHERE month >= $1 AND month <= $2 AND region LIKE $3 ESCAPE '!' AND state <> 'merged'
           AND ($5 = '' OR department = $5)
         ORDER BY created_at DESC LIMIT $4",
    )
    .bind(&p.from_month)
    .bind(&p.to_month)
    .bind(format!("{}%", super::like_literal(&p.region_prefix)))
    .bind(limit)
    .bind(p.department.clone().unwrap_or_default())
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(d,)| {
            serde_json::from_str::<serde_json::Value>(&d)
                .ok()
                .and_then(|v| v.get("text").and_then(|t| t.as_str()).map(String::from))
        })
        .collect())
}

/// Running tickets (for the warnings): dispatched, returned or in handling.
pub async fn running(
    conn: &mut AnyConnection,
    region_prefix: &str,
) -> Result<Vec<domain::hotline::Ticket>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT data FROM hotline_tickets
                  WHERE state IN ('dispatched', 'returned', 'handling') AND region LIKE $1 ESCAPE '!'
         ORDER BY created_at",
    )
    .bind(format!("{}%", super::like_literal(region_prefix)))
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|(d,)| Ok(serde_json::from_str(&d)?))
        .collect()
}
