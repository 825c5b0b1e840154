//! The server a benchmark runs against: `onewindow serve` as a child process (this build's,
//! or another's for an A/B run), optionally under a wrapper such as a profiler.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use hyper::Method;

use super::http::{Body, Http};
use super::{Target, events};

/// The server this command started.
pub(crate) struct Server {
    pub(crate) child: std::process::Child,
    pub(crate) base: String,
    pub(crate) startup: f64,
}

/// The master key of the benchmark's throw-away data.
pub(crate) const BENCH_MASTER_KEY: &str = "0123456789abcdef0123456789abcdef";

pub(crate) async fn start_server(t: &Target, durable: bool) -> anyhow::Result<Server> {
    spawn_server(t, durable, "127.0.0.1:0", &[]).await
}

/// `onewindow serve` on `listen` with `env` besides the benchmark's own settings.
pub(crate) async fn spawn_server(
    t: &Target,
    durable: bool,
    listen: &str,
    env: &[(&str, String)],
) -> anyhow::Result<Server> {
    use std::io::BufRead;
    // Comparing builds: ONEWINDOW_BENCH_SERVER names another build's binary to serve, driven
    // by this one's load generator (the database schema must be the same).
    let exe = match std::env::var_os("ONEWINDOW_BENCH_SERVER") {
        Some(e) => PathBuf::from(e),
        None => std::env::current_exe()?,
    };
    let started = Instant::now();
    // Counting instructions: ONEWINDOW_BENCH_SERVER_WRAPPER="valgrind --tool=callgrind …"
    // runs the server under that command (machines without `perf stat` have only valgrind).
    let wrapper = wrapper();
    let mut cmd = match &wrapper {
        Some(w) => {
            let mut words = w.split_whitespace();
            let mut c = std::process::Command::new(words.next().unwrap_or_default());
            c.args(words).arg(exe);
            c
        }
        None => std::process::Command::new(exe),
    };
    if let Some(c) = events::config_arg(&t.data_dir) {
        cmd.arg("--config").arg(c);
    }
    let mut child = cmd
        .arg("--data-dir")
        .arg(&t.data_dir)
        .arg("--database-url")
        .arg(&t.database_url)
        .args(["serve", "--listen", listen])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env("ONEWINDOW__STORAGE__DURABLE", durable.to_string())
        // The benchmark measures cases, not logins: its staff sign in with a password only.
        .env("ONEWINDOW__SESSION__STAFF_SECOND_FACTOR", "false")
        // A production server needs a master key kept apart from the data; the benchmark's
        // data are thrown away, so a fixed one will do.
        .env("ONEWINDOW__LICENSES__MASTER_KEY", BENCH_MASTER_KEY)
        // Quiet unless asked: ONEWINDOW_LOG=sqlx::query=debug, say, counts the statements.
        .env(
            "ONEWINDOW_LOG",
            std::env::var("ONEWINDOW_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .stdout(std::process::Stdio::piped())
        .spawn()
        .context("无法启动 onewindow serve")?;
    let stdout = child.stdout.take().context("no stdout")?;
    let line = tokio::task::spawn_blocking(move || {
        let mut lines = std::io::BufReader::new(stdout).lines();
        let first = lines
            .by_ref()
            .map_while(Result::ok)
            .find(|l| l.contains("http://"));
        // Keep draining so the server never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        first
    })
    .await?
    .context("服务未能启动（没有打印监听地址）")?;
    let base = line
        .split("http://")
        .nth(1)
        .map(|a| format!("http://{}", a.trim().trim_end_matches('/')))
        .context("无法识别服务地址")?;
    let http = Http::new(&base);
    // Under valgrind the start is some fifty times slower.
    let tries = if wrapper.is_some() { 4_800 } else { 200 };
    for _ in 0..tries {
        if let Ok(a) = http.send(Method::GET, "/healthz", None, Body::Empty).await
            && a.status.is_success()
        {
            return Ok(Server {
                child,
                base,
                startup: started.elapsed().as_secs_f64(),
            });
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let _ = child.kill();
    bail!("服务未能在时限内就绪")
}

fn wrapper() -> Option<String> {
    std::env::var("ONEWINDOW_BENCH_SERVER_WRAPPER")
        .ok()
        .filter(|w| !w.trim().is_empty())
}

impl Server {
    /// Stops the server: at once, or under a wrapper with SIGTERM, so that a profiler it runs
    /// under can write its counts as the server exits.
    pub(crate) fn stop(mut self) {
        if wrapper().is_some() {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &self.child.id().to_string()])
                .status();
        } else {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}
