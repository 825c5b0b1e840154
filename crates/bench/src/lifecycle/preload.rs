//! `--preload N`: fills the database with N cases before the run, as a platform that has been
//! live for a year holds them. Four template cases go through the real use cases (one
//! completed, one waiting for the window, one in review, one awaiting approval); copies get
//! new ids, numbers, applicants and dates spread over the past year (open ones over the past
//! month), their audit chains are re-hashed for the new times, and open copies are watched by
//! 电子监察, so `audit verify` and the warning scan see them as real cases.

use std::collections::BTreeMap;
use std::time::Instant;

use app::App;
use app::auth::Actor;
use domain::case::{Case, Command, Provision};
use store::cases::{CaseIndex, EventRow, LoadedCase};
use store::supervision::WatchRow;

use super::setup::{self, ITEM_CODE, PASSWORD};

const DAY_MS: i64 = 86_400_000;
/// Preloaded applicants (accounts without a password anyone knows) the copies are spread over.
const OWNERS: usize = 1_000;

struct Template {
    case: Case,
    index: CaseIndex,
    events: Vec<EventRow>,
    watch: Option<WatchRow>,
    created_at: i64,
    updated_at: i64,
}

use crate::explain;

async fn step(app: &App, who: &Actor, id: &str, cmd: Command) -> anyhow::Result<Case> {
    app::cases::act(app, who, id, cmd).await.map_err(explain)
}

async fn upload(app: &App, who: &Actor, tag: &str) -> anyhow::Result<Provision> {
    let bytes = format!("%PDF-1.4\n% preload template {tag}\n");
    app::uploads::store(app, who, bytes.as_bytes(), "材料.pdf")
        .await
        .map_err(explain)
}

/// Runs one case to `stage` (0: submitted, 1: accepted, 2: awaiting approval, 3: completed).
async fn template(app: &App, applicant: &Actor, stage: u8) -> anyhow::Result<Template> {
    let staff = |l: &'static str| app::auth::actor_for_login(app, l);
    let clerk = staff("bench-clerk-0").await.map_err(explain)?;
    // Two reviewers: one person may not hold two consecutive steps of a case.
    let reviewers = [
        staff("bench-reviewer-0").await.map_err(explain)?,
        staff("bench-reviewer-1").await.map_err(explain)?,
    ];
    let approver = staff("bench-approver-0").await.map_err(explain)?;
    let c = app::cases::start(app, applicant, ITEM_CODE)
        .await
        .map_err(explain)?;
    let materials = BTreeMap::from([
        (
            "居民身份证申领登记表".to_string(),
            upload(app, applicant, "form").await?,
        ),
        (
            "现场采集的人像和指纹信息".to_string(),
            upload(app, applicant, "photo").await?,
        ),
    ]);
    let form = super::drive::form_data();
    step(app, applicant, &c.id, Command::Edit { form, materials }).await?;
    step(app, applicant, &c.id, Command::Submit).await?;
    if stage >= 1 {
        let accept = Command::Accept {
            tolerate: vec![],
            commitment: false,
        };
        step(app, &clerk, &c.id, accept).await?;
    }
    if stage >= 2 {
        for reviewer in &reviewers {
            step(app, reviewer, &c.id, Command::Claim).await?;
            let done = Command::CompleteStep {
                opinion: "材料齐全，同意".into(),
            };
            step(app, reviewer, &c.id, done).await?;
        }
    }
    if stage >= 3 {
        step(app, &approver, &c.id, Command::Claim).await?;
        let approve = Command::Approve {
            reason: "符合补领条件".into(),
            legal_basis: "《中华人民共和国居民身份证法》第十一条".into(),
        };
        step(app, &approver, &c.id, approve).await?;
        let issue = Command::Issue {
            delivery: domain::case::Delivery::Electronic,
        };
        let c2 = step(app, &clerk, &c.id, issue).await?;
        if c2.state != domain::case::CaseState::Completed {
            step(app, &clerk, &c.id, Command::Complete).await?;
        }
    }
    let mut conn = app.store.conn().await?;
    let vanished = || anyhow::anyhow!("template case vanished");
    let (index, created_at, updated_at) = store::cases::stored_index(&mut conn, &c.id)
        .await?
        .ok_or_else(vanished)?;
    Ok(Template {
        case: store::cases::get_case(&mut conn, &c.id)
            .await?
            .ok_or_else(vanished)?,
        index,
        events: store::cases::events(&mut conn, &c.id).await?,
        watch: store::supervision::watch_of_case(&mut conn, &c.id).await?,
        created_at,
        updated_at,
    })
}

fn shift_date(iso: &str, days: i64) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(iso, &fmt)
        .map(|d| (d - time::Duration::days(days)).to_string())
        .unwrap_or_else(|_| iso.to_string())
}

/// The copy number `k` of template `t`, `days` back.
fn copy(
    t: &Template,
    k: usize,
    days: i64,
    seq: usize,
    owners: &[String],
) -> (LoadedCase, Vec<EventRow>, Option<WatchRow>) {
    let back = time::Duration::days(days);
    let mut c = t.case.clone();
    c.id = uuid::Uuid::now_v7().to_string().into();
    let created = c.created_at - back;
    let day = created.to_offset(domain::calendar::CHINA_OFFSET).date();
    c.number = domain::keys::CaseNumber::compose(&c.region, day, seq as i64);
    c.applicant_id = owners[k % owners.len()].clone().into();
    c.created_at = created;
    c.submitted_at = c.submitted_at.map(|t| t - back);
    c.accepted_at = c.accepted_at.map(|t| t - back);
    c.closed_at = c.closed_at.map(|t| t - back);
    let mut prev = app::audit::GENESIS.to_string();
    let events = t
        .events
        .iter()
        .map(|e| {
            let at = e.at - days * DAY_MS;
            let hash = app::audit::hash(&prev, e.seq, at, &e.actor, &e.role, &e.kind, &e.payload);
            EventRow {
                case_id: c.id.to_string(),
                at,
                prev_hash: std::mem::replace(&mut prev, hash.clone()),
                hash,
                ..e.clone()
            }
        })
        .collect();
    let watch = t.watch.as_ref().map(|w| WatchRow {
        case_id: c.id.to_string(),
        case_number: c.number.to_string(),
        due_date: shift_date(&w.due_date, days),
        yellow_from: shift_date(&w.yellow_from, days),
        ..w.clone()
    });
    let index = CaseIndex {
        due_date: t.index.due_date.as_deref().map(|d| shift_date(d, days)),
        ..t.index.clone()
    };
    let loaded = LoadedCase {
        case: c,
        index,
        created_at: t.created_at - days * DAY_MS,
        updated_at: t.updated_at - days * DAY_MS,
    };
    (loaded, events, watch)
}

/// Inserts `n` cases; returns how long it took.
pub async fn preload(app: &App, n: usize, json: bool) -> anyhow::Result<f64> {
    let started = Instant::now();
    // The templates' applicant holds the e-license like every bench applicant.
    let first = setup::id_number(900_000);
    let holder = app::auth::actor_for_login(app, &first).await;
    let applicant = match holder {
        Ok(a) => a,
        Err(_) => {
            let reg = domain::account::ApplicantRegistration::NaturalPerson {
                id_number: first.clone(),
                name: "预置申请人".into(),
                phone: "13800009999".into(),
                password: PASSWORD.into(),
            };
            app::auth::register(app, None, reg).await.map_err(explain)?;
            app::auth::actor_for_login(app, &first)
                .await
                .map_err(explain)?
        }
    };
    setup::household_registers(app, &[("预置申请人".to_string(), first.clone())]).await?;
    let mut templates = Vec::new();
    for stage in 0..4 {
        templates.push(template(app, &applicant, stage).await?);
    }
    let owners = owners(app).await?;
    // Their statistics rows go in with them, as a bulk load writes them.
    let cal = domain::calendar::WorkCalendar::china();
    let mut conn = app.store.conn().await?;
    let t = &templates[0].case;
    let item = app
        .item_version(&mut conn, &t.item_code, t.item_version)
        .await
        .map_err(explain)?;
    drop(conn);
    let batch = 5_000;
    let mut done = 0;
    while done < n {
        let end = (done + batch).min(n);
        let mut cases = Vec::with_capacity(end - done);
        let mut events = Vec::new();
        let mut watches = Vec::new();
        for k in done..end {
            // 85 % completed over the past year; the rest open, filed over the past month.
            let (t, days, seq) = match k % 100 {
                0..85 => (&templates[3], 1 + (k % 365) as i64, 1 + k / 365),
                r => (
                    &templates[(r - 85) / 5],
                    1 + (k % 30) as i64,
                    50_001 + k / 30,
                ),
            };
            let (c, e, w) = copy(t, k, days, seq, &owners);
            cases.push(c);
            events.extend(e);
            watches.extend(w);
        }
        let now = app.now();
        let stats: Vec<_> = cases
            .iter()
            .filter_map(|c| {
                let day = domain::calendar::china_date(store::from_millis(c.created_at));
                domain::stats::CaseStat::of(&c.case, Some(&item), &cal, day, now)
                    .map(|s| (c.case.id.to_string(), s))
            })
            .collect();
        let mut tx = app.store.begin().await?;
        store::cases::insert_cases(&mut tx, &cases).await?;
        store::stats::add_all(&mut tx, &stats, store::stats::SumRows::Folded).await?;
        store::cases::insert_events(&mut tx, &events).await?;
        store::supervision::insert_watches(&mut tx, &watches).await?;
        tx.commit().await?;
        done = end;
        if !json {
            eprint!("\r预置办件 {done}/{n}");
        } else if done % 100_000 == 0 || done == n {
            // A JSON run keeps stdout for the result; progress goes to stderr a line at a time.
            eprintln!("预置办件 {done}/{n}");
        }
    }
    if !json {
        eprintln!();
    }
    // As after any bulk load: the planner must know the tables' new sizes.
    app.store.analyze().await?;
    Ok(started.elapsed().as_secs_f64())
}

/// The preloaded applicants: accounts that share one password hash, made in one transaction.
async fn owners(app: &App) -> anyhow::Result<Vec<String>> {
    let hash = app::auth::hash_password(&format!("{PASSWORD}-preload"))
        .await
        .map_err(explain)?;
    let mut tx = app.store.begin().await?;
    let mut ids = Vec::with_capacity(OWNERS);
    for i in 0..OWNERS {
        let login = setup::id_number(800_000 + i);
        if let Some(a) = store::accounts::find_by_login(&mut tx, &login).await? {
            ids.push(a.id);
            continue;
        }
        let row = store::accounts::AccountRow {
            id: uuid::Uuid::now_v7().to_string(),
            login,
            kind: domain::account::AccountKind::NaturalPerson,
            display_name: "预置申请人".into(),
            phone: String::new(),
            legal_representative: None,
            password_hash: hash.clone(),
            region: None,
            department: None,
            roles: String::new(),
            created_at: app.now_ms(),
            disabled: 0,
        };
        store::accounts::insert_account(&mut tx, &row).await?;
        ids.push(row.id);
    }
    tx.commit().await?;
    Ok(ids)
}
