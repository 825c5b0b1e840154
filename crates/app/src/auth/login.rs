//! Registration and login, throttled per client address (`domain::throttle`): wrong
//! passwords lock the address that typed them out of that login, and an address that fails
//! too often across logins or registers too often is throttled altogether. Nobody can lock
//! someone else out from another address, and the errors never tell whether a login exists.

use std::net::IpAddr;

use domain::FieldError;
use domain::account::{ApplicantKind, ApplicantRegistration, RegisteredBy};
use domain::throttle::{self, client_key};
use store::accounts::{self as acc, AccountRow};

use super::password::temporary_password;
use super::{Session, WindowClerk, hash_password, open_session, verify_password};
use crate::{App, AppError, Result};

/// Failures that are registrations, counted against the client only.
const REGISTRATION: &str = "register:";

/// A throttle that lifts at `until`, told in Beijing time.
fn throttled(until: time::OffsetDateTime) -> AppError {
    let local = until.to_offset(domain::calendar::CHINA_OFFSET);
    AppError::Throttled {
        until: format!("{:02}:{:02}", local.hour(), local.minute()),
    }
}

/// Refuses a client that failed too often lately, across all logins.
async fn check_client(app: &App, client: &str) -> Result<()> {
    let now = app.now();
    let since = store::millis(now - throttle::THROTTLE_WINDOW);
    let mut c = app.store.conn().await?;
    let failures = times(acc::client_failures_since(&mut c, client, since).await?);
    match throttle::client_throttled_until(&failures, now) {
        Some(until) => Err(throttled(until)),
        None => Ok(()),
    }
}

fn times(ms: Vec<i64>) -> Vec<time::OffsetDateTime> {
    ms.into_iter().map(store::from_millis).collect()
}

/// Registers an applicant (natural person or enterprise) who signs up themselves, from
/// `client`, and logs them in. A credit code whose check character fails is refused: only a
/// clerk may accept one ([`register_at_window`]). Every registration counts toward the
/// client's limit, so one address cannot create accounts or probe which ID numbers are
/// registered in bulk.
pub async fn register(
    app: &App,
    client: Option<IpAddr>,
    reg: ApplicantRegistration,
) -> Result<Session> {
    register_from(app, Some(client_key(client)), reg).await
}

/// [`register`] for the operator's own tools in this process (benchmark set-up), which
/// register thousands of applicants and have no client to throttle. Never for a request.
pub async fn register_by_operator(app: &App, reg: ApplicantRegistration) -> Result<Session> {
    register_from(app, None, reg).await
}

async fn register_from(
    app: &App,
    client: Option<String>,
    reg: ApplicantRegistration,
) -> Result<Session> {
    let valid = reg.validate(app.now().date())?;
    if let Some(client) = &client {
        check_client(app, client).await?;
    }
    let hash = hash_password(&valid.password).await?;
    let row = new_applicant(app, &valid, hash);
    let mut tx = app.store.begin().await?;
    let inserted = acc::insert_account(&mut tx, &row).await;
    if let Err(store::StoreError::Conflict { .. }) = inserted {
        drop(tx);
        if let Some((_, Some(session))) =
            claim_walk_in(app, &valid, &row.password_hash, None).await?
        {
            return Ok(session);
        }
        if let Some(client) = &client {
            // The failed insert spoilt the transaction (PostgreSQL): count apart.
            let mut c = app.store.conn().await?;
            acc::record_client_failure(&mut c, client, REGISTRATION, app.now_ms()).await?;
        }
        return Err(taken(valid.kind));
    }
    inserted?;
    if let Some(client) = &client {
        acc::record_client_failure(&mut tx, client, REGISTRATION, app.now_ms()).await?;
    }
    let session = open_session(app, &mut tx, &row, false, false).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(session)
}

/// The account row of a registered applicant (or, with a placeholder hash, of a walk-in
/// checked at a window).
pub(crate) fn new_applicant(
    app: &App,
    valid: &domain::account::ValidRegistration,
    hash: String,
) -> AccountRow {
    AccountRow {
        id: uuid::Uuid::now_v7().to_string(),
        login: valid.login.clone(),
        kind: valid.kind.into(),
        display_name: valid.display_name.clone(),
        phone: valid.phone.clone(),
        legal_representative: valid.legal_representative.clone(),
        password_hash: hash,
        region: None,
        department: None,
        roles: String::new(),
        created_at: app.now_ms(),
        disabled: 0,
    }
}

/// Registering as someone a clerk served without an account (无账号办理) claims that account,
/// with its cases, when the kind, name, phone (and legal representative) are the ones the
/// clerk recorded; anything else is "taken" like any registered login. A clerk registering
/// the person (`clerk`) sets a temporary password and opens no session. Returns the account
/// id and the person's session, or None when there is nothing to claim.
async fn claim_walk_in(
    app: &App,
    valid: &domain::account::ValidRegistration,
    hash: &str,
    clerk: Option<&str>,
) -> Result<Option<(String, Option<Session>)>> {
    let mut tx = app.store.begin().await?;
    let Some(row) = acc::find_by_login(&mut tx, &valid.login).await? else {
        return Ok(None);
    };
    let same = row.password_hash == store::walk_ins::UNCLAIMED
        && row.kind == valid.kind.into()
        && row.display_name == valid.display_name
        && row.phone == valid.phone
        && row.legal_representative == valid.legal_representative;
    if !same || !store::walk_ins::claim(&mut tx, &row.id, hash).await? {
        return Ok(None);
    }
    if clerk.is_some() {
        acc::set_password(&mut tx, &row.id, hash, true).await?;
    }
    crate::audit::admin(
        &mut tx,
        app,
        clerk.unwrap_or(&row.id),
        "claimed_walk_in",
        &row.id,
        serde_json::json!({ "login": row.login }),
    )
    .await?;
    let session = match clerk {
        None => Some(open_session(app, &mut tx, &row, false, false).await?),
        Some(_) => None,
    };
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(Some((row.id, session)))
}

fn taken(kind: ApplicantKind) -> AppError {
    let field = if kind == ApplicantKind::Enterprise {
        "credit_code"
    } else {
        "id_number"
    };
    AppError::Validation(vec![FieldError::new(
        field,
        "taken",
        "该证件号码已注册，请直接登录（曾在窗口办理但未注册的，请填写窗口登记的姓名和手机号）",
    )])
}

/// An applicant registered by a clerk at a window, with the one-time password to hand over.
#[derive(Debug, Clone)]
pub struct WindowRegistration {
    pub account_id: String,
    pub login: String,
    pub name: String,
    /// Shown once; the applicant must change it at the first login.
    pub temporary_password: String,
}

/// A comprehensive-window clerk registers an applicant who came in person. The clerk may
/// accept a credit code whose check character fails (`accept_check_mismatch`) after checking
/// the licence (STANDARDS.md); the override is recorded in the account log. The password in
/// `reg` is ignored: the applicant gets a temporary one to change at the first login.
pub async fn register_at_window(
    app: &App,
    clerk: &WindowClerk,
    reg: ApplicantRegistration,
    accept_check_mismatch: bool,
) -> Result<WindowRegistration> {
    let temporary = temporary_password()?;
    let reg = match reg {
        ApplicantRegistration::NaturalPerson {
            id_number,
            name,
            phone,
            ..
        } => ApplicantRegistration::NaturalPerson {
            id_number,
            name,
            phone,
            password: temporary.clone(),
        },
        ApplicantRegistration::Enterprise {
            credit_code,
            name,
            legal_representative,
            phone,
            ..
        } => ApplicantRegistration::Enterprise {
            credit_code,
            name,
            legal_representative,
            phone,
            password: temporary.clone(),
        },
    };
    let by = RegisteredBy::Clerk {
        accept_check_mismatch,
    };
    let valid = reg.validate_by(by, app.now().date())?;
    let row = new_applicant(app, &valid, hash_password(&temporary).await?);
    let mut tx = app.store.begin().await?;
    if let Err(e) = acc::insert_account(&mut tx, &row).await {
        let store::StoreError::Conflict { .. } = e else {
            return Err(e.into());
        };
        drop(tx);
        let claimed =
            claim_walk_in(app, &valid, &row.password_hash, Some(clerk.actor_id())).await?;
        let Some((account_id, _)) = claimed else {
            return Err(taken(valid.kind));
        };
        return Ok(WindowRegistration {
            account_id,
            login: row.login,
            name: row.display_name,
            temporary_password: temporary,
        });
    }
    acc::set_password(&mut tx, &row.id, &row.password_hash, true).await?;
    let mut detail = serde_json::json!({ "login": row.login });
    if let Some((expected, found)) = valid.check_overridden {
        detail["credit_check_overridden"] =
            serde_json::json!({ "expected": expected.to_string(), "found": found.to_string() });
    }
    crate::audit::admin(
        &mut tx,
        app,
        clerk.actor_id(),
        "registered_at_window",
        &row.id,
        detail,
    )
    .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(WindowRegistration {
        account_id: row.id,
        login: row.login,
        name: row.display_name,
        temporary_password: temporary,
    })
}

/// Logs in from `client` with a login name (ID number, credit code or staff login) and
/// password. Too many failures from this client against this login, or from this client
/// across logins, throttle the client for a while; the owner elsewhere is not affected. The
/// error never says whether the login name exists.
pub async fn login(
    app: &App,
    client: Option<IpAddr>,
    login: &str,
    password: &str,
) -> Result<Session> {
    login_with_code(app, client, login, password, None).await
}

/// [`login`] with the code of the account's authenticator app (动态口令), which an account
/// that bound one must give. A missing or wrong code counts as a failed login.
pub async fn login_with_code(
    app: &App,
    client: Option<IpAddr>,
    login: &str,
    password: &str,
    code: Option<&str>,
) -> Result<Session> {
    let login = upper_if_id(login.trim());
    let mut p = domain::Problems::default();
    p.text("login", &login, "账号", 64);
    if password.is_empty() {
        p.push("password", "required", "请输入密码");
    }
    p.into_result()?;
    let client = client_key(client);
    let now = app.now();
    let since = store::millis(now - throttle::THROTTLE_WINDOW);
    let mut c = app.store.conn().await?;
    let by_client = times(acc::client_failures_since(&mut c, &client, since).await?);
    let by_pair = times(acc::pair_failures_since(&mut c, &client, &login, since).await?);
    if let Some(until) = throttle::login_throttled_until(&by_client, &by_pair, now) {
        return Err(throttled(until));
    }
    let row = acc::find_by_login(&mut c, &login).await?;
    drop(c);
    let ok = verify_or_waste_time(password, row.as_ref()).await;
    let mut tx = app.store.begin().await?;
    let (true, Some(row)) = (ok, row) else {
        acc::record_client_failure(&mut tx, &client, &login, store::millis(now)).await?;
        tx.commit().await.map_err(store::StoreError::from)?;
        return Err(AppError::field(
            "password",
            "bad_credentials",
            "账号或密码错误",
        ));
    };
    if super::oidc::password_login_refused(app, &row) {
        tx.commit().await.map_err(store::StoreError::from)?;
        return Err(AppError::field(
            "login",
            "oidc_required",
            "工作人员请使用统一身份认证登录",
        ));
    }
    if !super::totp::check_login_code(&mut tx, app, &row.id, code).await? {
        acc::record_client_failure(&mut tx, &client, &login, store::millis(now)).await?;
        tx.commit().await.map_err(store::StoreError::from)?;
        return Err(AppError::field(
            "otp",
            "second_factor",
            "请输入身份验证器上当前的 6 位动态口令（每个口令只能用一次）",
        ));
    }
    acc::clear_pair_failures(&mut tx, &client, &login).await?;
    let must_change = acc::must_change_password(&mut tx, &row.id).await?;
    let has_second = acc::totp_of(&mut tx, &row.id).await?.totp_secret.is_some();
    let must_bind = super::totp::must_enrol(app, row.kind, has_second);
    let session = open_session(app, &mut tx, &row, must_change, must_bind).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(session)
}

/// Whether `password` is the account's; for a missing or disabled account it hashes anyway,
/// so a missing login takes as long as a wrong password.
pub(super) async fn verify_or_waste_time(password: &str, row: Option<&AccountRow>) -> bool {
    match row {
        Some(r) if r.disabled == 0 => verify_password(password, &r.password_hash).await,
        _ => {
            let _ = verify_password(
                password,
                "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0000000000000000000000000000000000000000000",
            )
            .await;
            false
        }
    }
}

/// ID numbers end in `X` and credit codes are upper case; staff logins keep their case.
pub(super) fn upper_if_id(s: &str) -> String {
    if s.len() == 18 && s.chars().all(|c| c.is_ascii_alphanumeric()) {
        s.to_ascii_uppercase()
    } else {
        s.to_string()
    }
}
