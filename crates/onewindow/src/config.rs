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
    /// 邮寄送达 by a courier: `[post]` carrier, url, secret, algorithm, sender_name,
    /// sender_phone, sender_address, timeout_ms (see README, Adapters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post: Option<app::post::CourierConfig>,
    /// 统一公共支付: `[payment]` url, secret, algorithm, merchant, timeout_ms (see README).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<app::payment::PaymentConfig>,
    /// 统一身份认证: `[oidc]` issuer, client_id, client_secret, redirect_url, label,
    /// staff_required, timeout_ms, `[oidc.claims]` (see README).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oidc: Option<app::auth::oidc::OidcConfig>,
    /// 跨市通办 with other cities' platforms: `[tongban]` code, name and
    /// `[[tongban.partners]]` code, name, url, secret, algorithm, timeout_ms (see README).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tongban: Option<app::tongban::TongbanConfig>,
    /// 7×24 self-service kiosks: `[[kiosks]]` id, hall, secret, algorithm (see
    /// docs/INTEGRATION.md). `serve --demo` adds one simulated kiosk a demo hall.
    #[serde(default)]
    pub kiosks: Vec<app::hall::kiosk::KioskConfig>,
    /// The 政务地图's backdrop: `[map]` tile_url (`…/{z}/{x}/{y}.png`), attribution,
    /// max_zoom. Without it the map draws the points alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map: Option<app::hall::map::TileServer>,
    /// Open311 GeoReport clients: `[[open311.clients]]` name, api_key (see README).
    #[serde(default)]
    pub open311: Open311,
    /// Upstream shared-data sources (`[[shared_data]]` with source, url, timeout_ms, retries).
    #[serde(default)]
    pub shared_data: Vec<app::shared::SourceConfig>,
    /// Periodic jobs: `[jobs]` round_seconds, lease_seconds (see `housekeeping`).
    #[serde(default)]
    pub jobs: crate::housekeeping::Jobs,
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
    /// A PEM bundle of certificate authorities trusted for HTTPS calls out (the government
    /// network's own CA), beyond the public roots and the system's store.
    #[serde(default)]
    pub ca_file: String,
    /// On SIGTERM (a rolling restart), `/readyz` answers 503 for this long while requests
    /// are still served, so the load balancer stops sending new ones; then the server stops.
    #[serde(default = "default_drain")]
    pub drain_seconds: u64,
}

fn default_drain() -> u64 {
    5
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
    /// Where uploads and rendered documents are kept: "local" (under the data directory, the
    /// default) or "s3" (the bucket of `[storage.s3]`).
    #[serde(default = "local_files")]
    pub files: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3: Option<app::files::S3Config>,
    /// With `files = "local"`: a directory every node shares (several nodes on one
    /// PostgreSQL), instead of the data directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files_dir: Option<PathBuf>,
}

fn yes() -> bool {
    true
}

fn local_files() -> String {
    "local".into()
}

impl Storage {
    /// The file store named by `files`, checked.
    pub fn files_backend(&self) -> Result<app::files::Backend, String> {
        match (self.files.as_str(), &self.s3) {
            ("local", _) => Ok(app::files::Backend::Local),
            ("s3", Some(s3)) => {
                for (name, value) in [
                    ("endpoint", &s3.endpoint),
                    ("bucket", &s3.bucket),
                    ("access_key_id", &s3.access_key_id),
                    ("secret_access_key", &s3.secret_access_key),
                ] {
                    if value.trim().is_empty() {
                        return Err(format!("[storage.s3] 缺少 {name}"));
                    }
                }
                if !(s3.endpoint.starts_with("http://") || s3.endpoint.starts_with("https://")) {
                    return Err(format!(
                        "[storage.s3] endpoint 须以 http:// 或 https:// 开头：“{}”",
                        s3.endpoint
                    ));
                }
                Ok(app::files::Backend::S3(s3.clone()))
            }
            ("s3", None) => Err("[storage] files = \"s3\" 需要 [storage.s3] 一节".into()),
            (other, _) => Err(format!(
                "[storage] files 只能是 \"local\" 或 \"s3\"，而不是 \"{other}\""
            )),
        }
    }
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
            .field("files", &self.files)
            .field("s3", &self.s3)
            .field("files_dir", &self.files_dir)
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
                ca_file: String::new(),
                drain_seconds: default_drain(),
            },
            storage: Storage {
                data_dir: PathBuf::from("./data"),
                database_url: String::new(),
                durable: true,
                files: local_files(),
                s3: None,
                files_dir: None,
            },
            session: Session {
                hours: 8,
                staff_second_factor: true,
            },
            licenses: Licenses::default(),
            hotline: Default::default(),
            events: Default::default(),
            notify: Default::default(),
            post: None,
            payment: None,
            oidc: None,
            tongban: None,
            kiosks: Vec::new(),
            map: None,
            open311: Open311::default(),
            shared_data: Vec::new(),
            jobs: Default::default(),
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
            .field("post", &self.post)
            .field("payment", &self.payment)
            .field("oidc", &self.oidc)
            .field("tongban", &self.tongban)
            .field("kiosks", &self.kiosks)
            .field("map", &self.map)
            .field("open311", &self.open311.clients)
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
        if let Ok(path) = std::env::var("ONEWINDOW__STORAGE__S3__SECRET_ACCESS_KEY_FILE")
            && let Some(s3) = cfg.storage.s3.as_mut()
        {
            s3.secret_access_key = std::fs::read_to_string(&path)?.trim().to_string();
        }
        if let Ok(path) = std::env::var("ONEWINDOW__OIDC__CLIENT_SECRET_FILE")
            && let Some(oidc) = cfg.oidc.as_mut()
        {
            oidc.client_secret = std::fs::read_to_string(&path)?.trim().to_string();
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

/// `[open311]`: the client applications that may file with an api_key.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct Open311 {
    #[serde(default)]
    pub clients: Vec<app::hotline::clients::ClientConfig>,
}
