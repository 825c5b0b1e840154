//! Lists of cases: the applicant's own, the staff work queues, 告知承诺 awaiting verification,
//! and the public progress lookup by case number.

use domain::account::Role;
use domain::case::{Case, Event};
use store::cases as sc;

use super::TimelineEntry;
use crate::auth::Actor;
use crate::{App, AppError, Result};

/// The applicant's own cases.
pub async fn mine(app: &App, actor: &Actor, limit: i64, offset: i64) -> Result<(Vec<Case>, i64)> {
    let Actor::Applicant { id, .. } = actor else {
        return Err(AppError::Forbidden("只有申请人有“我的办件”".into()));
    };
    let mut c = app.store.conn().await?;
    Ok(sc::list_for_applicant(&mut c, id, limit.clamp(1, 100), offset.max(0)).await?)
}

/// One line of 我的办件.
#[derive(Debug, Clone)]
pub struct MineRow {
    pub case: Case,
    /// The promised deadline (YYYY-MM-DD), once the clock runs.
    pub due: Option<String>,
    /// What the applicant has to do now, if anything.
    pub todo: Option<&'static str>,
}

/// 我的办件: what needs the applicant first, then the newest.
pub async fn mine_overview(app: &App, actor: &Actor) -> Result<(Vec<MineRow>, i64)> {
    let Actor::Applicant { id, .. } = actor else {
        return Err(AppError::Forbidden("只有申请人有“我的办件”".into()));
    };
    let mut c = app.store.conn().await?;
    let (rows, total) = sc::list_with_due(&mut c, id, 100, 0).await?;
    let mut rows: Vec<MineRow> = rows
        .into_iter()
        .map(|(case, due)| MineRow {
            todo: domain::case::applicant_todo(&case),
            case,
            due,
        })
        .collect();
    // Stable: within each group the newest stays first.
    rows.sort_by_key(|r| r.todo.is_none());
    Ok((rows, total))
}

/// Who applied, as a queue shows it to staff: a person's name masked after the surname (a
/// queue is read over shoulders), an enterprise's name in full (it is public).
pub async fn queue_applicants(app: &App, cases: &[&Case]) -> Result<Vec<String>> {
    let mut conn = app.store.conn().await?;
    let mut out = Vec::with_capacity(cases.len());
    for c in cases {
        let a = app.account(&mut conn, &c.applicant_id).await?;
        out.push(if a.kind == domain::account::AccountKind::Enterprise {
            a.display_name.clone()
        } else {
            domain::ids::mask_middle(&a.display_name, 1, 0)
        });
    }
    Ok(out)
}

/// A queue's total is counted up to this and shown as "10000+" beyond it: a clerk works from
/// the top, and counting a backlog of every waiting case costs more the longer it is.
pub const QUEUE_COUNT_CAP: i64 = 10_000;

/// A staff member's work queue for one of their roles, nearest deadline first.
pub async fn queue(
    app: &App,
    actor: &Actor,
    role: Role,
    limit: i64,
    offset: i64,
) -> Result<(Vec<(Case, Option<String>)>, sc::Total)> {
    queue_matching(app, actor, role, &sc::QueueFilter::default(), limit, offset).await
}

/// [`queue`] narrowed by a case number or applicant, an item, or to overdue cases.
pub async fn queue_matching(
    app: &App,
    actor: &Actor,
    role: Role,
    filter: &sc::QueueFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<(Case, Option<String>)>, sc::Total)> {
    let worker = actor.case_worker("只有办件工作人员有待办队列")?;
    if !worker.has_role(role) {
        return Err(AppError::Forbidden(format!("您没有“{}”角色", role.label())));
    }
    let scope = worker.scope();
    let mut c = app.store.conn().await?;
    let regions = regions_in(app, &mut c, scope).await?;
    // Clerks accept any item of their region (无差别受理) and what their points received for
    // other offices or hand out; back-office staff see their department.
    let (department, filter) = if role == Role::Clerk {
        let mut f = filter.clone();
        f.points = super::relay::points_within(app, &mut c, scope).await?;
        (None, std::borrow::Cow::Owned(f))
    } else {
        (
            scope.department.as_deref(),
            std::borrow::Cow::Borrowed(filter),
        )
    };
    Ok(sc::queue_matching(
        &mut c,
        role.as_str(),
        &regions,
        department,
        &filter,
        limit.clamp(1, 100),
        offset.max(0),
        QUEUE_COUNT_CAP,
    )
    .await?)
}

/// 告知承诺 approvals awaiting verification that this reviewer or approver may verify.
pub async fn verifications(app: &App, actor: &Actor) -> Result<Vec<(Case, String)>> {
    if !matches!(actor, Actor::Staff { .. }) {
        return Err(AppError::Forbidden("只有工作人员可以核查告知承诺".into()));
    }
    // Other staff (a clerk, a supervisor) simply have none to verify.
    let Ok(worker) = actor.case_worker("") else {
        return Ok(vec![]);
    };
    if !worker.has_role(Role::Reviewer) && !worker.has_role(Role::Approver) {
        return Ok(vec![]);
    }
    let scope = worker.scope();
    let mut c = app.store.conn().await?;
    let regions = regions_in(app, &mut c, scope).await?;
    Ok(sc::verification_due(&mut c, &regions, scope.department.as_deref(), 100).await?)
}

/// The codes of the regions a staff member's scope covers.
async fn regions_in(
    app: &App,
    c: &mut store::Connection,
    scope: &domain::account::StaffScope,
) -> Result<Vec<String>> {
    let Ok(mine) = domain::ids::RegionCode::parse(&scope.region) else {
        return Ok(vec![]);
    };
    let all = app.regions(c).await?;
    // The cached list is sorted by code, so the regions within the scope's all begin with its
    // prefix and stand side by side: found by binary search, not by testing the thousands of
    // the national list on every queue read.
    let prefix = mine.prefix();
    let from = all.partition_point(|r| r.code.as_str() < prefix);
    Ok(all[from..]
        .iter()
        .take_while(|r| r.code.starts_with(prefix))
        .filter(|r| scope.covers_region(&r.code))
        .map(|r| r.code.clone())
        .collect())
}

/// 办件进度查询: by case number and the last four characters of the applicant's ID number (or
/// credit code) or phone. Reveals the state and the timeline texts, nothing personal.
pub async fn lookup(app: &App, number: &str, tail: &str) -> Result<(Case, Vec<TimelineEntry>)> {
    let tail = tail.trim().to_ascii_uppercase();
    if tail.chars().count() != 4 {
        return Err(AppError::field(
            "tail",
            "invalid",
            "请输入证件号码或手机号码的后四位",
        ));
    }
    let number = number.trim();
    // Four characters are guessable: throttle wrong guesses per case number, as logins are.
    let key = format!("progress:{}", number.chars().take(40).collect::<String>());
    let now = app.now();
    let mut c = app.store.conn().await?;
    let since = store::millis(now - domain::account::THROTTLE_WINDOW);
    let failures: Vec<_> = store::accounts::login_failures_since(&mut c, &key, since)
        .await?
        .into_iter()
        .map(store::from_millis)
        .collect();
    if let Some(until) = domain::account::locked_until(&failures, now) {
        let local = until.to_offset(domain::calendar::CHINA_OFFSET);
        return Err(AppError::Throttled {
            until: format!("{:02}:{:02}", local.hour(), local.minute()),
        });
    }
    let found = sc::read_by_number(&mut c, number).await?;
    let matches = match &found {
        Some(case) => {
            let applicant = app.account(&mut c, &case.applicant_id).await?;
            applicant.login.to_ascii_uppercase().ends_with(&tail)
                || applicant.phone.ends_with(&tail)
        }
        None => false,
    };
    let (true, Some(case)) = (matches, found) else {
        store::accounts::record_login_failure(&mut c, &key, store::millis(now)).await?;
        return Err(AppError::NotFound(
            "与该办件编号和号码后四位相符的办件".into(),
        ));
    };
    let rows = sc::read_events(&mut c, &case.id).await?;
    // The public page says what happened, not the staff's opinions.
    let timeline = rows
        .iter()
        .filter(|r| r.kind != "edited" && serde_json::from_str::<Event>(&r.payload).is_ok())
        .map(|r| TimelineEntry {
            at: r.at,
            who: String::new(),
            text: super::view::describe_record(&r.kind, &r.payload, true),
        })
        .collect();
    Ok((case, timeline))
}
