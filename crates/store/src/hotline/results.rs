//! 办件结果公示: decided cases of an item, newest first.

use sqlx::AnyConnection;

use crate::Result;

/// The stored JSON of the latest decided cases of `item` (approved, denied, issuing,
/// completed, revoked).
pub async fn decided_cases(
    conn: &mut AnyConnection,
    item: &str,
    limit: i64,
) -> Result<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT data FROM cases
         WHERE item_code = $1 AND state IN ('approved', 'denied', 'issuing', 'completed', 'revoked')
         ORDER BY updated_at DESC LIMIT $2",
    )
    .bind(item)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|(d,)| d).collect())
}
