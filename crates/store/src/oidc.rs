//! 统一身份认证: pending OpenID Connect logins and the links from provider subjects to
//! accounts.

use sqlx::AnyConnection;

use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PendingLogin {
    pub state: String,
    pub nonce: String,
    pub verifier: String,
    pub next: String,
    pub created_at: i64,
}

/// Records a login sent to the provider; logins older than `stale_before` are dropped on the
/// way, so abandoned ones do not pile up.
pub async fn begin(conn: &mut AnyConnection, p: &PendingLogin, stale_before: i64) -> Result<()> {
    sqlx::query("DELETE FROM oidc_pending WHERE created_at < $1")
        .bind(stale_before)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO oidc_pending (state, nonce, verifier, next, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&p.state)
    .bind(&p.nonce)
    .bind(&p.verifier)
    .bind(&p.next)
    .bind(p.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Takes the pending login with this state, once: a second callback with the same state (a
/// replayed redirect) finds nothing.
pub async fn take(conn: &mut AnyConnection, state: &str) -> Result<Option<PendingLogin>> {
    let row: Option<PendingLogin> = sqlx::query_as(
        "SELECT state, nonce, verifier, next, created_at FROM oidc_pending WHERE state = $1",
    )
    .bind(state)
    .fetch_optional(&mut *conn)
    .await?;
    if row.is_some() {
        sqlx::query("DELETE FROM oidc_pending WHERE state = $1")
            .bind(state)
            .execute(conn)
            .await?;
    }
    Ok(row)
}

/// The account a provider subject was linked to.
pub async fn linked_account(
    conn: &mut AnyConnection,
    issuer: &str,
    subject: &str,
) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT account_id FROM oidc_links WHERE issuer = $1 AND subject = $2")
            .bind(issuer)
            .bind(subject)
            .fetch_optional(conn)
            .await?,
    )
}

pub async fn link(
    conn: &mut AnyConnection,
    issuer: &str,
    subject: &str,
    account_id: &str,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO oidc_links (issuer, subject, account_id, linked_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(issuer)
    .bind(subject)
    .bind(account_id)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}
