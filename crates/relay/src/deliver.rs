//! One worker per sink: hold the sink's lease, read the outbox after the sink's position,
//! deliver what may go now (`domain::outbox::deliverable`), move the position, and on a
//! failure wait (`RetryPolicy`) or set the event aside as a dead letter.

use std::time::Duration;

use domain::outbox::{Failure, Gap, Next, RetryPolicy, deliverable};
use store::Store;
use store::outbox::{self as so, Stored};

use crate::nats::Nats;
use crate::push::Push;
use crate::webhook::Webhook;
use crate::{Config, wanted};

/// How many events a round reads.
const PAGE: i64 = 256;
/// How long a lease lasts; renewed at half time. A node that dies is replaced after this.
const LEASE_MS: i64 = 15_000;

/// What a delivery came to: how many of the events went, in order, and why the next did not.
pub(crate) struct Outcome {
    pub(crate) delivered: usize,
    pub(crate) failure: Option<(Failure, String)>,
}

impl Outcome {
    pub(crate) fn done(n: usize) -> Outcome {
        Outcome {
            delivered: n,
            failure: None,
        }
    }
    pub(crate) fn failed(n: usize, f: Failure, why: String) -> Outcome {
        Outcome {
            delivered: n,
            failure: Some((f, why)),
        }
    }
}

enum Sink {
    Nats(Nats),
    Webhook(Webhook),
    Push(Push),
}

impl Sink {
    fn name(&self) -> &str {
        match self {
            Sink::Nats(n) => &n.cfg.name,
            Sink::Webhook(w) => &w.cfg.name,
            Sink::Push(p) => &p.cfg.name,
        }
    }
    fn topics(&self) -> &[String] {
        match self {
            Sink::Nats(n) => &n.cfg.topics,
            Sink::Webhook(w) => &w.cfg.topics,
            Sink::Push(p) => &p.cfg.topics,
        }
    }
    async fn deliver(&mut self, events: &[&Stored]) -> Outcome {
        match self {
            Sink::Nats(n) => n.deliver(events).await,
            Sink::Webhook(w) => w.deliver(events).await,
            Sink::Push(p) => p.deliver(events).await,
        }
    }
}

/// What a round did, so the loop knows whether to go on at once or wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Events went and more may be waiting.
    More,
    /// Nothing to do.
    Idle,
    /// Come back in this many milliseconds (a retry is due, a hole may fill, another node
    /// holds the lease).
    Wait(i64),
}

/// The deliverer of one sink.
pub struct Worker {
    store: Store,
    sink: Sink,
    policy: RetryPolicy,
    /// Who this is, for the lease (host, process, sink).
    owner: String,
    /// The cursor while this worker holds the lease.
    held: Option<so::Cursor>,
    gaps: Vec<Gap>,
}

/// Starts a worker for every configured sink, and the daily pruning; returns the workers'
/// tasks.
pub fn spawn(store: Store, cfg: &Config, node: &str) -> Vec<tokio::task::JoinHandle<()>> {
    let poll = Duration::from_millis(cfg.poll_ms.max(10));
    let mut tasks: Vec<_> = Worker::all(&store, cfg, node)
        .into_iter()
        .map(|mut w| {
            tokio::spawn(async move {
                loop {
                    match w.round().await {
                        Ok(Progress::More) => {}
                        Ok(Progress::Idle) => tokio::time::sleep(poll).await,
                        Ok(Progress::Wait(ms)) => {
                            let ms = u64::try_from(ms.clamp(10, 60_000)).unwrap_or(1000);
                            tokio::time::sleep(Duration::from_millis(ms)).await
                        }
                        Err(e) => {
                            tracing::warn!(sink = w.sink.name(), "outbox relay round failed: {e}");
                            tokio::time::sleep(Duration::from_secs(1)).await
                        }
                    }
                }
            })
        })
        .collect();
    let (keep, sinks) = (cfg.keep_days, cfg.sink_names());
    tasks.push(tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            let before = now_ms() - keep * 86_400_000;
            match so::prune(&store, before, &sinks).await {
                Ok(n) if n > 0 => tracing::info!(events = n, "delivered outbox events pruned"),
                Ok(_) => {}
                Err(e) => tracing::warn!("outbox pruning failed: {e}"),
            }
        }
    }));
    tasks
}

fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

impl Worker {
    /// A worker per configured sink; `node` names this process for the leases.
    pub fn all(store: &Store, cfg: &Config, node: &str) -> Vec<Worker> {
        let sinks = cfg
            .nats
            .iter()
            .map(|n| Sink::Nats(Nats::new(n.clone())))
            .chain(
                cfg.webhooks
                    .iter()
                    .map(|w| Sink::Webhook(Webhook::new(w.clone()))),
            )
            .chain(
                cfg.push
                    .iter()
                    .map(|p| Sink::Push(Push::new(p.clone(), store.clone()))),
            );
        sinks
            .map(|sink| Worker {
                store: store.clone(),
                owner: format!("{node}/{}", sink.name()),
                sink,
                policy: cfg.retry,
                held: None,
                gaps: Vec::new(),
            })
            .collect()
    }

    pub fn sink(&self) -> &str {
        self.sink.name()
    }

    /// One round: renew the lease, send replays an administrator asked for, then the events
    /// after the position.
    pub async fn round(&mut self) -> store::Result<Progress> {
        let now = now_ms();
        let renew = self
            .held
            .as_ref()
            .is_none_or(|c| c.lease_until - now < LEASE_MS / 2);
        if renew {
            self.held =
                so::claim(&self.store, self.sink.name(), &self.owner, now, LEASE_MS).await?;
            if self.held.is_none() {
                self.gaps.clear();
                return Ok(Progress::Wait(LEASE_MS / 3));
            }
        }
        self.replays(now).await?;
        let Some(c) = self.held.clone() else {
            return Ok(Progress::Wait(LEASE_MS / 3));
        };
        if c.attempts > 0 && now < c.retry_at {
            return Ok(Progress::Wait(c.retry_at - now));
        }
        let mut conn = self.store.conn().await?;
        let rows = so::after(&mut conn, c.position, PAGE).await?;
        if rows.is_empty() {
            return Ok(Progress::Idle);
        }
        // Taken after the read: a hole seen now was made by a transaction below this horizon.
        let (oldest, horizon) = so::horizon(&mut conn).await?;
        drop(conn);
        let seqs: Vec<i64> = rows.iter().map(|r| r.seq).collect();
        let (go, gaps) = deliverable(c.position, &seqs, &self.gaps, oldest, horizon);
        self.gaps = gaps;
        let Some(&last) = go.last() else {
            return Ok(Progress::Wait(20));
        };
        let topics = self.sink.topics().to_vec();
        let sent: Vec<&Stored> = rows
            .iter()
            .filter(|r| go.contains(&r.seq) && wanted(&topics, &r.topic))
            .collect();
        // Nothing this sink wants (or only holes passed): move on without reaching for it.
        let out = if sent.is_empty() {
            Outcome::done(0)
        } else {
            self.sink.deliver(&sent).await
        };
        let now = now_ms();
        let Some((failure, why)) = out.failure else {
            if !self.moved(last, out.delivered, now).await? {
                return Ok(Progress::Wait(LEASE_MS / 3));
            }
            let full = rows.len() as i64 == PAGE;
            return Ok(if full { Progress::More } else { Progress::Idle });
        };
        // Everything before the refused event went (or was not for this sink, or a hole).
        let Some(&refused) = sent.get(out.delivered) else {
            // A sink that reports a failure after taking everything: count it as delivered.
            self.moved(last, out.delivered, now).await?;
            return Ok(Progress::Idle);
        };
        if refused.seq - 1 > c.position && !self.moved(refused.seq - 1, out.delivered, now).await? {
            return Ok(Progress::Wait(LEASE_MS / 3));
        }
        // The count goes on only for the event that failed last round too: with nothing
        // delivered, it is the first one this sink wants after the same position.
        let attempts = if out.delivered == 0 {
            c.attempts + 1
        } else {
            1
        };
        let name = self.sink.name().to_string();
        match self
            .policy
            .next(u32::try_from(attempts).unwrap_or(u32::MAX), failure)
        {
            Next::RetryAfter { ms } => {
                tracing::warn!(sink = %name, seq = refused.seq, id = %refused.id, attempts, retry_in_ms = ms, "outbox delivery failed, will retry: {why}");
                so::failed(
                    &self.store,
                    &name,
                    &self.owner,
                    attempts,
                    now + ms,
                    &why,
                    now,
                )
                .await?;
                if let Some(h) = &mut self.held {
                    h.attempts = attempts;
                    h.retry_at = now + ms;
                }
                Ok(Progress::Wait(ms))
            }
            Next::Bury => {
                tracing::error!(sink = %name, seq = refused.seq, id = %refused.id, attempts, "outbox event refused for good, kept as a dead letter: {why}");
                so::bury(
                    &self.store,
                    &name,
                    &self.owner,
                    refused.seq,
                    attempts,
                    &why,
                    now,
                )
                .await?;
                if let Some(h) = &mut self.held {
                    h.position = refused.seq;
                    h.attempts = 0;
                }
                Ok(Progress::More)
            }
        }
    }

    /// Records the new position; false (and lets go) when another node holds the lease now.
    async fn moved(&mut self, position: i64, n: usize, now: i64) -> store::Result<bool> {
        let name = self.sink.name().to_string();
        if !so::advance(&self.store, &name, &self.owner, position, n as i64, now).await? {
            tracing::warn!(sink = %name, "another node took over this sink's deliveries");
            self.held = None;
            return Ok(false);
        }
        if let Some(h) = &mut self.held {
            h.position = position;
            h.attempts = 0;
            h.retry_at = 0;
        }
        Ok(true)
    }

    /// Dead letters an administrator asked to send again.
    async fn replays(&mut self, now: i64) -> store::Result<()> {
        let mut conn = self.store.conn().await?;
        let due = so::replays_due(&mut conn, self.sink.name(), 16).await?;
        drop(conn);
        for e in &due {
            let out = self.sink.deliver(&[e]).await;
            let why = out.failure.map(|(_, why)| why);
            match &why {
                None => {
                    tracing::info!(sink = self.sink.name(), seq = e.seq, "dead letter replayed")
                }
                Some(w) => tracing::warn!(
                    sink = self.sink.name(),
                    seq = e.seq,
                    "dead letter replay failed: {w}"
                ),
            }
            so::replayed(&self.store, self.sink.name(), e.seq, why.as_deref(), now).await?;
        }
        Ok(())
    }
}
