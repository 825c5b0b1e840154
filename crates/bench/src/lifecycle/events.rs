//! `bench lifecycle --events`: whether the outbox keeps up. With `nats`, the started server
//! delivers its outbox to the NATS server at `--nats-url`, and this process subscribes to the
//! subjects and measures each event's lag (received here − written there, one clock), then
//! waits for the relay to catch up and checks that every event arrived.

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use serde::Serialize;

use super::Target;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EventsArg {
    /// Nothing is written to the outbox.
    Off,
    /// Changes are written to the outbox; no sink (the platform's default).
    Record,
    /// Written and delivered to NATS JetStream.
    Nats,
}

/// The file `start_server` passes as `--config` when present.
pub(crate) const CONFIG_FILE: &str = "bench-events.toml";
const PREFIX: &str = "onewindow_bench";

#[derive(Serialize, Debug)]
pub struct EventsReport {
    pub mode: EventsArg,
    /// Rows the outbox holds after the run.
    pub written: i64,
    pub received: u64,
    /// Distinct event ids received (a repeat is allowed: delivery is at least once).
    pub unique: u64,
    pub lag_p50_ms: f64,
    pub lag_p99_ms: f64,
    pub lag_max_ms: f64,
    /// From the end of the load until the last event arrived.
    pub catch_up_s: f64,
}

/// What the subscription has seen.
#[derive(Default)]
struct Seen {
    ids: HashSet<String>,
    lags: Vec<f64>,
    received: u64,
}

pub struct Listener {
    mode: EventsArg,
    seen: Arc<Mutex<Seen>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

/// Writes the server's `[events]` configuration and, for `nats`, subscribes first.
pub async fn prepare(mode: EventsArg, nats_url: &str, t: &Target) -> anyhow::Result<Listener> {
    let toml = match mode {
        EventsArg::Off => "[events]\nrecord = false\n".to_string(),
        EventsArg::Record => "[events]\nrecord = true\n".to_string(),
        EventsArg::Nats => format!(
            "[events]\nrecord = true\npoll_ms = 50\n\n[[events.nats]]\nname = \"bench\"\nurl = \"{nats_url}\"\nsubject_prefix = \"{PREFIX}\"\nstream = \"ONEWINDOW_BENCH\"\n"
        ),
    };
    std::fs::create_dir_all(&t.data_dir)?;
    std::fs::write(t.data_dir.join(CONFIG_FILE), toml)?;
    let seen = Arc::new(Mutex::new(Seen::default()));
    let task = if mode == EventsArg::Nats {
        let client = async_nats::connect(nats_url)
            .await
            .with_context(|| format!("无法连接 NATS {nats_url}"))?;
        // A fresh stream for the run: a previous run's events would count as duplicates.
        let js = async_nats::jetstream::new(client.clone());
        let _ = js.delete_stream("ONEWINDOW_BENCH").await;
        let mut sub = client.subscribe(format!("{PREFIX}.>")).await?;
        let seen = seen.clone();
        // Lag counts only the run's own events: the demo data's back-dated history is
        // delivered too, but its age says nothing about the relay.
        let since = time::OffsetDateTime::now_utc().unix_timestamp_nanos() as f64 / 1e6;
        Some(tokio::spawn(async move {
            use futures_util::StreamExt;
            while let Some(m) = sub.next().await {
                let now = time::OffsetDateTime::now_utc().unix_timestamp_nanos() as f64 / 1e6;
                let v: serde_json::Value = serde_json::from_slice(&m.payload).unwrap_or_default();
                let mut s = seen.lock().unwrap_or_else(|p| p.into_inner());
                s.received += 1;
                if let Some(id) = v["id"].as_str() {
                    s.ids.insert(id.to_string());
                }
                if let Some(at) = v["at_ms"].as_f64().filter(|at| *at >= since) {
                    s.lags.push(now - at);
                }
            }
        }))
    } else {
        None
    };
    Ok(Listener { mode, seen, task })
}

impl Listener {
    /// After the load, while the server still runs: waits (at most 60 s) until every event
    /// the outbox holds has arrived, then reports.
    pub async fn finish(self, t: &Target) -> anyhow::Result<EventsReport> {
        let ended = Instant::now();
        let store = app::Store::connect(&t.database_url).await?;
        let written = || async {
            let mut c = store.conn().await?;
            anyhow::Ok(store::outbox::head(&mut c).await?)
        };
        let mut total = written().await?;
        if self.mode == EventsArg::Nats {
            let deadline = ended + Duration::from_secs(60);
            loop {
                total = written().await?;
                let unique = self.seen.lock().map(|s| s.ids.len() as i64).unwrap_or(0);
                if unique >= total || Instant::now() > deadline {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        let catch_up_s = ended.elapsed().as_secs_f64();
        store.close().await;
        if let Some(t) = self.task {
            t.abort();
        }
        let s = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let mut lags = s.lags.clone();
        lags.sort_by(f64::total_cmp);
        let pick = |q: f64| {
            lags.get(((lags.len() as f64 * q) as usize).min(lags.len().saturating_sub(1)))
                .copied()
                .unwrap_or(0.0)
        };
        Ok(EventsReport {
            mode: self.mode,
            written: total,
            received: s.received,
            unique: s.ids.len() as u64,
            lag_p50_ms: pick(0.5),
            lag_p99_ms: pick(0.99),
            lag_max_ms: lags.last().copied().unwrap_or(0.0),
            catch_up_s,
        })
    }
}

impl EventsReport {
    pub fn print(&self) {
        if self.mode != EventsArg::Nats {
            println!("  事件：{:?}，发件箱 {} 条", self.mode, self.written);
            return;
        }
        println!(
            "  事件投递（NATS）：写入 {} 条，收到 {} 条（不重复 {}），延迟 p50 {:.1} ms  p99 {:.1} ms  最大 {:.1} ms，压测结束后 {:.2} 秒追平",
            self.written,
            self.received,
            self.unique,
            self.lag_p50_ms,
            self.lag_p99_ms,
            self.lag_max_ms,
            self.catch_up_s
        );
    }

    /// Every event written arrived.
    pub fn complete(&self) -> bool {
        self.mode != EventsArg::Nats || self.unique as i64 >= self.written
    }
}

/// The `--config` argument for the started server, when the run wrote one.
pub(crate) fn config_arg(data_dir: &Path) -> Option<std::path::PathBuf> {
    let p = data_dir.join(CONFIG_FILE);
    p.exists().then_some(p)
}
