//! A service point's share of cases it received for other offices or hands results out for
//! (收件与办结分离): counted for the point in its roles, while the concluding department counts
//! the same cases as its own.

use sqlx::AnyConnection;

use crate::Result;

/// How many cases a point received for other offices, how many of those are still open, and
/// how many results were (or are to be) collected there.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct PointFigures {
    pub received: i64,
    pub received_open: i64,
    pub pickup: i64,
    pub picked_up: i64,
}

pub async fn figures(conn: &mut AnyConnection, point: &str) -> Result<PointFigures> {
    let (received, received_open): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN state IN ('completed', 'rejected_at_intake', 'denied', 'withdrawn', 'revoked') THEN 0 ELSE 1 END), 0)
         FROM cases WHERE intake_point = $1",
    )
    .bind(point)
    .fetch_one(&mut *conn)
    .await?;
    let (pickup, picked_up): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN state = 'completed' THEN 1 ELSE 0 END), 0)
         FROM cases WHERE pickup_point = $1",
    )
    .bind(point)
    .fetch_one(conn)
    .await?;
    Ok(PointFigures {
        received,
        received_open,
        pickup,
        picked_up,
    })
}
