//! 统一公共支付: the orders placed with the payment platform, their payments and refunds.

use sqlx::{AnyConnection, AssertSqlSafe};

use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PaymentRow {
    pub order_id: String,
    pub case_id: String,
    pub amount_fen: i64,
    pub state: String,
    pub pay_url: String,
    pub trade_no: String,
    pub receipt_no: String,
    pub receipt_url: String,
    pub refund_no: String,
    pub refund_reason: String,
    pub created_by: String,
    pub created_at: i64,
    pub paid_at: Option<i64>,
    pub refunded_at: Option<i64>,
}

const COLUMNS: &str = "order_id, case_id, amount_fen, state, pay_url, trade_no, receipt_no, receipt_url, refund_no, refund_reason, created_by, created_at, paid_at, refunded_at";

pub async fn create(conn: &mut AnyConnection, p: &PaymentRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO payments (order_id, case_id, amount_fen, state, pay_url, trade_no, receipt_no, receipt_url, refund_no, refund_reason, created_by, created_at, paid_at, refunded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&p.order_id)
    .bind(&p.case_id)
    .bind(p.amount_fen)
    .bind(&p.state)
    .bind(&p.pay_url)
    .bind(&p.trade_no)
    .bind(&p.receipt_no)
    .bind(&p.receipt_url)
    .bind(&p.refund_no)
    .bind(&p.refund_reason)
    .bind(&p.created_by)
    .bind(p.created_at)
    .bind(p.paid_at)
    .bind(p.refunded_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, order_id: &str) -> Result<Option<PaymentRow>> {
    crate::read::row_by_key(
        conn,
        format!("SELECT {COLUMNS} FROM payments WHERE order_id = $1"),
        order_id,
    )
    .await
}

/// A case's orders, newest first.
pub async fn of_case(conn: &mut AnyConnection, case_id: &str) -> Result<Vec<PaymentRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM payments WHERE case_id = $1 ORDER BY created_at DESC, order_id DESC"
    )))
    .bind(case_id)
    .fetch_all(conn)
    .await?)
}

/// Marks an order paid; false when it was not waiting for payment (paid before, refunded).
pub async fn mark_paid(
    conn: &mut AnyConnection,
    order_id: &str,
    trade_no: &str,
    receipt_no: &str,
    receipt_url: &str,
    at: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE payments SET state = 'paid', trade_no = $1, receipt_no = $2, receipt_url = $3, paid_at = $4
         WHERE order_id = $5 AND state = 'created'",
    )
    .bind(trade_no)
    .bind(receipt_no)
    .bind(receipt_url)
    .bind(at)
    .bind(order_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks a paid order refunded; false when it was not paid.
pub async fn mark_refunded(
    conn: &mut AnyConnection,
    order_id: &str,
    refund_no: &str,
    reason: &str,
    at: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE payments SET state = 'refunded', refund_no = $1, refund_reason = $2, refunded_at = $3
         WHERE order_id = $4 AND state = 'paid'",
    )
    .bind(refund_no)
    .bind(reason)
    .bind(at)
    .bind(order_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Orders paid within [from, to) (Unix ms), refunded ones included: one side of a day's
/// reconciliation.
pub async fn paid_between(conn: &mut AnyConnection, from: i64, to: i64) -> Result<Vec<PaymentRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM payments WHERE paid_at >= $1 AND paid_at < $2 ORDER BY order_id"
    )))
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await?)
}
