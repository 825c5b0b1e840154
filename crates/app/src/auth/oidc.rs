//! 统一身份认证: logging in through the province's identity provider with OpenID Connect
//! (authorization code with PKCE). The state, nonce and PKCE verifier stay on the server
//! (`oidc_pending`), bound to the browser by a cookie that the web layer compares; the ID
//! token's signature, issuer, audience, expiry and nonce are checked by `openidconnect`
//! against the provider's published keys; who the token names is decided by
//! `domain::identity`. The first login links the provider's subject to the account with the
//! same ID number or credit code, or creates that account; staff link by their login where
//! the provider names it.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use domain::account::{AccountKind, Role};
use domain::identity::{ClaimNames, Identity};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType,
    CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreProviderMetadata, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AccessTokenHash, AdditionalClaims, AuthorizationCode, ClientId, ClientSecret, CsrfToken,
    EmptyExtraTokenFields, IdToken, IdTokenFields, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, StandardErrorResponse,
    StandardTokenResponse, TokenResponse,
};
use store::accounts::{self as acc, AccountRow};

use super::{Session, open_session};
use crate::{App, AppError, Result};

/// How long a login may stay at the provider before its callback is refused.
pub const PENDING_FOR: time::Duration = time::Duration::minutes(10);
/// How long the provider's metadata and keys are trusted before they are fetched again (a
/// rotated key is picked up within this time).
const METADATA_FOR: Duration = Duration::from_secs(600);

/// The identity provider (`[oidc]`).
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct OidcConfig {
    /// The provider's issuer URL; its metadata is at `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// Where the provider sends people back; default `{public_url}/login/oidc/callback`.
    #[serde(default)]
    pub redirect_url: String,
    /// The button's words on the login page.
    #[serde(default = "default_label")]
    pub label: String,
    /// Which claims carry the ID number, credit code, name, phone and staff login.
    #[serde(default)]
    pub claims: ClaimNames,
    /// Staff must log in here; password logins of staff are refused, except system
    /// administrators' (the way back in when the provider is down).
    #[serde(default)]
    pub staff_required: bool,
    #[serde(default = "default_timeout")]
    pub timeout_ms: u64,
}

fn default_label() -> String {
    "统一身份认证登录".into()
}

fn default_timeout() -> u64 {
    5_000
}

// The client secret is never printed.
impl std::fmt::Debug for OidcConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcConfig")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("redirect_url", &self.redirect_url)
            .field("claims", &self.claims)
            .field("staff_required", &self.staff_required)
            .finish_non_exhaustive()
    }
}

impl OidcConfig {
    /// Checked at start, with the section named in the message.
    pub fn check(&self) -> std::result::Result<(), String> {
        if !(self.issuer.starts_with("https://") || self.issuer.starts_with("http://")) {
            return Err(format!(
                "[oidc] issuer 须为 http(s) 地址：“{}”",
                self.issuer
            ));
        }
        if self.client_id.trim().is_empty() || self.client_secret.trim().is_empty() {
            return Err("[oidc] 缺少 client_id 或 client_secret".into());
        }
        Ok(())
    }
}

/// The claims beyond the standard ones, kept as the provider sent them.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ExtraClaims {
    #[serde(flatten)]
    all: BTreeMap<String, serde_json::Value>,
}
impl AdditionalClaims for ExtraClaims {}

type GovIdToken = IdToken<
    ExtraClaims,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type GovTokenResponse = StandardTokenResponse<
    IdTokenFields<
        ExtraClaims,
        EmptyExtraTokenFields,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >,
    CoreTokenType,
>;
type GovClient<A, D, I, R, T, U> = openidconnect::Client<
    ExtraClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    GovTokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    A,
    D,
    I,
    R,
    T,
    U,
>;

/// The provider's metadata and keys, fetched on first use and again after [`METADATA_FOR`].
#[derive(Default)]
pub struct Discovered(tokio::sync::Mutex<Option<(Instant, CoreProviderMetadata)>>);

fn config(app: &App) -> Result<&OidcConfig> {
    app.settings.oidc.as_ref().ok_or_else(|| {
        refused(
            "not_configured",
            "本平台未接入统一身份认证，请使用账号密码登录",
        )
    })
}

fn refused(code: &'static str, message: impl Into<String>) -> AppError {
    AppError::field("oidc", code, message)
}

fn unavailable(cause: String) -> AppError {
    tracing::warn!(target: "onewindow::oidc", "identity provider: {cause}");
    AppError::Unavailable {
        what: "统一身份认证".into(),
        cause,
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpFailure(String);

use net::causes as chain;

/// One request to the provider over our HTTPS client, with the configured deadline.
async fn send(
    timeout: Duration,
    req: openidconnect::HttpRequest,
) -> std::result::Result<openidconnect::HttpResponse, HttpFailure> {
    let (parts, body) = req.into_parts();
    let req = hyper::Request::from_parts(parts, Full::new(Bytes::from(body)));
    let client = net::client::<Full<Bytes>>();
    let exchange = async {
        let res = client
            .request(req)
            .await
            .map_err(|e| HttpFailure(e.to_string()))?;
        let (parts, body) = res.into_parts();
        let body = body
            .collect()
            .await
            .map_err(|e| HttpFailure(e.to_string()))?
            .to_bytes()
            .to_vec();
        Ok(openidconnect::HttpResponse::from_parts(parts, body))
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .map_err(|_| HttpFailure(format!("no answer within {timeout:?}")))?
}

async fn metadata(app: &App, cfg: &OidcConfig) -> Result<CoreProviderMetadata> {
    let mut cached = app.oidc.0.lock().await;
    if let Some((at, m)) = cached.as_ref()
        && at.elapsed() < METADATA_FOR
    {
        return Ok(m.clone());
    }
    let issuer =
        IssuerUrl::new(cfg.issuer.clone()).map_err(|e| unavailable(format!("issuer URL: {e}")))?;
    let timeout = Duration::from_millis(cfg.timeout_ms);
    let http = |req| send(timeout, req);
    let m = CoreProviderMetadata::discover_async(issuer, &http)
        .await
        .map_err(|e| unavailable(format!("discovery at {}: {}", cfg.issuer, chain(&e))))?;
    *cached = Some((Instant::now(), m.clone()));
    Ok(m)
}

type ConfiguredClient = GovClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

/// The client as the provider's metadata and our configuration describe it.
async fn client(app: &App, cfg: &OidcConfig) -> Result<ConfiguredClient> {
    let meta = metadata(app, cfg).await?;
    Ok(GovClient::from_provider_metadata(
        meta,
        ClientId::new(cfg.client_id.clone()),
        Some(ClientSecret::new(cfg.client_secret.clone())),
    )
    .set_redirect_uri(redirect_url(app, cfg)?))
}

fn redirect_url(app: &App, cfg: &OidcConfig) -> Result<RedirectUrl> {
    let url = if cfg.redirect_url.is_empty() {
        format!(
            "{}/login/oidc/callback",
            app.settings.public_url.trim_end_matches('/')
        )
    } else {
        cfg.redirect_url.clone()
    };
    RedirectUrl::new(url).map_err(|e| AppError::Internal(format!("[oidc] redirect_url: {e}")))
}

/// Starts a login: the provider's authorization URL to send the browser to, and the state
/// the browser must bring back (the web layer keeps it in a cookie). `next` is where the
/// person goes afterwards (a local path, checked by the caller).
pub async fn begin(app: &App, next: &str) -> Result<(String, String)> {
    let cfg = config(app)?;
    let client = client(app, cfg).await?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .url();
    let now = app.now_ms();
    let pending = store::oidc::PendingLogin {
        state: state.secret().clone(),
        nonce: nonce.secret().clone(),
        verifier: verifier.secret().clone(),
        next: next.to_string(),
        created_at: now,
    };
    let mut tx = app.store.begin().await?;
    let stale = now - PENDING_FOR.whole_milliseconds() as i64;
    store::oidc::begin(&mut tx, &pending, stale).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok((url.to_string(), pending.state))
}

/// What the provider sent the browser back with.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Callback {
    #[serde(default)]
    pub state: String,
    pub code: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// A verified ID token: the provider's subject and the claims it asserts, as strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub issuer: String,
    pub subject: String,
    pub claims: BTreeMap<String, String>,
}

/// Finishes a login: the callback's state must be the one this browser started
/// (`browser_state`, from its cookie) and still pending; the code is exchanged with the PKCE
/// verifier; the ID token is verified; the person is linked or created, and logged in.
/// Returns the session and where to go next.
pub async fn finish(
    app: &App,
    browser_state: Option<&str>,
    cb: Callback,
) -> Result<(Session, String)> {
    let cfg = config(app)?;
    if browser_state != Some(cb.state.as_str()) || cb.state.is_empty() {
        return Err(refused(
            "state_mismatch",
            "登录请求不是从本浏览器发起的，请重新点击“统一身份认证登录”",
        ));
    }
    let mut tx = app.store.begin().await?;
    let pending = store::oidc::take(&mut tx, &cb.state).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    let Some(pending) = pending else {
        return Err(refused("expired", "登录请求已使用或已失效，请重新登录"));
    };
    if app.now_ms() - pending.created_at > PENDING_FOR.whole_milliseconds() as i64 {
        return Err(refused("expired", "登录等待时间过长，请重新登录"));
    }
    if let Some(error) = cb.error {
        let why = cb.error_description.unwrap_or(error);
        tracing::info!(target: "onewindow::oidc", "provider ended the login: {why}");
        return Err(refused(
            "provider_refused",
            format!("统一身份认证未完成：{why}"),
        ));
    }
    let Some(code) = cb.code.filter(|c| !c.is_empty()) else {
        return Err(refused("no_code", "统一身份认证未返回授权码，请重新登录"));
    };
    let client = client(app, cfg).await?;
    let timeout = Duration::from_millis(cfg.timeout_ms);
    let http = |req| send(timeout, req);
    let exchange = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|e| unavailable(format!("token endpoint: {e}")))?
        .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier));
    let tokens = exchange.request_async(&http).await.map_err(|e| {
        use openidconnect::RequestTokenError as E;
        match e {
            E::ServerResponse(r) => {
                tracing::warn!(target: "onewindow::oidc", "token endpoint refused the code: {r}");
                refused("code_refused", "统一身份认证未接受本次登录，请重新登录")
            }
            other => unavailable(format!("token endpoint: {}", chain(&other))),
        }
    })?;
    let id_token = tokens
        .id_token()
        .ok_or_else(|| refused("no_id_token", "统一身份认证未返回身份令牌"))?;
    let verified = check(
        app,
        &client,
        id_token,
        &pending.nonce,
        Some(tokens.access_token()),
    )?;
    let session = log_in(app, cfg, verified).await?;
    Ok((session, pending.next))
}

/// Verifies a raw ID token as [`finish`] does (for tools and tests that hold one): the
/// signature by the provider's current keys, issuer, audience, expiry, and the nonce.
pub async fn verify_id_token(app: &App, raw: &str, nonce: &str) -> Result<Verified> {
    let cfg = config(app)?;
    let client = client(app, cfg).await?;
    let token: GovIdToken = raw.parse().map_err(|e| {
        tracing::warn!(target: "onewindow::oidc", "ID token refused: not a JWT: {e}");
        refused("bad_token", "身份令牌无效")
    })?;
    check(app, &client, &token, nonce, None)
}

fn check(
    app: &App,
    client: &ConfiguredClient,
    token: &GovIdToken,
    nonce: &str,
    access_token: Option<&openidconnect::AccessToken>,
) -> Result<Verified> {
    let now = app.now();
    let verifier = client.id_token_verifier().set_time_fn(move || {
        chrono::DateTime::from_timestamp(now.unix_timestamp(), 0).unwrap_or_default()
    });
    let bad = |what: String| {
        tracing::warn!(target: "onewindow::oidc", "ID token refused: {what}");
        refused("bad_token", "身份令牌无效或已过期，请重新登录")
    };
    let claims = token
        .claims(&verifier, &Nonce::new(nonce.to_string()))
        .map_err(|e| bad(e.to_string()))?;
    // The access token belongs to this ID token (at_hash), where the provider says so.
    if let (Some(expected), Some(access)) = (claims.access_token_hash(), access_token) {
        let alg = token.signing_alg().map_err(|e| bad(e.to_string()))?;
        let key = token
            .signing_key(&verifier)
            .map_err(|e| bad(e.to_string()))?;
        let actual =
            AccessTokenHash::from_token(access, alg, key).map_err(|e| bad(e.to_string()))?;
        if actual != *expected {
            return Err(bad("at_hash does not match the access token".into()));
        }
    }
    let mut strings = BTreeMap::new();
    if let Some(name) = claims.name().and_then(|n| n.get(None)) {
        strings.insert("name".to_string(), name.to_string());
    }
    if let Some(phone) = claims.phone_number() {
        strings.insert("phone_number".to_string(), phone.to_string());
    }
    if let Some(u) = claims.preferred_username() {
        strings.insert("preferred_username".to_string(), u.to_string());
    }
    for (k, v) in &claims.additional_claims().all {
        let s = match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(n) => n.to_string(),
            _ => continue,
        };
        strings.entry(k.clone()).or_insert(s);
    }
    Ok(Verified {
        issuer: claims.issuer().to_string(),
        subject: claims.subject().to_string(),
        claims: strings,
    })
}

/// The account the verified person is, linked on first login (created for an applicant
/// seen for the first time), and a new session for it.
async fn log_in(app: &App, cfg: &OidcConfig, v: Verified) -> Result<Session> {
    let mut tx = app.store.begin().await?;
    let mut forget = false;
    let linked = store::oidc::linked_account(&mut tx, &v.issuer, &v.subject).await?;
    let row = match linked {
        Some(id) => acc::get_account(&mut tx, &id).await?,
        None => {
            let identity = domain::identity::identity_of(&v.claims, &cfg.claims, app.now().date())
                .map_err(|e| refused("identity", e.to_string()))?;
            let (row, created) = account_for(app, &mut tx, identity).await?;
            store::oidc::link(&mut tx, &v.issuer, &v.subject, &row.id, app.now_ms()).await?;
            if !created && row.kind != AccountKind::Staff && row.disabled == 0 {
                // Anyone may register here with someone else's ID number (nothing checks it
                // against the person); the provider has checked who this is. So a password
                // set before, and its sessions, end: whoever registered first in their name
                // keeps nothing (account pre-hijacking).
                acc::set_password(&mut tx, &row.id, NO_PASSWORD, false).await?;
                let ended = acc::delete_sessions_of(&mut tx, &row.id, None).await?;
                tracing::info!(target: "onewindow::oidc", account = %row.id, ended, "password and sessions before the link ended");
                forget = true;
            }
            if row.kind == AccountKind::Staff {
                let detail = serde_json::json!({ "issuer": v.issuer, "subject": v.subject });
                crate::audit::admin(&mut tx, app, &row.id, "oidc_linked", &row.id, detail).await?;
            }
            tracing::info!(target: "onewindow::oidc", account = %row.id, created, "provider subject linked");
            row
        }
    };
    if row.disabled != 0 {
        return Err(refused("disabled", "该账号已停用，请联系平台管理员"));
    }
    // The provider's own checks (人脸识别, 短信) stand for the second factor.
    let session = open_session(app, &mut tx, &row, false, false).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    if forget {
        super::password::forget_sessions(app, &row.id).await;
    }
    Ok(session)
}

/// The account an identity is: an existing one with the same login (a person who
/// registered here, or whom a window served without an account, 无账号办理), else a new
/// applicant account without a password.
pub(crate) async fn account_for(
    app: &App,
    tx: &mut store::Connection,
    identity: Identity,
) -> Result<(AccountRow, bool)> {
    match identity {
        Identity::Staff { login } => match acc::find_by_login(tx, &login).await? {
            Some(row) if row.kind == AccountKind::Staff => Ok((row, false)),
            _ => Err(refused(
                "no_staff_account",
                format!("本平台没有登录名为“{login}”的工作人员账号，请联系平台管理员"),
            )),
        },
        Identity::Applicant {
            kind,
            login,
            name,
            phone,
            legal_representative,
        } => {
            if let Some(row) = acc::find_by_login(tx, &login).await? {
                if row.kind != AccountKind::from(kind) {
                    return Err(refused("kind_mismatch", "该身份已对应本平台其他类型的账号"));
                }
                return Ok((row, false));
            }
            let row = AccountRow {
                id: uuid::Uuid::now_v7().to_string(),
                login,
                kind: kind.into(),
                display_name: name,
                phone,
                legal_representative,
                // No password: this account logs in through the provider (or sets one
                // through a window's password reset).
                password_hash: NO_PASSWORD.into(),
                region: None,
                department: None,
                roles: String::new(),
                created_at: app.now_ms(),
                disabled: 0,
            };
            acc::insert_account(tx, &row).await?;
            Ok((row, true))
        }
    }
}

/// A password hash no password matches.
pub(crate) const NO_PASSWORD: &str = "!oidc";

/// Whether a password login of `row` must go through the provider instead.
pub(crate) fn password_login_refused(app: &App, row: &AccountRow) -> bool {
    let Some(cfg) = app.settings.oidc.as_ref() else {
        return false;
    };
    cfg.staff_required
        && row.kind == AccountKind::Staff
        && !row
            .roles
            .split(',')
            .filter_map(Role::parse)
            .any(|r| r == Role::SystemAdmin)
}
