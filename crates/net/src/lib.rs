//! The client for calls to servers outside this platform (the provincial platforms, the
//! identity provider, webhook subscribers, object storage): hyper over rustls with ring, the
//! tree's one TLS stack. HTTPS servers are trusted by the public roots (Mozilla's, built in),
//! the system's store (where operators install the government network's CA, or name a bundle
//! with `SSL_CERT_FILE`), and any bundle the configuration adds ([`trust_pem_file`]).

use std::sync::{Arc, RwLock};
use std::time::Duration;

use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

pub type HttpsClient<B> = Client<HttpsConnector<HttpConnector>, B>;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Certificates trusted beyond the public and system roots, and the TLS configuration built
/// from all of them (dropped when a certificate is added).
static EXTRA: RwLock<Vec<CertificateDer<'static>>> = RwLock::new(Vec::new());
static CONFIG: RwLock<Option<Arc<rustls::ClientConfig>>> = RwLock::new(None);

/// Trusts the certificates of a PEM bundle too (a government network's own CA), for every
/// client made afterwards; how many it held. Called at start from the configuration.
pub fn trust_pem_file(path: &std::path::Path) -> Result<usize, String> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: 没有证书", path.display()));
    }
    let n = certs.len();
    EXTRA
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .extend(certs);
    *CONFIG.write().unwrap_or_else(|e| e.into_inner()) = None;
    Ok(n)
}

fn tls_config() -> Arc<rustls::ClientConfig> {
    if let Some(c) = CONFIG.read().unwrap_or_else(|e| e.into_inner()).as_ref() {
        return c.clone();
    }
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    // A store that cannot be read (a minimal container) leaves the public roots.
    let native = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(native.certs);
    roots.add_parsable_certificates(EXTRA.read().unwrap_or_else(|e| e.into_inner()).clone());
    let config = Arc::new(
        rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth(),
    );
    *CONFIG.write().unwrap_or_else(|e| e.into_inner()) = Some(config.clone());
    config
}

/// A client for `http://` and `https://` URLs (HTTP/1.1), connecting within 5 seconds.
pub fn client<B>() -> HttpsClient<B>
where
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
{
    let mut tcp = HttpConnector::new();
    tcp.set_connect_timeout(Some(CONNECT_TIMEOUT));
    tcp.enforce_http(false);
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config((*tls_config()).clone())
        .https_or_http()
        .enable_http1()
        .wrap_connector(tcp);
    Client::builder(TokioExecutor::new()).build(https)
}

/// An error with its causes ("client error (Connect): invalid peer certificate:
/// UnknownIssuer"): hyper's own message alone does not say what went wrong.
pub fn causes(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(c) = next {
        out.push_str(": ");
        out.push_str(&c.to_string());
        next = c.source();
    }
    out
}

/// Whether `url` is one this client can call.
pub fn is_http_url(url: &str) -> bool {
    url.starts_with("http://") || url.starts_with("https://")
}
