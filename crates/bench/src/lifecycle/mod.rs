//! `onewindow bench lifecycle`: the whole life of a case under load, over real HTTP. Prepares
//! a database (demo catalog, staff, applicants holding an e-license, optionally a million
//! preloaded cases), starts `onewindow serve` on it (or targets a running server on this
//! machine), drives it with N concurrent simulated users, and checks afterwards that every
//! completed case has its license and an intact audit chain. Exits non-zero on any error.

pub(crate) mod drive;
pub mod events;
pub(crate) mod http;
mod preload;
mod report;
pub(crate) mod server;
pub(crate) mod setup;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use app::{App, Settings, SystemClock};
use hyper::Method;

use drive::{Budget, Shared};
use http::{Body, Http};
pub(crate) use server::{BENCH_MASTER_KEY, Server, spawn_server, start_server};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendArg {
    Sqlite,
    Postgres,
}

#[derive(clap::Args, Debug)]
pub struct LifecycleArgs {
    /// Concurrent simulated users; each runs whole lifecycles one after another.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Stop after this many lifecycles (at most 10 000 000).
    #[arg(long)]
    pub cases: Option<u64>,
    /// Stop after this many seconds (default 30 when --cases is not given; at most 3 600).
    #[arg(long)]
    pub duration: Option<u64>,
    /// Share of cases that get a supplement notice (一次性告知) and answer it.
    #[arg(long, default_value_t = 0.1)]
    pub supplement_share: f64,
    /// Database of a server this command starts.
    #[arg(long, value_enum, default_value = "sqlite")]
    pub backend: BackendArg,
    /// PostgreSQL server for --backend postgres: a fresh database `onewindow_bench` is made there.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/test")]
    pub pg_url: String,
    /// Cases put into the database before the run.
    #[arg(long, default_value_t = 0)]
    pub preload: usize,
    /// Commits survive power loss (fsync at commit). `--durable false` measures what that costs.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub durable: bool,
    /// Drive a running server at this loopback address instead of starting one; give the
    /// server's --data-dir and --database-url too, so the run can be prepared and checked.
    #[arg(long)]
    pub url: Option<String>,
    /// Events: `off` (no outbox), `record` (the outbox, no sink: the default), `nats` (delivered
    /// to --nats-url, lag and completeness measured here).
    #[arg(long, value_enum, default_value = "record")]
    pub events: events::EventsArg,
    #[arg(long, default_value = "nats://127.0.0.1:4222")]
    pub nats_url: String,
    /// Print one JSON line instead of text.
    #[arg(long)]
    pub json: bool,
    /// Keep the data directory and database of a started server afterwards.
    #[arg(long)]
    pub keep: bool,
}

/// Where the target's data lives.
pub struct Target {
    pub data_dir: PathBuf,
    pub database_url: String,
    /// Files in a directory several nodes share (`[storage] files_dir`).
    pub files_dir: Option<PathBuf>,
}

impl Target {
    /// Runs `measure` against a fresh SQLite data directory named after the benchmark in the
    /// temporary folder, and removes the directory afterwards whatever the outcome.
    pub async fn on_scratch_sqlite(
        name: &str,
        measure: impl AsyncFnOnce(&Target) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let dir = std::env::temp_dir().join(format!(
            "onewindow-bench-{name}-{}",
            uuid::Uuid::now_v7().simple()
        ));
        let target = Target {
            database_url: app::Store::sqlite_url(&dir),
            data_dir: dir.clone(),
            files_dir: None,
        };
        let result = measure(&target).await;
        let _ = std::fs::remove_dir_all(&dir);
        result
    }
}

use crate::explain;

/// Only this machine may be targeted: the benchmark is a load generator.
fn loopback_only(url: &str) -> anyhow::Result<String> {
    let uri: hyper::Uri = url
        .parse()
        .with_context(|| format!("--url {url} 不是有效地址"))?;
    if uri.scheme_str() != Some("http") {
        bail!("--url 只支持 http://（本机回环地址）");
    }
    let host = uri.host().unwrap_or_default();
    let ok = matches!(host, "localhost" | "[::1]" | "::1")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if !ok {
        bail!("--url 只能指向本机回环地址（127.0.0.1、::1 或 localhost），不能是 {host}");
    }
    Ok(url.trim_end_matches('/').to_string())
}

pub(crate) async fn open_app(
    t: &Target,
    durable: bool,
    in_memory_index: bool,
) -> anyhow::Result<App> {
    std::fs::create_dir_all(&t.data_dir)?;
    let store = app::Store::connect_opts(
        &t.database_url,
        store::StoreOptions {
            pg_schema: None,
            durable,
        },
    )
    .await?;
    let settings = Settings {
        data_dir: t.data_dir.clone(),
        session_hours: 8,
        // The server it starts is given the same key (`start_server`).
        license_master_key: Some(BENCH_MASTER_KEY.into()),
        public_url: "http://127.0.0.1:8080".into(),
        shared_sources: vec![],
        demo_shared_data: false,
        record_events: true,
        files_dir: t.files_dir.clone(),
        ..Settings::default()
    };
    App::open(store, settings, Arc::new(SystemClock), in_memory_index)
        .await
        .map_err(explain)
}

/// The PostgreSQL database a run with `--backend postgres` makes and drops.
const PG_DATABASE: &str = "onewindow_bench";

pub async fn run(
    args: LifecycleArgs,
    data_dir: PathBuf,
    database_url: String,
) -> anyhow::Result<()> {
    anyhow::ensure!(
        (1..=4096).contains(&args.concurrency),
        "--concurrency 应在 1 到 4096 之间"
    );
    anyhow::ensure!(
        (0.0..=1.0).contains(&args.supplement_share),
        "--supplement-share 应在 0 到 1 之间"
    );
    let cases = args.cases.map(|c| c.min(10_000_000));
    let duration = match (cases, args.duration) {
        (_, Some(d)) => Some(d.clamp(1, 3_600)),
        (None, None) => Some(30),
        (Some(_), None) => None,
    };

    // Where the run's data lives, and a fresh database when this command owns the server.
    let own_server = args.url.is_none();
    let (target, backend) = if own_server {
        let dir =
            std::env::temp_dir().join(format!("onewindow-bench-{}", uuid::Uuid::now_v7().simple()));
        let url = match args.backend {
            BackendArg::Sqlite => app::Store::sqlite_url(&dir),
            BackendArg::Postgres => {
                store::db::recreate_pg_database(&args.pg_url, PG_DATABASE).await?
            }
        };
        (
            Target {
                data_dir: dir,
                database_url: url,
                files_dir: None,
            },
            args.backend,
        )
    } else {
        let backend = if database_url.starts_with("postgres") {
            BackendArg::Postgres
        } else {
            BackendArg::Sqlite
        };
        (
            Target {
                data_dir,
                database_url,
                files_dir: None,
            },
            backend,
        )
    };
    let base = args.url.as_deref().map(loopback_only).transpose()?;
    let result = measure(&args, &target, backend, base, own_server, cases, duration).await;
    // The run's data goes, whatever happened, unless asked to keep it.
    if own_server && !args.keep {
        let _ = std::fs::remove_dir_all(&target.data_dir);
        if backend == BackendArg::Postgres {
            store::db::drop_pg_database(&args.pg_url, PG_DATABASE).await?;
        }
    }
    result
}

#[allow(clippy::too_many_arguments)]
async fn measure(
    args: &LifecycleArgs,
    target: &Target,
    backend: BackendArg,
    base: Option<String>,
    own_server: bool,
    cases: Option<u64>,
    duration: Option<u64>,
) -> anyhow::Result<()> {
    let say = |m: &str| {
        if !args.json {
            eprintln!("{m}");
        }
    };

    say("准备数据：演示目录、压测工作人员与申请人（各持户口簿电子证照）……");
    let app = open_app(target, args.durable, !own_server).await?;
    // At least two of each role: one person may not hold two consecutive steps of a case.
    let staff_each = (args.concurrency / 8).max(2);
    let prepared = setup::prepare(&app, args.concurrency, staff_each).await?;
    let mut preload_s = None;
    let mut scan = None;
    if args.preload > 0 {
        say(&format!("预置 {} 个办件……", args.preload));
        preload_s = Some(preload::preload(&app, args.preload, args.json).await?);
        let t = Instant::now();
        let r = app::supervision::scan(&app).await.map_err(explain)?;
        let first = t.elapsed().as_secs_f64();
        let t = Instant::now();
        app::supervision::scan(&app).await.map_err(explain)?;
        scan = Some(report::Scan {
            watched_examined: r.examined,
            raised: r.raised,
            first_s: first,
            steady_s: t.elapsed().as_secs_f64(),
        });
    }
    let cases_before = {
        let mut c = app.store.conn().await?;
        store::cases::count(&mut c).await?
    };
    app.store.close().await;
    drop(app);

    let listener = events::prepare(args.events, &args.nats_url, target).await?;
    let server = if own_server {
        say("启动服务……");
        Some(start_server(target, args.durable).await?)
    } else {
        None
    };
    let base = base
        .or_else(|| server.as_ref().map(|s| s.base.clone()))
        .context("no server")?;
    let outcome = drive(
        args.supplement_share,
        args.json,
        &base,
        &prepared,
        cases,
        duration,
    )
    .await;
    let events = listener.finish(target).await?;
    let rss = peak_rss(&base).await;
    let startup = server.as_ref().map(|s| s.startup);
    if let Some(s) = server {
        s.stop();
    }
    let (stats, tallies) = outcome?;

    say("核对：每个办结的办件都已颁发证照，操作留痕哈希链完好……");
    let app = open_app(target, args.durable, true).await?;
    let cases: Vec<&String> = tallies.iter().flat_map(|t| &t.cases).collect();
    let mut missing_license = 0;
    {
        let mut c = app.store.conn().await?;
        for id in &cases {
            let done = store::cases::get_case(&mut c, id)
                .await?
                .is_some_and(|k| k.state == domain::case::CaseState::Completed);
            let licensed = store::licenses::of_case(&mut c, id).await?;
            if !done || licensed.is_empty() {
                missing_license += 1;
            }
        }
    }
    let audit = app::audit::verify(&app, None, |_| {})
        .await
        .map_err(explain)?;
    let (db_bytes, cases_after) = {
        let mut c = app.store.conn().await?;
        (
            app.store.size_bytes().await?,
            store::cases::count(&mut c).await?,
        )
    };
    let files = dir_size(&target.data_dir.join("files"));
    app.store.close().await;

    let r = report::Report::new(report::Inputs {
        backend: match backend {
            BackendArg::Sqlite => "sqlite",
            BackendArg::Postgres => "postgres",
        },
        durable: args.durable,
        concurrency: args.concurrency,
        preload: args.preload,
        stats,
        tallies: &tallies,
        peak_rss: rss,
        db_bytes,
        files_bytes: files,
        cases_before,
        cases_after,
        startup_s: startup,
        preload_s,
        scan,
        audit_cases: audit.cases,
        audit_broken: audit.broken.len(),
        missing_license,
    });
    let mut r = r;
    if args.json {
        r.events = Some(events);
        println!("{}", serde_json::to_string(&r)?);
    } else {
        r.print();
        events.print();
        r.events = Some(events);
    }
    anyhow::ensure!(
        r.events.as_ref().is_none_or(|e| e.complete()),
        "压测失败：发件箱的事件没有全部投递到 NATS"
    );
    if r.error_count > 0 || !audit.broken.is_empty() || missing_license > 0 {
        bail!(
            "压测失败：请求错误 {} 个，操作留痕损坏 {} 个办件，缺证照或未办结 {} 个办件",
            r.error_count,
            audit.broken.len(),
            missing_license
        );
    }
    Ok(())
}

/// Measured while driving.
pub struct RunStats {
    pub seconds: f64,
    /// CPU seconds the server process and this load generator used during the run.
    pub server_cpu_s: Option<f64>,
    pub client_cpu_s: Option<f64>,
    pub completed: u64,
    pub requests: u64,
    /// The license verification phase: its length and each request's latency (µs).
    pub verify_seconds: f64,
    pub verify: Vec<u32>,
}

pub(crate) async fn drive(
    supplement_share: f64,
    quiet: bool,
    base: &str,
    p: &setup::Prepared,
    cases: Option<u64>,
    duration: Option<u64>,
) -> anyhow::Result<(RunStats, Vec<drive::Tally>)> {
    let http = Http::new(base);
    let login_all = |logins: Vec<String>| {
        let http = http.clone();
        async move {
            let mut out = Vec::new();
            for l in logins {
                out.push(http.login(&l, setup::PASSWORD).await?);
            }
            anyhow::Ok(out)
        }
    };
    let clerks = login_all(p.clerks.clone()).await?;
    let reviewers = login_all(p.reviewers.clone()).await?;
    let approvers = login_all(p.approvers.clone()).await?;
    let applicants = login_all(p.applicants.clone()).await?;
    let steps = p
        .item
        .workflow
        .steps_for(p.item.case_type)
        .iter()
        .map(|s| s.role)
        .collect();
    let shared = Arc::new(Shared {
        http,
        item_code: p.item.code.clone(),
        steps,
        supplement_share,
        clerks,
        reviewers,
        approvers,
        budget: Budget {
            remaining: AtomicI64::new(cases.map(|c| c as i64).unwrap_or(i64::MAX)),
            until: duration.map(|d| Instant::now() + Duration::from_secs(d)),
        },
        completed: AtomicU64::new(0),
        requests: AtomicU64::new(0),
        failed: AtomicU64::new(0),
    });
    let cpu_before = Cpu::now(base).await;
    let started = Instant::now();
    let mut handles = Vec::new();
    let verifiers = applicants.clone();
    for (n, me) in applicants.into_iter().enumerate() {
        let login = p.applicants[n].clone();
        handles.push(tokio::spawn(drive::run_worker(
            shared.clone(),
            n,
            me,
            login,
        )));
    }
    // The progress line.
    let progress = {
        let s = shared.clone();
        tokio::spawn(async move {
            let mut last = (0u64, Instant::now());
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                let done = s.completed.load(Ordering::Relaxed);
                let rate = (done - last.0) as f64 / last.1.elapsed().as_secs_f64();
                last = (done, Instant::now());
                let line = format!(
                    "{:>5.0} s  办结 {done}  失败 {}  请求 {}  当前 {rate:.0} 件/秒",
                    started.elapsed().as_secs_f64(),
                    s.failed.load(Ordering::Relaxed),
                    s.requests.load(Ordering::Relaxed),
                );
                if quiet {
                    eprintln!("{line}");
                } else {
                    eprint!("\r{line}   ");
                }
            }
        })
    };
    let mut tallies = Vec::new();
    for h in handles {
        tallies.push(h.await?);
    }
    progress.abort();
    let seconds = started.elapsed().as_secs_f64();
    let cpu = Cpu::now(base).await.since(cpu_before);
    if !quiet {
        eprintln!();
    }
    // Then the public verification of the licenses the run issued.
    let verify_started = Instant::now();
    let mut handles = Vec::new();
    for me in verifiers {
        handles.push(tokio::spawn(drive::verify_licenses(shared.clone(), me, 50)));
    }
    let mut verify = Vec::new();
    for h in handles {
        let (lat, errors) = h.await?;
        verify.extend(lat);
        if let Some(t) = tallies.first_mut() {
            for (e, n) in errors {
                *t.errors.entry(e).or_default() += n;
            }
        }
    }
    Ok((
        RunStats {
            seconds,
            server_cpu_s: cpu.server,
            client_cpu_s: cpu.client,
            completed: shared.completed.load(Ordering::Relaxed),
            requests: shared.requests.load(Ordering::Relaxed),
            verify_seconds: verify_started.elapsed().as_secs_f64(),
            verify,
        },
        tallies,
    ))
}

/// The server's peak resident memory, from its metrics.
async fn peak_rss(base: &str) -> Option<u64> {
    metric(base, "onewindow_process_peak_resident_memory_bytes").await
}

/// One value from the server's metrics.
pub(crate) async fn metric<T: std::str::FromStr>(base: &str, name: &str) -> Option<T> {
    let a = Http::new(base)
        .send(Method::GET, "/metrics", None, Body::Empty)
        .await
        .ok()?;
    String::from_utf8_lossy(&a.body).lines().find_map(|l| {
        l.strip_prefix(name)
            .and_then(|v| v.strip_prefix(' '))
            .and_then(|v| v.trim().parse().ok())
    })
}

/// CPU seconds used, by the server (from its metrics) and by this load generator, since `from`.
#[derive(Clone, Copy)]
struct Cpu {
    server: Option<f64>,
    client: Option<f64>,
}

impl Cpu {
    async fn now(base: &str) -> Cpu {
        Cpu {
            server: metric(base, "process_cpu_seconds_total").await,
            client: web::process_cpu_seconds(),
        }
    }

    fn since(self, from: Cpu) -> Cpu {
        let d = |a: Option<f64>, b: Option<f64>| Some(a? - b?);
        Cpu {
            server: d(self.server, from.server),
            client: d(self.client, from.client),
        }
    }
}

fn dir_size(p: &std::path::Path) -> u64 {
    let Ok(rd) = std::fs::read_dir(p) else {
        return 0;
    };
    rd.filter_map(Result::ok)
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}
