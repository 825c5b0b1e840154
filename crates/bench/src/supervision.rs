//! `onewindow bench supervision`: the 电子监察 warning scan over many watched cases, and the
//! dashboard's statistics query, on a fresh SQLite database in a temporary directory (durable
//! commits, as in production).

use std::time::Instant;

use app::App;

/// Inserts `n` watched cases: yellow days spread over 120 days around today, so about
/// `due_share` of them are yellow or red today.
async fn seed_watches(app: &App, n: usize, due_share: f64) -> anyhow::Result<()> {
    let today = domain::calendar::china_date(app.now());
    let iso = |d: time::Date| format!("{}-{:02}-{:02}", d.year(), d.month() as u8, d.day());
    let rows: Vec<store::supervision::WatchRow> = (0..n)
        .map(|i| {
            // Deterministic spread: the first `due_share` of each 1000 are due.
            let due = (i % 1000) as f64 / 1000.0 < due_share;
            let offset = if due {
                -((i % 30) as i64)
            } else {
                1 + (i % 90) as i64
            };
            let yellow = today + time::Duration::days(offset);
            store::supervision::WatchRow {
                case_id: format!("bench-{i:08}"),
                case_number: format!("511600{i:013}"),
                kind: "decision".into(),
                due_date: iso(yellow + time::Duration::days(2)),
                yellow_from: iso(yellow),
                region: "511600".into(),
                department: "511600-SCJG".into(),
                responsible: None,
            }
        })
        .collect();
    let mut tx = app.store.begin().await?;
    store::supervision::insert_watches(&mut tx, &rows).await?;
    tx.commit().await?;
    Ok(())
}

/// Copies the demo's received cases `n` times with new ids, spread over the current month.
async fn seed_cases(app: &App, n: usize) -> anyhow::Result<()> {
    let mut conn = app.store.conn().await?;
    let now = app.now();
    let month_start = store::millis(now) - 20 * 86_400_000;
    let templates = store::cases::received_between(&mut conn, 0, i64::MAX, None).await?;
    drop(conn);
    anyhow::ensure!(
        !templates.is_empty(),
        "the demo has no received cases to copy"
    );
    let mut tx = app.store.begin().await?;
    for i in 0..n {
        let mut c = templates[i % templates.len()].clone();
        c.id = format!("bench-case-{i:08}").into();
        c.number = format!("{}{:013}", c.region, 9_000_000 + i).into();
        let idx = store::cases::CaseIndex::default();
        store::cases::insert_case(&mut tx, &c, &idx, month_start + (i as i64 % 1_000) * 60_000)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn run(
    cases: usize,
    due_share: f64,
    dashboard_cases: usize,
    json: bool,
) -> anyhow::Result<()> {
    let (app, dir) = crate::demo_app("sup").await?;

    let t = Instant::now();
    seed_watches(&app, cases, due_share).await?;
    let seed_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let first = app::supervision::scan(&app)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let first_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let steady = app::supervision::scan(&app)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let steady_secs = t.elapsed().as_secs_f64();

    seed_cases(&app, dashboard_cases).await?;
    let sup = app::auth::login(&app, None, "supervisor", app::demo::DEMO_PASSWORD)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?
        .actor;
    let today = domain::calendar::china_date(app.now());
    let iso = |d: time::Date| format!("{}-{:02}-{:02}", d.year(), d.month() as u8, d.day());
    let q = app::stats::Query {
        from: iso(today - time::Duration::days(30)),
        to: iso(today + time::Duration::days(1)),
        department: None,
        item: None,
        group: None,
    };
    let mut times = Vec::new();
    let mut received = 0;
    for _ in 0..3 {
        let t = Instant::now();
        let r = app::stats::report(&app, &sup, &q)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        received = r.summary.received;
    }
    times.sort_by(|a, b| a.total_cmp(b));
    let dashboard_ms = times[1];
    let db_bytes = std::fs::metadata(dir.join("onewindow.sqlite"))
        .map(|m| m.len())
        .unwrap_or(0);
    let _ = std::fs::remove_dir_all(&dir);
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    if json {
        println!(
            "{}",
            serde_json::json!({
                "bench": "supervision", "watched_cases": cases, "due_share": due_share, "seed_seconds": seed_secs,
                "first_scan_seconds": first_secs, "first_scan_examined": first.examined, "first_scan_raised": first.raised,
                "steady_scan_seconds": steady_secs, "steady_scan_examined": steady.examined,
                "dashboard_cases": received, "dashboard_median_ms": dashboard_ms, "database_bytes": db_bytes,
                "build_profile": profile, "durability": "SQLite WAL, durable (group commit)",
            })
        );
    } else {
        println!(
            "电子监察 scan over {cases} watched cases ({profile} build, SQLite WAL, durable commits)"
        );
        println!("  seeding: {seed_secs:.1} s");
        println!(
            "  first scan: {first_secs:.3} s, {} due cases examined, {} warnings raised",
            first.examined, first.raised
        );
        println!(
            "  steady scan (nothing new): {steady_secs:.3} s, {} examined",
            steady.examined
        );
        println!(
            "dashboard statistics over {received} cases this month: median of 3 runs {dashboard_ms:.0} ms"
        );
    }
    Ok(())
}
