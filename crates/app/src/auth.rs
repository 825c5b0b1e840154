//! Registration, login with throttling, sessions, and the actor a request acts as. Privileged
//! use cases take a capability (e.g. [`CatalogAdmin`]) that only [`Actor`] can hand out, so
//! code without the right role cannot even call them.

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use domain::account::{self, AccountKind, ApplicantKind, ApplicantRegistration, Role, StaffScope};
use domain::ids::mask_middle;
use domain::{FieldError, Problems};
use sm3::{Digest, Sm3};
use store::accounts::{self as acc, AccountRow};
use time::Duration;

use crate::{App, AppError, Result};

mod capability;
pub use capability::{CaseWorker, CatalogAdmin, SystemAdmin};

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
async fn verify_password(password: &str, hash: &str) -> bool {
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
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// Sessions are stored by an SM3 digest of their token, so the table alone cannot log anyone in.
fn token_hash(token: &str) -> String {
    Sm3::digest(token.as_bytes())
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

/// A fresh login: the cookie value and the CSRF token bound to it.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub csrf: String,
    pub actor: Actor,
}

/// Registers an applicant (natural person or enterprise) and logs them in.
pub async fn register(app: &App, reg: ApplicantRegistration) -> Result<Session> {
    let valid = reg.validate()?;
    let hash = hash_password(&valid.password).await?;
    let row = AccountRow {
        id: uuid::Uuid::now_v7().to_string(),
        login: valid.login.clone(),
        kind: valid.kind.into(),
        display_name: valid.display_name,
        phone: valid.phone,
        legal_representative: valid.legal_representative,
        password_hash: hash,
        region: None,
        department: None,
        roles: String::new(),
        created_at: app.now_ms(),
        disabled: 0,
    };
    let mut tx = app.store.begin().await?;
    let field = if valid.kind == ApplicantKind::Enterprise {
        "credit_code"
    } else {
        "id_number"
    };
    acc::insert_account(&mut tx, &row)
        .await
        .map_err(|e| match e {
            store::StoreError::Conflict { .. } => AppError::Validation(vec![FieldError::new(
                field,
                "taken",
                "该证件号码已注册，请直接登录",
            )]),
            other => other.into(),
        })?;
    let session = open_session(app, &mut tx, &row).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(session)
}

async fn open_session(
    app: &App,
    conn: &mut store::Connection,
    row: &AccountRow,
) -> Result<Session> {
    let token = random_token()?;
    let csrf = random_token()?;
    let now = app.now_ms();
    let expires = now + app.settings.session_hours * 3_600_000;
    acc::insert_session(conn, &token_hash(&token), &row.id, &csrf, now, expires).await?;
    Ok(Session {
        token,
        csrf,
        actor: actor_of(row),
    })
}

/// Logs in with a login name (ID number, credit code or staff login) and password. After
/// too many failures the account is locked for a while (login throttling), and the error
/// never says whether the login name exists.
pub async fn login(app: &App, login: &str, password: &str) -> Result<Session> {
    let login = login.trim().to_ascii_uppercase_if_id();
    let mut p = Problems::default();
    p.text("login", &login, "账号", 64);
    if password.is_empty() {
        p.push("password", "required", "请输入密码");
    }
    p.into_result()?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let since = store::millis(now - account::THROTTLE_WINDOW);
    let failures: Vec<_> = acc::login_failures_since(&mut tx, &login, since)
        .await?
        .into_iter()
        .map(store::from_millis)
        .collect();
    if let Some(until) = account::locked_until(&failures, now) {
        let local = until.to_offset(domain::calendar::CHINA_OFFSET);
        return Err(AppError::Throttled {
            until: format!("{:02}:{:02}", local.hour(), local.minute()),
        });
    }
    let row = acc::find_by_login(&mut tx, &login).await?;
    let ok = match &row {
        Some(r) if r.disabled == 0 => verify_password(password, &r.password_hash).await,
        // Hash anyway so a missing login takes as long as a wrong password.
        _ => {
            let _ = verify_password(
                password,
                "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0000000000000000000000000000000000000000000",
            )
            .await;
            false
        }
    };
    let (true, Some(row)) = (ok, row) else {
        acc::record_login_failure(&mut tx, &login, store::millis(now)).await?;
        tx.commit().await.map_err(store::StoreError::from)?;
        return Err(AppError::field(
            "password",
            "bad_credentials",
            "账号或密码错误",
        ));
    };
    acc::clear_login_failures(&mut tx, &login).await?;
    let session = open_session(app, &mut tx, &row).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(session)
}

trait UpperId {
    fn to_ascii_uppercase_if_id(&self) -> String;
}
impl UpperId for str {
    /// ID numbers end in `X` and credit codes are upper case; staff logins keep their case.
    fn to_ascii_uppercase_if_id(&self) -> String {
        if self.len() == 18 && self.chars().all(|c| c.is_ascii_alphanumeric()) {
            self.to_ascii_uppercase()
        } else {
            self.to_string()
        }
    }
}

pub async fn logout(app: &App, token: &str) -> Result<()> {
    let hash = token_hash(token);
    let mut c = app.store.conn().await?;
    acc::delete_session(&mut c, &hash).await?;
    app.sessions.evict(&hash);
    Ok(())
}

/// A live session as `resolve` keeps it between requests.
#[derive(Clone)]
pub(crate) struct CachedSession {
    actor: Actor,
    csrf: String,
    expires_at: i64,
}

/// The actor and CSRF token of a session cookie; Anonymous when missing or expired.
pub async fn resolve(app: &App, token: Option<&str>) -> Result<(Actor, Option<String>)> {
    let Some(token) = token.filter(|t| t.len() == 64) else {
        return Ok((Actor::Anonymous, None));
    };
    let hash = token_hash(token);
    let now = app.now_ms();
    let generation = match app.sessions.get(&hash) {
        crate::cache::Lookup::Hit(s) if s.expires_at > now => {
            return Ok((s.actor, Some(s.csrf)));
        }
        crate::cache::Lookup::Hit(_) => {
            app.sessions.evict(&hash);
            return Ok((Actor::Anonymous, None));
        }
        crate::cache::Lookup::Miss(g) => g,
    };
    let mut c = app.store.conn().await?;
    match acc::find_session(&mut c, &hash, now).await? {
        Some(s) => {
            let cached = CachedSession {
                actor: actor_of(&s.account),
                csrf: s.csrf,
                expires_at: s.expires_at,
            };
            app.sessions.put(hash, cached.clone(), generation);
            Ok((cached.actor, Some(cached.csrf)))
        }
        None => Ok((Actor::Anonymous, None)),
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

/// A staff account to create.
#[derive(Debug, Clone)]
pub struct NewStaff {
    pub login: String,
    pub name: String,
    pub phone: String,
    pub password: String,
    pub roles: Vec<Role>,
    pub region: String,
    pub department: Option<String>,
}

fn validate_staff(s: &NewStaff) -> Result<()> {
    let mut p = Problems::default();
    p.text("login", &s.login, "登录名", 32);
    if !s
        .login
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
    {
        p.push(
            "login",
            "invalid_char",
            "登录名只能包含字母、数字、“_”“-”“.”",
        );
    }
    p.text("name", &s.name, "姓名", 30);
    account::validate_password("password", &s.password, &mut p);
    if s.roles.is_empty() {
        p.push("roles", "required", "至少选择一个角色");
    }
    if s.department.is_none() && s.roles.iter().any(|r| !r.is_region_wide()) {
        p.push("department", "required", "承办、批准人员必须属于一个部门");
    }
    if let Err(e) = domain::ids::RegionCode::parse(&s.region) {
        p.push("region", "invalid", format!("所属区划代码无效：{e}"));
    }
    Ok(p.into_result()?)
}

async fn insert_staff(app: &App, s: &NewStaff) -> Result<String> {
    validate_staff(s)?;
    let mut tx = app.store.begin().await?;
    if !store::org::region_exists(&mut tx, &s.region).await? {
        return Err(AppError::field(
            "region",
            "unknown",
            format!("区划 {} 不存在", s.region),
        ));
    }
    if let Some(d) = &s.department {
        let dept = store::org::get_department(&mut tx, d)
            .await
            .map_err(|_| AppError::field("department", "unknown", format!("部门 {d} 不存在")))?;
        if dept.region != s.region {
            return Err(AppError::field(
                "department",
                "inconsistent",
                "部门不属于所选区划",
            ));
        }
    }
    let id = uuid::Uuid::now_v7().to_string();
    let row = AccountRow {
        id: id.clone(),
        login: s.login.trim().to_string(),
        kind: AccountKind::Staff,
        display_name: s.name.trim().to_string(),
        phone: s.phone.trim().to_string(),
        legal_representative: None,
        password_hash: hash_password(&s.password).await?,
        region: Some(s.region.clone()),
        department: s.department.clone(),
        roles: s
            .roles
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(","),
        created_at: app.now_ms(),
        disabled: 0,
    };
    acc::insert_account(&mut tx, &row)
        .await
        .map_err(|e| match e {
            store::StoreError::Conflict { .. } => {
                AppError::field("login", "taken", "该登录名已被使用")
            }
            other => other.into(),
        })?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(id)
}

/// A system administrator creates a staff account within their own region.
pub async fn create_staff(app: &App, cap: &SystemAdmin, s: &NewStaff) -> Result<String> {
    if !cap.scope().covers(&s.region, None) {
        return Err(AppError::Forbidden("只能在本人管辖的区划内创建账号".into()));
    }
    insert_staff(app, s).await
}

/// `onewindow admin create`: the bootstrap system administrator, from the command line only.
pub async fn bootstrap_admin(
    app: &App,
    login: &str,
    name: &str,
    password: &str,
    region: &str,
) -> Result<String> {
    insert_staff(
        app,
        &NewStaff {
            login: login.into(),
            name: name.into(),
            phone: String::new(),
            password: password.into(),
            roles: vec![Role::SystemAdmin, Role::CatalogAdmin],
            region: region.into(),
            department: None,
        },
    )
    .await
}

/// A staff member as listed to an administrator.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StaffView {
    pub login: String,
    pub name: String,
    pub roles: Vec<&'static str>,
    pub region: String,
    pub department: String,
    pub phone_masked: String,
}

pub async fn list_staff(app: &App, cap: &SystemAdmin) -> Result<Vec<StaffView>> {
    let mut c = app.store.conn().await?;
    let rows = acc::list_staff(&mut c).await?;
    Ok(rows
        .into_iter()
        .filter(|r| cap.scope().covers(r.region.as_deref().unwrap_or(""), None))
        .map(|r| StaffView {
            roles: r
                .roles
                .split(',')
                .filter_map(Role::parse)
                .map(|x| x.label())
                .collect(),
            login: r.login,
            name: r.display_name,
            region: r.region.unwrap_or_default(),
            department: r.department.unwrap_or_default(),
            phone_masked: mask_middle(&r.phone, 3, 4),
        })
        .collect())
}

/// Sessions older than their expiry are removed (run at start and periodically).
pub async fn purge_sessions(app: &App) -> Result<u64> {
    let mut c = app.store.conn().await?;
    Ok(acc::purge_expired_sessions(&mut c, app.now_ms()).await?)
}

pub fn session_ttl(app: &App) -> Duration {
    Duration::hours(app.settings.session_hours)
}
