//! Demo 中介超市: seven intermediaries (invented firms, each with an enterprise account whose
//! login is its credit code) and a month of jobs in every state: open for bids, closed and
//! waiting for the buyer's selection, drawn at random (the seed published, so the re-run check
//! works), contracted, delivered on time and late, rated well and badly, failed for want of
//! bids, withdrawn. Written with the store directly and dated back, as a month of use would
//! have left them; the selections themselves are made by `domain::market::select`.

use domain::account::{AccountKind, ApplicantKind};
use domain::ids::credit_check_char;
use domain::market::{self, Bid, JobState, Mark, Method, Qualification, Registration, Service};
use sm3::{Digest, Sm3};
use store::accounts::AccountRow;
use store::market::{BidRow, IntermediaryRow, JobRow, MarkRow};
use time::{Duration, OffsetDateTime};

use crate::demo_hall::Dice;
use crate::{App, AppError, Result};

/// (number, name, services, the service whose qualification has lapsed).
const FIRMS: &[(u32, &str, &[Service], Option<Service>)] = &[
    (
        1,
        "广安蓝天环境咨询有限公司",
        &[Service::EnvironmentalImpact, Service::EnergyAssessment],
        None,
    ),
    (
        2,
        "广安安和安全评价有限公司",
        &[Service::SafetyAssessment],
        None,
    ),
    (3, "广安精测测绘有限公司", &[Service::Surveying], None),
    (
        4,
        "四川广信工程勘测设计有限公司",
        &[Service::Surveying, Service::SoilConservation],
        Some(Service::SoilConservation),
    ),
    (
        5,
        "广安正衡工程造价咨询有限公司",
        &[Service::CostConsulting],
        None,
    ),
    (
        6,
        "广安建审施工图审查有限公司",
        &[Service::DrawingReview, Service::CostConsulting],
        None,
    ),
    (7, "广安天测地理信息有限公司", &[Service::Surveying], None),
];

/// A demo intermediary's credit code (GB 32100, with its check character).
pub fn firm_code(n: u32) -> String {
    let first = format!("91511600MA6MKT{n:03}");
    format!("{first}{}", credit_check_char(&first))
}

/// Titles of the month's jobs, with their service; the buyers' projects are invented.
const JOBS: &[(&str, Service)] = &[
    ("广安区便民服务中心改造 地形图测绘", Service::Surveying),
    (
        "城南污水管网改造 环境影响评价",
        Service::EnvironmentalImpact,
    ),
    ("协兴园区标准厂房 安全预评价", Service::SafetyAssessment),
    ("枣山物流仓储项目 水土保持方案", Service::SoilConservation),
    ("广安区第二小学扩建 施工图审查", Service::DrawingReview),
    (
        "老旧小区改造（北辰片区） 工程造价咨询",
        Service::CostConsulting,
    ),
    (
        "奎阁街道社区卫生服务中心 节能评估",
        Service::EnergyAssessment,
    ),
    ("协兴园区食材仓库 地形图测绘", Service::Surveying),
    (
        "演示餐饮有限公司中央厨房 环境影响评价",
        Service::EnvironmentalImpact,
    ),
    ("农贸市场提升改造 工程造价咨询", Service::CostConsulting),
    ("城北幼儿园新建 施工图审查", Service::DrawingReview),
    ("化工园区危化品仓库 安全现状评价", Service::SafetyAssessment),
];

const METHODS: [Method; 5] = [
    Method::Random,
    Method::LowestPrice,
    Method::Random,
    Method::Scored,
    Method::Direct,
];

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("demo market: {e}"))
}

/// The demo's accounts of the seven firms: (login, name), for the start-up list.
pub(crate) fn firm_accounts() -> Vec<(String, &'static str)> {
    FIRMS.iter().map(|f| (firm_code(f.0), f.1)).collect()
}

/// The 中介超市's month, its buyers the city's window clerk (for a government buyer) and the
/// demo enterprise; its firms join the list of demo accounts.
pub(crate) async fn seed(
    app: &App,
    accounts: &mut Vec<crate::demo::DemoAccount>,
    password_hash: Option<String>,
) -> Result<usize> {
    let mut buyers = Vec::new();
    {
        let mut c = app.store.conn().await?;
        for login in ["clerk".to_string(), crate::demo::demo_credit_code()] {
            if let Some(a) = store::accounts::find_by_login(&mut c, &login).await? {
                // Staff buy for the government: named as `market::post_job` names them.
                let name = match &a.region {
                    Some(r) if a.kind == AccountKind::Staff => {
                        let body = store::org::get_region(&mut c, r).await?.name;
                        format!("{body}（经办人：{}）", a.display_name)
                    }
                    _ => a.display_name,
                };
                buyers.push((a.id, name));
            }
        }
    }
    for (login, name) in firm_accounts() {
        accounts.push(crate::demo::DemoAccount {
            login,
            role: "中介机构（企业）".into(),
            scope: name.into(),
        });
    }
    seed_month(app, &buyers, password_hash).await
}

/// The job whose window closed an hour before the demo started, waiting for its buyer (the
/// city's window clerk) to draw: the browser test draws it, re-runs the draw, and has the
/// winner deliver.
pub const WAITING_JOB: &str = "城南片区排水管网普查 地形图测绘";

/// Places the firms and, once, the month of jobs; `buyers` are (account id, buyer name), the
/// first of them the government buyer of the waiting job. Returns how many jobs it made.
/// `password_hash` is the demo password's, when the caller has computed it already (argon2
/// is slow on purpose).
async fn seed_month(
    app: &App,
    buyers: &[(String, String)],
    password_hash: Option<String>,
) -> Result<usize> {
    {
        let mut c = app.store.conn().await?;
        if store::market::intermediary(&mut c, &firm_code(1))
            .await?
            .is_some()
        {
            return Ok(0);
        }
    }
    if buyers.is_empty() {
        return Err(internal("no buyers"));
    }
    let hash = match password_hash {
        Some(h) => h,
        None => crate::auth::hash_password(crate::demo::DEMO_PASSWORD).await?,
    };
    let mut tx = app.store.begin().await?;
    let now = app.now();
    let firms = place_firms(&mut tx, &hash, now).await?;
    let mut dice = Dice(27);
    let mut made = 0;
    for (i, &(title, service)) in JOBS.iter().chain(JOBS.iter()).enumerate() {
        let posted = now - Duration::days(30) + Duration::hours(i as i64 * 28 + 9);
        let deadline = posted + Duration::days(3 + dice.next(3) as i64);
        let title = if i < JOBS.len() {
            title.to_string()
        } else {
            format!("{title}（二期）")
        };
        let method = METHODS[i % METHODS.len()];
        // The demo warehouse's survey, bought by its owner (the demo enterprise).
        let project_code = if i == 7 {
            crate::demo_projects::WAREHOUSE
        } else {
            ""
        };
        let spec = Spec {
            title,
            project_code,
            service,
            method,
            posted,
            deadline,
            buyer: &buyers[i % buyers.len()],
        };
        // The withdrawn job and a failed one have no bids.
        let bidders = if i == 5 || i == 13 {
            &[][..]
        } else {
            &firms[..]
        };
        let (mut job, bids) = post_with_bids(app, &mut tx, &spec, bidders, &mut dice).await?;
        made += 1;
        if deadline > now {
            continue;
        }
        if i == 5 {
            job.state = JobState::Withdrawn.as_str().into();
            store::market::update_job(&mut tx, &job, "open").await?;
            continue;
        }
        advance(app, &mut tx, &mut job, &bids, deadline, i).await?;
    }
    let waiting = Spec {
        title: WAITING_JOB.into(),
        project_code: "",
        service: Service::Surveying,
        method: Method::Random,
        posted: now - Duration::days(4),
        deadline: now - Duration::hours(1),
        buyer: &buyers[0],
    };
    post_with_bids(app, &mut tx, &waiting, &firms, &mut dice).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(made + 1)
}

/// The firms' accounts, registrations and approvals.
async fn place_firms(
    tx: &mut store::Connection,
    password_hash: &str,
    now: OffsetDateTime,
) -> Result<Vec<Registration>> {
    let today = now.date();
    let mut firms = Vec::new();
    for &(n, name, services, lapsed) in FIRMS {
        let code = firm_code(n);
        let account_id = uuid::Uuid::now_v7().to_string();
        let account = AccountRow {
            id: account_id.clone(),
            login: code.clone(),
            kind: AccountKind::from(ApplicantKind::Enterprise),
            display_name: name.into(),
            phone: format!("0826-23{n:05}"),
            legal_representative: Some("演示法人".into()),
            password_hash: password_hash.into(),
            region: None,
            department: None,
            roles: String::new(),
            created_at: store::millis(now - Duration::days(60)),
            disabled: 0,
        };
        if store::accounts::find_by_login(tx, &code).await?.is_none() {
            store::accounts::insert_account(tx, &account).await?;
        }
        let registration = Registration {
            credit_code: code.clone(),
            name: name.into(),
            services: services.to_vec(),
            regions: vec!["511600".into()],
            qualifications: services
                .iter()
                .map(|&s| Qualification {
                    service: s,
                    name: format!("{}资质（演示）", s.label()),
                    number: format!("演示资字{n:02}{:02}", s as u8),
                    valid_until: if Some(s) == lapsed {
                        today - Duration::days(10)
                    } else {
                        today + Duration::days(400)
                    },
                })
                .collect(),
            staff: 6 + n * 3,
            phone: account.phone.clone(),
        };
        let row = IntermediaryRow {
            credit_code: code.clone(),
            name: name.into(),
            account_id,
            registration: serde_json::to_string(&registration).map_err(internal)?,
            standing: "pending".into(),
            review_note: String::new(),
            reviewed_by: String::new(),
            registered_at: store::millis(now - Duration::days(45)),
            reviewed_at: 0,
        };
        store::market::register(tx, &row).await?;
        let at = store::millis(now - Duration::days(44));
        store::market::review(tx, &code, "approved", "", "admin", at).await?;
        firms.push(registration);
    }
    Ok(firms)
}

struct Spec<'a> {
    title: String,
    /// 投资项目代码 of the project it serves, or empty.
    project_code: &'static str,
    service: Service,
    method: Method,
    posted: OffsetDateTime,
    deadline: OffsetDateTime,
    buyer: &'a (String, String),
}

/// Posts a job and has every firm among `firms` that may bid for its service bid on it at
/// some hour between posting and the deadline (or now, if earlier).
async fn post_with_bids(
    app: &App,
    tx: &mut store::Connection,
    spec: &Spec<'_>,
    firms: &[Registration],
    dice: &mut Dice,
) -> Result<(JobRow, Vec<Bid>)> {
    let now = app.now();
    let budget = (20 + dice.next(60) as i64) * 100_000;
    let job = JobRow {
        id: uuid::Uuid::now_v7().to_string(),
        buyer_id: spec.buyer.0.clone(),
        buyer_name: spec.buyer.1.clone(),
        title: spec.title.clone(),
        service: spec.service.as_str().into(),
        scope: format!(
            "{}，按国家和四川省有关技术规范完成并提交成果报告。",
            spec.service.label()
        ),
        budget_cap: budget,
        bid_deadline: store::millis(spec.deadline),
        delivery_days: 7 + dice.next(10) as i64,
        method: spec.method.as_str().into(),
        region: "511602".into(),
        state: JobState::Open.as_str().into(),
        posted_at: store::millis(spec.posted),
        project_code: spec.project_code.into(),
        draw: "[]".into(),
        ..Default::default()
    };
    store::market::post_job(tx, &job).await?;
    let mut bids = Vec::new();
    for f in firms
        .iter()
        .filter(|f| may_bid(f, spec.service, now.date()))
    {
        let placed = spec.posted + Duration::hours(4 + dice.next(40) as i64);
        if placed >= spec.deadline || placed >= now {
            continue;
        }
        let bid = Bid {
            credit_code: f.credit_code.clone(),
            price: budget * (75 + dice.next(24) as i64) / 100,
            days: u32::try_from(job.delivery_days - dice.next(4) as i64).unwrap_or(1),
            placed_at: placed,
            quality: (spec.method == Method::Scored).then(|| 25 + dice.next(16) as u32),
        };
        let row = BidRow {
            job_id: job.id.clone(),
            credit_code: bid.credit_code.clone(),
            price: bid.price,
            days: bid.days.into(),
            placed_at: store::millis(placed),
            quality: bid.quality.map_or(-1, i64::from),
        };
        store::market::bid(tx, &row).await?;
        bids.push(bid);
    }
    Ok((job, bids))
}

/// The firm may bid for `service` today: it offers it with a qualification still valid.
fn may_bid(f: &Registration, service: Service, today: time::Date) -> bool {
    f.qualifications
        .iter()
        .any(|q| q.service == service && q.valid_until >= today)
}

/// Takes a closed job as far as the month allows: selection a day after the deadline, the
/// contract two days later, delivery, rating the day after.
async fn advance(
    app: &App,
    tx: &mut store::Connection,
    job: &mut JobRow,
    bids: &[Bid],
    deadline: OffsetDateTime,
    i: usize,
) -> Result<()> {
    let now = app.now();
    let selected = deadline + Duration::days(1);
    if selected > now {
        return Ok(());
    }
    job.selected_at = store::millis(selected);
    if bids.is_empty() {
        job.state = JobState::Failed.as_str().into();
        job.reason = "报名截止时无有效报价，项目流标".into();
        store::market::update_job(tx, job, "open").await?;
        return Ok(());
    }
    let method = Method::parse(&job.method).ok_or_else(|| internal("method"))?;
    let seed = hex::encode(&Sm3::digest(format!("demo:{}", job.id).as_bytes())[..16]);
    let choice = bids[0].credit_code.clone();
    let s = market::select(method, bids, Some(&seed), Some(&choice)).map_err(internal)?;
    job.state = JobState::Selected.as_str().into();
    job.winner = s.winner.clone();
    job.reason = s.reason;
    if method == Method::Random {
        job.seed = seed;
    }
    job.draw = serde_json::to_string(&s.draw).map_err(internal)?;
    store::market::update_job(tx, job, "open").await?;
    let won = bids
        .iter()
        .find(|b| b.credit_code == s.winner)
        .ok_or_else(|| internal("winner"))?;
    let contracted = selected + Duration::days(2);
    if contracted > now {
        return Ok(());
    }
    job.state = JobState::Contracted.as_str().into();
    job.contract_amount = won.price;
    job.contract_days = won.days.into();
    job.contracted_at = store::millis(contracted);
    store::market::update_job(tx, job, "selected").await?;
    // Every fourth delivery is four days late.
    let late = i % 4 == 2;
    let took = if late {
        i64::from(won.days) + 4
    } else {
        i64::from(won.days) - 2
    };
    let delivered = contracted + Duration::days(took.max(1));
    if delivered > now {
        return Ok(());
    }
    let key = format!("market/{}/demo", job.id);
    let text = format!(
        "（演示）{} 成果报告\n委托方：{}\n",
        job.title, job.buyer_name
    );
    app.files.put(&key, text.into_bytes()).await?;
    job.state = JobState::Delivered.as_str().into();
    job.report_key = key;
    job.report_name = format!("{}成果报告（演示）.txt", job.title);
    job.delivered_at = store::millis(delivered);
    store::market::update_job(tx, job, "contracted").await?;
    if late {
        mark(tx, job, Mark::Overdue, "逾期 4 天交付", delivered).await?;
    }
    // Some buyers have not rated yet.
    let rated = delivered + Duration::days(1);
    if rated > now || i.is_multiple_of(6) {
        return Ok(());
    }
    let (stars, comment) = if late {
        (2, "逾期交付，成果经两次退改才符合要求")
    } else {
        (5, "按期交付，成果规范")
    };
    job.state = JobState::Rated.as_str().into();
    job.stars = stars;
    job.comment = comment.into();
    job.rated_at = store::millis(rated);
    store::market::update_job(tx, job, "delivered").await?;
    if stars <= 2 {
        mark(tx, job, Mark::BadRating, comment, rated).await?;
    }
    Ok(())
}

async fn mark(
    tx: &mut store::Connection,
    job: &JobRow,
    mark: Mark,
    note: &str,
    at: OffsetDateTime,
) -> Result<()> {
    let row = MarkRow {
        id: uuid::Uuid::now_v7().to_string(),
        credit_code: job.winner.clone(),
        job_id: job.id.clone(),
        mark: mark.as_str().into(),
        at: store::millis(at),
        note: note.into(),
    };
    store::market::add_mark(tx, &row).await?;
    Ok(())
}
