//! Rights by level in storage: a point's powers over items (`point_rights`) and delegations
//! (`delegations`). Dates are ISO text, compared as text (they sort as dates).

use sqlx::{AnyConnection, AssertSqlSafe};

use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq, Default, sqlx::FromRow)]
pub struct RightRow {
    pub point: String,
    pub item_code: String,
    pub guide: i64,
    pub accept: i64,
    pub conclude: i64,
    pub basis: String,
    pub updated_by: String,
    pub updated_at: i64,
}

const RIGHT: &str = "point, item_code, guide, accept, conclude, basis, updated_by, updated_at";

/// Sets a point's powers over an item; a row with no power left is removed.
pub async fn set_right(conn: &mut AnyConnection, r: &RightRow) -> Result<()> {
    if r.guide == 0 && r.accept == 0 && r.conclude == 0 {
        sqlx::query("DELETE FROM point_rights WHERE point = $1 AND item_code = $2")
            .bind(&r.point)
            .bind(&r.item_code)
            .execute(conn)
            .await?;
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO point_rights (point, item_code, guide, accept, conclude, basis, updated_by, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (point, item_code) DO UPDATE SET guide = excluded.guide,
           accept = excluded.accept, conclude = excluded.conclude, basis = excluded.basis,
           updated_by = excluded.updated_by, updated_at = excluded.updated_at",
    )
    .bind(&r.point)
    .bind(&r.item_code)
    .bind(r.guide)
    .bind(r.accept)
    .bind(r.conclude)
    .bind(&r.basis)
    .bind(&r.updated_by)
    .bind(r.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// A point's own powers, by item code.
pub async fn rights_of(conn: &mut AnyConnection, point: &str) -> Result<Vec<RightRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {RIGHT} FROM point_rights WHERE point = $1 ORDER BY item_code"
    )))
    .bind(point)
    .fetch_all(conn)
    .await?)
}

/// Every point's own powers over one item.
pub async fn rights_for_item(conn: &mut AnyConnection, item: &str) -> Result<Vec<RightRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {RIGHT} FROM point_rights WHERE item_code = $1 ORDER BY point"
    )))
    .bind(item)
    .fetch_all(conn)
    .await?)
}

#[derive(Debug, Clone, PartialEq, Eq, Default, sqlx::FromRow)]
pub struct DelegationRow {
    pub id: String,
    pub kind: String,
    pub item_code: String,
    pub delegator: String,
    pub receiver: String,
    pub starts: String,
    pub ends: String,
    pub basis: String,
    pub takeover: String,
    pub created_by: String,
    pub created_at: i64,
    pub decided_by: String,
    pub decided_at: i64,
}

const DELEGATION: &str = "id, kind, item_code, delegator, receiver, starts, ends, basis, takeover, created_by, created_at, decided_by, decided_at";

pub async fn insert_delegation(conn: &mut AnyConnection, d: &DelegationRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO delegations (id, kind, item_code, delegator, receiver, starts, ends, basis,
           takeover, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&d.id)
    .bind(&d.kind)
    .bind(&d.item_code)
    .bind(&d.delegator)
    .bind(&d.receiver)
    .bind(&d.starts)
    .bind(&d.ends)
    .bind(&d.basis)
    .bind(&d.takeover)
    .bind(&d.created_by)
    .bind(d.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records the receiver's answer; false when it was no longer pending.
pub async fn decide(
    conn: &mut AnyConnection,
    id: &str,
    takeover: &str,
    by: &str,
    at: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE delegations SET takeover = $2, decided_by = $3, decided_at = $4
         WHERE id = $1 AND takeover = 'pending'",
    )
    .bind(id)
    .bind(takeover)
    .bind(by)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delegation(conn: &mut AnyConnection, id: &str) -> Result<Option<DelegationRow>> {
    crate::read::row_by_key(
        conn,
        format!("SELECT {DELEGATION} FROM delegations WHERE id = $1"),
        id,
    )
    .await
}

/// Delegations to a point (every item when `item` is empty), oldest start first.
pub async fn delegations_to(
    conn: &mut AnyConnection,
    receiver: &str,
    item: &str,
) -> Result<Vec<DelegationRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {DELEGATION} FROM delegations
         WHERE receiver = $1 AND ($2 = '' OR item_code = $2) ORDER BY starts, id"
    )))
    .bind(receiver)
    .bind(item)
    .fetch_all(conn)
    .await?)
}

/// Delegations of one item, to any point.
pub async fn delegations_of_item(
    conn: &mut AnyConnection,
    item: &str,
) -> Result<Vec<DelegationRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {DELEGATION} FROM delegations WHERE item_code = $1 ORDER BY starts, id"
    )))
    .bind(item)
    .fetch_all(conn)
    .await?)
}
