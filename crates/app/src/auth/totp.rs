//! The second factor (动态口令, TOTP per RFC 6238, via totp-rs): an account binds an
//! authenticator app by scanning a secret and confirming one code; from then on its login
//! needs a fresh code too. Staff must bind one where `Settings::staff_second_factor` is on
//! (等保 三级 asks two factors of those who handle others' data); for others it is a choice.
//! The secret is sealed under the master key like the issuers' keys; each time step is
//! accepted once, so an overheard code cannot be replayed.

use domain::account::AccountKind;
use store::accounts::{self as acc, AccountRow};
use totp_rs::{Builder, Secret, Totp};

use super::token_hash;
use crate::{App, AppError, Result};

/// Seconds a code lasts.
const STEP: u64 = 30;

/// What the person adds to their authenticator app.
#[derive(Debug, Clone)]
pub struct Enrolment {
    /// The secret in Base32, for typing in.
    pub secret: String,
    /// The `otpauth://` address the QR code carries.
    pub uri: String,
}

fn totp(secret: Vec<u8>) -> Result<Totp> {
    Builder::new()
        .with_secret(Secret::from(secret))
        .build()
        .map_err(|e| AppError::Internal(format!("totp: {e:?}")))
}

fn seal(app: &App, account_id: &str, secret: &[u8]) -> Result<String> {
    let master = crate::licenses::master_key(app)?;
    Ok(hex::encode(
        master.seal(&format!("totp:{account_id}"), secret),
    ))
}

fn unseal(app: &App, account_id: &str, sealed: &str) -> Result<Vec<u8>> {
    let master = crate::licenses::master_key(app)?;
    let bytes = hex::decode(sealed).map_err(|e| AppError::Internal(e.to_string()))?;
    master
        .open(&format!("totp:{account_id}"), &bytes)
        .map_err(|e| AppError::Internal(e.to_string()))
}

fn unix_seconds(app: &App) -> u64 {
    app.now().unix_timestamp().max(0) as u64
}

/// Whether this account must bind an authenticator before it may do anything.
pub(crate) fn must_enrol(app: &App, kind: AccountKind, has_second_factor: bool) -> bool {
    kind == AccountKind::Staff && app.settings.staff_second_factor && !has_second_factor
}

/// The account behind a session token, whatever it may do yet (binding works while the
/// session is held back for want of a second factor).
async fn account_of_session(app: &App, token: &str) -> Result<AccountRow> {
    let mut c = app.store.conn().await?;
    acc::find_session(&mut c, &token_hash(token), app.now_ms())
        .await?
        .map(|s| s.account)
        .ok_or(AppError::Unauthenticated)
}

/// Starts binding (or re-shows the secret being bound): a fresh random secret, kept sealed
/// until a code confirms it.
pub async fn begin_enrolment(app: &App, session_token: &str) -> Result<Enrolment> {
    let account = account_of_session(app, session_token).await?;
    let mut tx = app.store.begin().await?;
    let current = acc::totp_of(&mut tx, &account.id).await?;
    let secret = match current.totp_pending {
        Some(sealed) => unseal(app, &account.id, &sealed)?,
        None => {
            let mut s = vec![0u8; 20];
            getrandom::fill(&mut s).map_err(|e| AppError::Internal(e.to_string()))?;
            acc::set_totp_pending(&mut tx, &account.id, &seal(app, &account.id, &s)?).await?;
            s
        }
    };
    tx.commit().await.map_err(store::StoreError::from)?;
    let base32 = Secret::from(secret).to_base32();
    // The label keeps to characters an otpauth address carries as they are, so nothing
    // needs percent-encoding (the app shows it beside the codes).
    let login: String = account
        .login
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        .collect();
    Ok(Enrolment {
        uri: format!(
            "otpauth://totp/OneWindow:{login}?secret={base32}&issuer=OneWindow&algorithm=SHA1&digits=6&period={STEP}"
        ),
        secret: base32,
    })
}

/// Confirms the binding with the first code the app shows; the account then needs a code at
/// every login.
pub async fn confirm_enrolment(app: &App, session_token: &str, code: &str) -> Result<()> {
    let account = account_of_session(app, session_token).await?;
    let mut tx = app.store.begin().await?;
    let Some(sealed) = acc::totp_of(&mut tx, &account.id).await?.totp_pending else {
        return Err(AppError::State("请先打开绑定页面，扫描二维码".into()));
    };
    let step = totp(unseal(app, &account.id, &sealed)?)?
        .check(code.trim(), unix_seconds(app))
        .ok_or_else(|| {
            AppError::field(
                "code",
                "invalid",
                "动态口令不正确，请输入身份验证器当前显示的 6 位数字",
            )
        })?;
    acc::confirm_totp(&mut tx, &account.id, step as i64).await?;
    let detail = serde_json::json!({});
    crate::audit::admin(
        &mut tx,
        app,
        &account.id,
        "second_factor_bound",
        &account.id,
        detail,
    )
    .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    let id = account.id.clone();
    crate::cluster::tell(app, crate::cluster::Change::Account { id }).await;
    Ok(())
}

/// Checks the code a login gave for an account with a second factor, in the login's
/// transaction; each step is accepted once.
pub(crate) async fn check_login_code(
    conn: &mut store::Connection,
    app: &App,
    account_id: &str,
    code: Option<&str>,
) -> Result<bool> {
    let Some(sealed) = acc::totp_of(conn, account_id).await?.totp_secret else {
        return Ok(true);
    };
    let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(false);
    };
    let Some(step) = totp(unseal(app, account_id, &sealed)?)?.check(code, unix_seconds(app)) else {
        return Ok(false);
    };
    Ok(acc::use_totp_step(conn, account_id, step as i64).await?)
}

/// The code an authenticator would show now for a Base32 secret (for tests and tools).
pub fn current_code(app: &App, base32: &str) -> Result<String> {
    let secret =
        Secret::try_from_base32(base32).map_err(|e| AppError::Internal(format!("{e:?}")))?;
    Ok(totp(secret.as_ref().to_vec())?
        .generate(unix_seconds(app))
        .to_string())
}
