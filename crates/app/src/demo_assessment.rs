//! Demo 考核: eight indicators over the platform's figures, weights summing to 100, this
//! year's default targets and one department's own. Demo settings only: the weights and
//! targets are not a real assessment scheme.

use store::assessment::{IndicatorRow, TargetRow};

use crate::{App, Result};

/// (code, name, formula, unit, higher is better, weight, this year's target).
#[rustfmt::skip]
const INDICATORS: &[(&str, &str, &str, &str, bool, i64, f64)] = &[
    ("online", "网办率", "online_rate * 100", "%", true, 20, 80.0),
    ("on_time", "按时办结率", "on_time_rate * 100", "%", true, 20, 98.0),
    ("satisfaction", "满意率", "satisfaction_rate * 100", "%", true, 15, 95.0),
    ("instant", "即办件率", "instant_rate * 100", "%", true, 10, 30.0),
    ("rectified", "差评按时整改率", "rectified_on_time_rate * 100", "%", true, 10, 100.0),
    ("off_platform", "体外循环", "off_platform", "件", false, 15, 0.0),
    ("relayed", "代收转办", "relayed", "件", true, 5, 1.0),
    ("one_visit", "最多跑一次实现率", "one_visit_rate * 100", "%", true, 5, 95.0),
];

pub async fn seed(app: &App) -> Result<()> {
    let mut tx = app.store.begin().await?;
    if !store::assessment::indicators(&mut tx).await?.is_empty() {
        return Ok(());
    }
    let now = app.now_ms();
    let year = i64::from(domain::calendar::china_date(app.now()).year());
    // This year's target of `department` (empty: every department's default).
    let target_row = |department: &str, indicator: &str, value: f64| TargetRow {
        year,
        department: department.into(),
        indicator: indicator.into(),
        value,
        updated_by: "admin".into(),
        updated_at: now,
    };
    for (i, (code, name, formula, unit, higher, weight, target)) in INDICATORS.iter().enumerate() {
        store::assessment::save_indicator(
            &mut tx,
            &IndicatorRow {
                code: code.to_string(),
                name: name.to_string(),
                formula: formula.to_string(),
                unit: unit.to_string(),
                higher_better: (*higher).into(),
                weight: *weight,
                position: i as i64,
                updated_by: "admin".into(),
                updated_at: now,
            },
        )
        .await?;
        store::assessment::set_target(&mut tx, &target_row("", code, *target)).await?;
    }
    // 民政局's services need home visits: its own, lower 网办率 target.
    store::assessment::set_target(&mut tx, &target_row("511602-MZJ", "online", 60.0)).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(())
}
