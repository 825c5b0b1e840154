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

/// Copies the demo's received cases `n` times with new ids, created over the `days` days up
/// to today, with their statistics rows (`store::stats::add_all`), the sums spread over the
/// stripes as the cases' own commands leave them (up to 16 rows per day and place, the most a
/// report reads): the sums a report reads, and the cases a recount reads.
async fn seed_cases(app: &App, n: usize, days: i64, first: usize) -> anyhow::Result<()> {
    let mut conn = app.store.conn().await?;
    let now = app.now();
    let templates = store::cases::received_between(&mut conn, 0, i64::MAX, None).await?;
    anyhow::ensure!(
        !templates.is_empty(),
        "the demo has no received cases to copy"
    );
    let mut items = Vec::new();
    for c in &templates {
        items.push(
            app.item_version(&mut conn, &c.item_code, c.item_version)
                .await
                .ok(),
        );
    }
    drop(conn);
    let cal = domain::calendar::WorkCalendar::china();
    let today = store::millis(now) - 3_600_000;
    let day_ms = 86_400_000;
    for start in (0..n).step_by(20_000) {
        let mut loaded = Vec::new();
        let mut stats = Vec::new();
        for i in start..(start + 20_000).min(n) {
            let t = i % templates.len();
            let mut c = templates[t].clone();
            let k = first + i;
            c.id = format!("bench-case-{k:08}").into();
            c.number = format!("{}{:013}", c.region, 9_000_000 + k).into();
            let at = today - (i as i64 % days) * day_ms - (i as i64 % 600) * 1_000;
            let day = domain::calendar::china_date(store::from_millis(at));
            if let Some(s) = domain::stats::CaseStat::of(&c, items[t].as_deref(), &cal, day, now) {
                stats.push((c.id.to_string(), s));
            }
            loaded.push(store::cases::LoadedCase {
                case: c,
                index: store::cases::CaseIndex::default(),
                created_at: at,
                updated_at: at,
            });
        }
        let mut tx = app.store.begin().await?;
        store::cases::insert_cases(&mut tx, &loaded).await?;
        store::stats::add_all(&mut tx, &stats, store::stats::SumRows::Striped).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// The dashboard of the `days` days up to tomorrow: the median of three runs from the
/// per-day sums, and one count from every case (the way before them), in ms; and the cases
/// received.
async fn dashboard(
    app: &App,
    sup: &app::auth::Actor,
    days: i64,
) -> anyhow::Result<(f64, f64, usize)> {
    let today = domain::calendar::china_date(app.now());
    let q = app::stats::Query {
        from: (today - time::Duration::days(days)).to_string(),
        to: (today + time::Duration::days(1)).to_string(),
        department: None,
        item: None,
        group: None,
    };
    let err = |e| anyhow::anyhow!("{e:?}");
    let mut times = Vec::new();
    let mut received = 0;
    for _ in 0..3 {
        let t = Instant::now();
        let r = app::stats::report(app, sup, &q).await.map_err(err)?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        received = r.summary.received;
    }
    times.sort_by(|a, b| a.total_cmp(b));
    let t = Instant::now();
    let recount = app::stats::report_from_cases(app, sup, &q)
        .await
        .map_err(err)?;
    let recount_ms = t.elapsed().as_secs_f64() * 1000.0;
    anyhow::ensure!(
        recount.summary.received == received,
        "the sums count {received} cases, the cases {}",
        recount.summary.received
    );
    Ok((times[1], recount_ms, received))
}

pub async fn run(
    cases: usize,
    due_share: f64,
    (month_cases, year_cases): (usize, usize),
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

    let sup = app::auth::login(&app, None, "supervisor", app::demo::DEMO_PASSWORD)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?
        .actor;
    let t = Instant::now();
    seed_cases(&app, month_cases, 28, 0).await?;
    let month_seed_secs = t.elapsed().as_secs_f64();
    let (month_ms, month_recount_ms, received) = dashboard(&app, &sup, 30).await?;
    let mut year = None;
    if year_cases > 0 {
        let t = Instant::now();
        seed_cases(&app, year_cases, 365, month_cases).await?;
        let seed = t.elapsed().as_secs_f64();
        let (ms, recount_ms, n) = dashboard(&app, &sup, 365).await?;
        year = Some((seed, ms, recount_ms, n));
    }
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
                "dashboard_cases": received, "dashboard_median_ms": month_ms, "dashboard_recount_ms": month_recount_ms,
                "dashboard_seed_seconds": month_seed_secs,
                "year_cases": year.map(|y| y.3), "year_dashboard_median_ms": year.map(|y| y.1),
                "year_dashboard_recount_ms": year.map(|y| y.2), "year_seed_seconds": year.map(|y| y.0),
                "database_bytes": db_bytes,
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
            "dashboard over {received} cases in 30 days: {month_ms:.1} ms from the daily sums (median of 3), {month_recount_ms:.0} ms counted from the cases"
        );
        if let Some((seed, ms, recount, n)) = year {
            println!(
                "dashboard over {n} cases in a year: {ms:.1} ms from the daily sums (median of 3), {recount:.0} ms counted from the cases (seeding {seed:.0} s)"
            );
        }
    }
    Ok(())
}
