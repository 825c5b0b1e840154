//! The benchmarks behind `onewindow bench …`: catalog search ([`search`]), the 电子监察 scan
//! and dashboard ([`supervision`]), and the whole life of a case under load over HTTP
//! ([`lifecycle`]). A crate of their own so the platform's binary stays small to read; the
//! `onewindow` command parses [`BenchWhat`] among its subcommands and calls [`run`].
//!
//! `bench lifecycle` starts `onewindow serve` as a child process: it runs the executable it
//! is part of ([`std::env::current_exe`]), so it works only from the `onewindow` binary.

pub mod cluster;
pub mod hall;
pub mod hotline;
pub mod import;
pub mod lifecycle;
pub mod policy;
pub mod project_page;
pub mod projects;
pub mod search;
pub mod search_load;
pub mod supervision;

use std::path::PathBuf;

use app::AppError;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum BenchWhat {
    /// Catalog search latency over N generated items.
    Search {
        /// Items to generate and index.
        #[arg(long, default_value_t = 100_000)]
        items: usize,
        /// Timed queries (after 200 warm-up queries).
        #[arg(long, default_value_t = 5_000)]
        queries: usize,
        /// Print one JSON line instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Catalog search over HTTP with many clients at once, on the demo's catalog plus N
    /// imported real-shaped items, the everyday dictionary loaded.
    SearchLoad(search_load::SearchLoadArgs),
    /// A catalog of N real-shaped items imported from .xlsx: checked, written, published and
    /// indexed, on a fresh SQLite data directory.
    Import {
        #[arg(long, default_value_t = 2_000)]
        items: usize,
        /// Print one JSON line instead of text.
        #[arg(long)]
        json: bool,
    },
    /// The whole life of a case under load, over HTTP against a real server.
    Lifecycle(lifecycle::LifecycleArgs),
    /// One hall under load over HTTP: kiosks take numbers, windows call and finish them,
    /// display boards hold event streams open; no number twice, none lost, calls on the boards.
    Hall(hall::HallArgs),
    /// The 12345 centre under load over HTTP: operators and handlers take tickets through their
    /// life while others search the knowledge base as they type; every close is checked.
    Hotline(hotline::HotlineArgs),
    /// The lifecycle load through HAProxy onto 1, 2, 3 nodes on one PostgreSQL; then one node
    /// killed mid-run and a rolling restart, each checked for lost work and jobs run twice.
    Cluster(cluster::ClusterArgs),
    /// 工程建设项目 through all four stages at once (every member case completed, a joint
    /// acceptance each, an intermediary job each): projects per hour, p99 per request kind.
    Projects(projects::ProjectsArgs),
    /// 惠企政策 eligibility over a million enterprises and persons, then one published as
    /// 免申即享 with its grants written.
    Policy(policy::PolicyArgs),
    /// The 电子监察 warning scan over N watched cases, and the dashboard statistics query.
    Supervision {
        /// Watched cases to generate.
        #[arg(long, default_value_t = 1_000_000)]
        cases: usize,
        /// Share of them whose yellow day has come.
        #[arg(long, default_value_t = 0.02)]
        due_share: f64,
        /// Received cases for the dashboard query (copies of the demo cases, this month).
        #[arg(long, default_value_t = 20_000)]
        dashboard_cases: usize,
        /// Received cases spread over the past year, added after the month's figure, for the
        /// dashboard over a year (the aim: 1 000 000 under 200 ms). 0 leaves it out.
        #[arg(long, default_value_t = 0)]
        year_cases: usize,
        /// Print one JSON line instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// Runs a benchmark. `data_dir` and `database_url` are the configured ones: `bench
/// lifecycle --url` drives the server that uses them; the other runs make their own.
pub async fn run(what: BenchWhat, data_dir: PathBuf, database_url: String) -> anyhow::Result<()> {
    match what {
        BenchWhat::Search {
            items,
            queries,
            json,
        } => search::run(items, queries, json).await,
        BenchWhat::Import { items, json } => import::run(items, json).await,
        BenchWhat::Lifecycle(args) => lifecycle::run(args, data_dir, database_url).await,
        BenchWhat::Hall(args) => hall::run(args).await,
        BenchWhat::Cluster(args) => cluster::run(args).await,
        BenchWhat::Hotline(args) => hotline::run(args).await,
        BenchWhat::Projects(args) => projects::run(args).await,
        BenchWhat::SearchLoad(args) => search_load::run(args).await,
        BenchWhat::Policy(args) => policy::run(args).await,
        BenchWhat::Supervision {
            cases,
            due_share,
            dashboard_cases,
            year_cases,
            json,
        } => supervision::run(cases, due_share, (dashboard_cases, year_cases), json).await,
    }
}

/// The platform on a fresh SQLite data directory in the temporary folder, with the demo
/// loaded; the directory is returned for removal.
pub(crate) async fn demo_app(name: &str) -> anyhow::Result<(app::App, PathBuf)> {
    let dir = std::env::temp_dir().join(format!("onewindow-bench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let store = app::Store::connect(&app::Store::sqlite_url(&dir)).await?;
    let settings = app::Settings {
        data_dir: dir.clone(),
        ..app::Settings::default()
    };
    let app = app::App::open(store, settings, std::sync::Arc::new(app::SystemClock), true)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    app::demo::load(&app)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    Ok((app, dir))
}

/// Turns a use-case error into a message for the terminal.
pub fn explain(e: AppError) -> anyhow::Error {
    match e {
        AppError::Validation(v) => anyhow::anyhow!(
            "{}",
            v.iter()
                .map(|f| format!("{}：{}", f.field, f.message))
                .collect::<Vec<_>>()
                .join("\n")
        ),
        other => anyhow::anyhow!(
            "{other}: {}",
            match &other {
                AppError::Internal(m) => m.clone(),
                _ => String::new(),
            }
        ),
    }
}

/// A tiny deterministic generator (xorshift) so runs are repeatable without a rand crate.
pub(crate) struct Rng(pub(crate) u64);
impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub(crate) fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[(self.next() % v.len() as u64) as usize]
    }
}

pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}
