//! One run: a fresh database, N nodes, the balancer, the load, what the mode does to the
//! nodes meanwhile, and the checks afterwards.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use hyper::Method;
use tokio::sync::Mutex;

use super::balancer::{Balancer, free_port};
use super::{Checks, ClusterArgs, Outcome};
use crate::explain;
use crate::lifecycle::http::{Body, Http};
use crate::lifecycle::{Server, Target, drive, metric, open_app, setup, spawn_server};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Measure,
    Kill,
    Rolling,
}

impl Mode {
    pub fn label(self) -> &'static str {
        match self {
            Mode::Measure => "测量",
            Mode::Kill => "中途杀掉持有后台任务租约的节点",
            Mode::Rolling => "逐个滚动重启",
        }
    }

    fn code(self) -> &'static str {
        match self {
            Mode::Measure => "measure",
            Mode::Kill => "kill",
            Mode::Rolling => "rolling",
        }
    }
}

const DATABASE: &str = "onewindow_cluster";
/// Short job rounds and leases, so a takeover shows within a short run.
const ROUND_SECONDS: u64 = 1;
const LEASE_SECONDS: u64 = 3;
const DRAIN_SECONDS: u64 = 2;

struct Node {
    port: u16,
    target: Target,
    server: Option<Server>,
}

impl Node {
    async fn start(&mut self) -> anyhow::Result<()> {
        let env = [
            ("ONEWINDOW__JOBS__ROUND_SECONDS", ROUND_SECONDS.to_string()),
            ("ONEWINDOW__JOBS__LEASE_SECONDS", LEASE_SECONDS.to_string()),
            (
                "ONEWINDOW__SERVER__DRAIN_SECONDS",
                DRAIN_SECONDS.to_string(),
            ),
            (
                "ONEWINDOW__STORAGE__FILES_DIR",
                self.target
                    .files_dir
                    .as_ref()
                    .map(|d| d.display().to_string())
                    .unwrap_or_default(),
            ),
        ];
        let listen = format!("127.0.0.1:{}", self.port);
        self.server = Some(spawn_server(&self.target, true, &listen, &env).await?);
        Ok(())
    }

    fn pid(&self) -> Option<u32> {
        self.server.as_ref().map(|s| s.child.id())
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn kill(&mut self) {
        if let Some(mut s) = self.server.take() {
            let _ = s.child.kill();
            let _ = s.child.wait();
        }
    }

    /// SIGTERM, and wait for the orderly stop (drain, then exit).
    async fn stop(&mut self) -> anyhow::Result<()> {
        let Some(mut s) = self.server.take() else {
            return Ok(());
        };
        let status = std::process::Command::new("kill")
            .args(["-TERM", &s.child.id().to_string()])
            .status()?;
        anyhow::ensure!(status.success(), "kill -TERM failed");
        tokio::task::spawn_blocking(move || s.child.wait()).await??;
        Ok(())
    }
}

/// Sum of the nodes' CPU seconds (None if one does not answer).
async fn nodes_cpu(nodes: &[Node]) -> Option<f64> {
    let mut total = 0.0;
    for n in nodes {
        total += metric::<f64>(&n.base(), "process_cpu_seconds_total").await?;
    }
    Some(total)
}

/// CPU seconds all PostgreSQL server processes on this machine used so far (their pooled
/// connections live through a run, so the difference over a run is the database's share).
fn postgres_cpu() -> Option<f64> {
    let mut total = 0.0;
    let mut found = false;
    for e in std::fs::read_dir("/proc").ok()?.flatten() {
        let name = e.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let is_pg = std::fs::read_to_string(format!("/proc/{pid}/comm"))
            .is_ok_and(|c| c.trim() == "postgres");
        if is_pg && let Some(s) = process_cpu(pid) {
            total += s;
            found = true;
        }
    }
    found.then_some(total)
}

/// CPU seconds a process used, from /proc (Linux, 100 ticks a second).
fn process_cpu(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

async fn db_activity(url: &str) -> anyhow::Result<Option<store::cluster::DbActivity>> {
    let s = app::Store::connect(url).await?;
    let a = store::cluster::db_activity(&mut *s.conn().await?).await?;
    s.close().await;
    Ok(a)
}

pub async fn once(
    args: &ClusterArgs,
    count: usize,
    mode: Mode,
    seconds: u64,
) -> anyhow::Result<Outcome> {
    let root = std::env::temp_dir().join(format!(
        "onewindow-cluster-{}",
        uuid::Uuid::now_v7().simple()
    ));
    let files = root.join("shared-files");
    std::fs::create_dir_all(&files)?;
    let url = store::db::recreate_pg_database(&args.pg_url, DATABASE).await?;
    let result = measure(args, count, mode, seconds, &root, &files, &url).await;
    let _ = std::fs::remove_dir_all(&root);
    store::db::drop_pg_database(&args.pg_url, DATABASE).await?;
    result
}

#[allow(clippy::too_many_arguments)]
async fn measure(
    args: &ClusterArgs,
    count: usize,
    mode: Mode,
    seconds: u64,
    root: &Path,
    files: &Path,
    url: &str,
) -> anyhow::Result<Outcome> {
    let target = |dir: PathBuf| Target {
        data_dir: dir,
        database_url: url.to_string(),
        files_dir: Some(files.to_path_buf()),
    };
    let (prepared, unfinished_before) = {
        let app = open_app(&target(root.join("prepare")), true, true).await?;
        let staff_each = (args.concurrency / 8).max(2);
        let p = setup::prepare(&app, args.concurrency, staff_each).await?;
        let unfinished = unfinished(&mut *app.store.conn().await?).await?;
        app.store.close().await;
        (p, unfinished)
    };
    let mut nodes = Vec::new();
    for i in 0..count {
        let mut n = Node {
            port: free_port()?,
            target: target(root.join(format!("node{}", i + 1))),
            server: None,
        };
        n.start().await?;
        nodes.push(n);
    }
    let ports: Vec<u16> = nodes.iter().map(|n| n.port).collect();
    let mut lb = Balancer::start(root, &ports).await?;
    let lb_pid = lb.pid();
    let nodes = Arc::new(Mutex::new(nodes));

    let cpu_before = nodes_cpu(&nodes.lock().await[..]).await;
    let lb_before = lb_pid.and_then(process_cpu);
    let pg_before = postgres_cpu();
    let db_before = db_activity(url).await?;
    let chaos = tokio::spawn(chaos(mode, nodes.clone(), url.to_string(), seconds));
    let driven = drive(0.1, args.json, &lb.base, &prepared, None, Some(seconds)).await;
    let events = chaos.await.context("chaos task")??;
    let (stats, tallies) = driven?;
    let cpu_after = nodes_cpu(&nodes.lock().await[..]).await;
    let lb_cpu = lb_pid
        .and_then(process_cpu)
        .zip(lb_before)
        .map(|(a, b)| a - b);
    let pg_cpu = postgres_cpu().zip(pg_before).map(|(a, b)| a - b);
    // The database's statistics arrive up to a second after the transactions.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let db = db_activity(url)
        .await?
        .zip(db_before)
        .map(|(a, b)| a.since(b));
    lb.stop();
    for n in nodes.lock().await.iter_mut() {
        n.kill();
    }

    let mut checks = check(url, root, files, &tallies).await?;
    // The demo data's own cases at rest are not the run's.
    checks.unfinished_cases -= unfinished_before;
    checks.events = events.log;
    checks.lease_taken_over = events.takeover;
    let mut latencies: Vec<f64> = tallies
        .iter()
        .flat_map(|t| t.latencies.iter().flatten())
        .map(|us| f64::from(*us) / 1000.0)
        .collect();
    latencies.sort_by(f64::total_cmp);
    let mut errors = std::collections::BTreeMap::new();
    for t in &tallies {
        for (e, n) in &t.errors {
            *errors.entry(e.clone()).or_default() += n;
        }
    }
    let error_count = errors.values().sum();
    let lifecycles = stats.completed;
    let per = |v: f64| (lifecycles > 0).then(|| v / lifecycles as f64);
    let nodes_cpu_s = match mode {
        Mode::Measure => cpu_after.zip(cpu_before).map(|(a, b)| a - b),
        // A node stopped meanwhile took its counter with it.
        _ => None,
    };
    Ok(Outcome {
        bench: "cluster",
        mode: mode.code(),
        nodes: count,
        cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
        concurrency: args.concurrency,
        seconds: stats.seconds,
        lifecycles,
        lifecycles_per_s: lifecycles as f64 / stats.seconds,
        requests: stats.requests,
        p50_ms: crate::percentile(&latencies, 0.50),
        p99_ms: crate::percentile(&latencies, 0.99),
        errors,
        error_count,
        nodes_cpu_s,
        balancer_cpu_s: lb_cpu,
        postgres_cpu_s: pg_cpu,
        db_cpu_ms_per_lifecycle: pg_cpu.and_then(|c| per(c * 1000.0)),
        cpu_ms_per_lifecycle: nodes_cpu_s.and_then(|c| per(c * 1000.0)),
        db_transactions_per_lifecycle: db.and_then(|d| per(d.transactions as f64)),
        db_rows_written_per_lifecycle: db.and_then(|d| per(d.rows_written as f64)),
        wal_bytes_per_lifecycle: db.and_then(|d| per(d.wal_bytes as f64)),
        checks,
    })
}

/// What the chaos task did.
struct Events {
    log: Vec<String>,
    takeover: Option<bool>,
}

/// Kill: at half time, SIGKILL the node holding the job lease, then wait for another to take
/// it. Rolling: from a sixth of the run, stop (drain) and start each node in turn.
async fn chaos(
    mode: Mode,
    nodes: Arc<Mutex<Vec<Node>>>,
    url: String,
    seconds: u64,
) -> anyhow::Result<Events> {
    let mut log = Vec::new();
    match mode {
        Mode::Measure => Ok(Events {
            log,
            takeover: None,
        }),
        Mode::Kill => {
            tokio::time::sleep(Duration::from_millis(seconds * 500)).await;
            let store = app::Store::connect(&url).await?;
            let holder = store::cluster::holder(&mut *store.conn().await?, "housekeeping").await?;
            let killed_at = app::Clock::now(&app::SystemClock);
            let killed_ms = store::millis(killed_at);
            let mut ns = nodes.lock().await;
            let victim = holder
                .as_ref()
                .and_then(|(owner, _)| {
                    ns.iter()
                        .position(|n| n.pid().is_some_and(|p| owner.contains(&format!(":{p}:"))))
                })
                .unwrap_or(0);
            let pid = ns[victim].pid();
            ns[victim].kill();
            drop(ns);
            log.push(format!(
                "{:.1} 秒：SIGKILL 节点 {}（进程 {}，{}）",
                seconds as f64 / 2.0,
                victim + 1,
                pid.unwrap_or(0),
                if holder.is_some() {
                    "持有后台任务租约"
                } else {
                    "当时无人持有租约"
                }
            ));
            // Within the lease time another node must hold it and have run rounds.
            let mut takeover = false;
            for _ in 0..((LEASE_SECONDS + 3) * 10) {
                tokio::time::sleep(Duration::from_millis(100)).await;
                let mut c = store.conn().await?;
                let now_holder = store::cluster::holder(&mut c, "housekeeping").await?;
                let after: i64 =
                    store::cluster::rounds_since(&mut c, "housekeeping", killed_ms).await?;
                let alive = now_holder
                    .is_some_and(|(o, _)| pid.is_none_or(|p| !o.contains(&format!(":{p}:"))));
                if alive && after > 0 {
                    takeover = true;
                    let t = store::millis(app::Clock::now(&app::SystemClock)) - killed_ms;
                    log.push(format!("{:.1} 秒后另一节点接手后台任务", t as f64 / 1000.0));
                    break;
                }
            }
            store.close().await;
            Ok(Events {
                log,
                takeover: Some(takeover),
            })
        }
        Mode::Rolling => {
            let count = nodes.lock().await.len();
            tokio::time::sleep(Duration::from_millis(seconds * 1000 / 6)).await;
            let started = Instant::now();
            for i in 0..count {
                let t = Instant::now();
                let mut ns = nodes.lock().await;
                ns[i].stop().await?;
                ns[i].start().await?;
                let base = ns[i].base();
                drop(ns);
                // Ready, and seen ready by the balancer (two checks 300 ms apart).
                let http = Http::new(&base);
                for _ in 0..100 {
                    if let Ok(a) = http.send(Method::GET, "/readyz", None, Body::Empty).await
                        && a.status.is_success()
                    {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                tokio::time::sleep(Duration::from_millis(1000)).await;
                log.push(format!(
                    "节点 {} 排空、停止、重启，用时 {:.1} 秒",
                    i + 1,
                    t.elapsed().as_secs_f64()
                ));
            }
            log.push(format!(
                "滚动重启共 {:.1} 秒",
                started.elapsed().as_secs_f64()
            ));
            Ok(Events {
                log,
                takeover: None,
            })
        }
    }
}

/// Cases not completed.
async fn unfinished(c: &mut store::Connection) -> anyhow::Result<i64> {
    Ok(store::cluster::cases_by_state(c)
        .await?
        .iter()
        .filter(|(s, _)| s != "completed")
        .map(|(_, n)| n)
        .sum())
}

/// The checks after a run, on the database the nodes shared.
async fn check(
    url: &str,
    root: &Path,
    files: &Path,
    tallies: &[crate::lifecycle::drive::Tally],
) -> anyhow::Result<Checks> {
    let t = Target {
        data_dir: root.join("check"),
        database_url: url.to_string(),
        files_dir: Some(files.to_path_buf()),
    };
    let app = open_app(&t, true, true).await?;
    let mut c = app.store.conn().await?;
    let cases: Vec<&String> = tallies.iter().flat_map(|t| &t.cases).collect();
    let mut missing = 0;
    for id in &cases {
        let done = store::cases::get_case(&mut c, id)
            .await?
            .is_some_and(|k| k.state == domain::case::CaseState::Completed);
        if !done || store::licenses::of_case(&mut c, id).await?.is_empty() {
            missing += 1;
        }
    }
    let (job_rounds, overlapping_rounds) =
        store::cluster::round_overlaps(&mut c, "housekeeping").await?;
    let duplicate_warnings = store::cluster::duplicate_open_warnings(&mut c).await?;
    let unfinished_cases = unfinished(&mut c).await?;
    drop(c);
    let audit = app::audit::verify(&app, None, |_| {})
        .await
        .map_err(explain)?;
    app.store.close().await;
    Ok(Checks {
        acknowledged: cases.len(),
        missing,
        audit_cases: audit.cases,
        audit_broken: audit.broken.len(),
        job_rounds,
        overlapping_rounds,
        duplicate_warnings,
        unfinished_cases,
        lease_taken_over: None,
        events: Vec::new(),
    })
}
