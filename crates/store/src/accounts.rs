//! Accounts, sessions and failed-login records.

use domain::account::AccountKind;
use sqlx::{AnyConnection, AssertSqlSafe};

use crate::{Result, StoreError};

/// An account as stored. `roles` is a comma-separated list of role names (staff only).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AccountRow {
    pub id: String,
    pub login: String,
    #[sqlx(try_from = "String")]
    pub kind: AccountKind,
    pub display_name: String,
    pub phone: String,
    pub legal_representative: Option<String>,
    pub password_hash: String,
    pub region: Option<String>,
    pub department: Option<String>,
    pub roles: String,
    pub created_at: i64,
    pub disabled: i64,
}

const COLS: &str = "SELECT id, login, kind, display_name, phone, legal_representative, password_hash, region, department, roles, created_at, disabled FROM accounts";

pub async fn insert_account(conn: &mut AnyConnection, a: &AccountRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO accounts (id, login, kind, display_name, phone, legal_representative, password_hash, region, department, roles, created_at, disabled)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&a.id)
    .bind(&a.login)
    .bind(a.kind.as_str())
    .bind(&a.display_name)
    .bind(&a.phone)
    .bind(&a.legal_representative)
    .bind(&a.password_hash)
    .bind(&a.region)
    .bind(&a.department)
    .bind(&a.roles)
    .bind(a.created_at)
    .bind(a.disabled)
    .execute(conn)
    .await
    .map_err(|e| match StoreError::from(e) {
        StoreError::Conflict { .. } => StoreError::Conflict { field: "login".into() },
        other => other,
    })?;
    Ok(())
}

pub async fn find_by_login(conn: &mut AnyConnection, login: &str) -> Result<Option<AccountRow>> {
    Ok(
        sqlx::query_as(AssertSqlSafe(format!("{COLS} WHERE login = $1")))
            .bind(login)
            .fetch_optional(conn)
            .await?,
    )
}

pub async fn get_account(conn: &mut AnyConnection, id: &str) -> Result<AccountRow> {
    Ok(
        sqlx::query_as(AssertSqlSafe(format!("{COLS} WHERE id = $1")))
            .bind(id)
            .fetch_one(conn)
            .await?,
    )
}

pub async fn list_staff(conn: &mut AnyConnection) -> Result<Vec<AccountRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "{COLS} WHERE kind = 'staff' ORDER BY region, department, login"
    )))
    .fetch_all(conn)
    .await?)
}

/// A live session joined with its account.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub csrf: String,
    pub expires_at: i64,
    pub account: AccountRow,
}

pub async fn insert_session(
    conn: &mut AnyConnection,
    token_hash: &str,
    account_id: &str,
    csrf: &str,
    now: i64,
    expires: i64,
) -> Result<()> {
    sqlx::query("INSERT INTO sessions (token_hash, account_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(token_hash)
        .bind(account_id)
        .bind(csrf)
        .bind(now)
        .bind(expires)
        .execute(conn)
        .await?;
    Ok(())
}

/// The session for a token hash, if it exists and has not expired at `now`.
pub async fn find_session(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: i64,
) -> Result<Option<SessionRow>> {
    use sqlx::{FromRow, Row};
    // One query per request for the session and its account: this runs on every request.
    let row = sqlx::query(
        "SELECT a.id, a.login, a.kind, a.display_name, a.phone, a.legal_representative, a.password_hash,
                a.region, a.department, a.roles, a.created_at, a.disabled,
                s.csrf AS session_csrf, s.expires_at AS session_expires
         FROM sessions s JOIN accounts a ON a.id = s.account_id
         WHERE s.token_hash = $1 AND s.expires_at > $2",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let account = AccountRow::from_row(&row)?;
    let csrf: String = row.try_get("session_csrf")?;
    let expires_at: i64 = row.try_get("session_expires")?;
    if account.disabled != 0 {
        return Ok(None);
    }
    Ok(Some(SessionRow {
        csrf,
        expires_at,
        account,
    }))
}

pub async fn delete_session(conn: &mut AnyConnection, token_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn purge_expired_sessions(conn: &mut AnyConnection, now: i64) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(conn)
        .await?
        .rows_affected())
}

pub async fn record_login_failure(conn: &mut AnyConnection, login: &str, at: i64) -> Result<()> {
    sqlx::query("INSERT INTO login_failures (login, at) VALUES ($1, $2)")
        .bind(login)
        .bind(at)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn login_failures_since(
    conn: &mut AnyConnection,
    login: &str,
    since: i64,
) -> Result<Vec<i64>> {
    Ok(
        sqlx::query_scalar(
            "SELECT at FROM login_failures WHERE login = $1 AND at > $2 ORDER BY at",
        )
        .bind(login)
        .bind(since)
        .fetch_all(conn)
        .await?,
    )
}

pub async fn clear_login_failures(conn: &mut AnyConnection, login: &str) -> Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE login = $1")
        .bind(login)
        .execute(conn)
        .await?;
    Ok(())
}

/// Whether any staff account belongs to `region` itself (not below it).
pub async fn staff_in_region(conn: &mut AnyConnection, region: &str) -> Result<bool> {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM accounts WHERE kind = 'staff' AND region = $1")
            .bind(region)
            .fetch_one(conn)
            .await?;
    Ok(n > 0)
}
