//! Statistics of projects for staff of a region: per category (projects, started, completed,
//! mean government working days, share within the promise), per stage (mean working days of
//! finished stages), per department (member cases closed against their time limits), and the 中介超市's delivered services (time from contract to delivery,
//! contract amounts against the budget caps).

use std::collections::{BTreeMap, HashMap};

use domain::market::Service;
use domain::project::departments::{CaseFacts, DepartmentFigures, department_figures};
use domain::project::{self, CategoryFigures, Hold, Path, ProjectFacts, StageFacts, StageFigures};
use serde::Serialize;
use store::projects::StageRow;

use super::{clock_of, hold_of, parse};
use crate::auth::Actor;
use crate::{App, AppError, Result};

/// Delivered intermediary services of one type.
#[derive(Debug, Clone, Serialize)]
pub struct MarketFigures {
    pub service: Service,
    pub delivered: usize,
    /// Mean natural days from the contract to the delivery.
    pub mean_days: f64,
    /// Mean contract amount, in fen.
    pub mean_amount: i64,
    /// Mean contract amount as a share of the budget cap, 0–1.
    pub mean_of_cap: f64,
}

/// The delivered jobs of one service: days from contract to delivery, amounts, shares of the
/// cap.
struct Delivered {
    service: Service,
    days: Vec<f64>,
    amounts: Vec<i64>,
    shares: Vec<f64>,
}

/// A department's figures with its name.
#[derive(Debug, Clone, Serialize)]
pub struct NamedDepartment {
    pub name: String,
    #[serde(flatten)]
    pub figures: DepartmentFigures,
}

/// Every project of a region, for the statistics.
const ALL: i64 = 100_000;

#[derive(Debug, Clone, Serialize)]
pub struct ProjectStats {
    pub categories: Vec<CategoryFigures>,
    /// The member cases of the stages, per department.
    pub departments: Vec<NamedDepartment>,
    pub stages: Vec<StageFigures>,
    pub market: Vec<MarketFigures>,
}

/// The figures of the projects in the staff member's region, and of the market's services.
pub async fn statistics(app: &App, actor: &Actor) -> Result<ProjectStats> {
    let Actor::Staff { scope, .. } = actor else {
        return Err(match actor {
            Actor::Anonymous => AppError::Unauthenticated,
            _ => AppError::Forbidden("项目统计仅供工作人员查看".into()),
        });
    };
    let mut c = app.store.conn().await?;
    let prefix = scope.region.trim_end_matches("00");
    let mut facts = Vec::new();
    let mut stages = Vec::new();
    // Three queries for every project of the region, not two per project.
    let all = store::projects::projects(&mut c, "", prefix, ALL).await?;
    let stage_rows = store::projects::stages_of_listed(&mut c, "", prefix, ALL).await?;
    let hold_rows = store::projects::holds_of_listed(&mut c, "", prefix, ALL).await?;
    let mut rows_of: HashMap<&str, Vec<StageRow>> = HashMap::new();
    for r in &stage_rows {
        rows_of.entry(&r.project_code).or_default().push(r.clone());
    }
    let mut holds_of: HashMap<&str, Vec<Hold>> = HashMap::new();
    for h in &hold_rows {
        holds_of
            .entry(&h.project_code)
            .or_default()
            .push(hold_of(&h.project_code, h)?);
    }
    let day = |ms| domain::calendar::china_date(store::from_millis(ms));
    for p in all.iter().filter(|p| scope.covers_region(&p.region)) {
        let path: Path = parse(&p.code, &p.path)?;
        let rows = rows_of.remove(p.code.as_str()).unwrap_or_default();
        let holds = holds_of.remove(p.code.as_str()).unwrap_or_default();
        for r in &rows {
            if let Some(stage) = project::Stage::parse(&r.stage) {
                stages.push(StageFacts {
                    stage,
                    started: day(r.started_at),
                    finished: (r.finished_at > 0).then(|| day(r.finished_at)),
                    holds: holds.clone(),
                });
            }
        }
        facts.push(ProjectFacts {
            category: path.category,
            completed: rows.iter().filter(|r| r.finished_at > 0).count() == path.stages.len(),
            clock: clock_of(app, &path, &rows, &holds),
        });
    }
    let cases: Vec<CaseFacts> = store::projects::stage_cases(&mut c, prefix)
        .await?
        .into_iter()
        .map(|(case, due)| CaseFacts {
            department: case.department.clone(),
            accepted: case.accepted_at.map(domain::calendar::china_date),
            closed: case.closed_at.map(domain::calendar::china_date),
            due: due.and_then(|d| domain::calendar::parse_iso_date(&d).ok()),
        })
        .collect();
    let cal = crate::cases::calendar(app);
    let mut by_service: BTreeMap<&'static str, Delivered> = BTreeMap::new();
    for j in store::market::jobs(&mut c, "", 10_000, 0).await? {
        if j.delivered_at == 0 || j.contracted_at == 0 || j.budget_cap <= 0 {
            continue;
        }
        let Some(service) = Service::parse(&j.service) else {
            continue;
        };
        let e = by_service
            .entry(service.as_str())
            .or_insert_with(|| Delivered {
                service,
                days: vec![],
                amounts: vec![],
                shares: vec![],
            });
        e.days
            .push((j.delivered_at - j.contracted_at) as f64 / 86_400_000.0);
        e.amounts.push(j.contract_amount);
        e.shares
            .push(j.contract_amount as f64 / j.budget_cap as f64);
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let market = by_service
        .into_values()
        .map(|d| MarketFigures {
            service: d.service,
            delivered: d.days.len(),
            mean_days: mean(&d.days),
            mean_amount: d.amounts.iter().sum::<i64>() / d.amounts.len().max(1) as i64,
            mean_of_cap: mean(&d.shares),
        })
        .collect();
    let mut departments = Vec::new();
    for f in department_figures(&cases, &cal) {
        let name = app.department_name(&mut c, &f.department).await;
        departments.push(NamedDepartment { name, figures: f });
    }
    Ok(ProjectStats {
        departments,
        categories: project::category_figures(&facts),
        stages: project::stage_figures(&stages, &cal),
        market,
    })
}
