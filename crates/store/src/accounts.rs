//! Accounts, sessions, failed-login records and the account administration log.

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
    /// The account logged in with a temporary password it has not changed yet.
    pub must_change_password: bool,
    /// When the session was last used (ms), written at most once a minute.
    pub last_seen: i64,
    /// The account has bound an authenticator (TOTP).
    pub has_second_factor: bool,
}

pub async fn insert_session(
    conn: &mut AnyConnection,
    token_hash: &str,
    account_id: &str,
    csrf: &str,
    now: i64,
    expires: i64,
) -> Result<()> {
    sqlx::query("INSERT INTO sessions (token_hash, account_id, csrf, created_at, expires_at, last_seen) VALUES ($1, $2, $3, $4, $5, $4)")
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
                s.csrf AS session_csrf, s.expires_at AS session_expires, s.last_seen AS session_seen,
                a.must_change_password AS must_change,
                CAST(CASE WHEN a.totp_secret IS NULL THEN 0 ELSE 1 END AS BIGINT) AS has_totp
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
    let last_seen: i64 = row.try_get("session_seen")?;
    let has_totp: i64 = row.try_get("has_totp")?;
    let must_change: i64 = row.try_get("must_change")?;
    if account.disabled != 0 {
        return Ok(None);
    }
    Ok(Some(SessionRow {
        csrf,
        expires_at,
        last_seen,
        account,
        must_change_password: must_change != 0,
        has_second_factor: has_totp != 0,
    }))
}

/// Records that a session was used at `now`: on the store's writer, not waiting for the
/// disk (a touch lost to a power cut costs at most a minute of idle time).
pub async fn touch_session(store: &crate::Store, token_hash: &str, now: i64) -> Result<()> {
    let mut b = crate::command::Batch::default();
    b.push(
        "UPDATE sessions SET last_seen = ? WHERE token_hash = ?",
        vec![
            crate::command::Arg::Int(now),
            crate::command::Arg::Text(token_hash),
        ],
    );
    store.run_batch_with(b, false).await?;
    Ok(())
}

/// The token hashes of an account's sessions, newest first.
pub async fn sessions_of(conn: &mut AnyConnection, account_id: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT token_hash FROM sessions WHERE account_id = $1 ORDER BY created_at DESC, token_hash",
    )
    .bind(account_id)
    .fetch_all(conn)
    .await?)
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

/// The times of `login`'s failures after `since`: a fresh read on the asking thread on
/// SQLite (a throttle window holds a handful).
pub async fn login_failures_since(
    c: &mut crate::Conn,
    login: &str,
    since: i64,
) -> Result<Vec<i64>> {
    use crate::command::Arg;
    let sql = "SELECT at FROM login_failures WHERE login = $1 AND at > $2 ORDER BY at";
    let rows: Vec<(i64,)> = c
        .read_all(sql, &[Arg::Text(login), Arg::Int(since)])
        .await?;
    Ok(rows.into_iter().map(|(at,)| at).collect())
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

/// Ends every session of an account but the one whose token hash is `keep` (none when
/// `keep` is None); returns how many ended.
pub async fn delete_sessions_of(
    conn: &mut AnyConnection,
    account_id: &str,
    keep: Option<&str>,
) -> Result<u64> {
    Ok(
        sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND token_hash <> $2")
            .bind(account_id)
            .bind(keep.unwrap_or(""))
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

/// Sets an account's password hash; `must_change` marks it temporary (changed at next login).
pub async fn set_password(
    conn: &mut AnyConnection,
    account_id: &str,
    hash: &str,
    must_change: bool,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE accounts SET password_hash = $1, must_change_password = $2 WHERE id = $3",
    )
    .bind(hash)
    .bind(i64::from(must_change))
    .bind(account_id)
    .execute(conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Whether the account's password is a temporary one that must be changed.
pub async fn must_change_password(conn: &mut AnyConnection, account_id: &str) -> Result<bool> {
    let v: i64 = sqlx::query_scalar("SELECT must_change_password FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_one(conn)
        .await?;
    Ok(v != 0)
}

/// A failed attempt from `client` (its address key): a wrong password for `login`, or (with
/// a `login` of its own, such as `register:`) another attempt the per-client limit counts.
pub async fn record_client_failure(
    conn: &mut AnyConnection,
    client: &str,
    login: &str,
    at: i64,
) -> Result<()> {
    sqlx::query("INSERT INTO login_failures (login, client, at) VALUES ($1, $2, $3)")
        .bind(login)
        .bind(client)
        .bind(at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Times of `client`'s failures after `since`, whatever the login.
pub async fn client_failures_since(
    conn: &mut AnyConnection,
    client: &str,
    since: i64,
) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT at FROM login_failures WHERE client = $1 AND at > $2 ORDER BY at",
    )
    .bind(client)
    .bind(since)
    .fetch_all(conn)
    .await?)
}

/// Times of `client`'s failures against `login` after `since`.
pub async fn pair_failures_since(
    conn: &mut AnyConnection,
    client: &str,
    login: &str,
    since: i64,
) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT at FROM login_failures WHERE login = $1 AND client = $2 AND at > $3 ORDER BY at",
    )
    .bind(login)
    .bind(client)
    .bind(since)
    .fetch_all(conn)
    .await?)
}

/// Forgets `client`'s failures against `login` (after it logged in). Its failures against
/// other logins still count toward its own limit.
pub async fn clear_pair_failures(
    conn: &mut AnyConnection,
    client: &str,
    login: &str,
) -> Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE login = $1 AND client = $2")
        .bind(login)
        .bind(client)
        .execute(conn)
        .await?;
    Ok(())
}

/// One entry of the administration log, a hash chain of its own (see `app::audit`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AdminEventRow {
    pub at: i64,
    /// Account id of whoever acted.
    pub actor: String,
    /// `password_changed`, `password_reset`, `registered_at_window`, `staff_created`,
    /// `calendar_loaded`, `thresholds_set`, `synonym_saved`, `item_published`, ...
    pub action: String,
    /// What was acted on: an account id, an item code, a scope.
    pub target: String,
    /// JSON with what else matters (the login, an overridden check).
    pub detail: String,
    pub seq: i64,
    pub prev_hash: String,
    pub hash: String,
}

const ADMIN_COLS: &str = "at, actor, action, target, detail, seq, prev_hash, hash";

/// The sequence number and hash of the latest administration event.
pub async fn last_admin_event(conn: &mut AnyConnection) -> Result<Option<(i64, String)>> {
    Ok(sqlx::query_as(
        "SELECT seq, hash FROM admin_events WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1",
    )
    .fetch_optional(conn)
    .await?)
}

/// Administration events after `seq`, in order (for verifying the chain a page at a time).
pub async fn admin_events_after(
    conn: &mut AnyConnection,
    seq: i64,
    limit: i64,
) -> Result<Vec<AdminEventRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {ADMIN_COLS} FROM admin_events WHERE seq > $1 ORDER BY seq LIMIT $2"
    )))
    .bind(seq)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Appends an event already chained after the latest one; a stale chain takes a sequence
/// number that exists and fails as a conflict.
pub async fn insert_admin_event(conn: &mut AnyConnection, e: &AdminEventRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO admin_events (at, actor, action, target, detail, seq, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(e.at)
    .bind(&e.actor)
    .bind(&e.action)
    .bind(&e.target)
    .bind(&e.detail)
    .bind(e.seq)
    .bind(&e.prev_hash)
    .bind(&e.hash)
    .execute(conn)
    .await?;
    Ok(())
}

/// The log entries about one account, oldest first.
pub async fn admin_events_for(
    conn: &mut AnyConnection,
    target: &str,
) -> Result<Vec<AdminEventRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {ADMIN_COLS} FROM admin_events WHERE target = $1 ORDER BY seq"
    )))
    .bind(target)
    .fetch_all(conn)
    .await?)
}

/// An account's second factor: the sealed secret in use, one being bound, the last step.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct TotpRow {
    pub totp_secret: Option<String>,
    pub totp_pending: Option<String>,
    pub totp_step: i64,
}

pub async fn totp_of(conn: &mut AnyConnection, account_id: &str) -> Result<TotpRow> {
    Ok(
        sqlx::query_as("SELECT totp_secret, totp_pending, totp_step FROM accounts WHERE id = $1")
            .bind(account_id)
            .fetch_one(conn)
            .await?,
    )
}

/// Keeps a secret being bound until its first code confirms it.
pub async fn set_totp_pending(
    conn: &mut AnyConnection,
    account_id: &str,
    sealed: &str,
) -> Result<()> {
    sqlx::query("UPDATE accounts SET totp_pending = $1 WHERE id = $2")
        .bind(sealed)
        .bind(account_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The pending secret becomes the one in use, with the step its confirming code used.
pub async fn confirm_totp(conn: &mut AnyConnection, account_id: &str, step: i64) -> Result<()> {
    sqlx::query(
        "UPDATE accounts SET totp_secret = totp_pending, totp_pending = NULL, totp_step = $1
         WHERE id = $2 AND totp_pending IS NOT NULL",
    )
    .bind(step)
    .bind(account_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records the step of an accepted code; false when that step (or a later one) was already
/// used, so the same code cannot log in twice.
pub async fn use_totp_step(conn: &mut AnyConnection, account_id: &str, step: i64) -> Result<bool> {
    let r = sqlx::query("UPDATE accounts SET totp_step = $1 WHERE id = $2 AND totp_step < $1")
        .bind(step)
        .bind(account_id)
        .execute(conn)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Replaces a staff account's roles (tests that give a demo account another duty).
#[cfg(feature = "testing")]
pub async fn set_roles(conn: &mut AnyConnection, login: &str, roles: &str) -> Result<()> {
    sqlx::query("UPDATE accounts SET roles = $1 WHERE login = $2")
        .bind(roles)
        .bind(login)
        .execute(conn)
        .await?;
    Ok(())
}
