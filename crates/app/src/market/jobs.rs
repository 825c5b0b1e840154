//! Jobs: posted by a buyer (an enterprise, or staff for a government buyer of their region),
//! bid on by qualified intermediaries until the deadline, selected by the job's method,
//! contracted, delivered and rated.

use domain::market::{self, Bid, Bidder, DrawEntry, JobPost, JobState, Mark, Method};
use store::market::{BidRow, JobRow};

use super::intermediaries::bidder_facts;
use super::views::{JobView, actor_id, bid_of, internal, post_of, state_of, view_of};
use super::{add_mark, enterprise};
use crate::auth::Actor;
use crate::{App, AppError, Result};
use domain::payment::yuan;

/// Where delivered reports are stored (a folder of the file store).
const REPORTS: &str = "market";

/// Reports larger than this are refused (a scanned report is a few megabytes).
const MAX_REPORT_BYTES: usize = 20 * 1024 * 1024;

/// What the buyer decides at selection: the pick (直接选取) and quality points (综合评价).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub choice: Option<String>,
    pub quality: Vec<(String, u32)>,
}

async fn load(conn: &mut store::Connection, id: &str, lock: bool) -> Result<JobRow> {
    store::market::job(conn, id, lock)
        .await?
        .ok_or_else(|| AppError::NotFound("中介服务项目".into()))
}

/// Who buys when `actor` posts a job in `region`: (account id, buyer name), or why not. The
/// pages ask it before they judge the form.
pub fn may_post<'a>(actor: &'a Actor, region: &str) -> Result<(&'a str, &'a str)> {
    match actor {
        Actor::Staff { id, scope, .. } => {
            if !scope.covers_region(region) {
                return Err(AppError::Forbidden("项目所在地超出您的管辖范围".into()));
            }
            Ok((id.as_str(), actor.display_name()))
        }
        Actor::Applicant {
            id,
            name,
            kind: domain::account::ApplicantKind::Enterprise,
            ..
        } => Ok((id.as_str(), name.as_str())),
        Actor::Anonymous => Err(AppError::Unauthenticated),
        Actor::Applicant { .. } => Err(AppError::Forbidden(
            "只有企业或政府部门工作人员可以发布中介服务项目".into(),
        )),
    }
}

/// A job may name only a project the buyer acts for: its owner or agent, or staff covering its
/// region (a job on someone else's project would show on that project's page).
async fn serves_own_project(conn: &mut store::Connection, actor: &Actor, code: &str) -> Result<()> {
    let p = store::projects::project(conn, code).await?;
    let ok = match (&p, actor) {
        (None, _) => false,
        (Some(p), Actor::Applicant { id, .. }) => *id == p.owner_id || *id == p.agent_id,
        (Some(p), Actor::Staff { id, scope, .. }) => {
            *id == p.agent_id || scope.covers_region(&p.region)
        }
        (Some(_), Actor::Anonymous) => false,
    };
    if ok {
        Ok(())
    } else {
        Err(AppError::field(
            "project_code",
            "not_yours",
            "投资项目代码不存在或不是本单位的项目",
        ))
    }
}

/// A government buyer as the public sees it: the staff member's department (or region, for
/// region-wide staff), with the staff member who acts for it.
async fn government_buyer(
    conn: &mut store::Connection,
    scope: &domain::account::StaffScope,
    staff_name: &str,
) -> Result<String> {
    let body = match &scope.department {
        Some(d) => store::org::get_department(conn, d).await?.name,
        None => store::org::get_region(conn, &scope.region).await?.name,
    };
    Ok(format!("{body}（经办人：{staff_name}）"))
}

/// A buyer posts a job: an enterprise for itself, or staff for a government buyer of a
/// region they cover.
pub async fn post_job(app: &App, actor: &Actor, post: &JobPost) -> Result<JobView> {
    let (buyer_id, buyer_name) = may_post(actor, &post.region)?;
    post.validate(app.now())?;
    let mut tx = app.store.begin().await?;
    let project_code = post.project_code.trim().to_ascii_uppercase();
    if !project_code.is_empty() {
        serves_own_project(&mut tx, actor, &project_code).await?;
    }
    let buyer_name = match actor {
        Actor::Staff { scope, .. } => government_buyer(&mut tx, scope, buyer_name).await?,
        _ => buyer_name.to_string(),
    };
    let row = JobRow {
        id: uuid::Uuid::now_v7().to_string(),
        buyer_id: buyer_id.to_string(),
        buyer_name,
        title: post.title.trim().to_string(),
        service: post.service.as_str().into(),
        scope: post.scope.trim().to_string(),
        budget_cap: post.budget_cap,
        bid_deadline: store::millis(post.bid_deadline),
        delivery_days: post.delivery_days.into(),
        method: post.method.as_str().into(),
        region: post.region.clone(),
        project_code,
        state: JobState::Open.as_str().into(),
        posted_at: app.now_ms(),
        draw: "[]".into(),
        ..Default::default()
    };
    store::market::post_job(&mut tx, &row).await?;
    let v = view_of(&mut tx, app, actor, &row).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(v)
}

/// One job, public.
pub async fn job(app: &App, actor: &Actor, id: &str) -> Result<JobView> {
    let mut c = app.store.conn().await?;
    let j = load(&mut c, id, false).await?;
    view_of(&mut c, app, actor, &j).await
}

/// An intermediary bids on a job with its enterprise account.
pub async fn bid(app: &App, actor: &Actor, id: &str, price: i64, days: u32) -> Result<JobView> {
    let (account_id, code, _) = enterprise(actor)?;
    let mut tx = app.store.begin().await?;
    let j = load(&mut tx, id, true).await?;
    if j.buyer_id == account_id {
        return Err(AppError::Forbidden("不能对本单位发布的项目报价".into()));
    }
    let (_, reg, standing, marks) = bidder_facts(&mut tx, app, code).await?;
    let existing: Vec<Bid> = store::market::bids(&mut tx, id)
        .await?
        .iter()
        .map(bid_of)
        .collect();
    let now = app.now();
    let bidder = Bidder {
        registration: &reg,
        standing,
        marks_in_year: &marks,
    };
    market::check_bid(
        &post_of(&j)?,
        state_of(&j)?,
        &bidder,
        price,
        days,
        now,
        &existing,
    )?;
    let row = BidRow {
        job_id: id.to_string(),
        credit_code: code.to_string(),
        price,
        days: days.into(),
        placed_at: store::millis(now),
        quality: -1,
    };
    if !store::market::bid(&mut tx, &row).await? {
        return Err(AppError::field(
            "bidder",
            "duplicate",
            "本机构已对该项目报价，不能重复报价",
        ));
    }
    let v = view_of(&mut tx, app, actor, &j).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(v)
}

fn buyer_only(actor: &Actor, j: &JobRow) -> Result<()> {
    match actor {
        Actor::Anonymous => Err(AppError::Unauthenticated),
        _ if actor_id(actor) == j.buyer_id => Ok(()),
        _ => Err(AppError::Forbidden("只有发布该项目的采购人可以操作".into())),
    }
}

/// The buyer selects the winner once the window has closed; with no bid the job fails (流标).
pub async fn select(app: &App, actor: &Actor, id: &str, sel: &Selection) -> Result<JobView> {
    let mut tx = app.store.begin().await?;
    let mut j = load(&mut tx, id, true).await?;
    buyer_only(actor, &j)?;
    let post = post_of(&j)?;
    if state_of(&j)? != JobState::Open {
        return Err(AppError::State("该项目已选定或已结束".into()));
    }
    if app.now() < post.bid_deadline {
        return Err(AppError::State("报名截止后才能选定中介机构".into()));
    }
    let mut bids: Vec<Bid> = store::market::bids(&mut tx, id)
        .await?
        .iter()
        .map(bid_of)
        .collect();
    if post.method == Method::Scored {
        for b in &mut bids {
            let q = sel.quality.iter().find(|(c, _)| *c == b.credit_code);
            b.quality = q.map(|(_, q)| *q);
        }
    }
    let seed = if post.method == Method::Random {
        let mut b = [0u8; 16];
        getrandom::fill(&mut b).map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
        hex::encode(b)
    } else {
        String::new()
    };
    j.selected_at = app.now_ms();
    if bids.is_empty() {
        j.state = JobState::Failed.as_str().into();
        j.reason = "报名截止时无有效报价，项目流标".into();
    } else {
        let s = market::select(post.method, &bids, Some(&seed), sel.choice.as_deref())
            .map_err(|e| AppError::Validation(vec![e]))?;
        if post.method == Method::Scored {
            for b in &bids {
                let q = b.quality.map_or(-1, i64::from);
                store::market::set_quality(&mut tx, id, &b.credit_code, q).await?;
            }
        }
        j.state = JobState::Selected.as_str().into();
        j.winner = s.winner;
        j.reason = s.reason;
        j.seed = seed;
        j.draw = serde_json::to_string(&s.draw).map_err(|e| AppError::Internal(e.to_string()))?;
    }
    if !store::market::update_job(&mut tx, &j, JobState::Open.as_str()).await? {
        return Err(AppError::State("该项目已选定或已结束".into()));
    }
    let v = view_of(&mut tx, app, actor, &j).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(v)
}

/// The buyer withdraws a job that no one has bid on yet.
pub async fn withdraw(app: &App, actor: &Actor, id: &str) -> Result<JobView> {
    let mut tx = app.store.begin().await?;
    let mut j = load(&mut tx, id, true).await?;
    buyer_only(actor, &j)?;
    if state_of(&j)? != JobState::Open {
        return Err(AppError::State("该项目已选定或已结束".into()));
    }
    if !store::market::bids(&mut tx, id).await?.is_empty() {
        return Err(AppError::State("已有机构报价，不能撤回".into()));
    }
    j.state = JobState::Withdrawn.as_str().into();
    store::market::update_job(&mut tx, &j, JobState::Open.as_str()).await?;
    let v = view_of(&mut tx, app, actor, &j).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(v)
}

/// Anyone re-runs a job's draw with the published seed: the same order comes out. A seed
/// other than the recorded one is refused, not drawn with.
pub async fn verify_draw(app: &App, id: &str, seed: &str) -> Result<Vec<DrawEntry>> {
    let mut c = app.store.conn().await?;
    let j = load(&mut c, id, false).await?;
    if j.method != Method::Random.as_str() || j.seed.is_empty() {
        return Err(AppError::State("该项目不是随机抽取，或尚未抽取".into()));
    }
    if seed.trim() != j.seed {
        return Err(AppError::field(
            "seed",
            "seed_mismatch",
            "种子与公示的抽取种子不一致，请核对后重试",
        ));
    }
    let bids = store::market::bids(&mut c, id).await?;
    let again = market::draw(&j.seed, bids.iter().map(|b| b.credit_code.as_str()));
    let recorded: Vec<DrawEntry> =
        serde_json::from_str(&j.draw).map_err(|_| internal("draw", id))?;
    if again != recorded || again.first().map(|e| e.credit_code.as_str()) != Some(&j.winner) {
        return Err(AppError::Internal(format!(
            "market job {id}: the draw does not re-run"
        )));
    }
    Ok(again)
}

/// The buyer records the contract with the winner: at most the winning price, within the
/// job's delivery days.
pub async fn contract(
    app: &App,
    actor: &Actor,
    id: &str,
    amount: i64,
    days: u32,
) -> Result<JobView> {
    let mut tx = app.store.begin().await?;
    let mut j = load(&mut tx, id, true).await?;
    buyer_only(actor, &j)?;
    if state_of(&j)? != JobState::Selected {
        return Err(AppError::State("选定中介机构后才能登记合同".into()));
    }
    let won = store::market::bids(&mut tx, id)
        .await?
        .into_iter()
        .find(|b| b.credit_code == j.winner)
        .ok_or_else(|| internal("winner's bid", id))?;
    let mut errors = domain::error::Problems::default();
    if amount <= 0 || amount > won.price {
        errors.push(
            "amount",
            "invalid",
            format!("合同金额应大于 0 且不超过中选报价 {}", yuan(won.price)),
        );
    }
    if days == 0 || i64::from(days) > j.delivery_days {
        errors.push(
            "days",
            "invalid",
            format!("合同服务期限应为 1 至 {} 天", j.delivery_days),
        );
    }
    errors.into_result()?;
    j.state = JobState::Contracted.as_str().into();
    j.contract_amount = amount;
    j.contract_days = days.into();
    j.contracted_at = app.now_ms();
    store::market::update_job(&mut tx, &j, JobState::Selected.as_str()).await?;
    let v = view_of(&mut tx, app, actor, &j).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(v)
}

/// The winner delivers its report; after the contract's deadline it is overdue, a mark on
/// the credit list.
pub async fn deliver(
    app: &App,
    actor: &Actor,
    id: &str,
    file_name: &str,
    bytes: Vec<u8>,
) -> Result<JobView> {
    let (account_id, code, _) = enterprise(actor)?;
    let mut tx = app.store.begin().await?;
    let mut j = load(&mut tx, id, true).await?;
    let row = store::market::intermediary(&mut tx, code).await?;
    if j.winner != code || row.is_none_or(|r| r.account_id != account_id) {
        return Err(AppError::Forbidden("只有中选机构可以交付成果".into()));
    }
    if bytes.is_empty() || bytes.len() > MAX_REPORT_BYTES {
        return Err(AppError::field(
            "report",
            "size",
            "成果文件应为 1 字节至 20 MB",
        ));
    }
    let name = file_name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::field(
            "report",
            "name",
            "请提供成果文件名（100 字以内）",
        ));
    }
    if state_of(&j)? != JobState::Contracted {
        return Err(AppError::State("登记合同后才能交付成果".into()));
    }
    let key = format!("{REPORTS}/{id}/{}", uuid::Uuid::now_v7().simple());
    // The file is written first so that no job names a missing file; if the transaction
    // fails it is removed here, and after a crash the sweep (`sweep_reports`) removes it.
    app.files.put(&key, bytes).await?;
    match record_delivery(&mut tx, app, actor, code, &mut j, key.clone(), name).await {
        Ok(v) => {
            tx.commit().await.map_err(store::StoreError::from)?;
            Ok(v)
        }
        Err(e) => {
            drop(tx);
            if let Err(gone) = app.files.delete(&key).await {
                tracing::warn!(%key, error = %gone, "could not remove an unrecorded report");
            }
            Err(e)
        }
    }
}

async fn record_delivery(
    tx: &mut store::Connection,
    app: &App,
    actor: &Actor,
    code: &str,
    j: &mut JobRow,
    key: String,
    name: &str,
) -> Result<JobView> {
    let id = j.id.clone();
    let now = app.now();
    let due = market::due(
        store::from_millis(j.contracted_at),
        u32::try_from(j.contract_days).unwrap_or(0),
    );
    j.state = JobState::Delivered.as_str().into();
    j.report_key = key;
    j.report_name = name.to_string();
    j.delivered_at = store::millis(now);
    if !store::market::update_job(tx, j, JobState::Contracted.as_str()).await? {
        return Err(AppError::State("该项目已交付，请刷新后查看".into()));
    }
    if now > due {
        let late = (now - due).whole_days() + 1;
        add_mark(
            tx,
            app,
            code,
            &id,
            Mark::Overdue,
            format!("逾期 {late} 天交付"),
        )
        .await?;
    }
    view_of(tx, app, actor, j).await
}

/// Report files under `market/` that no job names and that are older than the upload grace
/// period (a crash between storing a report and recording it): removed. Returns how many.
pub async fn sweep_reports(app: &App) -> Result<usize> {
    let before = app.now() - domain::upload::ORPHAN_GRACE;
    let mut c = app.store.conn().await?;
    let mut removed = 0;
    for key in app.files.older_than(REPORTS, before, 5_000).await? {
        if !store::market::report_named(&mut c, &key).await? {
            app.files.delete(&key).await?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// The delivered report, for the buyer, the winner and administrators.
pub async fn report(app: &App, actor: &Actor, id: &str) -> Result<(String, Vec<u8>)> {
    let mut c = app.store.conn().await?;
    let j = load(&mut c, id, false).await?;
    let me = actor_id(actor);
    let winner = store::market::intermediary(&mut c, &j.winner).await?;
    let allowed = (!me.is_empty() && j.buyer_id == me)
        || winner.is_some_and(|w| !me.is_empty() && w.account_id == me)
        || actor.system_admin().is_ok();
    if !allowed {
        return Err(AppError::Forbidden(
            "成果文件仅采购人和中选机构可以查看".into(),
        ));
    }
    if j.report_key.is_empty() {
        return Err(AppError::NotFound("成果文件".into()));
    }
    let bytes = app
        .files
        .get(&j.report_key)
        .await?
        .ok_or_else(|| AppError::NotFound("成果文件".into()))?;
    Ok((j.report_name, bytes))
}

/// The buyer rates the delivered service; 1 or 2 stars is a mark on the credit list.
pub async fn rate(app: &App, actor: &Actor, id: &str, stars: u8, comment: &str) -> Result<JobView> {
    let mut tx = app.store.begin().await?;
    let mut j = load(&mut tx, id, true).await?;
    buyer_only(actor, &j)?;
    let bad = market::check_rating(stars).map_err(|e| AppError::Validation(vec![e]))?;
    if bad && comment.trim().is_empty() {
        return Err(AppError::field("comment", "required", "差评请写明原因"));
    }
    if comment.chars().count() > 500 {
        return Err(AppError::field(
            "comment",
            "too_long",
            "评价不能超过 500 字",
        ));
    }
    if state_of(&j)? != JobState::Delivered {
        return Err(AppError::State("成果交付后才能评价".into()));
    }
    j.state = JobState::Rated.as_str().into();
    j.stars = stars.into();
    j.comment = comment.trim().to_string();
    j.rated_at = app.now_ms();
    store::market::update_job(&mut tx, &j, JobState::Delivered.as_str()).await?;
    if bad {
        let winner = j.winner.clone();
        add_mark(
            &mut tx,
            app,
            &winner,
            id,
            Mark::BadRating,
            format!("{stars} 星：{}", j.comment),
        )
        .await?;
    }
    let v = view_of(&mut tx, app, actor, &j).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(v)
}

/// A system administrator of the job's region records the winner's breach (违约): it is
/// listed and may not bid for a year.
pub async fn record_breach(app: &App, actor: &Actor, id: &str, note: &str) -> Result<()> {
    let admin = actor.system_admin()?;
    if note.trim().is_empty() {
        return Err(AppError::field("note", "required", "请写明违约事实"));
    }
    let mut tx = app.store.begin().await?;
    let j = load(&mut tx, id, true).await?;
    if !admin.covers_region(&j.region) {
        return Err(AppError::Forbidden("项目所在地超出您的管辖范围".into()));
    }
    if j.winner.is_empty() {
        return Err(AppError::State("该项目没有中选机构".into()));
    }
    add_mark(
        &mut tx,
        app,
        &j.winner,
        id,
        Mark::Breach,
        note.trim().to_string(),
    )
    .await?;
    // The breach also goes on the intermediary's credit record, where anyone checking the
    // enterprise sees it (once per job).
    let name = store::market::intermediary(&mut tx, &j.winner)
        .await?
        .map(|i| i.name)
        .unwrap_or_else(|| j.winner.clone());
    crate::oversight::credit::add(
        &mut tx,
        app,
        format!("market:{id}"),
        (&j.winner, &name),
        domain::credit::Kind::IntermediaryBreach,
        (&j.region, id),
        format!("中介服务项目“{}”违约：{}", j.title, note.trim()),
    )
    .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(())
}
