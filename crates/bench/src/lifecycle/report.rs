//! The lifecycle benchmark's result: rates, latency percentiles per request kind, errors,
//! memory and storage, printed as text or as one JSON line.

use std::collections::BTreeMap;

use serde::Serialize;

use super::RunStats;
use super::drive::{KINDS, Tally};

#[derive(Serialize)]
pub struct Scan {
    pub watched_examined: usize,
    pub raised: usize,
    pub first_s: f64,
    pub steady_s: f64,
}

#[derive(Serialize, Default)]
pub struct Latency {
    pub count: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Latency {
    fn of(us: Vec<u32>) -> Latency {
        if us.is_empty() {
            return Latency::default();
        }
        let mut ms: Vec<f64> = us.iter().map(|u| f64::from(*u) / 1000.0).collect();
        ms.sort_by(f64::total_cmp);
        let at = |p: f64| crate::percentile(&ms, p);
        Latency {
            count: ms.len(),
            p50_ms: at(0.50),
            p95_ms: at(0.95),
            p99_ms: at(0.99),
            max_ms: at(1.0),
        }
    }
}

#[derive(Serialize)]
pub struct Report {
    pub bench: &'static str,
    pub backend: &'static str,
    pub durability: &'static str,
    pub concurrency: usize,
    pub preloaded_cases: usize,
    pub seconds: f64,
    pub lifecycles: u64,
    pub lifecycles_per_s: f64,
    pub requests: u64,
    pub requests_per_s: f64,
    pub latency_all: Latency,
    pub latency: BTreeMap<&'static str, Latency>,
    /// Public e-license verification (`GET /api/v1/licenses/verify`) after the run.
    pub license_verify: Latency,
    pub license_verify_per_s: f64,
    pub errors: BTreeMap<String, u64>,
    pub error_count: u64,
    pub server_peak_rss_mb: Option<f64>,
    /// Server CPU time per completed lifecycle (the server process only: on PostgreSQL the
    /// database's own processes come on top), and the cores the server and this load
    /// generator kept busy on average.
    pub server_cpu_ms_per_lifecycle: Option<f64>,
    pub server_cpu_cores: Option<f64>,
    pub load_generator_cpu_cores: Option<f64>,
    pub server_startup_s: Option<f64>,
    pub db_bytes: i64,
    pub db_bytes_per_case: f64,
    pub upload_bytes_per_case: f64,
    pub preload_s: Option<f64>,
    pub supervision_scan: Option<Scan>,
    pub audit_cases_verified: usize,
    pub audit_broken: usize,
    pub completed_without_license: usize,
    /// `--events`: what the outbox wrote and (with NATS) how delivery kept up.
    pub events: Option<super::events::EventsReport>,
}

pub struct Inputs<'a> {
    pub backend: &'static str,
    pub durable: bool,
    pub concurrency: usize,
    pub preload: usize,
    pub stats: RunStats,
    pub tallies: &'a [Tally],
    pub peak_rss: Option<u64>,
    pub db_bytes: i64,
    pub files_bytes: u64,
    pub cases_before: i64,
    pub cases_after: i64,
    pub startup_s: Option<f64>,
    pub preload_s: Option<f64>,
    pub scan: Option<Scan>,
    pub audit_cases: usize,
    pub audit_broken: usize,
    pub missing_license: usize,
}

impl Report {
    pub fn new(i: Inputs<'_>) -> Report {
        let mut latency = BTreeMap::new();
        let mut all = Vec::new();
        for (k, kind) in KINDS.iter().enumerate() {
            let us: Vec<u32> = i
                .tallies
                .iter()
                .flat_map(|t| t.latencies[k].iter().copied())
                .collect();
            all.extend_from_slice(&us);
            if !us.is_empty() {
                latency.insert(*kind, Latency::of(us));
            }
        }
        let mut errors = BTreeMap::new();
        for t in i.tallies {
            for (e, n) in &t.errors {
                *errors.entry(e.clone()).or_default() += n;
            }
        }
        let s = i.stats.seconds.max(1e-9);
        let new_cases = (i.cases_after - i.cases_before).max(1) as f64;
        Report {
            bench: "lifecycle",
            backend: i.backend,
            durability: match (i.backend, i.durable) {
                ("sqlite", true) => {
                    "durable: WAL with group commit (no commit is acknowledged before an fsync of the log covers it)"
                }
                ("sqlite", false) => {
                    "not durable: WAL, synchronous=NORMAL (a power loss may lose recent commits)"
                }
                (_, true) => "durable: synchronous_commit=on (WAL flushed at every commit)",
                (_, false) => "not durable: synchronous_commit=off",
            },
            concurrency: i.concurrency,
            preloaded_cases: i.preload,
            seconds: i.stats.seconds,
            lifecycles: i.stats.completed,
            lifecycles_per_s: i.stats.completed as f64 / s,
            requests: i.stats.requests,
            requests_per_s: i.stats.requests as f64 / s,
            latency_all: Latency::of(all),
            license_verify_per_s: i.stats.verify.len() as f64 / i.stats.verify_seconds.max(1e-9),
            license_verify: Latency::of(i.stats.verify.clone()),
            latency,
            error_count: errors.values().sum(),
            errors,
            server_peak_rss_mb: i.peak_rss.map(|b| b as f64 / 1_048_576.0),
            server_cpu_ms_per_lifecycle: i
                .stats
                .server_cpu_s
                .map(|c| c * 1000.0 / i.stats.completed.max(1) as f64),
            server_cpu_cores: i.stats.server_cpu_s.map(|c| c / s),
            load_generator_cpu_cores: i.stats.client_cpu_s.map(|c| c / s),
            server_startup_s: i.startup_s,
            db_bytes: i.db_bytes,
            db_bytes_per_case: i.db_bytes as f64 / i.cases_after.max(1) as f64,
            upload_bytes_per_case: i.files_bytes as f64 / new_cases,
            preload_s: i.preload_s,
            supervision_scan: i.scan,
            audit_cases_verified: i.audit_cases,
            audit_broken: i.audit_broken,
            completed_without_license: i.missing_license,
            events: None,
        }
    }

    pub fn print(&self) {
        println!(
            "办件全流程压测（{}，{}；并发 {}，预置办件 {}）",
            self.backend, self.durability, self.concurrency, self.preloaded_cases
        );
        println!(
            "  {:.1} 秒内办结 {} 件：{:.1} 件/秒；请求 {} 个：{:.0} 个/秒",
            self.seconds,
            self.lifecycles,
            self.lifecycles_per_s,
            self.requests,
            self.requests_per_s
        );
        println!(
            "  全部请求  p50 {:.2} ms  p95 {:.2} ms  p99 {:.2} ms  最大 {:.2} ms",
            self.latency_all.p50_ms,
            self.latency_all.p95_ms,
            self.latency_all.p99_ms,
            self.latency_all.max_ms
        );
        for (k, l) in &self.latency {
            println!(
                "  {k:<20} {:>8} 次  p50 {:>7.2}  p95 {:>7.2}  p99 {:>7.2}  最大 {:>7.2} ms",
                l.count, l.p50_ms, l.p95_ms, l.p99_ms, l.max_ms
            );
        }
        let v = &self.license_verify;
        println!(
            "  电子证照核验 {} 次：{:.0} 次/秒  p50 {:.2} ms  p99 {:.2} ms",
            v.count, self.license_verify_per_s, v.p50_ms, v.p99_ms
        );
        println!("  错误：{}", self.error_count);
        for (e, n) in &self.errors {
            println!("    {n} × {e}");
        }
        if let Some(m) = self.server_peak_rss_mb {
            println!("  服务峰值内存（RSS）：{m:.0} MB");
        }
        if let (Some(ms), Some(cores)) = (self.server_cpu_ms_per_lifecycle, self.server_cpu_cores) {
            let db = if self.backend == "postgres" {
                "（不含 PostgreSQL 进程）"
            } else {
                ""
            };
            println!(
                "  服务 CPU：每办结一件 {ms:.1} ms，平均占用 {cores:.2} 核{db}；压测端占用 {:.2} 核",
                self.load_generator_cpu_cores.unwrap_or(0.0)
            );
        }
        if let Some(s) = self.server_startup_s {
            println!("  服务启动至就绪：{s:.2} 秒");
        }
        println!(
            "  数据库 {:.1} MB，每件 {:.0} 字节；上传文件每件 {:.0} 字节",
            self.db_bytes as f64 / 1_048_576.0,
            self.db_bytes_per_case,
            self.upload_bytes_per_case
        );
        if let (Some(p), Some(s)) = (self.preload_s, &self.supervision_scan) {
            println!(
                "  预置用时 {p:.1} 秒；电子监察扫描：首次 {:.2} 秒（新预警 {}），再次 {:.2} 秒",
                s.first_s, s.raised, s.steady_s
            );
        }
        println!(
            "  操作留痕校验 {} 个办件，损坏 {}；办结而无证照 {}",
            self.audit_cases_verified, self.audit_broken, self.completed_without_license
        );
    }
}
