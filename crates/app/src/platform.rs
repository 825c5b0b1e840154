//! Outside platforms the app calls itself (the courier, the payment platform): where each is
//! reached and the secret both sides sign with. Requests are JSON over HTTP or HTTPS (`net`),
//! signed like our webhooks (`domain::signed`: HMAC over "<timestamp>.<body>"), with a
//! deadline for the whole exchange; the platform signs its callbacks with the same secret.

use std::time::Duration;

use domain::outbox::SignatureAlgorithm;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;

/// A platform's address and shared secret (the common part of `[post]` and `[payment]`).
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct Link {
    /// The platform's API, e.g. `http://10.0.0.6/courier`.
    pub url: String,
    pub secret: String,
    #[serde(default)]
    pub algorithm: SignatureAlgorithm,
    #[serde(default = "default_timeout")]
    pub timeout_ms: u64,
}

fn default_timeout() -> u64 {
    5_000
}

// The secret is never printed.
impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link")
            .field("url", &self.url)
            .field("algorithm", &self.algorithm)
            .field("timeout_ms", &self.timeout_ms)
            .finish_non_exhaustive()
    }
}

impl Link {
    /// Checked at start: an http(s) URL and a secret of 16 characters or more; `section`
    /// names the configuration block in the message.
    pub fn check(&self, section: &str) -> Result<(), String> {
        if !net::is_http_url(&self.url) {
            return Err(format!(
                "[{section}] url 须以 https:// 或 http:// 开头：“{}”",
                self.url
            ));
        }
        if self.secret.chars().count() < 16 {
            return Err(format!("[{section}] secret 至少 16 个字符"));
        }
        Ok(())
    }

    /// `{url}/{path}`.
    pub(crate) fn endpoint(&self, path: &str) -> String {
        format!("{}/{path}", self.url.trim_end_matches('/'))
    }

    /// Sends `body` (empty for a GET) to `url`; the answer's status and body, or why there
    /// was none (in words for the log).
    pub(crate) async fn call(
        &self,
        method: hyper::Method,
        url: &str,
        idempotency_key: &str,
        body: Vec<u8>,
    ) -> Result<(hyper::StatusCode, Bytes), String> {
        self.call_with(method, url, idempotency_key, &[], body)
            .await
    }

    /// [`Link::call`] with more headers (a partner platform names itself in one).
    pub(crate) async fn call_with(
        &self,
        method: hyper::Method,
        url: &str,
        idempotency_key: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Result<(hyper::StatusCode, Bytes), String> {
        let ts = time::OffsetDateTime::now_utc().unix_timestamp();
        let signature = domain::signed::sign(self.algorithm, self.secret.as_bytes(), ts, &body);
        let mut req = hyper::Request::builder();
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        let req = req
            .method(method)
            .uri(url)
            .header("content-type", "application/json")
            .header("idempotency-key", idempotency_key)
            .header("x-onewindow-timestamp", ts.to_string())
            .header("x-onewindow-signature", signature)
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| e.to_string())?;
        let client = net::client::<Full<Bytes>>();
        let exchange = async {
            let res = client.request(req).await.map_err(|e| net::causes(&e))?;
            let status = res.status();
            let body = res
                .into_body()
                .collect()
                .await
                .map_err(|e| e.to_string())?
                .to_bytes();
            Ok((status, body))
        };
        tokio::time::timeout(Duration::from_millis(self.timeout_ms), exchange)
            .await
            .map_err(|_| format!("{} ms 内无应答", self.timeout_ms))?
    }

    /// Checks a callback's signature and timestamp against the secret.
    pub(crate) fn verify(
        &self,
        timestamp: Option<&str>,
        signature: Option<&str>,
        body: &[u8],
        now: i64,
    ) -> Result<(), domain::signed::Refusal> {
        domain::signed::verify(
            self.algorithm,
            self.secret.as_bytes(),
            timestamp,
            signature,
            body,
            now,
        )
    }
}
