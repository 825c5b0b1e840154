//! The 免申即享 pass: every subject of the policy's target the platform knows is judged by
//! the published rule; the eligible not yet granted get a grant with the reasons, and their
//! accounts (and those linked to them: 法定代表人, 监护人) are told, all in one transaction.
//! Runs on publishing and daily (`run_due`, from housekeeping) for those who became
//! eligible since.

use std::collections::{BTreeSet, HashMap, HashSet};

use domain::calendar::parse_iso_date;
use domain::policy::{self, Facts, GrantState, Mode, PolicyState, Record, Rule, Target};
use store::policies::{GrantRow, SubjectRow};
use time::Date;

use super::{state_of, terms_of};
use crate::{App, AppError, Result};

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RunReport {
    /// Subjects judged.
    pub examined: u64,
    /// Found eligible (granted now or before).
    pub eligible: u64,
    /// Granted in this pass.
    pub granted: u64,
    /// Accounts told.
    pub told: u64,
}

/// The licenses held, by holder, and the day each holder's first 营业执照 was issued (its
/// registration, when shared data does not say).
#[derive(Default)]
pub(super) struct Held {
    types: HashMap<String, BTreeSet<String>>,
    registered: HashMap<String, Date>,
}

/// The license type whose first issue dates an enterprise's registration.
const BUSINESS_LICENSE: &str = "营业执照";

pub(super) async fn held(c: &mut store::Connection, holder: &str, today: Date) -> Result<Held> {
    let mut h = Held::default();
    for (holder, name, issued) in
        store::policies::held_licenses(c, holder, &today.to_string()).await?
    {
        if name == BUSINESS_LICENSE
            && let Ok(d) = parse_iso_date(&issued)
        {
            let e = h.registered.entry(holder.clone()).or_insert(d);
            *e = (*e).min(d);
        }
        h.types.entry(holder).or_default().insert(name);
    }
    Ok(h)
}

fn day(s: &str) -> Option<Date> {
    parse_iso_date(s).ok()
}

/// The target of a stored subject (a person unless stored as an enterprise).
fn target_of(s: &str) -> Target {
    Target::parse(s).unwrap_or(Target::Person)
}

/// The facts of one stored subject on `today`.
pub(super) fn facts(row: &SubjectRow, held: &Held, today: Date) -> Facts {
    let record = Record {
        subject_id: row.subject_id.clone(),
        industry: row.industry.clone(),
        size: row.size.clone(),
        region: row.region.clone(),
        registered_on: day(&row.registered_on)
            .or_else(|| held.registered.get(&row.subject_id).copied()),
        employees: (row.employees >= 0).then_some(row.employees),
        birth_date: day(&row.birth_date),
        hukou_region: row.hukou_region.clone(),
        licenses: held.types.get(&row.subject_id).cloned().unwrap_or_default(),
    };
    policy::facts_of(target_of(&row.target), &record, today)
}

/// Subjects read per page: memory stays flat over a million.
const PAGE: i64 = 20_000;

/// One page of subjects, on a connection of its own (so the next page is read while this
/// one is judged).
async fn page_after(store: store::Store, target: Target, after: String) -> Result<Vec<SubjectRow>> {
    let mut c = store.conn().await?;
    Ok(store::policies::subjects_after(&mut c, target.as_str(), &after, PAGE).await?)
}

/// Calls `f` with every subject of `target` and its facts; returns how many. The next page
/// is read while `f` runs over the current one (two cores: the database's thread reads, this
/// one judges).
async fn each_subject(
    app: &App,
    target: Target,
    today: Date,
    mut f: impl FnMut(&SubjectRow, &Facts),
) -> Result<u64> {
    let held = {
        let mut c = app.store.conn().await?;
        held(&mut c, "", today).await?
    };
    let mut next = Some(tokio::spawn(page_after(
        app.store.clone(),
        target,
        String::new(),
    )));
    let mut n = 0u64;
    while let Some(reading) = next.take() {
        let page = reading
            .await
            .map_err(|e| AppError::Internal(format!("subject page: {e}")))??;
        let full = page.len() as i64 == PAGE;
        if let (true, Some(last)) = (full, page.last()) {
            next = Some(tokio::spawn(page_after(
                app.store.clone(),
                target,
                last.subject_id.clone(),
            )));
        }
        for row in &page {
            f(row, &facts(row, &held, today));
        }
        n += page.len() as u64;
    }
    Ok(n)
}

/// The eligibility pass alone, counting (examined, eligible): what `bench policy` times.
pub async fn count_eligible(app: &App, rule: &Rule) -> Result<(u64, u64)> {
    let today = domain::calendar::china_date(app.now());
    let mut eligible = 0u64;
    let examined = each_subject(app, rule.target, today, |_, facts| {
        if policy::eligible(rule, facts) {
            eligible += 1;
        }
    })
    .await?;
    Ok((examined, eligible))
}

/// Runs a published 免申即享 policy in force: grants the eligible not yet granted.
pub async fn run(app: &App, id: &str) -> Result<RunReport> {
    let row = {
        let mut c = app.store.conn().await?;
        store::policies::policy(&mut c, id)
            .await?
            .ok_or_else(|| AppError::NotFound("政策".into()))?
    };
    let terms = terms_of(&row)?;
    let today = domain::calendar::china_date(app.now());
    if state_of(&row)? != PolicyState::Published
        || terms.mode != Mode::Exempt
        || !terms.in_force(today)
    {
        return Err(AppError::State(
            "只有已发布、在有效期内的免申即享政策才会自动兑现".into(),
        ));
    }
    let now = app.now_ms();
    {
        // Applicants with an account are subjects even before shared data names them.
        let mut tx = app.store.begin().await?;
        store::policies::add_account_subjects(&mut tx, now).await?;
        tx.commit().await.map_err(store::StoreError::from)?;
    }
    let already: HashSet<String> = {
        let mut c = app.store.conn().await?;
        store::policies::granted_subjects(&mut c, id)
            .await?
            .into_iter()
            .collect()
    };
    let mut report = RunReport::default();
    let mut grants = Vec::new();
    let mut problem = None;
    report.examined = each_subject(app, terms.rule.target, today, |s, facts| {
        if !policy::eligible(&terms.rule, facts) {
            return;
        }
        report.eligible += 1;
        if already.contains(&s.subject_id) {
            return;
        }
        let decision = policy::decide(&terms.rule, facts);
        match serde_json::to_string(&decision) {
            Ok(explanation) => grants.push(GrantRow {
                policy_id: id.to_string(),
                subject_id: s.subject_id.clone(),
                subject_name: s.name.clone(),
                version: row.version,
                amount: terms.amount,
                explanation,
                state: GrantState::Granted.as_str().to_string(),
                granted_at: now,
                ..GrantRow::default()
            }),
            Err(e) => problem = Some(e.to_string()),
        }
    })
    .await?;
    if let Some(e) = problem {
        return Err(AppError::Internal(format!("policy {id}: explanation: {e}")));
    }
    let mut tx = app.store.begin().await?;
    report.granted = store::policies::insert_grants(&mut tx, &grants).await?;
    let money = if terms.amount > 0 {
        format!(
            "{}，请在“我的政策”中确认收款账户",
            domain::payment::yuan(terms.amount)
        )
    } else {
        "无需申请，已为您办理".to_string()
    };
    for (account, _) in store::policies::accounts_to_tell(&mut tx, id, now).await? {
        let text = format!(
            "您符合“{}”（{}）的条件，免申即享：{}，{}",
            terms.title, terms.document, terms.benefit, money
        );
        crate::agents::notify(&mut tx, app, &account, "policy", text, None).await?;
        report.told += 1;
    }
    store::policies::set_last_run(&mut tx, id, now).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    tracing::info!(policy = id, ?report, "免申即享 pass");
    Ok(report)
}

/// Daily: each published 免申即享 policy in force, not run for a day, runs again.
pub async fn run_due(app: &App) -> Result<u64> {
    let rows = {
        let mut c = app.store.conn().await?;
        store::policies::policies(&mut c, PolicyState::Published.as_str()).await?
    };
    let day_ago = app.now_ms() - 86_400_000;
    let today = domain::calendar::china_date(app.now());
    let mut granted = 0;
    for row in rows {
        let Ok(t) = terms_of(&row) else { continue };
        if t.mode == Mode::Exempt && t.in_force(today) && row.last_run_at < day_ago {
            granted += run(app, &row.id).await?.granted;
        }
    }
    Ok(granted)
}
