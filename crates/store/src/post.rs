//! 邮寄送达: shipments of case results and the tracking scans the courier called back with.

use sqlx::AnyConnection;

use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ShipmentRow {
    pub case_id: String,
    pub carrier: String,
    pub waybill: String,
    pub recipient_name: String,
    pub recipient_phone: String,
    pub recipient_address: String,
    pub state: String,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "case_id, carrier, waybill, recipient_name, recipient_phone, recipient_address, state, created_by, created_at, updated_at";

/// Records a case's shipment; the same case shipped again (a retry after the courier
/// answered but the case was not yet issued) keeps the first record, which names the same
/// waybill because the courier's orders are idempotent by case.
pub async fn record(conn: &mut AnyConnection, s: &ShipmentRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO shipments (case_id, carrier, waybill, recipient_name, recipient_phone, recipient_address, state, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (case_id) DO NOTHING",
    )
    .bind(&s.case_id)
    .bind(&s.carrier)
    .bind(&s.waybill)
    .bind(&s.recipient_name)
    .bind(&s.recipient_phone)
    .bind(&s.recipient_address)
    .bind(&s.state)
    .bind(&s.created_by)
    .bind(s.created_at)
    .bind(s.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn of_case(conn: &mut AnyConnection, case_id: &str) -> Result<Option<ShipmentRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM shipments WHERE case_id = $1"
    )))
    .bind(case_id)
    .fetch_optional(conn)
    .await?)
}

pub async fn by_waybill(conn: &mut AnyConnection, waybill: &str) -> Result<Option<ShipmentRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM shipments WHERE waybill = $1"
    )))
    .bind(waybill)
    .fetch_optional(conn)
    .await?)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ScanRow {
    pub waybill: String,
    pub seq: i64,
    pub status: String,
    pub description: String,
    pub signer: String,
    pub at: i64,
    pub received_at: i64,
}

/// Adds a scan; false when this (waybill, seq) was received before (a callback sent again).
pub async fn add_scan(conn: &mut AnyConnection, s: &ScanRow) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO shipment_scans (waybill, seq, status, description, signer, at, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (waybill, seq) DO NOTHING",
    )
    .bind(&s.waybill)
    .bind(s.seq)
    .bind(&s.status)
    .bind(&s.description)
    .bind(&s.signer)
    .bind(s.at)
    .bind(s.received_at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A waybill's scans, in the courier's order.
pub async fn scans(conn: &mut AnyConnection, waybill: &str) -> Result<Vec<ScanRow>> {
    Ok(sqlx::query_as(
        "SELECT waybill, seq, status, description, signer, at, received_at FROM shipment_scans
         WHERE waybill = $1 ORDER BY seq",
    )
    .bind(waybill)
    .fetch_all(conn)
    .await?)
}

pub async fn set_state(
    conn: &mut AnyConnection,
    waybill: &str,
    state: &str,
    at: i64,
) -> Result<()> {
    sqlx::query("UPDATE shipments SET state = $1, updated_at = $2 WHERE waybill = $3")
        .bind(state)
        .bind(at)
        .bind(waybill)
        .execute(conn)
        .await?;
    Ok(())
}
