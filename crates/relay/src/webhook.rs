//! HTTP webhooks: each event is POSTed as JSON, signed with the subscriber's secret over the
//! timestamp and the body (`domain::outbox::signing_input`), its id as `Idempotency-Key`.

use std::time::Duration;

use domain::outbox::Failure;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use store::outbox::Stored;

use crate::WebhookSink;
use crate::deliver::Outcome;

pub(crate) struct Webhook {
    pub(crate) cfg: WebhookSink,
    client: net::HttpsClient<Full<Bytes>>,
}

pub use domain::signed::sign;

use net::causes;

impl Webhook {
    pub(crate) fn new(cfg: WebhookSink) -> Webhook {
        Webhook {
            cfg,
            client: net::client(),
        }
    }

    /// One POST per event, in order; stops at the first that is not taken.
    pub(crate) async fn deliver(&mut self, events: &[&Stored]) -> Outcome {
        for (n, e) in events.iter().enumerate() {
            if let Err((failure, why)) = self.post(e).await {
                return Outcome::failed(n, failure, why);
            }
        }
        Outcome::done(events.len())
    }

    async fn post(&self, e: &Stored) -> Result<(), (Failure, String)> {
        self.send(&self.cfg.url, &e.id, &e.topic, crate::envelope(e))
            .await
    }

    /// POSTs `body` to `url`, signed with the sink's secret, `id` as the idempotency key.
    pub(crate) async fn send(
        &self,
        url: &str,
        id: &str,
        topic: &str,
        body: Vec<u8>,
    ) -> Result<(), (Failure, String)> {
        self.request(hyper::Method::POST, url, id, topic, body)
            .await
            .map(drop)
    }

    /// A signed request (the signature covers the timestamp and the body, empty for a GET);
    /// the answer's body when the status is a success.
    pub(crate) async fn request(
        &self,
        method: hyper::Method,
        url: &str,
        id: &str,
        topic: &str,
        body: Vec<u8>,
    ) -> Result<Bytes, (Failure, String)> {
        let ts = time::OffsetDateTime::now_utc().unix_timestamp();
        let signature = sign(self.cfg.algorithm, self.cfg.secret.as_bytes(), ts, &body);
        let req = hyper::Request::builder()
            .method(method)
            .uri(url)
            .header("content-type", "application/json")
            .header("idempotency-key", id)
            .header("x-onewindow-topic", topic)
            .header("x-onewindow-timestamp", ts.to_string())
            .header("x-onewindow-signature", signature)
            .body(Full::new(Bytes::from(body)))
            .map_err(|err| (Failure::Rejected, format!("请求无法构造：{err}")))?;
        let wait = Duration::from_millis(self.cfg.timeout_ms);
        let res = match tokio::time::timeout(wait, self.client.request(req)).await {
            Err(_) => {
                return Err((
                    Failure::Transient,
                    format!("{} ms 内无应答", self.cfg.timeout_ms),
                ));
            }
            Ok(Err(err)) => {
                return Err((Failure::Transient, format!("连接失败：{}", causes(&err))));
            }
            Ok(Ok(res)) => res,
        };
        let status = res.status().as_u16();
        match Failure::of_status(status) {
            None => match tokio::time::timeout(wait, res.into_body().collect()).await {
                Ok(Ok(b)) => Ok(b.to_bytes()),
                Ok(Err(err)) => Err((Failure::Transient, format!("应答读取失败：{err}"))),
                Err(_) => Err((
                    Failure::Transient,
                    format!("{} ms 内未读完应答", self.cfg.timeout_ms),
                )),
            },
            Some(f) => {
                let text = match tokio::time::timeout(wait, res.into_body().collect()).await {
                    Ok(Ok(b)) => String::from_utf8_lossy(&b.to_bytes())
                        .chars()
                        .take(200)
                        .collect(),
                    _ => String::new(),
                };
                Err((f, format!("HTTP {status} {text}")))
            }
        }
    }
}
