//! Passwords after registration: a person changes their own (which ends their other
//! sessions), a system administrator resets someone else's to a one-time temporary password
//! that must be changed at the next login. Each change is written to the account log
//! (`admin_events`).

use std::net::IpAddr;

use domain::account::{AccountKind, validate_password};
use domain::throttle::{self, client_key};
use domain::{FieldError, Problems};
use store::accounts::{self as acc, AdminEventRow};

use super::login::{upper_if_id, verify_or_waste_time};
use super::{SystemAdmin, hash_password, token_hash};
use crate::{App, AppError, Result};

/// A temporary password: three groups of four characters from an alphabet without look-alikes
/// (no `0 o 1 l i`), about 59 bits, easy to read out at a counter.
pub(crate) fn temporary_password() -> Result<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    loop {
        let mut bytes = [0u8; 12];
        getrandom::fill(&mut bytes)
            .map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
        // 248 = 8 × 31: rejecting larger bytes keeps every character equally likely.
        if bytes.iter().any(|b| *b >= 248) {
            continue;
        }
        let chars: Vec<char> = bytes
            .iter()
            .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
            .collect();
        let pw = chars
            .chunks(4)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join("-");
        if domain::password::check_password(&pw, &[]).is_ok() {
            return Ok(pw);
        }
    }
}

/// A password change as typed: the current password and the new one twice.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordChange {
    pub current: String,
    pub new: String,
    pub confirm: String,
}

/// The logged-in person behind `session_token` changes their password, from `client`. Also
/// works for a session that logged in with a temporary password (which may do nothing else).
/// Their other sessions end; this one stays. Wrong current passwords count as failed logins,
/// so a stolen session cannot be used to guess the password.
pub async fn change_password(
    app: &App,
    client: Option<IpAddr>,
    session_token: &str,
    change: &PasswordChange,
) -> Result<()> {
    let hash = token_hash(session_token);
    let now = app.now();
    let mut c = app.store.conn().await?;
    let session = acc::find_session(&mut c, &hash, store::millis(now))
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let account = session.account;
    let client = client_key(client);
    let since = store::millis(now - throttle::THROTTLE_WINDOW);
    let ms = |v: Vec<i64>| -> Vec<_> { v.into_iter().map(store::from_millis).collect() };
    let by_client = ms(acc::client_failures_since(&mut c, &client, since).await?);
    let by_pair = ms(acc::pair_failures_since(&mut c, &client, &account.login, since).await?);
    drop(c);
    if let Some(until) = throttle::login_throttled_until(&by_client, &by_pair, now) {
        let local = until.to_offset(domain::calendar::CHINA_OFFSET);
        return Err(AppError::Throttled {
            until: format!("{:02}:{:02}", local.hour(), local.minute()),
        });
    }
    if !verify_or_waste_time(&change.current, Some(&account)).await {
        let mut c = app.store.conn().await?;
        acc::record_client_failure(&mut c, &client, &account.login, store::millis(now)).await?;
        return Err(AppError::field("current", "wrong", "当前密码不正确"));
    }
    let mut p = Problems::default();
    validate_password(
        "new",
        &change.new,
        &[&account.login, &account.phone],
        &mut p,
    );
    if p.is_empty() && change.new == change.current {
        p.push("new", "unchanged", "新密码不能与当前密码相同");
    }
    if change.confirm != change.new {
        p.push("confirm", "mismatch", "两次输入的新密码不一致");
    }
    p.into_result()?;
    let new_hash = hash_password(&change.new).await?;
    let mut tx = app.store.begin().await?;
    acc::set_password(&mut tx, &account.id, &new_hash, false).await?;
    let ended = acc::delete_sessions_of(&mut tx, &account.id, Some(&hash)).await?;
    let detail = serde_json::json!({ "login": account.login, "sessions_ended": ended });
    crate::audit::admin(
        &mut tx,
        app,
        &account.id,
        "password_changed",
        &account.id,
        detail,
    )
    .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    forget_sessions(app, &account.id).await;
    Ok(())
}

/// Sessions are cached by token, not by account: after a password change every cached one is
/// dropped, so the ended sessions are refused at once, on every node (`cluster`).
pub(crate) async fn forget_sessions(app: &App, account_id: &str) {
    let id = account_id.to_string();
    crate::cluster::tell(app, crate::cluster::Change::Account { id }).await;
}

/// A temporary password an administrator set, to hand to its owner.
#[derive(Debug, Clone)]
pub struct TemporaryPassword {
    pub login: String,
    pub name: String,
    pub password: String,
}

/// A system administrator resets the password of the account `login`: a staff account within
/// their region, or any applicant account. The account gets a one-time temporary password
/// that must be changed at the next login, and all its sessions end.
pub async fn reset_password(
    app: &App,
    cap: &SystemAdmin,
    login: &str,
) -> Result<TemporaryPassword> {
    let login = upper_if_id(login.trim());
    let mut c = app.store.conn().await?;
    let target = acc::find_by_login(&mut c, &login)
        .await?
        .ok_or_else(|| AppError::field("login", "unknown", format!("没有账号“{login}”")))?;
    drop(c);
    if target.kind == AccountKind::Staff
        && !cap
            .scope()
            .covers(target.region.as_deref().unwrap_or(""), None)
    {
        return Err(AppError::Forbidden(
            "只能重置本人管辖区划内工作人员的密码".into(),
        ));
    }
    if target.id == cap.actor_id() {
        return Err(AppError::Validation(vec![FieldError::new(
            "login",
            "own_account",
            "请在“修改密码”页面修改本人的密码",
        )]));
    }
    let password = temporary_password()?;
    let hash = hash_password(&password).await?;
    let mut tx = app.store.begin().await?;
    acc::set_password(&mut tx, &target.id, &hash, true).await?;
    let ended = acc::delete_sessions_of(&mut tx, &target.id, None).await?;
    let detail = serde_json::json!({ "login": target.login, "sessions_ended": ended });
    crate::audit::admin(
        &mut tx,
        app,
        cap.actor_id(),
        "password_reset",
        &target.id,
        detail,
    )
    .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    forget_sessions(app, &target.id).await;
    Ok(TemporaryPassword {
        login: target.login,
        name: target.display_name,
        password,
    })
}

/// The account log about one account (for administrators and tests), oldest first.
pub async fn account_events(
    app: &App,
    cap: &SystemAdmin,
    login: &str,
) -> Result<Vec<AdminEventRow>> {
    let mut c = app.store.conn().await?;
    let target = acc::find_by_login(&mut c, &upper_if_id(login.trim()))
        .await?
        .ok_or_else(|| AppError::NotFound(format!("账号 {login}")))?;
    if target.kind == AccountKind::Staff
        && !cap
            .scope()
            .covers(target.region.as_deref().unwrap_or(""), None)
    {
        return Err(AppError::NotFound(format!("账号 {login}")));
    }
    Ok(acc::admin_events_for(&mut c, &target.id).await?)
}
