//! The one HTTP(S) client builder for calls to outside servers that may be HTTPS (object
//! storage, the identity provider): hyper over rustls with ring and the public web roots, the
//! tree's one TLS stack.

use std::time::Duration;

use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

pub(crate) type HttpsClient<B> = Client<HttpsConnector<HttpConnector>, B>;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A client for `http://` and `https://` URLs (HTTP/1.1).
pub(crate) fn client<B>() -> HttpsClient<B>
where
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
{
    let mut tcp = HttpConnector::new();
    tcp.set_connect_timeout(Some(CONNECT_TIMEOUT));
    tcp.enforce_http(false);
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_webpki_roots()
        .https_or_http()
        .enable_http1()
        .wrap_connector(tcp);
    Client::builder(TokioExecutor::new()).build(https)
}
