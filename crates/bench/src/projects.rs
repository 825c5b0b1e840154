//! `onewindow bench projects`: many 工程建设项目 at once, each through all four stages of the
//! general path (every member case accepted, reviewed, approved and completed by the
//! departments' staff), a 联合验收 at the last stage (opened, every department's opinion, the
//! lead's decision) and an intermediary job posted for it, through the use cases on a fresh
//! SQLite data directory (durable commits). Reports projects per hour and the p50/p99 of each
//! kind of request, and the project page's time once a project holds all its cases.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use app::App;
use app::auth::{Actor, actor_for_login};
use domain::project::joint::JointKind;
use domain::project::{Category, Filing, Funding, ProjectDraft, Stage};
use tokio::sync::Semaphore;

use crate::explain;

#[derive(clap::Args)]
pub struct ProjectsArgs {
    /// Projects to take through all stages.
    #[arg(long, default_value_t = 200)]
    pub projects: usize,
    /// Projects in flight at once.
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// Print one JSON line instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Milliseconds of each request, by kind.
type Times = Arc<Mutex<BTreeMap<&'static str, Vec<f64>>>>;

async fn timed<T>(
    times: &Times,
    kind: &'static str,
    f: impl std::future::Future<Output = app::Result<T>>,
) -> anyhow::Result<T> {
    let t = Instant::now();
    let out = f.await.map_err(explain)?;
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    if let Ok(mut m) = times.lock() {
        m.entry(kind).or_default().push(ms);
    }
    Ok(out)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

struct Staff {
    owner: Actor,
    lead: Actor,
    fire: Actor,
}

/// One project from registration to its passed 联合验收.
async fn one(app: &App, staff: &Staff, times: &Times, i: usize) -> anyhow::Result<()> {
    let code = format!("2026-511602-00-00-{:06}", 100_000 + i);
    let draft = ProjectDraft {
        code: code.clone(),
        name: format!("基准项目 {i}"),
        funding: Funding::Enterprise,
        filing: Filing::Record,
        category: Category::General,
        region: "511602".into(),
        land: "出让用地".into(),
        scale: "厂房一栋".into(),
        floor_area_m2: 8_000,
    };
    timed(
        times,
        "register",
        app::projects::register(app, &staff.owner, &draft),
    )
    .await?;
    let job = domain::market::JobPost {
        title: format!("基准项目 {i} 地形图测绘"),
        service: domain::market::Service::Surveying,
        scope: "1:500 地形图".into(),
        budget_cap: 3_000_000,
        bid_deadline: app.now() + time::Duration::days(3),
        delivery_days: 15,
        method: domain::market::Method::Random,
        region: "511602".into(),
        project_code: code.clone(),
    };
    timed(
        times,
        "market_post_job",
        app::market::post_job(app, &staff.owner, &job),
    )
    .await?;
    for stage in Stage::ALL {
        timed(
            times,
            "start_stage",
            app::demo_projects_run::start(app, &staff.owner, &code, *stage),
        )
        .await?;
        if *stage == Stage::Acceptance {
            let depts = ["511600-XFJYZD".to_string()];
            let kind = JointKind::Acceptance;
            timed(
                times,
                "joint_open",
                app::projects::open_joint(app, &staff.lead, &code, kind, &depts),
            )
            .await?;
            timed(
                times,
                "joint_opinion",
                app::projects::opine(app, &staff.fire, &code, kind, true, &[]),
            )
            .await?;
            timed(
                times,
                "joint_opinion",
                app::projects::opine(app, &staff.lead, &code, kind, true, &[]),
            )
            .await?;
            timed(
                times,
                "joint_close",
                app::projects::close_joint(app, &staff.lead, &code, kind),
            )
            .await?;
        }
        let t = Instant::now();
        let cases = app::demo_projects_run::finish(app, &staff.owner, &code, *stage)
            .await
            .map_err(explain)?;
        let per_case = t.elapsed().as_secs_f64() * 1000.0 / cases.max(1) as f64;
        if let Ok(mut m) = times.lock() {
            m.entry("case_accept_to_complete")
                .or_default()
                .extend(std::iter::repeat_n(per_case, cases));
        }
    }
    let v = timed(
        times,
        "project_page",
        app::projects::project(app, &staff.owner, &code),
    )
    .await?;
    anyhow::ensure!(
        v.stages.iter().all(|s| s.finished_at > 0),
        "project {code}: a stage did not finish"
    );
    Ok(())
}

pub async fn run(args: ProjectsArgs) -> anyhow::Result<()> {
    let (app, dir) = crate::demo_app("projects").await?;
    // The departments' reviewers (and the demo's own projects, taken through their stages).
    app::demo_projects_run::run(&app).await.map_err(explain)?;
    let login = |l: String| {
        let app = app.clone();
        async move { actor_for_login(&app, &l).await.map_err(explain) }
    };
    let staff = Arc::new(Staff {
        owner: login(app::demo::demo_credit_code()).await?,
        lead: login("zjjsc".into()).await?,
        fire: login("xfjy".into()).await?,
    });
    let times: Times = Arc::default();
    let gate = Arc::new(Semaphore::new(args.concurrency.max(1)));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..args.projects {
        let (app, staff, times, gate) = (app.clone(), staff.clone(), times.clone(), gate.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await?;
            one(&app, &staff, &times, i).await
        }));
    }
    for t in tasks {
        t.await??;
    }
    let secs = started.elapsed().as_secs_f64();
    // The page of a finished project, alone: what a person opening it waits for.
    let code = "2026-511602-00-00-100000";
    let mut page = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        let v = app::projects::project(&app, &staff.owner, code)
            .await
            .map_err(explain)?;
        page.push(t.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(!v.stages.is_empty());
    }
    page.sort_by(|a, b| a.total_cmp(b));
    let cases_per_project = app::projects::project(&app, &staff.owner, code)
        .await
        .map_err(explain)?
        .stages
        .iter()
        .filter_map(|s| s.bundle.as_ref())
        .map(|b| b.children.len())
        .sum::<usize>();
    let (big_cases, big) = crate::project_page::measure(&app, &staff.owner, 200).await?;
    let _ = std::fs::remove_dir_all(&dir);
    let mut kinds = serde_json::Map::new();
    let all = times.lock().map(|m| m.clone()).unwrap_or_default();
    for (kind, mut v) in all {
        v.sort_by(|a, b| a.total_cmp(b));
        kinds.insert(
            kind.to_string(),
            serde_json::json!({"count": v.len(), "p50_ms": percentile(&v, 0.5), "p99_ms": percentile(&v, 0.99)}),
        );
    }
    let per_hour = args.projects as f64 / secs * 3600.0;
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "bench": "projects", "projects": args.projects, "concurrency": args.concurrency,
                "seconds": secs, "projects_per_hour": per_hour, "requests": kinds,
                "page_cases": cases_per_project, "page_p50_ms": percentile(&page, 0.5),
                "page_p99_ms": percentile(&page, 0.99), "build_profile": profile,
                "big_page_cases": big_cases, "big_page_p50_ms": percentile(&big, 0.5),
                "big_page_p99_ms": percentile(&big, 0.99),
                "durability": "SQLite WAL, durable (group commit)",
            })
        );
    } else {
        println!(
            "{} projects through four stages, {} at a time ({profile} build, SQLite WAL, durable commits): {secs:.1} s, {per_hour:.0} projects/hour",
            args.projects, args.concurrency
        );
        for (kind, v) in &kinds {
            println!(
                "  {kind:<26} n={:<6} p50 {:>8.1} ms  p99 {:>8.1} ms",
                v["count"],
                v["p50_ms"].as_f64().unwrap_or(0.0),
                v["p99_ms"].as_f64().unwrap_or(0.0)
            );
        }
        println!(
            "project page with {cases_per_project} cases, alone: p50 {:.1} ms, p99 {:.1} ms",
            percentile(&page, 0.5),
            percentile(&page, 0.99)
        );
        println!(
            "project page with {big_cases} cases (four stages of sixteen members, those the owner holds skipped), alone, {} reads: p50 {:.1} ms, p99 {:.1} ms",
            big.len(),
            percentile(&big, 0.5),
            percentile(&big, 0.99)
        );
    }
    Ok(())
}
