//! `onewindow bench search-load`: catalog search as people meet it, over HTTP against a real
//! server (`onewindow serve` started here on a fresh SQLite data directory), with many clients
//! at once. The catalog is the demo's plus `--items` real-shaped items imported as an
//! operator imports them (`bench import`'s county catalog), with the shipped everyday
//! dictionary loaded by the server at start. Each client sends its next query as soon as the
//! last one is answered: `GET /api/v1/search`, a quarter filtered by region, a quarter by
//! audience; latency is measured per request at the client.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper::Method;

use crate::lifecycle::http::{Body, Http};
use crate::lifecycle::{Target, open_app, spawn_server};
use crate::{Rng, percentile};

#[derive(clap::Args)]
pub struct SearchLoadArgs {
    /// Items imported besides the demo's.
    #[arg(long, default_value_t = 2_000)]
    pub items: usize,
    /// Clients searching at once.
    #[arg(long, default_value_t = 16)]
    pub clients: usize,
    /// Seconds of timed load (after 2 s of warm-up).
    #[arg(long, default_value_t = 20)]
    pub seconds: u64,
    /// Ask the search page (`/search`, HTML as a browser gets it) instead of the API.
    #[arg(long)]
    pub page: bool,
    /// Print one JSON line instead of text.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(a: SearchLoadArgs) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("onewindow-bench-search-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let t = Target {
        database_url: app::Store::sqlite_url(&dir),
        data_dir: dir.clone(),
        files_dir: None,
    };
    let demo = app::demo::demo_data().map_err(crate::explain)?;
    {
        let app = open_app(&t, true, false).await?;
        app::demo::load(&app).await.map_err(crate::explain)?;
        crate::import::import_county(&app, &demo.items, a.items).await?;
        app.store.close().await;
    }
    let server = spawn_server(&t, true, "127.0.0.1:0", &[]).await?;
    let http = Http::new(&server.base);
    let synonyms = app::setup::everyday_synonyms().map_err(crate::explain)?;
    let words = Arc::new(crate::search::query_words(&demo, &synonyms));
    let regions: Arc<Vec<String>> = Arc::new(demo.regions.iter().map(|r| r.code.clone()).collect());

    let warm_until = Instant::now() + Duration::from_secs(2);
    let stop = warm_until + Duration::from_secs(a.seconds);
    let mut tasks = Vec::new();
    for c in 0..a.clients {
        let (http, words, regions) = (http.clone(), words.clone(), regions.clone());
        let page = a.page;
        let base = if page { "/search" } else { "/api/v1/search" };
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (c as u64 + 1).wrapping_mul(0x2545_F491));
            let mut lat = Vec::new();
            let (mut errors, mut hits) = (0usize, 0u64);
            loop {
                let now = Instant::now();
                if now >= stop {
                    break;
                }
                let mut q = vec![("q", rng.pick(&words).clone()), ("limit", "20".into())];
                match rng.next() % 4 {
                    1 => q.push(("region", rng.pick(&regions).clone())),
                    2 => q.push(("audience", "natural_person".into())),
                    _ => {}
                }
                let path = format!("{base}?{}", serde_urlencoded::to_string(&q)?);
                let r = http.send(Method::GET, &path, None, Body::Empty).await?;
                if !r.status.is_success() {
                    errors += 1;
                    continue;
                }
                if now >= warm_until {
                    lat.push(r.took.as_secs_f64() * 1000.0);
                    if !page {
                        hits += r.json()?["total"].as_u64().unwrap_or(0);
                    }
                }
            }
            anyhow::Ok((lat, errors, hits))
        }));
    }
    let mut lat = Vec::new();
    let (mut errors, mut hits) = (0, 0);
    for t in tasks {
        let (l, e, h) = t.await??;
        lat.extend(l);
        errors += e;
        hits += h;
    }
    server.stop();
    let _ = std::fs::remove_dir_all(&dir);
    lat.sort_by(|x, y| x.total_cmp(y));
    let n = lat.len();
    let (p50, p95, p99) = (
        percentile(&lat, 0.50),
        percentile(&lat, 0.95),
        percentile(&lat, 0.99),
    );
    let max = lat.last().copied().unwrap_or(0.0);
    let qps = n as f64 / a.seconds as f64;
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    if a.json {
        println!(
            "{}",
            serde_json::json!({
                "bench": "search-load", "what": if a.page { "page" } else { "api" }, "items": a.items, "clients": a.clients, "seconds": a.seconds,
                "requests": n, "errors": errors, "p50_ms": p50, "p95_ms": p95, "p99_ms": p99, "max_ms": max,
                "requests_per_second": qps, "mean_hits": hits as f64 / n.max(1) as f64, "build_profile": profile,
            })
        );
    } else {
        println!(
            "catalog search over HTTP ({}): {} items imported besides the demo's, {} clients, {} s ({profile} build)",
            if a.page {
                "/search, HTML"
            } else {
                "/api/v1/search"
            },
            a.items,
            a.clients,
            a.seconds
        );
        println!(
            "  {n} requests, {errors} errors: p50 {p50:.2} ms, p95 {p95:.2} ms, p99 {p99:.2} ms, max {max:.1} ms, {qps:.0} requests/s"
        );
    }
    anyhow::ensure!(errors == 0, "{errors} searches failed");
    Ok(())
}
