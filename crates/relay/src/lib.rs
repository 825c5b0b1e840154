//! The relay: delivers the outbox (`store::outbox`) to systems outside the platform, at least
//! once and in order, each sink at its own pace. A sink is a NATS JetStream stream or an HTTP
//! webhook; each keeps a position in the outbox, a lease that lets one node deliver for it at
//! a time, and a list of dead letters an administrator can replay. What is published, the
//! retry policy and the order rules are the domain's (`domain::outbox`).

mod deliver;
mod envelope;
mod nats;
pub mod notify;
pub mod push;
mod webhook;

use domain::outbox::{RetryPolicy, SignatureAlgorithm};
use serde::{Deserialize, Serialize};

pub use deliver::{Progress, Worker, spawn};
pub use envelope::envelope;
pub use webhook::sign;

/// `[events]` in the configuration.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Config {
    /// Changes are written to the outbox (on by default; off only to measure the cost).
    #[serde(default = "yes")]
    pub record: bool,
    /// `[[events.nats]]`: JetStream streams to publish to.
    #[serde(default)]
    pub nats: Vec<NatsSink>,
    /// `[[events.webhooks]]`: HTTP endpoints to POST signed events to.
    #[serde(default)]
    pub webhooks: Vec<WebhookSink>,
    /// `[[events.push]]`: upper-level platforms that collect case and rating records (数据汇聚).
    #[serde(default)]
    pub push: Vec<PushSink>,
    #[serde(default)]
    pub retry: RetryPolicy,
    /// How often an idle sink looks for new events, in milliseconds.
    #[serde(default = "poll_ms")]
    pub poll_ms: u64,
    /// Delivered events are kept this many days, then pruned.
    #[serde(default = "keep_days")]
    pub keep_days: i64,
}

fn yes() -> bool {
    true
}
fn poll_ms() -> u64 {
    100
}
fn keep_days() -> i64 {
    7
}

impl Default for Config {
    fn default() -> Self {
        Config {
            record: true,
            nats: Vec::new(),
            webhooks: Vec::new(),
            push: Vec::new(),
            retry: RetryPolicy::default(),
            poll_ms: poll_ms(),
            keep_days: keep_days(),
        }
    }
}

/// A JetStream stream: each event is published to `{subject_prefix}.{topic}` with its id as
/// `Nats-Msg-Id`, so the stream drops a repeat inside its duplicate window.
#[derive(Clone, Serialize, Deserialize)]
pub struct NatsSink {
    pub name: String,
    /// `nats://127.0.0.1:4222`
    pub url: String,
    #[serde(default = "subject_prefix")]
    pub subject_prefix: String,
    /// The stream, created when missing (subjects `{subject_prefix}.>`).
    #[serde(default = "stream")]
    pub stream: String,
    /// Topic patterns to send (`case.*`, `license.issued`); empty: all.
    #[serde(default)]
    pub topics: Vec<String>,
}

fn subject_prefix() -> String {
    "onewindow".into()
}
fn stream() -> String {
    "ONEWINDOW".into()
}

/// An HTTP endpoint: each event is POSTed as JSON, signed with the subscriber's own secret.
#[derive(Clone, Serialize, Deserialize)]
pub struct WebhookSink {
    pub name: String,
    /// `http://…` (an HTTPS endpoint is reached through a TLS-terminating proxy for now).
    pub url: String,
    pub secret: String,
    #[serde(default)]
    pub algorithm: SignatureAlgorithm,
    #[serde(default)]
    pub topics: Vec<String>,
    #[serde(default = "timeout_ms")]
    pub timeout_ms: u64,
}

fn timeout_ms() -> u64 {
    10_000
}

/// An upper-level platform (数据汇聚): each case step and rating is POSTed to `{url}/records`
/// as GB/T 39046 / 39734 records (`domain::push`), signed like a webhook; `onewindow push
/// verify` asks `{url}/holdings` what it holds.
#[derive(Clone, Serialize, Deserialize)]
pub struct PushSink {
    pub name: String,
    /// `http://…/api/v1` (the base of `/records` and `/holdings`).
    pub url: String,
    pub secret: String,
    #[serde(default)]
    pub algorithm: SignatureAlgorithm,
    /// This platform's name for the upper one (the county's 平台标识).
    #[serde(default = "source")]
    pub source: String,
    /// What is pushed: case steps, issued licenses and ratings unless narrowed.
    #[serde(default = "push_topics")]
    pub topics: Vec<String>,
    #[serde(default = "timeout_ms")]
    pub timeout_ms: u64,
}

fn source() -> String {
    "onewindow".into()
}
fn push_topics() -> Vec<String> {
    vec![
        "case.*".into(),
        "license.issued".into(),
        "rating.given".into(),
    ]
}

// Credentials in the URL never reach a log.
impl std::fmt::Debug for NatsSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsSink")
            .field("name", &self.name)
            .field("url", &nats::shown(&self.url))
            .field("subject_prefix", &self.subject_prefix)
            .field("stream", &self.stream)
            .field("topics", &self.topics)
            .finish()
    }
}

// The secret never reaches a log.
impl std::fmt::Debug for WebhookSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSink")
            .field("name", &self.name)
            .field("url", &self.url)
            .field("secret", &"[redacted]")
            .field("algorithm", &self.algorithm)
            .field("topics", &self.topics)
            .finish()
    }
}

// The secret never reaches a log.
impl std::fmt::Debug for PushSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushSink")
            .field("name", &self.name)
            .field("url", &self.url)
            .field("secret", &"[redacted]")
            .field("algorithm", &self.algorithm)
            .field("source", &self.source)
            .field("topics", &self.topics)
            .finish()
    }
}

impl Config {
    /// Every sink's name, in the order they are configured.
    pub fn sink_names(&self) -> Vec<String> {
        self.nats
            .iter()
            .map(|n| n.name.clone())
            .chain(self.webhooks.iter().map(|w| w.name.clone()))
            .chain(self.push.iter().map(|p| p.name.clone()))
            .collect()
    }

    /// The upper-level platform called `name`, or the only one when `name` is None.
    pub fn push_sink(&self, name: Option<&str>) -> Result<&PushSink, String> {
        match name {
            Some(n) => self
                .push
                .iter()
                .find(|p| p.name == n)
                .ok_or_else(|| format!("没有名为“{n}”的上级平台（[[events.push]]）")),
            None => match self.push.as_slice() {
                [one] => Ok(one),
                [] => Err("未配置上级平台（[[events.push]]）".into()),
                _ => Err("配置了多个上级平台，请用 --sink 指明".into()),
            },
        }
    }

    /// What is wrong with the configuration, in Chinese, naming the setting.
    pub fn check(&self) -> Result<(), String> {
        let names = self.sink_names();
        for (i, n) in names.iter().enumerate() {
            if n.trim().is_empty()
                || !n
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(format!(
                    "events: 接收方名称“{n}”只能由字母、数字、- 和 _ 组成"
                ));
            }
            if names[..i].contains(n) {
                return Err(format!("events: 接收方名称“{n}”重复"));
            }
        }
        let signed = self
            .webhooks
            .iter()
            .map(|w| ("webhooks", &w.name, &w.url, &w.secret))
            .chain(
                self.push
                    .iter()
                    .map(|p| ("push", &p.name, &p.url, &p.secret)),
            );
        for (kind, name, url, secret) in signed {
            if !net::is_http_url(url) {
                return Err(format!(
                    "events.{kind}.{name}: url 应以 https:// 或 http:// 开头"
                ));
            }
            if secret.len() < 16 {
                return Err(format!("events.{kind}.{name}: secret 至少 16 个字符"));
            }
        }
        for n in &self.nats {
            if !(n.url.starts_with("nats://") || n.url.starts_with("tls://")) {
                return Err(format!(
                    "events.nats.{}: url 应形如 nats://127.0.0.1:4222",
                    n.name
                ));
            }
        }
        if self.retry.base_ms <= 0 || self.retry.cap_ms < self.retry.base_ms {
            return Err("events.retry: base_ms 应大于 0，cap_ms 不小于 base_ms".into());
        }
        Ok(())
    }
}

/// Whether `topic` matches one of `patterns` (`case.*` matches every case topic); no
/// patterns match everything.
pub fn wanted(patterns: &[String], topic: &str) -> bool {
    patterns.is_empty()
        || patterns.iter().any(|p| match p.strip_suffix('*') {
            Some(prefix) => topic.starts_with(prefix),
            None => p == topic,
        })
}

#[cfg(test)]
mod tests {
    #[test]
    fn credentials_are_kept_out_of_what_is_shown() {
        assert_eq!(
            crate::nats::shown("nats://ow:secret@10.0.0.9:4222"),
            "nats://10.0.0.9:4222"
        );
        assert_eq!(
            crate::nats::shown("nats://127.0.0.1:4222"),
            "nats://127.0.0.1:4222"
        );
        let s = crate::NatsSink {
            name: "p".into(),
            url: "nats://ow:secret@h:4222".into(),
            subject_prefix: "ow".into(),
            stream: "OW".into(),
            topics: vec![],
        };
        assert!(!format!("{s:?}").contains("secret"));
    }

    #[test]
    fn a_configuration_is_checked_and_each_fault_named() {
        let hook = |name: &str, url: &str, secret: &str| crate::WebhookSink {
            name: name.into(),
            url: url.into(),
            secret: secret.into(),
            algorithm: Default::default(),
            topics: vec![],
            timeout_ms: 1000,
        };
        let with = |hooks| crate::Config {
            webhooks: hooks,
            ..Default::default()
        };
        assert!(
            with(vec![hook("a", "http://h/x", "0123456789abcdef")])
                .check()
                .is_ok()
        );
        let short = with(vec![hook("a", "http://h/x", "short")])
            .check()
            .unwrap_err();
        assert!(
            short.contains("events.webhooks.a") && short.contains("16"),
            "{short}"
        );
        assert!(
            with(vec![hook("a", "https://h/x", "0123456789abcdef")])
                .check()
                .is_ok(),
            "HTTPS subscribers are reached directly"
        );
        let other = with(vec![hook("a", "ftp://h/x", "0123456789abcdef")])
            .check()
            .unwrap_err();
        assert!(other.contains("https://"), "{other}");
        let twice = with(vec![
            hook("a", "http://h/x", "0123456789abcdef"),
            hook("a", "http://h/y", "0123456789abcdef"),
        ])
        .check()
        .unwrap_err();
        assert!(twice.contains("重复"), "{twice}");
        let upper = |secret: &str| crate::Config {
            webhooks: vec![hook("a", "http://h/x", "0123456789abcdef")],
            push: vec![crate::PushSink {
                name: "a".into(),
                url: "http://p/api".into(),
                secret: secret.into(),
                algorithm: Default::default(),
                source: "county".into(),
                topics: vec![],
                timeout_ms: 1000,
            }],
            ..Default::default()
        };
        let same = upper("0123456789abcdef").check().unwrap_err();
        assert!(
            same.contains("重复"),
            "a push sink's name is a sink name: {same}"
        );
        let mut weak = upper("short");
        weak.push[0].name = "province".into();
        let weak = weak.check().unwrap_err();
        assert!(weak.contains("events.push.province"), "{weak}");
        let odd = with(vec![hook("省 平台", "http://h/x", "0123456789abcdef")])
            .check()
            .unwrap_err();
        assert!(odd.contains("只能由字母"), "{odd}");
    }

    #[test]
    fn topic_patterns_match_prefixes_and_whole_names() {
        let p = vec!["case.*".to_string(), "license.issued".to_string()];
        assert!(crate::wanted(&p, "case.accepted"));
        assert!(crate::wanted(&p, "license.issued"));
        assert!(!crate::wanted(&p, "license.revoked"));
        assert!(crate::wanted(&[], "anything"));
    }
}
