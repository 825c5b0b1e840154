//! Statistics of projects for staff of a region: per category (projects, started, completed,
//! mean government working days, share within the promise), per stage (mean working days of
//! finished stages), and the 中介超市's delivered services (time from contract to delivery,
//! contract amounts against the budget caps).

use std::collections::BTreeMap;

use domain::market::Service;
use domain::project::{self, CategoryFigures, Hold, Path, ProjectFacts, StageFacts, StageFigures};
use serde::Serialize;

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

#[derive(Debug, Clone, Serialize)]
pub struct ProjectStats {
    pub categories: Vec<CategoryFigures>,
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
    for p in store::projects::projects(&mut c, "", prefix, 10_000).await? {
        if !scope.covers_region(&p.region) {
            continue;
        }
        let path: Path = parse(&p.code, &p.path)?;
        let rows = store::projects::stages(&mut c, &p.code).await?;
        let holds = store::projects::holds(&mut c, &p.code)
            .await?
            .iter()
            .map(|h| hold_of(&p.code, h))
            .collect::<Result<Vec<Hold>>>()?;
        let day = |ms| domain::calendar::china_date(store::from_millis(ms));
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
    Ok(ProjectStats {
        categories: project::category_figures(&facts),
        stages: project::stage_figures(&stages, &cal),
        market,
    })
}
