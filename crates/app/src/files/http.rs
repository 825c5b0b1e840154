//! The HTTP transport object_store's S3 client speaks through: hyper over rustls with ring,
//! the tree's one TLS stack. object_store's own transport is reqwest with aws-lc-rs, which
//! would add a second HTTP client and a second crypto library to a 2-core build.

use std::time::Duration;

use http_body_util::BodyExt;
use object_store::client::{
    HttpClient, HttpConnector, HttpError, HttpErrorKind, HttpRequest, HttpRequestBody,
    HttpResponse, HttpResponseBody, HttpService,
};

/// How long one request may take before object_store's retry policy takes over.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Builds hyper clients for object_store (HTTP and HTTPS, public web roots).
#[derive(Debug, Default)]
pub struct HyperConnector;

impl HttpConnector for HyperConnector {
    fn connect(&self, _options: &object_store::ClientOptions) -> object_store::Result<HttpClient> {
        Ok(HttpClient::new(Hyper {
            client: net::client(),
        }))
    }
}

#[derive(Debug)]
struct Hyper {
    client: net::HttpsClient<HttpRequestBody>,
}

#[async_trait::async_trait]
impl HttpService for Hyper {
    async fn call(&self, req: HttpRequest) -> Result<HttpResponse, HttpError> {
        let res = tokio::time::timeout(REQUEST_TIMEOUT, self.client.request(req))
            .await
            .map_err(|e| HttpError::new(HttpErrorKind::Timeout, e))?
            .map_err(|e| {
                let kind = if e.is_connect() {
                    HttpErrorKind::Connect
                } else {
                    HttpErrorKind::Request
                };
                HttpError::new(kind, e)
            })?;
        let (parts, body) = res.into_parts();
        let body = body.map_err(|e| HttpError::new(HttpErrorKind::Interrupted, e));
        Ok(HttpResponse::from_parts(parts, HttpResponseBody::new(body)))
    }
}
