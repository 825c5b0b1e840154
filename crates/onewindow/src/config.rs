//! Configuration: defaults → `onewindow.toml` (or `--config FILE`) → `ONEWINDOW__SECTION__KEY`
//! environment variables → command-line flags. Built once in `main` and passed down.

use std::path::PathBuf;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Clone, Serialize, Deserialize)]
pub struct Config {
    pub server: Server,
    pub storage: Storage,
    pub session: Session,
    #[serde(default)]
    pub licenses: Licenses,
    /// 12345 limits: `[hotline]` with respond_hours, finish_days (`[["consult", 1], …]`),
    /// max_extension_days, duplicate_days.
    #[serde(default)]
    pub hotline: domain::hotline::flow::Limits,
    /// Events for systems outside: `[events]` record, poll_ms, keep_days, `[events.retry]`,
    /// `[[events.nats]]`, `[[events.webhooks]]` and `[[events.push]]` (see README, Adapters).
    #[serde(default)]
    pub events: relay::Config,
    /// Texts and emails beside the inbox: `[notify.sms]`, `[notify.email]`, `[notify.limits]`
    /// (see README, Adapters).
    #[serde(default)]
    pub notify: relay::notify::Config,
    /// Upstream shared-data sources (`[[shared_data]]` with source, url, timeout_ms, retries).
    #[serde(default)]
    pub shared_data: Vec<app::shared::SourceConfig>,
    /// Set by `serve --demo`: shared-data lookups are answered from the demo data.
    #[serde(skip)]
    pub demo: bool,
    /// Set by `serve --demo --demo-time`: the clock starts at this moment.
    #[serde(skip)]
    pub demo_clock: Option<time::OffsetDateTime>,
}

/// Electronic licenses: the master key that seals the issuers' SM2 keys at rest.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct Licenses {
    /// 32 hex digits. Empty: `license-master.key` in the data directory, created on first use.
    #[serde(default)]
    pub master_key: String,
}

impl std::fmt::Debug for Licenses {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = if self.master_key.is_empty() {
            "(key file in data dir)"
        } else {
            "[redacted]"
        };
        f.debug_struct("Licenses")
            .field("master_key", &shown)
            .finish()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Server {
    pub listen: String,
    /// Set behind HTTPS so cookies carry the Secure flag.
    pub secure_cookies: bool,
    /// The portal's public address, printed into license QR codes.
    #[serde(default = "default_public_url")]
    pub public_url: String,
    /// A bearer token that opens `/metrics` to a scraper elsewhere; without it, only
    /// requests from the loopback address may read it.
    #[serde(default)]
    pub metrics_token: String,
}

fn default_public_url() -> String {
    "http://127.0.0.1:8080".into()
}

#[derive(Clone, Serialize, Deserialize)]
pub struct Storage {
    pub data_dir: PathBuf,
    /// Empty: SQLite in the data directory.
    pub database_url: String,
    /// Commits survive power loss (fsync at commit). Turn off only to measure what it costs.
    #[serde(default = "yes")]
    pub durable: bool,
}

fn yes() -> bool {
    true
}

// The database URL may carry a password: never print it.
impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let url = if self.database_url.is_empty() {
            "(sqlite in data dir)"
        } else {
            "[redacted]"
        };
        f.debug_struct("Storage")
            .field("data_dir", &self.data_dir)
            .field("database_url", &url)
            .field("durable", &self.durable)
            .finish()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    pub hours: i64,
    /// Staff must bind an authenticator app and give its code at login (等保 三级); the demo
    /// (`serve --demo`) never asks.
    #[serde(default = "yes")]
    pub staff_second_factor: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            server: Server {
                listen: "127.0.0.1:8080".into(),
                secure_cookies: false,
                public_url: default_public_url(),
                metrics_token: String::new(),
            },
            storage: Storage {
                data_dir: PathBuf::from("./data"),
                database_url: String::new(),
                durable: true,
            },
            session: Session {
                hours: 8,
                staff_second_factor: true,
            },
            licenses: Licenses::default(),
            hotline: Default::default(),
            events: Default::default(),
            notify: Default::default(),
            shared_data: Vec::new(),
            demo: false,
            demo_clock: None,
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("server", &self.server)
            .field("storage", &self.storage)
            .field("session", &self.session)
            .field("licenses", &self.licenses)
            .field("events", &self.events)
            .field("notify", &self.notify)
            .finish()
    }
}

impl Config {
    pub fn load(file: Option<&PathBuf>) -> anyhow::Result<Config> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(f) if !f.exists() => anyhow::bail!("配置文件 {} 不存在", f.display()),
            Some(f) => fig = fig.merge(Toml::file(f)),
            None => fig = fig.merge(Toml::file("onewindow.toml")),
        }
        fig = fig.merge(Env::prefixed("ONEWINDOW__").split("__"));
        // `*_FILE` variant for the secret-bearing URL.
        let mut cfg: Config = fig.extract()?;
        if let Ok(path) = std::env::var("ONEWINDOW__STORAGE__DATABASE_URL_FILE") {
            cfg.storage.database_url = std::fs::read_to_string(&path)?.trim().to_string();
        }
        if let Ok(path) = std::env::var("ONEWINDOW__LICENSES__MASTER_KEY_FILE") {
            cfg.licenses.master_key = std::fs::read_to_string(&path)?.trim().to_string();
        }
        Ok(cfg)
    }

    pub fn database_url(&self) -> String {
        if self.storage.database_url.is_empty() {
            app::Store::sqlite_url(&self.storage.data_dir)
        } else {
            self.storage.database_url.clone()
        }
    }
}
