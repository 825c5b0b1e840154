//! Sessions and the actor a request acts as; registration and login with throttling
//! (`login.rs`), passwords (`password.rs`), staff accounts (`staff.rs`). Privileged use cases
//! take a capability (e.g. [`CatalogAdmin`]) that only [`Actor`] can hand out, so code
//! without the right role cannot even call them.

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use domain::account::{AccountKind, ApplicantKind, Role, StaffScope};
use sm3::{Digest, Sm3};
use store::accounts::{self as acc, AccountRow};
use time::Duration;

use crate::{App, AppError, Result};

mod capability;
mod login;
pub(crate) use login::new_applicant;
pub mod oidc;
pub(crate) mod password;
pub(crate) mod staff;
mod totp;
pub use capability::{CaseWorker, CatalogAdmin, SystemAdmin, WindowClerk};
pub use login::{
    WindowRegistration, login, login_with_code, register, register_at_window, register_by_operator,
};
pub use password::{
    PasswordChange, TemporaryPassword, account_events, change_password, reset_password,
};
pub use staff::{NewStaff, StaffView, bootstrap_admin, create_staff, list_staff};
pub use totp::{Enrolment, begin_enrolment, confirm_enrolment, current_code};

/// Who is acting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Anonymous,
    Applicant {
        id: String,
        login: String,
        name: String,
        kind: ApplicantKind,
    },
    Staff {
        id: String,
        login: String,
        name: String,
        roles: Vec<Role>,
        scope: StaffScope,
    },
}

/// The actor as the case state machine knows it; visitors may not act on cases.
pub(crate) fn case_actor(actor: &Actor) -> Result<domain::case::CaseActor> {
    use domain::case::CaseActor;
    match actor {
        Actor::Anonymous => Err(AppError::Unauthenticated),
        Actor::Applicant { id, .. } => Ok(CaseActor::Applicant { id: id.clone() }),
        Actor::Staff { id, roles, .. } => Ok(CaseActor::Staff {
            id: id.clone(),
            roles: roles.clone(),
        }),
    }
}

impl Actor {
    pub fn is_anonymous(&self) -> bool {
        matches!(self, Actor::Anonymous)
    }

    pub fn display_name(&self) -> &str {
        match self {
            Actor::Anonymous => "",
            Actor::Applicant { name, .. } | Actor::Staff { name, .. } => name,
        }
    }

    pub fn has_role(&self, role: Role) -> bool {
        matches!(self, Actor::Staff { roles, .. } if roles.contains(&role))
    }

    /// An enterprise (法人) account.
    pub fn is_enterprise(&self) -> bool {
        matches!(
            self,
            Actor::Applicant {
                kind: ApplicantKind::Enterprise,
                ..
            }
        )
    }

    /// The login (an ID number, a credit code, a staff login); None for visitors.
    pub fn login(&self) -> Option<&str> {
        match self {
            Actor::Anonymous => None,
            Actor::Applicant { login, .. } | Actor::Staff { login, .. } => Some(login),
        }
    }
}

pub(crate) fn actor_of(a: &AccountRow) -> Actor {
    if a.kind == AccountKind::Staff {
        Actor::Staff {
            id: a.id.clone(),
            login: a.login.clone(),
            name: a.display_name.clone(),
            roles: a.roles.split(',').filter_map(Role::parse).collect(),
            scope: StaffScope {
                region: a.region.clone().unwrap_or_default(),
                department: a.department.clone(),
            },
        }
    } else {
        Actor::Applicant {
            id: a.id.clone(),
            login: a.login.clone(),
            name: a.display_name.clone(),
            kind: match a.kind {
                AccountKind::Enterprise => ApplicantKind::Enterprise,
                _ => ApplicantKind::NaturalPerson,
            },
        }
    }
}

/// argon2id of a password. Slow on purpose (tens of milliseconds), so it runs on the blocking
/// pool: on an async worker it would stall every request sharing that thread.
pub async fn hash_password(password: &str) -> Result<String> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(format!("password hashing stopped: {e}")))?
}

/// Whether `password` matches `hash`; on the blocking pool like [`hash_password`].
pub(crate) async fn verify_password(password: &str, hash: &str) -> bool {
    let (password, hash) = (password.to_string(), hash.to_string());
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok()
    })
    .await
    .unwrap_or(false)
}

/// 32 random bytes as hex, from the operating system's generator.
pub fn random_token() -> Result<String> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
    Ok(hex::encode(b))
}

/// Sessions are stored by an SM3 digest of their token, so the table alone cannot log anyone in.
pub(crate) fn token_hash(token: &str) -> String {
    // One pass into one string: a `format!` per byte was 32 allocations, with every request.
    hex::encode(Sm3::digest(token.as_bytes()))
}

/// A fresh login: the cookie value and the CSRF token bound to it.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub csrf: String,
    pub actor: Actor,
    /// Logged in with a temporary password: the session may only change it.
    pub must_change_password: bool,
    /// Staff without a second factor where one is required: the session may only bind one.
    pub must_bind_second_factor: bool,
}

pub(crate) async fn open_session(
    app: &App,
    conn: &mut store::Connection,
    row: &AccountRow,
    must_change_password: bool,
    must_bind_second_factor: bool,
) -> Result<Session> {
    let expires = app.now_ms() + app.settings.session_hours * 3_600_000;
    open_session_until(
        app,
        conn,
        row,
        must_change_password,
        must_bind_second_factor,
        expires,
    )
    .await
}

/// [`open_session`] ending at `expires` (ms) at the latest, idle or not (a kiosk's).
pub(crate) async fn open_session_until(
    app: &App,
    conn: &mut store::Connection,
    row: &AccountRow,
    must_change_password: bool,
    must_bind_second_factor: bool,
    expires: i64,
) -> Result<Session> {
    let token = random_token()?;
    let csrf = random_token()?;
    let now = app.now_ms();
    acc::insert_session(conn, &token_hash(&token), &row.id, &csrf, now, expires).await?;
    // One account keeps only a few sessions: the oldest beyond the limit end now.
    let all = acc::sessions_of(conn, &row.id).await?;
    for old in domain::session::to_end(row.kind, &all) {
        acc::delete_session(conn, &old).await?;
        crate::cluster::tell_in(conn, app, crate::cluster::Change::Session { hash: old }).await;
    }
    Ok(Session {
        token,
        csrf,
        actor: actor_of(row),
        must_change_password,
        must_bind_second_factor,
    })
}

pub async fn logout(app: &App, token: &str) -> Result<()> {
    let hash = token_hash(token);
    let mut c = app.store.conn().await?;
    acc::delete_session(&mut c, &hash).await?;
    crate::cluster::tell_in(&mut c, app, crate::cluster::Change::Session { hash }).await;
    Ok(())
}

/// A live session as `resolve` keeps it between requests.
#[derive(Clone)]
pub(crate) struct CachedSession {
    actor: Actor,
    kind: domain::account::AccountKind,
    csrf: String,
    expires_at: i64,
    must_change_password: bool,
    must_bind_second_factor: bool,
    /// When the session's use was last written down.
    last_seen: i64,
}

/// What a session cookie stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// Anonymous when there is no live session, and while the password must be changed: a
    /// session logged in with a temporary password may do nothing but change it
    /// ([`change_password`] takes the session token, not an actor).
    pub actor: Actor,
    /// The CSRF token bound to the session.
    pub csrf: Option<String>,
    pub must_change_password: bool,
    /// The session may do nothing but bind a second factor (staff where one is required).
    pub must_bind_second_factor: bool,
}

/// The actor and CSRF token of a session cookie; Anonymous when missing or expired, or while
/// the session's temporary password has not been changed.
pub async fn resolve(app: &App, token: Option<&str>) -> Result<(Actor, Option<String>)> {
    let r = resolve_session(app, token).await?;
    Ok((r.actor, r.csrf))
}

/// The session behind a cookie, with whether its password must be changed first.
pub async fn resolve_session(app: &App, token: Option<&str>) -> Result<Resolved> {
    let none = Resolved {
        actor: Actor::Anonymous,
        csrf: None,
        must_change_password: false,
        must_bind_second_factor: false,
    };
    let Some(token) = token.filter(|t| t.len() == 64) else {
        return Ok(none);
    };
    let hash = token_hash(token);
    let now = app.now_ms();
    let generation = loop {
        match app.sessions.get(&hash) {
            crate::cache::Lookup::Hit(s) if s.expires_at <= now => {
                app.sessions.evict(&hash);
                return Ok(none);
            }
            crate::cache::Lookup::Hit(s) if domain::session::alive(s.kind, s.last_seen, now) => {
                return still_alive(app, hash, s, now).await;
            }
            // Idle by this copy, but another node may have seen it used since: the
            // database decides.
            crate::cache::Lookup::Hit(_) => app.sessions.evict(&hash),
            crate::cache::Lookup::Miss(g) => break g,
        }
    };
    let mut c = app.store.conn().await?;
    let found = acc::find_session(&mut c, &hash, now).await?;
    drop(c);
    match found {
        Some(s) => {
            let cached = CachedSession {
                actor: actor_of(&s.account),
                kind: s.account.kind,
                csrf: s.csrf,
                expires_at: s.expires_at,
                must_change_password: s.must_change_password,
                must_bind_second_factor: totp::must_enrol(app, s.account.kind, s.has_second_factor),
                last_seen: s.last_seen,
            };
            app.sessions.put(hash.clone(), cached.clone(), generation);
            still_alive(app, hash, cached, now).await
        }
        None => Ok(none),
    }
}

/// A live session's answer, unless it sat idle too long (then it ends). Its use is written
/// down at most once a minute.
async fn still_alive(app: &App, hash: String, s: CachedSession, now: i64) -> Result<Resolved> {
    if !domain::session::alive(s.kind, s.last_seen, now) {
        let mut c = app.store.conn().await?;
        acc::delete_session(&mut c, &hash).await?;
        crate::cluster::tell_in(&mut c, app, crate::cluster::Change::Session { hash }).await;
        return Ok(Resolved {
            actor: Actor::Anonymous,
            csrf: None,
            must_change_password: false,
            must_bind_second_factor: false,
        });
    }
    if now - s.last_seen >= domain::session::TOUCH_EVERY.whole_milliseconds() as i64 {
        acc::touch_session(&app.store, &hash, now).await?;
        let touched = CachedSession {
            last_seen: now,
            ..s.clone()
        };
        app.sessions.replace(&hash, touched);
    }
    Ok(resolved(s))
}

fn resolved(s: CachedSession) -> Resolved {
    Resolved {
        actor: if s.must_change_password || s.must_bind_second_factor {
            Actor::Anonymous
        } else {
            s.actor
        },
        csrf: Some(s.csrf),
        must_change_password: s.must_change_password,
        must_bind_second_factor: s.must_bind_second_factor,
    }
}

/// The actor of an existing account, without a login (the demo loader and operator tools act
/// as known accounts from the command line).
pub async fn actor_for_login(app: &App, login: &str) -> Result<Actor> {
    let mut c = app.store.conn().await?;
    let row = acc::find_by_login(&mut c, login)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("账号 {login}")))?;
    Ok(actor_of(&row))
}

/// Sessions older than their expiry are removed (run at start and periodically).
pub async fn purge_sessions(app: &App) -> Result<u64> {
    let mut c = app.store.conn().await?;
    Ok(acc::purge_expired_sessions(&mut c, app.now_ms()).await?)
}

pub fn session_ttl(app: &App) -> Duration {
    Duration::hours(app.settings.session_hours)
}
