//! `bench hall`: one hall under a morning's load over HTTP against a real server. Kiosks take
//! numbers, windows call and finish them, and display boards hold event streams open; at the
//! end every number issued is checked against the database (none repeated, none lost) and every
//! call against the boards (each reached every board, and how fast). Correctness fails the run;
//! times are reported, never asserted (the 1 s target is judged from the figures). Correctness fails the run;
//! times are reported, never asserted (the 1 s target is judged from the figures).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use app::auth::NewStaff;
use clap::Args;
use domain::account::Role;
use domain::hall::{Hall, HallRules, Line, Window, WindowKind};
use http_body_util::BodyExt;
use hyper::Method;
use serde_json::json;

use crate::explain;
use crate::lifecycle::http::{Body, Http, Session};
use crate::lifecycle::{Target, open_app, start_server};

const HALL: &str = "BENCH-DT";
const REGION: &str = "511600";
const PASSWORD: &str = "bench-hall-passphrase-2026";

#[derive(Args, Clone)]
pub struct HallArgs {
    /// Kiosks taking numbers at once.
    #[arg(long, default_value_t = 20)]
    pub kiosks: usize,
    /// Windows calling and finishing at once.
    #[arg(long, default_value_t = 40)]
    pub windows: usize,
    /// Display boards holding an event stream open.
    #[arg(long, default_value_t = 200)]
    pub boards: usize,
    /// Seconds of load.
    #[arg(long, default_value_t = 60)]
    pub seconds: u64,
    /// Print one JSON line instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Times of one kind of request, and how many failed.
#[derive(Default)]
struct Kind {
    times: Vec<f64>,
    errors: usize,
}

#[derive(Default)]
struct Tally {
    take: Kind,
    call: Kind,
    finish: Kind,
    /// Calls that found no one waiting (409, expected when windows outpace kiosks).
    idle_calls: usize,
    /// Ticket ids and numbers the kiosks were given.
    issued: Vec<(String, String)>,
    /// When each call was sent, by ticket number.
    called: HashMap<String, Instant>,
    first_error: Option<String>,
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * p).round() as usize]
}

fn the_hall(windows: usize) -> Hall {
    let lines = ["综合", "不动产", "社保", "公安"];
    Hall {
        code: HALL.into(),
        name: "压测大厅".into(),
        region: REGION.into(),
        address: "压测".into(),
        hours: "工作日 9:00-17:00".into(),
        service_point: String::new(),
        lines: lines
            .iter()
            .enumerate()
            .map(|(i, n)| Line {
                code: ((b'A' + i as u8) as char).to_string(),
                name: n.to_string(),
                items: vec![],
            })
            .collect(),
        windows: (0..windows)
            .map(|i| {
                let first = (b'A' + (i % 4) as u8) as char;
                let second = (b'A' + ((i + 1) % 4) as u8) as char;
                Window {
                    number: format!("{:02}", i + 1),
                    name: format!("{} 号窗口", i + 1),
                    kind: WindowKind::Comprehensive,
                    department: None,
                    lines: vec![first.to_string(), second.to_string()],
                }
            })
            .collect(),
        rules: HallRules::default(),
    }
}

async fn prepare(target: &Target, windows: usize) -> anyhow::Result<()> {
    let app = open_app(target, true, true).await?;
    app::demo::load(&app).await.map_err(explain)?;
    let mut tx = app.store.begin().await?;
    store::hall::upsert_hall(&mut tx, &the_hall(windows)).await?;
    tx.commit().await?;
    let admin = "bench-hall-admin";
    let _ = app::auth::bootstrap_admin(&app, admin, "压测管理员", PASSWORD, REGION).await;
    let cap = app::auth::actor_for_login(&app, admin)
        .await
        .map_err(explain)?
        .system_admin()
        .map_err(explain)?;
    for i in 0..windows {
        let s = NewStaff {
            login: format!("bench-window-{i}"),
            name: "压测窗口".into(),
            phone: String::new(),
            password: PASSWORD.into(),
            roles: vec![Role::Clerk],
            region: REGION.into(),
            department: None,
        };
        app::auth::create_staff(&app, &cap, &s)
            .await
            .map_err(explain)?;
    }
    app.store.close().await;
    Ok(())
}

pub async fn run(args: HallArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        (1..=1000).contains(&args.kiosks),
        "--kiosks 应在 1 到 1000 之间"
    );
    anyhow::ensure!(
        (1..=99).contains(&args.windows),
        "--windows 应在 1 到 99 之间"
    );
    anyhow::ensure!(args.boards <= 2000, "--boards 最多 2000");
    Target::on_scratch_sqlite("hall", async |target| measure(&args, target).await).await
}

async fn measure(args: &HallArgs, target: &Target) -> anyhow::Result<()> {
    prepare(target, args.windows).await?;
    let mut server = start_server(target, true).await?;
    let outcome = drive(args, &server.base).await;
    let _ = server.child.kill();
    let _ = server.child.wait();
    let (mut tally, seen, boards_open, elapsed) = outcome?;
    // What the database holds, read after the server stopped.
    let app = open_app(target, true, true).await?;
    let mut c = app.store.conn().await?;
    let day = domain::calendar::china_date(time::OffsetDateTime::now_utc()).to_string();
    let stored = store::hall::tickets_of_day(&mut c, HALL, &day, &[]).await?;
    drop(c);
    app.store.close().await;
    let numbers: HashSet<&str> = stored.iter().map(|s| s.ticket.number.as_str()).collect();
    let ids: HashSet<&str> = stored.iter().map(|s| s.ticket.id.as_str()).collect();
    let repeated = stored.len() - numbers.len();
    let lost = tally
        .issued
        .iter()
        .filter(|(id, _)| !ids.contains(id.as_str()))
        .count();
    let unacknowledged = stored.len().saturating_sub(tally.issued.len());

    // Board latency: from sending the call to each board's event naming it.
    let mut latency = Vec::new();
    let mut missed = 0usize;
    let seen = seen.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
    for (number, sent) in &tally.called {
        for board in seen.iter() {
            match board.get(number) {
                Some(at) => {
                    latency.push(at.saturating_duration_since(*sent).as_secs_f64() * 1000.0)
                }
                None => missed += 1,
            }
        }
    }
    let calls = tally.called.len();
    let lat_p50 = percentile(&mut latency, 0.5);
    let lat_p99 = percentile(&mut latency, 0.99);
    let lat_max = latency.iter().copied().fold(0.0, f64::max);
    let errors = tally.take.errors + tally.call.errors + tally.finish.errors;
    let per = |k: &mut Kind| {
        (
            k.times.len(),
            percentile(&mut k.times, 0.5),
            percentile(&mut k.times, 0.99),
        )
    };
    let (takes, take50, take99) = per(&mut tally.take);
    let (_, call50, call99) = per(&mut tally.call);
    let (finishes, fin50, fin99) = per(&mut tally.finish);
    let tickets_per_s = takes as f64 / elapsed;
    if args.json {
        println!(
            "{}",
            json!({
                "kiosks": args.kiosks, "windows": args.windows, "boards": args.boards, "boards_open": boards_open,
                "seconds": elapsed, "tickets": takes, "tickets_per_s": tickets_per_s, "calls": calls,
                "finishes": finishes, "idle_calls": tally.idle_calls, "errors": errors,
                "repeated_numbers": repeated, "lost_tickets": lost, "unacknowledged_tickets": unacknowledged,
                "board_missed": missed, "board_p50_ms": lat_p50, "board_p99_ms": lat_p99, "board_max_ms": lat_max,
                "take_p50_ms": take50, "take_p99_ms": take99, "call_p50_ms": call50, "call_p99_ms": call99,
                "finish_p50_ms": fin50, "finish_p99_ms": fin99,
            })
        );
    } else {
        println!(
            "大厅压测：{} 台取号机、{} 个窗口、{} 块大屏（连上 {}），{elapsed:.1} 秒",
            args.kiosks, args.windows, args.boards, boards_open
        );
        println!(
            "取号 {takes} 个（{tickets_per_s:.1} 个/秒），叫号 {calls} 次，办结 {finishes} 个，叫号时无人等候 {} 次",
            tally.idle_calls
        );
        println!(
            "请求耗时 p50/p99（毫秒）：取号 {take50:.1}/{take99:.1}，叫号 {call50:.1}/{call99:.1}，办结 {fin50:.1}/{fin99:.1}"
        );
        println!(
            "叫号到大屏（毫秒）：p50 {lat_p50:.1}，p99 {lat_p99:.1}（{}1 秒目标），最长 {lat_max:.1}；未送达 {missed} 次",
            if lat_p99 <= 1000.0 {
                "达到"
            } else {
                "未达到"
            }
        );
        println!("号码重复 {repeated} 个，丢失 {lost} 个，错误 {errors} 次");
    }
    if let Some(e) = &tally.first_error {
        eprintln!("第一个错误：{e}");
    }
    anyhow::ensure!(repeated == 0, "有 {repeated} 个号码重复");
    anyhow::ensure!(lost == 0, "有 {lost} 个已确认的号丢失");
    anyhow::ensure!(errors == 0, "有 {errors} 个请求出错");
    anyhow::ensure!(missed == 0, "有 {missed} 次叫号未送达大屏");
    anyhow::ensure!(boards_open == args.boards, "只连上 {boards_open} 块大屏");
    Ok(())
}

type Seen = Arc<Mutex<Vec<HashMap<String, Instant>>>>;

/// Opens the boards, runs kiosks and windows for the run's seconds, then lets the last events
/// arrive.
async fn drive(args: &HallArgs, base: &str) -> anyhow::Result<(Tally, Seen, usize, f64)> {
    let http = Http::new(base);
    let seen: Seen = Arc::new(Mutex::new(vec![HashMap::new(); args.boards]));
    let mut board_tasks = Vec::new();
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<bool>(args.boards.max(1));
    for b in 0..args.boards {
        let http = http.clone();
        let seen = seen.clone();
        let ready = ready_tx.clone();
        board_tasks.push(tokio::spawn(async move {
            let res = match http
                .stream(&format!("/api/v1/halls/{HALL}/board/events"))
                .await
            {
                Ok(r) if r.status().is_success() => r,
                _ => {
                    let _ = ready.send(false).await;
                    return;
                }
            };
            let _ = ready.send(true).await;
            let mut body = res.into_body();
            // Bytes, not text, until an event is whole: a frame may end inside a character
            // (every announcement starts with 请), and decoding it alone would garble it.
            let mut buf: Vec<u8> = Vec::new();
            while let Some(Ok(frame)) = body.frame().await {
                let Some(data) = frame.data_ref() else {
                    continue;
                };
                buf.extend_from_slice(data);
                while let Some(end) = buf.windows(2).position(|w| w == b"\n\n") {
                    let raw: Vec<u8> = buf.drain(..end + 2).collect();
                    let event = String::from_utf8_lossy(&raw);
                    // `data: {"board":…,"announce":"请 A012 号到 03 号窗口"}`
                    if let Some(a) = event.split("\"announce\":\"").nth(1)
                        && let Some(number) =
                            a.strip_prefix("请 ").and_then(|r| r.split(' ').next())
                        && let Ok(mut s) = seen.lock()
                    {
                        s[b].entry(number.to_string()).or_insert_with(Instant::now);
                    }
                }
            }
        }));
    }
    drop(ready_tx);
    // Each board says once whether it opened (and keeps its sender while it streams).
    let mut boards_open = 0;
    for _ in 0..args.boards {
        match ready_rx.recv().await {
            Some(ok) => boards_open += usize::from(ok),
            None => break,
        }
    }

    let tally = Arc::new(Mutex::new(Tally::default()));
    let started = Instant::now();
    let until = started + Duration::from_secs(args.seconds);
    let mut tasks = Vec::new();
    for k in 0..args.kiosks {
        let (http, tally) = (http.clone(), tally.clone());
        tasks.push(tokio::spawn(
            async move { kiosk(k, http, tally, until).await },
        ));
    }
    for w in 0..args.windows {
        let session = http.login(&format!("bench-window-{w}"), PASSWORD).await?;
        let signed = http
            .send(
                Method::POST,
                "/api/v1/desk/sign-in",
                Some(&session),
                Body::Json(json!({"hall": HALL, "window": format!("{:02}", w + 1)})),
            )
            .await?;
        anyhow::ensure!(
            signed.status.is_success(),
            "窗口 {} 签到失败：{}",
            w + 1,
            signed.snippet()
        );
        let (http, tally) = (http.clone(), tally.clone());
        tasks.push(tokio::spawn(async move {
            window(http, session, tally, until).await
        }));
    }
    for t in tasks {
        t.await.context("a load task panicked")??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    // The last calls' events are on their way.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for b in board_tasks {
        b.abort();
    }
    let tally = Arc::try_unwrap(tally)
        .map_err(|_| anyhow::anyhow!("tasks still hold the tally"))?
        .into_inner()
        .map_err(|_| anyhow::anyhow!("poisoned"))?;
    Ok((tally, seen, boards_open, elapsed))
}

fn record(tally: &Mutex<Tally>, f: impl FnOnce(&mut Tally)) {
    if let Ok(mut t) = tally.lock() {
        f(&mut t);
    }
}

async fn kiosk(
    k: usize,
    http: Http,
    tally: Arc<Mutex<Tally>>,
    until: Instant,
) -> anyhow::Result<()> {
    let visitor = http.visitor().await?;
    let mut n = 0usize;
    while Instant::now() < until {
        let person = k * 100_000 + n;
        n += 1;
        let line = ["A", "B", "C", "D"][person % 4];
        let body = json!({
            "source": "kiosk",
            "line": line,
            "person": {"name": "压测群众", "id_number": crate::lifecycle::setup::id_number(person), "phone": "13900000000"},
        });
        let a = http
            .send(
                Method::POST,
                &format!("/api/v1/halls/{HALL}/tickets"),
                Some(&visitor),
                Body::Json(body),
            )
            .await?;
        let ms = a.took.as_secs_f64() * 1000.0;
        if a.status.is_success() {
            let v = a.json()?;
            let id = v["ticket"]["id"].as_str().unwrap_or_default().to_string();
            let number = v["ticket"]["number"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            record(&tally, |t| {
                t.take.times.push(ms);
                t.issued.push((id, number));
            });
        } else {
            record(&tally, |t| {
                t.take.errors += 1;
                t.first_error
                    .get_or_insert(format!("取号 {}：{}", a.status, a.snippet()));
            });
        }
    }
    Ok(())
}

async fn window(
    http: Http,
    session: Session,
    tally: Arc<Mutex<Tally>>,
    until: Instant,
) -> anyhow::Result<()> {
    while Instant::now() < until {
        let sent = Instant::now();
        let a = http
            .send(
                Method::POST,
                "/api/v1/desk/call",
                Some(&session),
                Body::Json(json!({})),
            )
            .await?;
        let ms = a.took.as_secs_f64() * 1000.0;
        if a.status.as_u16() == 409 && a.snippet().contains("没有等候") {
            record(&tally, |t| t.idle_calls += 1);
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        }
        if !a.status.is_success() {
            record(&tally, |t| {
                t.call.errors += 1;
                t.first_error
                    .get_or_insert(format!("叫号 {}：{}", a.status, a.snippet()));
            });
            continue;
        }
        let v = a.json()?;
        let id = v["id"].as_str().unwrap_or_default().to_string();
        let number = v["number"].as_str().unwrap_or_default().to_string();
        record(&tally, |t| {
            t.call.times.push(ms);
            t.called.insert(number, sent);
        });
        let f = http
            .send(
                Method::POST,
                &format!("/api/v1/tickets/{id}/window-action"),
                Some(&session),
                Body::Json(json!({"action": "finish"})),
            )
            .await?;
        let ms = f.took.as_secs_f64() * 1000.0;
        record(&tally, |t| {
            if f.status.is_success() {
                t.finish.times.push(ms);
            } else {
                t.finish.errors += 1;
                t.first_error
                    .get_or_insert(format!("办结 {}：{}", f.status, f.snippet()));
            }
        });
    }
    Ok(())
}
