//! The `onewindow` command: serve the platform, migrate, create the first administrator,
//! import and export the catalog, rebuild the search index, and run the benchmarks of the
//! `bench` crate.

mod audit_cli;
mod config;
mod events_cli;
mod housekeeping;
mod import_cli;
mod kiosk_cli;
mod payments_cli;
mod push_cli;
mod serve;

use std::io::BufRead;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use app::{App, Settings, SystemClock};
use bench::explain;
use clap::{Parser, Subcommand};
use config::Config;
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Parser)]
#[command(
    name = "onewindow",
    version,
    about = "一窗通办 OneWindow：一体化在线政务服务平台"
)]
struct Cli {
    /// Configuration file (default: ./onewindow.toml if present).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Data directory: SQLite database, search index (default ./data).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://… (default: SQLite in the data directory).
    #[arg(long, global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server.
    Serve {
        /// Load the demo city, catalog and accounts (idempotent) and print the demo logins.
        #[arg(long)]
        demo: bool,
        /// Address to listen on.
        #[arg(long)]
        listen: Option<String>,
        /// With --demo only: the platform's clock starts at this China time
        /// (`YYYY-MM-DD HH:MM`) and runs on, to show the hall on a working morning.
        #[arg(long, requires = "demo")]
        demo_time: Option<String>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Load the demo data and exit.
    Demo,
    /// Accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Import a catalog from .xlsx or .csv.
    Import {
        #[command(subcommand)]
        what: import_cli::ImportWhat,
    },
    /// Export the catalog to .xlsx or .csv.
    Export {
        #[command(subcommand)]
        what: import_cli::ExportWhat,
    },
    /// The search index.
    Index {
        #[command(subcommand)]
        command: IndexCommand,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Event delivery to systems outside: status, dead letters, replay.
    Events {
        #[command(subcommand)]
        command: EventsCommand,
    },
    /// 数据汇聚: what the upper-level platform is missing.
    Push {
        #[command(subcommand)]
        command: push_cli::PushCommand,
    },
    /// 统一公共支付: reconcile a day's payments with the platform.
    Payments {
        #[command(subcommand)]
        command: payments_cli::PaymentsCommand,
    },
    /// Electronic licenses.
    License {
        #[command(subcommand)]
        command: LicenseCommand,
    },
    /// A simulated kiosk identity reader: posts a signed card reading, prints the entry link.
    KioskReader(kiosk_cli::KioskReader),
    /// Benchmarks.
    Bench {
        #[command(subcommand)]
        what: bench::BenchWhat,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a system administrator. The password is read from standard input (or
    /// --password-file); there is never a default password.
    Create {
        #[arg(long)]
        login: String,
        #[arg(long, default_value = "系统管理员")]
        name: String,
        /// Region the administrator is responsible for (GB/T 2260 code). Must exist.
        #[arg(long)]
        region: String,
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum EventsCommand {
    /// Each sink's position, what it is behind and its last failure.
    Status,
    /// Events a sink refused for good.
    Dead,
    /// Send a dead letter again (the running server does it within a round).
    Replay { sink: String, seq: i64 },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute every case's hash chain and the administration chain, and name any
    /// tampered, missing or reordered event. Read-only: runs beside a live server.
    Verify {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// A checkpoint taken earlier (kept off the server): also show what changed since.
        #[arg(long)]
        checkpoint: Option<std::path::PathBuf>,
    },
    /// Take a signed checkpoint of every chain's head; copy the file off the server.
    Checkpoint {
        /// Where to write it (default: checkpoints/ in the data directory).
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
}

#[derive(Subcommand)]
enum LicenseCommand {
    /// Check a license QR text (or a file holding it) offline, with the issuer's public key:
    /// no database is opened. Exits non-zero when the signature fails.
    Verify {
        /// The QR text, the verification URL, or a file containing either.
        token: String,
        /// The issuer's SM2 public key in hex, or a file from `onewindow license keys`.
        #[arg(long)]
        public_key: String,
        /// The key id the public key belongs to (default: the one the license names).
        #[arg(long)]
        key_id: Option<String>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print every issuer's public key (current and retired) as JSON, for offline verifiers.
    Keys,
    /// Start signing a department's licenses with a new key; old licenses keep verifying.
    Rotate { department: String },
}

#[derive(Subcommand)]
enum IndexCommand {
    /// Rebuild the catalog search index from the database.
    Rebuild,
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ONEWINDOW_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn,tantivy=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let mut cfg = Config::load(cli.config.as_ref())?;
    if let Some(d) = &cli.data_dir {
        cfg.storage.data_dir = d.clone();
    }
    if let Some(u) = &cli.database_url {
        cfg.storage.database_url = u.clone();
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(run(cli.command, cfg))
}

async fn open(cfg: &Config) -> anyhow::Result<App> {
    std::fs::create_dir_all(&cfg.storage.data_dir)
        .with_context(|| format!("无法创建数据目录 {}", cfg.storage.data_dir.display()))?;
    // The data directory holds personal data: its owner only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(
            &cfg.storage.data_dir,
            std::fs::Permissions::from_mode(0o700),
        );
    }
    let (store, settings) = connect(cfg).await?;
    let clock: Arc<dyn app::Clock> = match cfg.demo_clock {
        Some(t) => Arc::new(app::ShiftedClock::starting_at(t)),
        None => Arc::new(SystemClock),
    };
    let app = App::open(store, settings, clock, false)
        .await
        .map_err(|e| {
            // Only one process writes the search index: say which and what to do instead.
            if format!("{e:?}").contains("LockBusy") {
                anyhow::anyhow!(
                    "搜索索引正由运行中的 onewindow serve 使用（{}）。导入、导出命令可以在服务运行时直接执行，服务会在 3 秒内更新索引；要重建索引或加载演示数据，请先停止服务。",
                    cfg.storage.data_dir.join("search").display()
                )
            } else {
                explain(e)
            }
        })?;
    report_defaults(app::setup::ensure_defaults(&app).await.map_err(explain)?);
    Ok(app)
}

/// The app for data commands that may run beside a server: the database (migrated, with the
/// defaults of a fresh installation), and no search index of its own.
async fn open_for_tools(cfg: &Config) -> anyhow::Result<App> {
    std::fs::create_dir_all(&cfg.storage.data_dir)
        .with_context(|| format!("无法创建数据目录 {}", cfg.storage.data_dir.display()))?;
    let (store, settings) = connect(cfg).await?;
    let app = App::open_without_index(store, settings, Arc::new(SystemClock))
        .await
        .map_err(explain)?;
    report_defaults(app::setup::ensure_defaults(&app).await.map_err(explain)?);
    Ok(app)
}

fn report_defaults(d: app::setup::Defaults) {
    if d.regions > 0 || d.synonyms > 0 {
        println!(
            "首次运行：已载入全国省、市、县三级行政区划 {} 个、搜索用口语词典 {} 条。",
            d.regions, d.synonyms
        );
    }
}

/// The database and the use cases' settings, from the configuration.
async fn connect(cfg: &Config) -> anyhow::Result<(app::Store, Settings)> {
    cfg.hotline
        .check()
        .map_err(|e| anyhow::anyhow!("配置有误：{e}"))?;
    cfg.events
        .check()
        .and_then(|_| cfg.notify.check())
        .and_then(|_| cfg.post.as_ref().map_or(Ok(()), |p| p.check()))
        .and_then(|_| cfg.payment.as_ref().map_or(Ok(()), |p| p.check()))
        .and_then(|_| cfg.oidc.as_ref().map_or(Ok(()), |o| o.check()))
        .and_then(|_| cfg.tongban.as_ref().map_or(Ok(()), |t| t.check()))
        .and_then(|_| app::hall::kiosk::check_config(&cfg.kiosks))
        .and_then(|_| cfg.map.as_ref().map_or(Ok(()), |m| m.check()))
        .and_then(|_| app::hotline::clients::check_config(&cfg.open311.clients))
        .and_then(|_| cfg.jobs.check())
        .map_err(|e| anyhow::anyhow!("配置有误：{e}"))?;
    let files = cfg
        .storage
        .files_backend()
        .map_err(|e| anyhow::anyhow!("配置有误：{e}"))?;
    let store = app::Store::connect_opts(
        &cfg.database_url(),
        store::StoreOptions {
            pg_schema: None,
            durable: cfg.storage.durable,
        },
    )
    .await?;
    let settings = Settings {
        data_dir: cfg.storage.data_dir.clone(),
        session_hours: cfg.session.hours,
        license_master_key: Some(cfg.licenses.master_key.clone()).filter(|k| !k.is_empty()),
        public_url: cfg.server.public_url.clone(),
        shared_sources: cfg.shared_data.clone(),
        notify_channels: cfg.notify.channels(),
        demo_shared_data: cfg.demo,
        staff_second_factor: cfg.session.staff_second_factor && !cfg.demo,
        hotline_limits: cfg.hotline.clone(),
        record_events: cfg.events.record,
        files,
        files_dir: cfg.storage.files_dir.clone(),
        courier: cfg.post.clone(),
        payment: cfg.payment.clone(),
        oidc: cfg.oidc.clone(),
        tongban: cfg.tongban.clone(),
        kiosks: if cfg.demo && cfg.kiosks.is_empty() {
            app::demo_hall::kiosks()
        } else {
            cfg.kiosks.clone()
        },
        map_tiles: cfg.map.clone(),
        open311_clients: cfg.open311.clients.clone(),
    };
    Ok((store, settings))
}

/// The app for tools that only read (and sign a checkpoint) beside a running server: the
/// search index is held in memory, so the server's index lock is not needed.
async fn open_read_only(cfg: &Config) -> anyhow::Result<App> {
    let (store, settings) = connect(cfg).await?;
    App::open_without_index(store, settings, Arc::new(SystemClock))
        .await
        .map_err(explain)
}

fn bar(len: u64, what: &str) -> ProgressBar {
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    pb
}

async fn run(command: Command, mut cfg: Config) -> anyhow::Result<()> {
    if !cfg.server.ca_file.is_empty() {
        net::trust_pem_file(std::path::Path::new(&cfg.server.ca_file))
            .map_err(|e| anyhow::anyhow!("配置有误：[server] ca_file {e}"))?;
    }
    match command {
        Command::Serve {
            demo,
            listen,
            demo_time,
        } => {
            if let Some(t) = demo_time {
                cfg.demo_clock = Some(parse_demo_time(&t)?);
            }
            serve::serve(cfg, demo, listen).await
        }
        Command::Migrate => {
            let store = app::Store::connect(&cfg.database_url()).await?;
            store.migrate().await?;
            println!("数据库已是最新结构。");
            Ok(())
        }
        Command::Demo => {
            let app = open(&cfg).await?;
            print_demo(&app::demo::load_full(&app).await.map_err(explain)?);
            Ok(())
        }
        Command::Admin {
            command:
                AdminCommand::Create {
                    login,
                    name,
                    region,
                    password_file,
                },
        } => {
            let password = match password_file {
                Some(p) => std::fs::read_to_string(&p)
                    .with_context(|| format!("无法读取 {}", p.display()))?,
                None => {
                    eprintln!("请输入新管理员的密码（至少 10 个字符），以回车结束：");
                    let mut line = String::new();
                    std::io::stdin().lock().read_line(&mut line)?;
                    line
                }
            };
            let password = password.trim_end_matches(['\n', '\r']);
            let app = open(&cfg).await?;
            app::auth::bootstrap_admin(&app, &login, &name, password, &region)
                .await
                .map_err(explain)?;
            println!("已创建系统管理员 {login}（区划 {region}）。");
            Ok(())
        }
        // Beside a running server: without the search index (see import_cli).
        Command::Import { what } => import_cli::import(&open_for_tools(&cfg).await?, what).await,
        Command::Export { what } => import_cli::export(&open_for_tools(&cfg).await?, what).await,
        Command::Index {
            command: IndexCommand::Rebuild,
        } => {
            let app = open(&cfg).await?;
            let pb = bar(0, "重建搜索索引");
            let n = app::index::rebuild(&app, |done, total| {
                pb.set_length(total as u64);
                pb.set_position(done as u64);
            })
            .await
            .map_err(explain)?;
            pb.finish_and_clear();
            println!("搜索索引已重建：{n} 个事项。");
            Ok(())
        }
        Command::Audit { command } => audit_cli::run(&cfg, command).await,
        Command::Events { command } => events_cli::run(&cfg, command).await,
        Command::Push { command } => push_cli::run(&cfg, command).await,
        Command::Payments { command } => payments_cli::run(&cfg, command).await,
        Command::License { command } => license_command(&cfg, command).await,
        Command::KioskReader(a) => kiosk_cli::run(a).await,
        Command::Bench { what } => {
            bench::run(what, cfg.storage.data_dir.clone(), cfg.database_url()).await
        }
    }
}

/// Reads an argument that may name a file.
fn arg_or_file(s: &str) -> anyhow::Result<String> {
    let p = std::path::Path::new(s);
    if s.len() < 4096 && p.is_file() {
        return Ok(std::fs::read_to_string(p)
            .with_context(|| format!("无法读取 {s}"))?
            .trim()
            .to_string());
    }
    Ok(s.trim().to_string())
}

/// The public key for `key_id`: hex as given, or looked up in a `license keys` JSON file.
fn public_key_for(arg: &str, key_id: &str) -> anyhow::Result<(String, String)> {
    let text = arg_or_file(arg)?;
    if !text.starts_with('[') {
        return Ok((key_id.to_string(), text));
    }
    let keys: Vec<serde_json::Value> =
        serde_json::from_str(&text).context("公钥文件不是 JSON 数组")?;
    keys.iter()
        .find(|k| k["key_id"] == key_id)
        .and_then(|k| k["public_key"].as_str())
        .map(|h| (key_id.to_string(), h.to_string()))
        .ok_or_else(|| anyhow::anyhow!("公钥文件中没有密钥 {key_id}"))
}

async fn license_command(cfg: &Config, command: LicenseCommand) -> anyhow::Result<()> {
    match command {
        LicenseCommand::Verify {
            token,
            public_key,
            key_id,
            json,
        } => {
            let text = arg_or_file(&token)?;
            let named = license::Token::parse(&text)
                .map(|t| t.core.key)
                .unwrap_or_default();
            let (id, hex) = public_key_for(&public_key, key_id.as_deref().unwrap_or(&named))?;
            let result = app::licenses::verify_offline(&text, Some(&id), &hex);
            if json {
                let v = match &result {
                    Ok(core) => serde_json::json!({"signature_valid": true, "core": core}),
                    Err(e) => {
                        serde_json::json!({"signature_valid": false, "reason": e.to_string()})
                    }
                };
                println!("{v}");
            }
            match result {
                Ok(core) => {
                    if !json {
                        println!(
                            "签名有效：{} {}，持证主体 {}（{}），{} 签发于 {}。",
                            core.type_name,
                            core.number,
                            core.holder,
                            core.holder_id,
                            core.issuer,
                            core.issued
                        );
                        println!("注意：离线核验只证明内容未被改动；是否已注销请在线核验。");
                    }
                    Ok(())
                }
                Err(e) => bail!("核验失败：{e}"),
            }
        }
        LicenseCommand::Keys => {
            let app = open(cfg).await?;
            let keys = app::licenses::public_keys(&app).await.map_err(explain)?;
            println!("{}", serde_json::to_string_pretty(&keys)?);
            Ok(())
        }
        LicenseCommand::Rotate { department } => {
            let app = open(cfg).await?;
            let key = app::licenses::rotate_key_cli(&app, &department)
                .await
                .map_err(explain)?;
            println!("部门 {department} 今后使用新密钥 {key} 签发证照；旧密钥签发的证照仍可核验。");
            Ok(())
        }
    }
}

fn print_demo(r: &app::demo::DemoReport) {
    println!(
        "演示数据：新建事项 {} 个，已有 {} 个。",
        r.items_created, r.items_existing
    );
    println!(
        "演示账号（密码均为 {}，仅用于演示）：",
        app::demo::DEMO_PASSWORD
    );
    for a in &r.accounts {
        println!("  {:<20} {:<16} {}", a.login, a.role, a.scope);
    }
}

/// `YYYY-MM-DD HH:MM`, China time.
fn parse_demo_time(s: &str) -> anyhow::Result<time::OffsetDateTime> {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    let t = time::PrimitiveDateTime::parse(s.trim(), &fmt).map_err(|_| {
        anyhow::anyhow!("--demo-time 应写成 YYYY-MM-DD HH:MM（北京时间），实际为“{s}”")
    })?;
    Ok(t.assume_offset(domain::calendar::CHINA_OFFSET))
}
