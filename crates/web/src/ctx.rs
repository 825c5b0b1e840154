//! Who is asking, and the CSRF token their forms must carry.
//!
//! CSRF uses the double-submit pattern with an HttpOnly cookie: every form carries the value
//! of the `ow_csrf` cookie in a hidden field, and a POST is refused unless the two match (and,
//! when logged in, match the token bound to the session). A cross-site page can neither read
//! the cookie nor guess the value. The token is rotated at login.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::Ordering;

use app::auth::Actor;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};

use crate::{AppState, WebError};

pub const SESSION_COOKIE: &str = "ow_session";
pub const CSRF_COOKIE: &str = "ow_csrf";
/// 适老化 (larger type, higher contrast): a display preference, "1" when on.
pub const CARE_COOKIE: &str = "ow_care";
/// Set when a kiosk's identity reader logged someone in: the hall's code, so pages show the
/// kiosk's large type and end the session after 60 s idle, and logging out returns there.
pub const KIOSK_COOKIE: &str = "ow_kiosk";

/// The kiosk cookie's hall code, if it is one (it goes into a redirect).
fn kiosk_hall(value: &str) -> String {
    let ok = (1..=32).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok { value.to_string() } else { String::new() }
}

/// A CSRF token minted for a visitor who had none; the middleware sets the cookie.
#[derive(Clone)]
struct FreshCsrf(String);

/// Counts requests and 5xx responses; gives every visitor a CSRF cookie.
pub async fn count_and_csrf(State(s): State<AppState>, mut req: Request, next: Next) -> Response {
    s.metrics.requests.fetch_add(1, Ordering::Relaxed);
    let jar = CookieJar::from_headers(req.headers());
    let fresh = if jar.get(CSRF_COOKIE).is_none() {
        app::auth::random_token().ok()
    } else {
        None
    };
    if let Some(t) = &fresh {
        req.extensions_mut().insert(FreshCsrf(t.clone()));
    }
    let cookies = req.headers().get(axum::http::header::COOKIE).cloned();
    let mut res = next.run(req).await;
    // An error page is drawn again with the visitor's header: a 404 or a refused action
    // does not show 登录/注册 to someone who is signed in.
    if let (Some(text), Some(cookies)) = (
        res.extensions().get::<crate::error::ErrorText>().cloned(),
        cookies,
    ) {
        let (mut parts, ()) = Request::new(()).into_parts();
        parts.headers.insert(axum::http::header::COOKIE, cookies);
        if let Ok(ctx) = Ctx::from_request_parts(&mut parts, &s).await
            && !ctx.actor.is_anonymous()
        {
            let again = crate::error::page_with(
                res.status(),
                &text.title,
                &text.message,
                crate::views::Nav::of(&ctx),
            );
            // Same status and headers (cookies included), the new body.
            res.headers_mut().remove(axum::http::header::CONTENT_LENGTH);
            *res.body_mut() = again.into_body();
        }
    }
    if res.status().is_server_error() {
        s.metrics.server_errors.fetch_add(1, Ordering::Relaxed);
    }
    // A login response sets its own rotated token; do not overwrite it.
    let already = res
        .headers()
        .get_all(axum::http::header::SET_COOKIE)
        .iter()
        .any(|v| v.to_str().is_ok_and(|v| v.starts_with(CSRF_COOKIE)));
    if let (Some(t), false) = (fresh, already)
        && let Ok(v) = csrf_cookie(t, s.secure_cookies).to_string().parse()
    {
        res.headers_mut().append(axum::http::header::SET_COOKIE, v);
    }
    res
}

pub fn csrf_cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((CSRF_COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .path("/")
        .build()
}

pub fn session_cookie(token: String, secure: bool, max_age: time::Duration) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .path("/")
        .max_age(max_age)
        .build()
}

/// The request's actor and CSRF token.
#[derive(Clone)]
pub struct Ctx {
    /// Anonymous also while a temporary password must be changed (`must_change_password`).
    pub actor: Actor,
    pub csrf: String,
    session_csrf: Option<String>,
    pub session_token: Option<String>,
    /// The session logged in with a temporary password: it may only change it.
    pub must_change_password: bool,
    /// Staff without the required second factor: the session may only bind one.
    pub must_bind_second_factor: bool,
    /// 适老化 mode is on (the `ow_care` cookie).
    pub care: bool,
    /// The hall of the kiosk this browser logged in at (`ow_kiosk`); empty elsewhere.
    pub kiosk: String,
}

impl Ctx {
    /// Refuses a state-changing request whose token does not match.
    pub fn check_csrf(&self, submitted: &str) -> Result<(), WebError> {
        let matches_cookie = !self.csrf.is_empty() && constant_time_eq(submitted, &self.csrf);
        let matches_session = self
            .session_csrf
            .as_deref()
            .is_none_or(|s| constant_time_eq(submitted, s));
        if matches_cookie && matches_session {
            Ok(())
        } else {
            Err(WebError::Csrf)
        }
    }
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(ctx) = parts.extensions.get::<Ctx>() {
            return Ok(ctx.clone());
        }
        let jar = CookieJar::from_headers(&parts.headers);
        let token = jar.get(SESSION_COOKIE).map(|c| c.value().to_string());
        let resolved = app::auth::resolve_session(&state.app, token.as_deref()).await?;
        let csrf = jar
            .get(CSRF_COOKIE)
            .map(|c| c.value().to_string())
            .or_else(|| parts.extensions.get::<FreshCsrf>().map(|f| f.0.clone()))
            .unwrap_or_default();
        let ctx = Ctx {
            actor: resolved.actor,
            csrf,
            session_csrf: resolved.csrf,
            session_token: token,
            must_change_password: resolved.must_change_password,
            must_bind_second_factor: resolved.must_bind_second_factor,
            care: jar.get(CARE_COOKIE).is_some_and(|c| c.value() == "1"),
            kiosk: jar
                .get(KIOSK_COOKIE)
                .map(|c| kiosk_hall(c.value()))
                .unwrap_or_default(),
        };
        parts.extensions.insert(ctx.clone());
        Ok(ctx)
    }
}

/// The address of the client a request came from, for login throttling: the peer of the TCP
/// connection (`ConnectInfo`, set by `serve` through `into_make_service_with_connect_info`).
/// None when there is none, as for a router called directly in tests; all such requests share
/// one throttling budget. Behind a reverse proxy every request has the proxy's address, so
/// the per-address limit then applies to all clients together.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}
