//! `bench hotline`: the 12345 centre under load over HTTP against a real server. Operator and
//! handler pairs take tickets through their whole life (file, dispatch, accept, reply, call
//! back), while typists search the knowledge base and the catalog as operators do, one more
//! character each time. The database holds `--tickets` earlier tickets and the knowledge base
//! `--articles` articles. At the end every acknowledged ticket must be closed in the
//! database; errors fail the run; times are reported, never asserted.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use app::auth::NewStaff;
use clap::Args;
use domain::account::Role;
use domain::hotline::knowledge::Article;
use domain::hotline::{Caller, Channel, Kind, State, Ticket};
use hyper::Method;
use serde_json::json;

use crate::explain;
use crate::lifecycle::http::{Body, Http, Session};
use crate::lifecycle::{Target, open_app, start_server};

const REGION: &str = "511600";
const DEPARTMENT: &str = "511600-ZJJ";
const PASSWORD: &str = "bench-hotline-passphrase-2026";

#[derive(Args, Clone)]
pub struct HotlineArgs {
    /// Operators and handlers at once (half each: every pair works one ticket at a time).
    #[arg(long, default_value_t = 64)]
    pub workers: usize,
    /// Operators typing into the knowledge search at once.
    #[arg(long, default_value_t = 4)]
    pub typists: usize,
    /// Seconds of load.
    #[arg(long, default_value_t = 60)]
    pub seconds: u64,
    /// Earlier tickets in the database.
    #[arg(long, default_value_t = 100_000)]
    pub tickets: usize,
    /// Knowledge-base articles.
    #[arg(long, default_value_t = 5_000)]
    pub articles: usize,
    /// Print one JSON line instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Default)]
struct Tally {
    /// Whole lives: file to callback.
    lives: Vec<f64>,
    steps: Vec<f64>,
    searches: Vec<f64>,
    /// Ticket ids closed by a callback the server acknowledged.
    closed: Vec<String>,
    errors: usize,
    first_error: Option<String>,
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * p).round() as usize]
}

/// Words the generated articles are made of: everyday matters in several phrasings.
const TOPICS: &[&str] = &[
    "身份证",
    "户口",
    "护照",
    "驾驶证",
    "社保卡",
    "医保",
    "公积金",
    "营业执照",
    "食品经营许可",
    "低保",
    "养老金",
    "失业保险",
    "入学",
    "出生证明",
    "结婚登记",
    "不动产登记",
    "契税",
    "发票",
    "残疾人证",
    "居住证",
    "异地就医",
    "工伤认定",
    "退休",
    "个体户",
    "消防检查",
    "户外广告",
    "排水许可",
    "施工许可",
];
const ASKS: &[&str] = &[
    "怎么办理",
    "需要什么材料",
    "多久能办好",
    "在哪里办",
    "能网上办吗",
    "丢了怎么补",
    "到期怎么换",
    "要收费吗",
];
const PLACES: &[&str] = &["广安区", "前锋区", "岳池县", "武胜县", "邻水县", "华蓥市"];

fn article(i: usize, today: time::Date, now: time::OffsetDateTime) -> Article {
    let topic = TOPICS[i % TOPICS.len()];
    let ask = ASKS[(i / TOPICS.len()) % ASKS.len()];
    let place = PLACES[(i / (TOPICS.len() * ASKS.len())) % PLACES.len()];
    Article {
        id: format!("BENCH-KB-{i:05}"),
        version: 1,
        question: format!("{place}{topic}{ask}？（第 {i} 条）"),
        answer: format!(
            "{topic}可在{place}政务服务中心或一窗通办平台办理，{ask}请以办事指南为准。"
        ),
        regions: vec![REGION.into()],
        valid_from: today - time::Duration::days(30),
        valid_to: None,
        source: "压测".into(),
        items: vec![],
        owner: DEPARTMENT.into(),
        review_by: today + time::Duration::days(365),
        flagged: String::new(),
        updated_at: now,
    }
}

/// A closed earlier ticket.
fn old_ticket(i: usize, now: time::OffsetDateTime) -> Ticket {
    let created = now - time::Duration::minutes((i % 43_200) as i64 + 60);
    let filed = Ticket::filed(
        format!("bench-old-{i:07}"),
        Channel::Phone,
        Kind::Complaint,
        "0101".into(),
        "511602001".into(),
        Caller {
            name: "压测来电".into(),
            phone: format!("139{:08}", i),
            anonymous: false,
        },
        format!("{}的问题{}", TOPICS[i % TOPICS.len()], ASKS[i % ASKS.len()]),
        created,
    );
    Ticket {
        number: format!("OLD-{i:07}"),
        address: format!("北辰街道压测小区 {} 栋", i % 500),
        state: State::Closed,
        department: Some(DEPARTMENT.into()),
        dispatched_at: Some(created),
        respond_due: Some(created + time::Duration::hours(2)),
        accepted_at: Some(created),
        responded_in_time: Some(!i.is_multiple_of(10)),
        closed_at: Some(created + time::Duration::hours(30)),
        ..filed
    }
}

async fn prepare(target: &Target, args: &HotlineArgs) -> anyhow::Result<()> {
    let app = open_app(target, true, true).await?;
    app::demo::load(&app).await.map_err(explain)?;
    let now = time::OffsetDateTime::now_utc();
    let today = domain::calendar::china_date(now);
    for chunk in (0..args.articles).collect::<Vec<_>>().chunks(1000) {
        let mut tx = app.store.begin().await?;
        for i in chunk {
            store::hotline::knowledge::save_article(&mut tx, &article(*i, today, now), "bench")
                .await?;
        }
        tx.commit().await?;
    }
    for chunk in (0..args.tickets).collect::<Vec<_>>().chunks(2000) {
        let mut tx = app.store.begin().await?;
        for i in chunk {
            store::hotline::insert_ticket(&mut tx, &old_ticket(*i, now)).await?;
        }
        tx.commit().await?;
    }
    let admin = "bench-hotline-admin";
    let _ = app::auth::bootstrap_admin(&app, admin, "压测管理员", PASSWORD, REGION).await;
    let cap = app::auth::actor_for_login(&app, admin)
        .await
        .map_err(explain)?
        .system_admin()
        .map_err(explain)?;
    let pairs = args.workers.div_ceil(2);
    for i in 0..pairs.max(args.typists) {
        for (login, roles, department) in [
            (
                format!("bench-op-{i}"),
                vec![Role::HotlineOperator, Role::HotlineDispatcher],
                None,
            ),
            (
                format!("bench-hd-{i}"),
                vec![Role::HotlineHandler],
                Some(DEPARTMENT.to_string()),
            ),
        ] {
            let s = NewStaff {
                login,
                name: "压测话务".into(),
                phone: String::new(),
                password: PASSWORD.into(),
                roles,
                region: REGION.into(),
                department,
            };
            app::auth::create_staff(&app, &cap, &s)
                .await
                .map_err(explain)?;
        }
    }
    app.store.analyze().await?;
    app.store.close().await;
    Ok(())
}

pub async fn run(args: HotlineArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        (2..=512).contains(&args.workers),
        "--workers 应在 2 到 512 之间"
    );
    anyhow::ensure!(args.typists <= 64, "--typists 最多 64");
    anyhow::ensure!(
        args.tickets <= 2_000_000 && args.articles <= 100_000,
        "--tickets、--articles 过大"
    );
    Target::on_scratch_sqlite("hotline", async |target| measure(&args, target).await).await
}

async fn measure(args: &HotlineArgs, target: &Target) -> anyhow::Result<()> {
    let prepared = Instant::now();
    prepare(target, args).await?;
    let prepare_s = prepared.elapsed().as_secs_f64();
    let mut server = start_server(target, true).await?;
    let outcome = drive(args, &server.base).await;
    let _ = server.child.kill();
    let _ = server.child.wait();
    let (mut tally, elapsed) = outcome?;
    // Every acknowledged close is in the database, closed.
    let app = open_app(target, true, true).await?;
    let mut c = app.store.conn().await?;
    let mut missing = 0usize;
    for id in &tally.closed {
        match store::hotline::get(&mut c, id).await? {
            Some(s) if s.ticket.state == State::Closed && s.ticket.callback.is_some() => {}
            _ => missing += 1,
        }
    }
    drop(c);
    app.store.close().await;
    let tickets = tally.closed.len();
    let per_s = tickets as f64 / elapsed;
    let (l50, l99) = (
        percentile(&mut tally.lives, 0.5),
        percentile(&mut tally.lives, 0.99),
    );
    let (s50, s99) = (
        percentile(&mut tally.steps, 0.5),
        percentile(&mut tally.steps, 0.99),
    );
    let searches = tally.searches.len();
    let (q50, q99) = (
        percentile(&mut tally.searches, 0.5),
        percentile(&mut tally.searches, 0.99),
    );
    if args.json {
        println!(
            "{}",
            json!({
                "workers": args.workers, "typists": args.typists, "seconds": elapsed,
                "preloaded_tickets": args.tickets, "articles": args.articles, "prepare_s": prepare_s,
                "tickets": tickets, "tickets_per_s": per_s, "life_p50_ms": l50, "life_p99_ms": l99,
                "step_p50_ms": s50, "step_p99_ms": s99, "searches": searches,
                "search_p50_ms": q50, "search_p99_ms": q99, "errors": tally.errors, "missing": missing,
            })
        );
    } else {
        println!(
            "12345 压测：{} 名话务员和承办人、{} 名边输边查，{elapsed:.1} 秒；库中已有 {} 张工单、{} 条知识（准备 {prepare_s:.1} 秒）",
            args.workers, args.typists, args.tickets, args.articles
        );
        println!(
            "办结工单 {tickets} 张（{per_s:.1} 张/秒），每张从登记到回访 p50 {l50:.0} 毫秒、p99 {l99:.0} 毫秒；单步 p50 {s50:.1}、p99 {s99:.1} 毫秒"
        );
        println!(
            "边输边查 {searches} 次：p50 {q50:.1} 毫秒，p99 {q99:.1} 毫秒（{}50 毫秒目标）",
            if q99 <= 50.0 { "达到" } else { "未达到" }
        );
        println!("错误 {} 次，已确认却未办结 {missing} 张", tally.errors);
    }
    if let Some(e) = &tally.first_error {
        eprintln!("第一个错误：{e}");
    }
    anyhow::ensure!(tally.errors == 0, "有 {} 个请求出错", tally.errors);
    anyhow::ensure!(
        missing == 0,
        "有 {missing} 张已确认办结的工单不在库中或未办结"
    );
    Ok(())
}

async fn drive(args: &HotlineArgs, base: &str) -> anyhow::Result<(Tally, f64)> {
    let http = Http::new(base);
    let tally = Arc::new(Mutex::new(Tally::default()));
    let pairs = args.workers.div_ceil(2);
    let mut sessions = Vec::new();
    for i in 0..pairs.max(args.typists) {
        let op = http.login(&format!("bench-op-{i}"), PASSWORD).await?;
        let hd = http.login(&format!("bench-hd-{i}"), PASSWORD).await?;
        sessions.push((op, hd));
    }
    let started = Instant::now();
    let until = started + Duration::from_secs(args.seconds);
    let mut tasks = Vec::new();
    for (i, (op, hd)) in sessions.iter().take(pairs).cloned().enumerate() {
        let (http, tally) = (http.clone(), tally.clone());
        tasks.push(tokio::spawn(async move {
            pair(i, http, op, hd, tally, until).await
        }));
    }
    for (i, (op, _)) in sessions.iter().take(args.typists).cloned().enumerate() {
        let (http, tally) = (http.clone(), tally.clone());
        tasks.push(tokio::spawn(async move {
            typist(i, http, op, tally, until).await
        }));
    }
    for t in tasks {
        t.await.context("a load task panicked")??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let tally = Arc::try_unwrap(tally)
        .map_err(|_| anyhow::anyhow!("tasks still hold the tally"))?
        .into_inner()
        .map_err(|_| anyhow::anyhow!("poisoned"))?;
    Ok((tally, elapsed))
}

fn record(tally: &Mutex<Tally>, f: impl FnOnce(&mut Tally)) {
    if let Ok(mut t) = tally.lock() {
        f(&mut t);
    }
}

/// One request of a life; None (and an error counted) when it failed.
async fn step(
    http: &Http,
    tally: &Mutex<Tally>,
    session: &Session,
    path: &str,
    body: serde_json::Value,
    what: &str,
) -> anyhow::Result<Option<serde_json::Value>> {
    let a = http
        .send(Method::POST, path, Some(session), Body::Json(body))
        .await?;
    let ms = a.took.as_secs_f64() * 1000.0;
    if a.status.is_success() {
        record(tally, |t| t.steps.push(ms));
        Ok(Some(a.json()?))
    } else {
        record(tally, |t| {
            t.errors += 1;
            t.first_error
                .get_or_insert(format!("{what} {}：{}", a.status, a.snippet()));
        });
        Ok(None)
    }
}

async fn pair(
    i: usize,
    http: Http,
    op: Session,
    hd: Session,
    tally: Arc<Mutex<Tally>>,
    until: Instant,
) -> anyhow::Result<()> {
    let mut n = 0usize;
    while Instant::now() < until {
        n += 1;
        let began = Instant::now();
        let filed = json!({
            "kind": "complaint", "class": "0101", "region": "511602001",
            "address": format!("压测小区 {i} 栋 {n} 号"),
            "caller": {"name": "压测来电", "phone": format!("138{:08}", i * 100_000 + n)},
            "text": format!("压测：{} 栋电梯故障第 {n} 次报修", i),
        });
        let Some(v) = step(&http, &tally, &op, "/api/v1/hotline/tickets", filed, "登记").await?
        else {
            continue;
        };
        let id = v["ticket"]["id"].as_str().unwrap_or_default().to_string();
        let path = format!("/api/v1/hotline/tickets/{id}/steps");
        let steps = [
            (
                &op,
                json!({"command": "dispatch", "department": DEPARTMENT}),
                "派单",
            ),
            (&hd, json!({"command": "accept"}), "签收"),
            (&hd, json!({"command": "reply", "text": "已修复"}), "回复"),
            (
                &op,
                json!({"command": "callback", "resolved": true, "satisfied": true, "method": "phone"}),
                "回访",
            ),
        ];
        let mut done = true;
        for (session, body, what) in steps {
            if step(&http, &tally, session, &path, body, what)
                .await?
                .is_none()
            {
                done = false;
                break;
            }
        }
        if done {
            let ms = began.elapsed().as_secs_f64() * 1000.0;
            record(&tally, |t| {
                t.lives.push(ms);
                t.closed.push(id);
            });
        }
    }
    Ok(())
}

/// Types a question one character at a time, searching after each, as the desk's page does.
async fn typist(
    i: usize,
    http: Http,
    op: Session,
    tally: Arc<Mutex<Tally>>,
    until: Instant,
) -> anyhow::Result<()> {
    let mut n = i;
    while Instant::now() < until {
        let phrase: Vec<char> = format!("{}{}", TOPICS[n % TOPICS.len()], ASKS[n % ASKS.len()])
            .chars()
            .collect();
        n += 1;
        for k in 1..=phrase.len() {
            let typed: String = phrase[..k].iter().collect();
            let q = serde_urlencoded::to_string([("q", typed.as_str()), ("region", "511602")])?;
            let a = http
                .send(
                    Method::GET,
                    &format!("/api/v1/hotline/desk/search?{q}"),
                    Some(&op),
                    Body::Empty,
                )
                .await?;
            let ms = a.took.as_secs_f64() * 1000.0;
            record(&tally, |t| {
                if a.status.is_success() {
                    t.searches.push(ms);
                } else {
                    t.errors += 1;
                    t.first_error
                        .get_or_insert(format!("检索 {}：{}", a.status, a.snippet()));
                }
            });
        }
    }
    Ok(())
}
