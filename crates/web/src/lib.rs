//! The web layer: server-rendered Chinese pages, the JSON API under `/api/v1`, sessions and
//! CSRF. Handlers are thin: extract, call one app function, render.

mod api;
mod assets;
mod charts;
mod ctx;
mod error;
mod views;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

pub use error::WebError;

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pub app: app::App,
    /// Mark cookies `Secure` and send HSTS (served over HTTPS).
    pub secure_cookies: bool,
    pub metrics: Arc<Metrics>,
    /// Opens `/metrics` beyond the loopback address to a bearer of this token.
    pub metrics_token: Option<String>,
    /// Set when the server is about to stop: `/readyz` says so, and the load balancer sends
    /// new requests to other nodes.
    pub draining: Arc<std::sync::atomic::AtomicBool>,
}

#[derive(Default)]
pub struct Metrics {
    pub requests: AtomicU64,
    pub server_errors: AtomicU64,
    pub searches: AtomicU64,
}

impl AppState {
    pub fn new(app: app::App, secure_cookies: bool) -> AppState {
        AppState {
            app,
            secure_cookies,
            metrics: Arc::new(Metrics::default()),
            metrics_token: None,
            draining: Arc::default(),
        }
    }
}

/// How long one request may take, body included.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);
/// How many requests are handled at once.
pub const MAX_CONCURRENT_REQUESTS: usize = 512;

/// `scheme://host[:port]` of an http(s) URL, for a CSP source; None when it is not one or
/// holds anything a header or a CSP list could be broken with.
fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let host = rest.split(['/', '?', '#']).next()?;
    let safe = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c));
    safe.then(|| format!("{scheme}://{host}"))
}

/// The whole site.
pub fn router(state: AppState) -> Router {
    // Forms post here only, except the ones whose answer sends the browser on to a platform
    // this one is joined to (browsers hold redirects after a form to form-action too).
    let settings = &state.app.settings;
    let targets = [
        settings.oidc.as_ref().map(|o| o.issuer.as_str()),
        settings.payment.as_ref().map(|p| p.link.url.as_str()),
    ];
    let form_action = targets
        .into_iter()
        .flatten()
        .filter_map(origin)
        .fold("'self'".to_string(), |acc, o| format!("{acc} {o}"));
    // The 政务地图's tiles come from its tile server, where one is configured.
    let img_src = settings
        .map_tiles
        .as_ref()
        .and_then(|t| origin(&t.tile_url))
        .map_or("'self' data:".to_string(), |o| format!("'self' data: {o}"));
    let csp = format!(
        "default-src 'self'; img-src {img_src}; style-src 'self'; script-src 'self'; form-action {form_action}; frame-ancestors 'none'; base-uri 'none'"
    );
    let csp = HeaderValue::from_str(&csp).expect("origins are checked to be header-safe");
    // Over HTTPS, browsers are told to use nothing else for a year (HSTS).
    let hsts = state
        .secure_cookies
        .then(|| HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    Router::new()
        .merge(views::router())
        .nest("/api", api::router())
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .merge(assets::router())
        .fallback(views::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ctx::count_and_csrf,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            csp,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            move |_: &axum::http::Response<axum::body::Body>| hsts.clone(),
        ))
        .layer(CatchPanicLayer::custom(error::panic_response))
        // A request that takes longer than this (a slow upload dribbled in, a stuck query)
        // is answered 408 and its resources freed; a large upload on a slow line takes
        // well under it.
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        // At most this many requests are handled at once; more wait their turn, so a flood
        // queues instead of exhausting memory or the database pool.
        .layer(GlobalConcurrencyLimitLayer::new(MAX_CONCURRENT_REQUESTS))
        .with_state(state)
}

#[utoipa::path(get, path = "/healthz", tag = "ops", operation_id = "healthz", summary = "存活检查",
    responses((status = 200, description = "ok", body = String, content_type = "text/plain")))]
async fn healthz() -> &'static str {
    "ok"
}

#[utoipa::path(get, path = "/readyz", tag = "ops", operation_id = "readyz", summary = "就绪检查（数据库可达）",
    responses(
        (status = 200, description = "ready", body = String, content_type = "text/plain"),
        (status = 503, description = "数据库不可达，或服务即将停止（排空中）", body = String, content_type = "text/plain"),
    ))]
async fn readyz(State(s): State<AppState>) -> impl IntoResponse {
    if s.draining.load(std::sync::atomic::Ordering::Acquire) {
        (StatusCode::SERVICE_UNAVAILABLE, "draining")
    } else if s.app.store.ping().await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
    }
}

#[utoipa::path(get, path = "/metrics", tag = "ops", operation_id = "metrics", summary = "Prometheus 指标（文本格式）",
    description = "只对本机回环地址开放，或携带配置的令牌（Authorization: Bearer）。",
    responses(
        (status = 200, description = "指标", body = String, content_type = "text/plain"),
        (status = 403, description = "不是本机且没有令牌", body = String, content_type = "text/plain"),
    ))]
async fn metrics(
    State(s): State<AppState>,
    ctx::ClientIp(ip): ctx::ClientIp,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    let local = ip.is_some_and(|i| i.is_loopback());
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let token_ok = match (&s.metrics_token, bearer) {
        (Some(want), Some(got)) => same_secret(want.as_bytes(), got.as_bytes()),
        _ => false,
    };
    if !local && !token_ok {
        return (
            StatusCode::FORBIDDEN,
            "metrics are served to the loopback address or with the configured token",
        )
            .into_response();
    }
    metrics_body(&s).into_response()
}

/// Compares two secrets in time that depends on their lengths only, not on where they first
/// differ (a token guessed byte by byte would otherwise show in response times). Written
/// out because it is three lines; a crate would add a dependency for it.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn metrics_body(s: &AppState) -> impl IntoResponse + use<> {
    let m = &s.metrics;
    let body = format!(
        "# HELP onewindow_http_requests_total HTTP requests served.\n# TYPE onewindow_http_requests_total counter\nonewindow_http_requests_total {}\n\
         # HELP onewindow_http_server_errors_total Responses with a 5xx status.\n# TYPE onewindow_http_server_errors_total counter\nonewindow_http_server_errors_total {}\n\
         # HELP onewindow_catalog_searches_total Catalog searches.\n# TYPE onewindow_catalog_searches_total counter\nonewindow_catalog_searches_total {}\n\
         # HELP onewindow_search_index_documents Items in the search index.\n# TYPE onewindow_search_index_documents gauge\nonewindow_search_index_documents {}\n",
        m.requests.load(Ordering::Relaxed),
        m.server_errors.load(Ordering::Relaxed),
        m.searches.load(Ordering::Relaxed),
        s.app.index.num_docs(),
    );
    let mut body = body;
    if let Some((rss, peak)) = memory() {
        body.push_str(&format!(
            "# HELP process_resident_memory_bytes Resident memory.\n# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes {rss}\n\
             # HELP onewindow_process_peak_resident_memory_bytes Highest resident memory since start.\n# TYPE onewindow_process_peak_resident_memory_bytes gauge\nonewindow_process_peak_resident_memory_bytes {peak}\n"
        ));
    }
    if let Some(cpu) = process_cpu_seconds() {
        body.push_str(&format!(
            "# HELP process_cpu_seconds_total User and system CPU time spent.\n# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total {cpu}\n"
        ));
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body)
}

/// The probes' operations, for the OpenAPI document.
fn ops_paths() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(healthz, readyz, metrics))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}

/// User plus system CPU seconds of this process, all threads (including exited ones), from
/// /proc/self/stat (Linux; None elsewhere). The fields count USER_HZ ticks, which Linux fixes
/// at 100 for user space on every architecture it still supports (reading it through sysconf
/// would need unsafe code, which the workspace forbids).
pub fn process_cpu_seconds() -> Option<f64> {
    const USER_HZ: f64 = 100.0;
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace();
    // After the name: state is field 3, utime field 14 and stime field 15.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some((utime + stime) as f64 / USER_HZ)
}

/// Resident and peak resident memory in bytes, from /proc (Linux; None elsewhere).
fn memory() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb = |key: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(key))?;
        line[key.len()..]
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse::<u64>()
            .ok()
            .map(|k| k * 1024)
    };
    Some((kb("VmRSS:")?, kb("VmHWM:")?))
}

#[cfg(test)]
mod tests {
    use super::origin;

    #[test]
    fn origins_are_taken_from_platform_urls_and_nothing_else() {
        assert_eq!(
            origin("https://tyrz.sczwfw.gov.cn/oidc").as_deref(),
            Some("https://tyrz.sczwfw.gov.cn")
        );
        assert_eq!(
            origin("http://127.0.0.1:9304?x").as_deref(),
            Some("http://127.0.0.1:9304")
        );
        assert_eq!(
            origin("http://[::1]:80/").as_deref(),
            Some("http://[::1]:80")
        );
        assert_eq!(origin("ftp://x"), None);
        assert_eq!(origin("https://a.example; script-src *"), None);
        assert_eq!(origin("https:///path"), None);
    }
}
