//! Texts and emails beside the inbox. The dispatcher looks at each new inbox notification
//! once: it reads the person's preferences, applies the rate limits (`domain::notify`) and
//! records a message per channel in one transaction with marking the notification dispatched;
//! then it sends the queued messages through the SMS gateway (`sms.rs`) and SMTP (`email.rs`),
//! retrying with growing waits until the message would be stale. Every message is recorded,
//! sent or not.

mod email;
mod sms;

use std::time::Duration;

use domain::notify::{Channel, Limits};
use serde::{Deserialize, Serialize};
use store::Store;
use store::notify::{self as sn, MessageRow};

pub use email::Smtp;
pub use sms::SmsGateway;

/// `[notify]` in the configuration.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// `[notify.sms]`: the carrier gateway; no texts without it.
    pub sms: Option<SmsGateway>,
    /// `[notify.email]`: the SMTP server; no emails without it.
    pub email: Option<Smtp>,
    /// `[notify.limits]`: per person and channel.
    pub limits: Limits,
}

impl Config {
    pub fn channels(&self) -> Vec<Channel> {
        let mut c = Vec::new();
        if self.sms.is_some() {
            c.push(Channel::Sms);
        }
        if self.email.is_some() {
            c.push(Channel::Email);
        }
        c
    }

    /// What is wrong with the configuration, in Chinese, naming the setting.
    pub fn check(&self) -> Result<(), String> {
        if let Some(s) = &self.sms {
            s.check()?;
        }
        if let Some(e) = &self.email {
            e.check()?;
        }
        if self.limits.per_hour == 0 || self.limits.per_day < self.limits.per_hour {
            return Err("notify.limits: per_hour 应大于 0，per_day 不小于 per_hour".into());
        }
        Ok(())
    }
}

/// The outcome of one send: the provider's message id, or why not and whether to retry.
pub(crate) type Sent = Result<String, (bool, String)>;

/// Decides and sends; one per process (a message is claimed before it is sent, so two nodes
/// never send the same one).
pub struct Dispatcher {
    store: Store,
    limits: Limits,
    channels: Vec<Channel>,
    sms: Option<sms::Sms>,
    email: Option<email::Email>,
}

const PAGE: i64 = 100;
/// How long a claimed message is held by the node sending it.
const HOLD_MS: i64 = 60_000;

fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

impl Dispatcher {
    pub fn new(store: Store, cfg: &Config) -> Result<Dispatcher, String> {
        Ok(Dispatcher {
            store,
            limits: cfg.limits,
            channels: cfg.channels(),
            sms: cfg.sms.clone().map(sms::Sms::new),
            email: cfg.email.clone().map(email::Email::new).transpose()?,
        })
    }

    /// One round: decide new notifications, then send what is due. Returns how much it did.
    pub async fn round(&mut self) -> store::Result<usize> {
        let decided = self.decide().await?;
        let sent = self.send_due().await?;
        Ok(decided + sent)
    }

    async fn decide(&self) -> store::Result<usize> {
        let mut conn = self.store.conn().await?;
        let pending = sn::undispatched(&mut conn, PAGE).await?;
        drop(conn);
        let now = now_ms();
        for n in &pending {
            let mut tx = self.store.begin().await?;
            let fresh = self.limits.fresh(n.at, now);
            let prefs = sn::prefs_of(&mut tx, &n.account_id).await?;
            let mut messages = Vec::new();
            let plan = if fresh {
                domain::notify::plan(&prefs, &n.phone, &self.channels)
            } else {
                Vec::new()
            };
            for (channel, address) in plan {
                let hour =
                    sn::recent_count(&mut tx, &n.account_id, channel.as_str(), now - 3_600_000)
                        .await?;
                let day =
                    sn::recent_count(&mut tx, &n.account_id, channel.as_str(), now - 86_400_000)
                        .await?;
                let allowed = self.limits.allows(
                    u32::try_from(hour).unwrap_or(u32::MAX),
                    u32::try_from(day).unwrap_or(u32::MAX),
                );
                if !allowed {
                    tracing::info!(account = %n.account_id, channel = channel.as_str(), "message held back by the rate limit");
                }
                messages.push(MessageRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    notification_id: n.id.clone(),
                    account_id: n.account_id.clone(),
                    channel: channel.as_str().into(),
                    address,
                    kind: n.kind.clone(),
                    body: match channel {
                        Channel::Sms => domain::notify::sms_content(&n.text),
                        Channel::Email => n.text.clone(),
                    },
                    state: if allowed { "queued" } else { "limited" }.into(),
                    attempts: 0,
                    next_at: now,
                    last_error: if allowed {
                        String::new()
                    } else {
                        format!(
                            "超过频率限制（每小时 {} 条、每天 {} 条）",
                            self.limits.per_hour, self.limits.per_day
                        )
                    },
                    provider_id: String::new(),
                    created_at: now,
                    sent_at: None,
                });
            }
            if sn::dispatch(&mut tx, &n.id, &messages).await? {
                tx.commit().await?;
            }
        }
        Ok(pending.len())
    }

    async fn send_due(&self) -> store::Result<usize> {
        let now = now_ms();
        let mut conn = self.store.conn().await?;
        let due = sn::due(&mut conn, now, PAGE).await?;
        let mut done = 0;
        for m in &due {
            if !sn::claim(&mut conn, &m.id, now, HOLD_MS).await? {
                continue;
            }
            let outcome = match Channel::parse(&m.channel) {
                Some(Channel::Sms) => match &self.sms {
                    Some(s) => s.send(m).await,
                    None => Err((false, "未配置短信网关".into())),
                },
                Some(Channel::Email) => match &self.email {
                    Some(e) => e.send(m).await,
                    None => Err((false, "未配置邮件服务器".into())),
                },
                None => Err((false, format!("未知渠道 {}", m.channel))),
            };
            let now = now_ms();
            let attempts = u32::try_from(m.attempts + 1).unwrap_or(u32::MAX);
            let (state, next, error, provider) = match outcome {
                Ok(id) => ("sent", now, String::new(), id),
                Err((true, why)) => match self.limits.retry_at(m.created_at, attempts, now) {
                    Some(at) => {
                        tracing::warn!(message = %m.id, channel = %m.channel, attempts, "message not sent, will retry: {why}");
                        ("queued", at, why, String::new())
                    }
                    None => {
                        tracing::error!(message = %m.id, channel = %m.channel, attempts, "message given up (stale): {why}");
                        (
                            "failed",
                            now,
                            format!("{why}（已过时，不再重发）"),
                            String::new(),
                        )
                    }
                },
                Err((false, why)) => {
                    tracing::error!(message = %m.id, channel = %m.channel, "message refused: {why}");
                    ("failed", now, why, String::new())
                }
            };
            sn::settle(&mut conn, &m.id, state, next, &error, &provider, now).await?;
            done += 1;
        }
        Ok(done)
    }
}

/// Starts the dispatcher when a channel is configured (otherwise notifications stay in the
/// inbox only, and are never sent later: each is looked at once, while fresh).
pub fn spawn(store: Store, cfg: &Config) -> Option<tokio::task::JoinHandle<()>> {
    if cfg.channels().is_empty() {
        return None;
    }
    let mut d = match Dispatcher::new(store, cfg) {
        Ok(d) => d,
        Err(e) => {
            tracing::error!("notifications not started: {e}");
            return None;
        }
    };
    Some(tokio::spawn(async move {
        loop {
            match d.round().await {
                Ok(0) => tokio::time::sleep(Duration::from_millis(500)).await,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!("notification round failed: {e}");
                    tokio::time::sleep(Duration::from_secs(1)).await
                }
            }
        }
    }))
}
