//! 最多跑一次 measured: for a month's closed cases of the viewer's region, each case's visits
//! (recorded on the case where they happened) against what its item promises, the 实现率 per
//! department and item; the month's call-back sample drawn once per region by SM3 of a
//! recorded seed, and what the people called back said.

use std::collections::BTreeMap;

use domain::account::Role;
use domain::case::{Case, CaseState};
use store::visits::{CallbackRow, SampleRow};

use crate::auth::Actor;
use crate::stats::ms;
use crate::{App, AppError, Result};

/// One line: a department or an item.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RateRow {
    pub key: String,
    pub name: String,
    /// The item's promise (items only).
    pub promised: Option<u32>,
    pub closed: usize,
    pub kept: usize,
    pub rate: Option<f64>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct CallbackView {
    pub row: CallbackRow,
    /// Visits on record for the case.
    pub recorded: u32,
    /// The person said they came more often than recorded.
    pub differs: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct VisitReport {
    pub month: String,
    pub scope: String,
    pub region: String,
    pub closed: usize,
    pub kept: usize,
    pub rate: Option<f64>,
    pub departments: Vec<RateRow>,
    pub items: Vec<RateRow>,
    pub sample: Option<SampleRow>,
    pub callbacks: Vec<CallbackView>,
    /// The viewer may draw this month's sample and record call-backs.
    pub may_call: bool,
}

fn supervisor(actor: &Actor) -> Result<&domain::account::StaffScope> {
    match actor {
        Actor::Anonymous => Err(AppError::Unauthenticated),
        Actor::Staff { scope, .. }
            if actor.has_role(Role::Supervisor) || actor.has_role(Role::SystemAdmin) =>
        {
            Ok(scope)
        }
        _ => Err(AppError::Forbidden(
            "最多跑一次统计和回访只对监察人员和系统管理员开放".into(),
        )),
    }
}

/// "2026-11" → its first day and the next month's.
fn month_range(month: &str) -> Result<(time::Date, time::Date)> {
    let bad = || AppError::field("month", "invalid", "月份应为 YYYY-MM 格式，例如 2026-11");
    let (y, m) = month.trim().split_once('-').ok_or_else(bad)?;
    let y: i32 = y.parse().map_err(|_| bad())?;
    let m: u8 = m.parse().map_err(|_| bad())?;
    let first = |y: i32, m: u8| {
        time::Month::try_from(m)
            .ok()
            .and_then(|m| time::Date::from_calendar_date(y, m, 1).ok())
            .ok_or_else(bad)
    };
    let from = first(y, m)?;
    let to = if m == 12 {
        first(y + 1, 1)?
    } else {
        first(y, m + 1)?
    };
    Ok((from, to))
}

fn within(region: &str, of: &str) -> bool {
    use domain::ids::RegionCode;
    matches!((RegionCode::parse(region), RegionCode::parse(of)), (Ok(r), Ok(o)) if r.is_within(&o))
}

/// The month's closed cases of `region` with (visits, promised).
async fn closed(
    app: &App,
    c: &mut store::Connection,
    region: &str,
    from: time::Date,
    to: time::Date,
) -> Result<Vec<(Case, u32, u32)>> {
    let mut out = Vec::new();
    for case in store::cases::received_between(c, ms(from), ms(to), None).await? {
        if case.state != CaseState::Completed || !within(&case.region, region) {
            continue;
        }
        let item = app
            .item_version(c, &case.item_code, case.item_version)
            .await?;
        let visits = case.visit_days();
        out.push((case, visits, item.visits));
    }
    Ok(out)
}

/// 最多跑一次实现率 per department of `region` for cases received in [from, to), for 考核.
pub(crate) async fn rates_by_department(
    app: &App,
    c: &mut store::Connection,
    region: &str,
    from: time::Date,
    to: time::Date,
) -> Result<BTreeMap<String, Option<f64>>> {
    let mut by: BTreeMap<String, Vec<(u32, u32)>> = BTreeMap::new();
    for (case, v, p) in closed(app, c, region, from, to).await? {
        by.entry(case.department.to_string())
            .or_default()
            .push((v, p));
    }
    Ok(by
        .into_iter()
        .map(|(k, v)| (k, domain::visits::rate(&v)))
        .collect())
}

fn rows<'a>(
    cases: impl Iterator<Item = (String, &'a (Case, u32, u32))>,
) -> BTreeMap<String, Vec<(u32, u32)>> {
    let mut by: BTreeMap<String, Vec<(u32, u32)>> = BTreeMap::new();
    for (k, (_, v, p)) in cases {
        by.entry(k).or_default().push((*v, *p));
    }
    by
}

/// The month's measure and sample for the viewer's region.
pub async fn report(app: &App, actor: &Actor, month: &str) -> Result<VisitReport> {
    let scope = supervisor(actor)?;
    let (from, to) = month_range(month)?;
    let month = format!("{}-{:02}", from.year(), from.month() as u8);
    let mut c = app.store.conn().await?;
    let cases = closed(app, &mut c, &scope.region, from, to).await?;
    let mut departments = Vec::new();
    for (key, v) in rows(cases.iter().map(|x| (x.0.department.to_string(), x))) {
        let name = app.department_name(&mut c, &key).await;
        departments.push(RateRow {
            kept: v.iter().filter(|(a, p)| a <= p).count(),
            closed: v.len(),
            rate: domain::visits::rate(&v),
            promised: None,
            key,
            name,
        });
    }
    let mut items = Vec::new();
    for (key, v) in rows(cases.iter().map(|x| (x.0.item_code.to_string(), x))) {
        let (name, promised) = cases
            .iter()
            .find(|x| x.0.item_code.as_str() == key)
            .map(|x| (x.0.item_name.clone(), x.2))
            .unwrap_or_default();
        items.push(RateRow {
            kept: v.iter().filter(|(a, p)| a <= p).count(),
            closed: v.len(),
            rate: domain::visits::rate(&v),
            promised: Some(promised),
            key,
            name,
        });
    }
    let all: Vec<(u32, u32)> = cases.iter().map(|x| (x.1, x.2)).collect();
    let sample = store::visits::sample(&mut c, &month, &scope.region).await?;
    let mut callbacks = Vec::new();
    for row in store::visits::callbacks(&mut c, &month, &scope.region).await? {
        let recorded = store::cases::get_case(&mut c, &row.case_id)
            .await?
            .map(|x| x.visit_days())
            .unwrap_or(0);
        let differs = row.visits_said.is_some_and(|s| s > i64::from(recorded));
        callbacks.push(CallbackView {
            row,
            recorded,
            differs,
        });
    }
    let scope_name = store::org::get_region(&mut c, &scope.region)
        .await
        .map(|r| r.name)
        .unwrap_or_else(|_| scope.region.clone());
    Ok(VisitReport {
        closed: all.len(),
        kept: all.iter().filter(|(a, p)| a <= p).count(),
        rate: domain::visits::rate(&all),
        month,
        scope: scope_name,
        region: scope.region.clone(),
        departments,
        items,
        sample,
        callbacks,
        may_call: true,
    })
}

/// Draws the month's call-back sample of the supervisor's region, once: a random seed,
/// recorded, and the month's closed case numbers ranked by SM3 of `seed:number`.
pub async fn draw(app: &App, actor: &Actor, month: &str) -> Result<SampleRow> {
    let scope = supervisor(actor)?.clone();
    let Actor::Staff { id, .. } = actor else {
        return Err(AppError::Unauthenticated);
    };
    let (from, to) = month_range(month)?;
    if from > domain::calendar::china_date(app.now()) {
        return Err(AppError::field(
            "month",
            "future",
            "不能为尚未开始的月份抽样",
        ));
    }
    let month = format!("{}-{:02}", from.year(), from.month() as u8);
    let mut tx = app.store.begin().await?;
    let cases = closed(app, &mut tx, &scope.region, from, to).await?;
    if cases.is_empty() {
        return Err(AppError::State(format!("{month} 没有已办结的办件可供回访")));
    }
    let numbers: BTreeMap<String, String> = cases
        .iter()
        .map(|(c, _, _)| (c.number.to_string(), c.id.to_string()))
        .collect();
    let seed = uuid::Uuid::new_v4().simple().to_string()[..16].to_string();
    let picked: Vec<(String, String)> =
        domain::visits::sample(&seed, numbers.keys().map(String::as_str))
            .into_iter()
            .map(|n| (numbers[&n].clone(), n))
            .collect();
    let row = SampleRow {
        month: month.clone(),
        region: scope.region.clone(),
        seed,
        population: cases.len() as i64,
        drawn_by: id.clone(),
        drawn_at: app.now_ms(),
    };
    if !store::visits::insert_sample(&mut tx, &row, &picked).await? {
        return Err(AppError::State(format!(
            "{month} 已经抽样，不能重新抽取（种子已公开）"
        )));
    }
    crate::audit::admin(
        &mut tx,
        app,
        id,
        "visit_sample_drawn",
        &format!("{month}/{}", scope.region),
        serde_json::json!({"seed": row.seed, "population": row.population, "sampled": picked.len()}),
    )
    .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(row)
}

/// Records what a sampled person said when called back, once.
pub async fn record_callback(
    app: &App,
    actor: &Actor,
    month: &str,
    case_id: &str,
    reached: Option<bool>,
    visits_said: &str,
    note: &str,
) -> Result<()> {
    let scope = supervisor(actor)?.clone();
    let Actor::Staff { id, .. } = actor else {
        return Err(AppError::Unauthenticated);
    };
    let mut p = domain::Problems::default();
    let Some(reached) = reached else {
        return Err(AppError::field("reached", "required", "请选择是否联系上"));
    };
    let said = match visits_said.trim() {
        "" if !reached => None,
        s => match s.parse::<i64>() {
            Ok(n) if (0..=20).contains(&n) => Some(n),
            _ => {
                p.push("visits_said", "invalid", "请填写群众说的跑动次数（0–20）");
                None
            }
        },
    };
    if note.trim().chars().count() > 500 {
        p.push("note", "too_long", "回访记录不能超过 500 个字");
    }
    p.into_result().map_err(AppError::Validation)?;
    let mut tx = app.store.begin().await?;
    if !store::visits::record(
        &mut tx,
        month.trim(),
        &scope.region,
        case_id,
        reached,
        said,
        note.trim(),
        id,
        app.now_ms(),
    )
    .await?
    {
        return Err(AppError::State(
            "该办件不在本区划本月的回访样本中，或已记录回访结果".into(),
        ));
    }
    crate::audit::admin(
        &mut tx,
        app,
        id,
        "visit_callback_recorded",
        case_id,
        serde_json::json!({"month": month.trim(), "reached": reached, "visits_said": said}),
    )
    .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(())
}
