//! Texts and emails beside the inbox: each person's preferences, the notifications the
//! dispatcher has not looked at yet, and every message it decided on (queued, sent, failed or
//! held back by a rate limit).

use sqlx::{AnyConnection, AssertSqlSafe};

use crate::Result;

/// A person's saved preferences.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PrefsRow {
    pub account_id: String,
    pub sms: i64,
    pub email: i64,
    pub email_address: String,
    pub updated_at: i64,
}

pub async fn prefs(conn: &mut AnyConnection, account_id: &str) -> Result<Option<PrefsRow>> {
    Ok(sqlx::query_as(
        "SELECT account_id, sms, email, email_address, updated_at FROM notify_prefs WHERE account_id = $1",
    )
    .bind(account_id)
    .fetch_optional(conn)
    .await?)
}

/// A person's preferences as the domain reads them: the saved ones, else the defaults.
pub async fn prefs_of(conn: &mut AnyConnection, account_id: &str) -> Result<domain::notify::Prefs> {
    Ok(match prefs(conn, account_id).await? {
        Some(p) => domain::notify::Prefs {
            sms: p.sms != 0,
            email: p.email != 0,
            email_address: p.email_address,
        },
        None => domain::notify::Prefs::default(),
    })
}

/// Saves preferences (replacing earlier ones).
pub async fn save_prefs(conn: &mut AnyConnection, p: &PrefsRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO notify_prefs (account_id, sms, email, email_address, updated_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (account_id) DO UPDATE SET sms = excluded.sms, email = excluded.email,
           email_address = excluded.email_address, updated_at = excluded.updated_at",
    )
    .bind(&p.account_id)
    .bind(p.sms)
    .bind(p.email)
    .bind(&p.email_address)
    .bind(p.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// A notification waiting for the dispatcher, with its account's phone.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Pending {
    pub id: String,
    pub account_id: String,
    pub at: i64,
    pub kind: String,
    pub text: String,
    pub phone: String,
}

/// The oldest notifications the dispatcher has not looked at.
pub async fn undispatched(conn: &mut AnyConnection, limit: i64) -> Result<Vec<Pending>> {
    Ok(sqlx::query_as(
        "SELECT n.id, n.account_id, n.at, n.kind, n.text, COALESCE(a.phone, '') AS phone
           FROM notifications n LEFT JOIN accounts a ON a.id = n.account_id
          WHERE n.dispatched = 0 ORDER BY n.at, n.id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// One message, as decided and as it went.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MessageRow {
    pub id: String,
    pub notification_id: String,
    pub account_id: String,
    pub channel: String,
    pub address: String,
    pub kind: String,
    pub body: String,
    pub state: String,
    pub attempts: i64,
    pub next_at: i64,
    pub last_error: String,
    pub provider_id: String,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

const COLS: &str = "id, notification_id, account_id, channel, address, kind, body, state, attempts, next_at, last_error, provider_id, created_at, sent_at";

/// Records the messages decided for a notification and marks it dispatched; a notification
/// another node dispatched meanwhile is left alone (false). Runs in the caller's transaction.
pub async fn dispatch(
    conn: &mut AnyConnection,
    notification_id: &str,
    messages: &[MessageRow],
) -> Result<bool> {
    let taken =
        sqlx::query("UPDATE notifications SET dispatched = 1 WHERE id = $1 AND dispatched = 0")
            .bind(notification_id)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    if taken == 0 {
        return Ok(false);
    }
    for m in messages {
        queue(conn, m).await?;
    }
    Ok(true)
}

/// Writes one message as decided (in the caller's transaction); the dispatcher sends it when
/// due. Messages not born of an inbox notification (a 12345 caller without an account) come
/// in here directly, with a `notification_id` of their own.
pub async fn queue(conn: &mut AnyConnection, m: &MessageRow) -> Result<()> {
    {
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO messages ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        )))
        .bind(&m.id)
        .bind(&m.notification_id)
        .bind(&m.account_id)
        .bind(&m.channel)
        .bind(&m.address)
        .bind(&m.kind)
        .bind(&m.body)
        .bind(&m.state)
        .bind(m.attempts)
        .bind(m.next_at)
        .bind(&m.last_error)
        .bind(&m.provider_id)
        .bind(m.created_at)
        .bind(m.sent_at)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Messages to an account on a channel counted by the rate limit since `since_ms` (everything
/// but those a limit held back or that failed).
pub async fn recent_count(
    conn: &mut AnyConnection,
    account_id: &str,
    channel: &str,
    since_ms: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM messages WHERE account_id = $1 AND channel = $2 AND created_at >= $3
            AND state IN ('queued', 'sent')",
    )
    .bind(account_id)
    .bind(channel)
    .bind(since_ms)
    .fetch_one(conn)
    .await?)
}

/// Queued messages due now, oldest first.
pub async fn due(conn: &mut AnyConnection, now: i64, limit: i64) -> Result<Vec<MessageRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLS} FROM messages WHERE state = 'queued' AND next_at <= $1 ORDER BY next_at, id LIMIT $2"
    )))
    .bind(now)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Takes a due message for `hold_ms` so that one node sends it; false when another did.
pub async fn claim(conn: &mut AnyConnection, id: &str, now: i64, hold_ms: i64) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE messages SET next_at = $1 WHERE id = $2 AND state = 'queued' AND next_at <= $3",
    )
    .bind(now + hold_ms)
    .bind(id)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// What an attempt came to: sent (with the provider's id), to be retried at `next_at`, or
/// failed for good.
pub async fn settle(
    conn: &mut AnyConnection,
    id: &str,
    state: &str,
    next_at: i64,
    error: &str,
    provider_id: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE messages SET state = $1, attempts = attempts + 1, next_at = $2, last_error = $3,
           provider_id = $4, sent_at = CASE WHEN $1 = 'sent' THEN $5 ELSE sent_at END
         WHERE id = $6",
    )
    .bind(state)
    .bind(next_at)
    .bind(error)
    .bind(provider_id)
    .bind(now)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The latest messages, newest first (for administrators), optionally of one account.
pub async fn recent(
    conn: &mut AnyConnection,
    account_id: Option<&str>,
    limit: i64,
) -> Result<Vec<MessageRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLS} FROM messages WHERE ($1 = '' OR account_id = $1) ORDER BY created_at DESC, id DESC LIMIT $2"
    )))
    .bind(account_id.unwrap_or(""))
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// A valid license running out, with the account of its holder.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Expiring {
    pub license_id: String,
    pub number: String,
    pub type_name: String,
    pub valid_until: String,
    pub account_id: String,
}

/// Valid licenses whose last day is in [from, to] (YYYY-MM-DD) and that have no reminder for
/// `threshold` yet, held by an account (the holder's ID number or credit code is its login).
pub async fn expiring(
    conn: &mut AnyConnection,
    from: &str,
    to: &str,
    threshold: i64,
    limit: i64,
) -> Result<Vec<Expiring>> {
    Ok(sqlx::query_as(
        "SELECT l.id AS license_id, l.number, t.name AS type_name, l.valid_until, a.id AS account_id
           FROM licenses l
           JOIN license_types t ON t.code = l.type_code
           JOIN accounts a ON a.login = l.holder_id
           LEFT JOIN license_reminders r ON r.license_id = l.id AND r.threshold_days = $3
          WHERE l.status = 'valid' AND l.valid_until >= $1 AND l.valid_until <= $2
            AND r.license_id IS NULL
          ORDER BY l.valid_until, l.id LIMIT $4",
    )
    .bind(from)
    .bind(to)
    .bind(threshold)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Records that a license's holder was reminded at `threshold` (in the transaction that
/// writes the notification).
pub async fn reminded(
    conn: &mut AnyConnection,
    license_id: &str,
    threshold: i64,
    account_id: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO license_reminders (license_id, threshold_days, account_id, sent_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(license_id)
    .bind(threshold)
    .bind(account_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// How many messages there are per (channel, state) since `since_ms`.
pub async fn state_counts(
    conn: &mut AnyConnection,
    since_ms: i64,
) -> Result<Vec<(String, String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT channel, state, COUNT(*) FROM messages WHERE created_at >= $1
          GROUP BY channel, state ORDER BY channel, state",
    )
    .bind(since_ms)
    .fetch_all(conn)
    .await?)
}
