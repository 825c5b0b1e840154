//! NATS JetStream: events are published in a page, every acknowledgement awaited in order.

use std::time::Duration;

use async_nats::jetstream::{self, message::PublishMessage};
use domain::outbox::Failure;
use hyper::body::Bytes;
use store::outbox::Stored;

use crate::NatsSink;
use crate::deliver::Outcome;

/// The server's address without credentials (`nats://user:pass@host` → `nats://host`), for
/// messages that reach logs and the administrator's page.
pub(crate) fn shown(url: &str) -> String {
    match (url.split_once("://"), url.rsplit_once('@')) {
        (Some((scheme, _)), Some((_, host))) => format!("{scheme}://{host}"),
        _ => url.to_string(),
    }
}

pub(crate) struct Nats {
    pub(crate) cfg: NatsSink,
    js: Option<jetstream::Context>,
}

impl Nats {
    pub(crate) fn new(cfg: NatsSink) -> Nats {
        Nats { cfg, js: None }
    }

    /// Connects and makes sure the stream exists. The client reconnects by itself after an
    /// outage; until the first connection succeeds, each round tries again.
    async fn context(&mut self) -> Result<jetstream::Context, String> {
        if let Some(js) = &self.js {
            return Ok(js.clone());
        }
        let client = async_nats::ConnectOptions::new()
            .name("onewindow-relay")
            .connection_timeout(Duration::from_secs(3))
            .request_timeout(Some(Duration::from_secs(5)))
            .connect(self.cfg.url.as_str())
            .await
            .map_err(|e| format!("NATS {} 连接失败：{e}", shown(&self.cfg.url)))?;
        let js = jetstream::new(client);
        js.get_or_create_stream(jetstream::stream::Config {
            name: self.cfg.stream.clone(),
            subjects: vec![format!("{}.>", self.cfg.subject_prefix)],
            // A repeat of an event (a crash between publishing and recording the position)
            // is dropped by the stream within this window.
            duplicate_window: Duration::from_secs(600),
            ..Default::default()
        })
        .await
        .map_err(|e| format!("NATS 流 {} 无法创建：{e}", self.cfg.stream))?;
        self.js = Some(js.clone());
        Ok(js)
    }

    pub(crate) async fn deliver(&mut self, events: &[&Stored]) -> Outcome {
        let js = match self.context().await {
            Ok(js) => js,
            Err(e) => return Outcome::failed(0, Failure::Transient, e),
        };
        let out = self.publish(&js, events).await;
        if out.failure.is_some() {
            // Start afresh next round: a new connection, and the stream made again if it
            // was deleted meanwhile.
            self.js = None;
        }
        out
    }

    async fn publish(&self, js: &jetstream::Context, events: &[&Stored]) -> Outcome {
        let mut acks = Vec::with_capacity(events.len());
        for e in events {
            let subject = format!("{}.{}", self.cfg.subject_prefix, e.topic);
            let msg = PublishMessage::build()
                .payload(Bytes::from(crate::envelope(e)))
                .message_id(&e.id);
            match js.send_publish(subject, msg).await {
                Ok(ack) => acks.push(ack),
                Err(err) => {
                    // Those already sent are still acknowledged below; this one and the rest
                    // go again next round.
                    return settle(acks, Some(format!("NATS 发布失败：{err}"))).await;
                }
            }
        }
        settle(acks, None).await
    }
}

/// Awaits the acknowledgements in order: the events before the first missing one count as
/// delivered.
async fn settle(acks: Vec<jetstream::context::PublishAckFuture>, err: Option<String>) -> Outcome {
    let mut n = 0;
    for a in acks {
        if let Err(e) = a.await {
            return Outcome::failed(n, Failure::Transient, format!("NATS 未确认：{e}"));
        }
        n += 1;
    }
    match err {
        Some(e) => Outcome::failed(n, Failure::Transient, e),
        None => Outcome::done(n),
    }
}
