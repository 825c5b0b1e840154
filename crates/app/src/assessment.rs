//! 考核: indicators and targets kept by the platform's top-level supervisors and administrators,
//! and the monthly or yearly assessment of the departments of the viewer's region: each
//! indicator's value from the platform's own figures (the statistics' summary per department,
//! plus 通办 and confirmed 体外循环 counts), its score against the year's target (the
//! department's own, else the default), a total out of 100 and a ranking; exported to Excel.

use std::collections::BTreeMap;

use domain::account::{Role, SettingScope};
use domain::assessment::{self as am, Indicator, IndicatorDraft};
use store::assessment::{IndicatorRow, TargetRow};

use crate::auth::Actor;
use crate::stats::ms;
use crate::{App, AppError, Result};

/// One department's line.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Line {
    pub department: String,
    pub name: String,
    pub values: Vec<Option<f64>>,
    pub targets: Vec<Option<f64>>,
    pub scores: Vec<Option<f64>>,
    pub total: Option<f64>,
    pub rank: Option<usize>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Assessment {
    pub year: i32,
    /// 1–12 for a month, None for the year.
    pub month: Option<u8>,
    pub from: String,
    pub to: String,
    pub scope: String,
    pub indicators: Vec<Indicator>,
    /// Best first; lines without a total last.
    pub lines: Vec<Line>,
}

fn may_view(actor: &Actor) -> Result<()> {
    match actor {
        Actor::Anonymous => Err(AppError::Unauthenticated),
        _ if actor.has_role(Role::Supervisor) || actor.has_role(Role::SystemAdmin) => Ok(()),
        _ => Err(AppError::Forbidden(
            "考核结果只对监察人员和系统管理员开放".into(),
        )),
    }
}

/// Indicators and targets are the platform's: set by supervisors and administrators of its
/// top region.
async fn may_set(c: &mut store::Connection, actor: &Actor) -> Result<String> {
    may_view(actor)?;
    let Actor::Staff { scope, id, .. } = actor else {
        return Err(AppError::Unauthenticated);
    };
    crate::org::check_setting_scope(
        c,
        scope,
        &SettingScope::Platform,
        "考核指标和目标全平台统一，只有平台最上级区划的监察人员或系统管理员可以设置",
    )
    .await?;
    Ok(id.clone())
}

fn indicator_of(r: &IndicatorRow) -> Indicator {
    Indicator::stored(IndicatorDraft {
        code: r.code.clone(),
        name: r.name.clone(),
        formula: r.formula.clone(),
        unit: r.unit.clone(),
        higher_is_better: r.higher_better != 0,
        weight: r.weight.clamp(0, 100) as u32,
    })
}

pub async fn indicators(app: &App) -> Result<Vec<Indicator>> {
    let mut c = app.store.conn().await?;
    Ok(store::assessment::indicators(&mut c)
        .await?
        .iter()
        .map(indicator_of)
        .collect())
}

/// Whether the actor may change indicators and targets (for the page's forms).
pub async fn may_edit(app: &App, actor: &Actor) -> bool {
    let Ok(mut c) = app.store.conn().await else {
        return false;
    };
    may_set(&mut c, actor).await.is_ok()
}

/// Adds or changes an indicator: authority first, then every problem at its field.
pub async fn save_indicator(app: &App, actor: &Actor, d: &IndicatorDraft) -> Result<()> {
    let mut tx = app.store.begin().await?;
    let by = may_set(&mut tx, actor).await?;
    let i = am::check(d).map_err(AppError::Validation)?;
    store::assessment::save_indicator(
        &mut tx,
        &IndicatorRow {
            code: i.code.clone(),
            name: i.name.clone(),
            formula: i.formula.clone(),
            unit: i.unit.clone(),
            higher_better: i.higher_is_better.into(),
            weight: i.weight.into(),
            position: 0,
            updated_by: by.clone(),
            updated_at: app.now_ms(),
        },
    )
    .await?;
    crate::audit::admin(
        &mut tx,
        app,
        &by,
        "assessment_indicator_saved",
        &i.code,
        serde_json::json!({"formula": i.formula, "weight": i.weight, "higher_is_better": i.higher_is_better}),
    )
    .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(())
}

/// Sets a year's target of an indicator, for every department (`department` empty) or one.
pub async fn set_target(
    app: &App,
    actor: &Actor,
    year: i32,
    department: &str,
    indicator: &str,
    value: &str,
) -> Result<()> {
    let mut tx = app.store.begin().await?;
    let by = may_set(&mut tx, actor).await?;
    let mut p = domain::Problems::default();
    if !(2000..=2100).contains(&year) {
        p.push("year", "invalid", "年度应为 2000–2100");
    }
    let known = store::assessment::indicators(&mut tx).await?;
    if !known.iter().any(|i| i.code == indicator.trim()) {
        p.push("indicator", "unknown", "没有这个考核指标");
    }
    let department = department.trim();
    if !department.is_empty()
        && store::org::get_department(&mut tx, department)
            .await
            .is_err()
    {
        p.push("department", "unknown", format!("部门 {department} 不存在"));
    }
    let v = value.trim().parse::<f64>().ok().filter(|v| v.is_finite());
    if v.is_none() {
        p.push("value", "invalid", "目标值应为数字，例如 90 或 0.5");
    }
    p.into_result().map_err(AppError::Validation)?;
    let row = TargetRow {
        year: year.into(),
        department: department.to_string(),
        indicator: indicator.trim().to_string(),
        value: v.unwrap_or_default(),
        updated_by: by.clone(),
        updated_at: app.now_ms(),
    };
    store::assessment::set_target(&mut tx, &row).await?;
    crate::audit::admin(
        &mut tx,
        app,
        &by,
        "assessment_target_set",
        &format!("{year}/{}/{}", row.department, row.indicator),
        serde_json::json!({"value": row.value}),
    )
    .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(())
}

fn period(year: i32, month: Option<u8>) -> Result<(time::Date, time::Date)> {
    use time::{Date, Month};
    let bad = || AppError::field("year", "invalid", "年度或月份无效");
    let first = |y: i32, m: u8| {
        Month::try_from(m)
            .ok()
            .and_then(|m| Date::from_calendar_date(y, m, 1).ok())
            .ok_or_else(bad)
    };
    Ok(match month {
        None => (first(year, 1)?, first(year + 1, 1)?),
        Some(12) => (first(year, 12)?, first(year + 1, 1)?),
        Some(m) => (first(year, m)?, first(year, m + 1)?),
    })
}

/// The assessment of the departments of the viewer's region for a year or one month of it.
pub async fn report(app: &App, actor: &Actor, year: i32, month: Option<u8>) -> Result<Assessment> {
    may_view(actor)?;
    let (from, to) = period(year, month)?;
    let stats = crate::stats::report(
        app,
        actor,
        &crate::stats::Query {
            from: from.to_string(),
            to: to.to_string(),
            department: None,
            item: None,
            group: None,
        },
    )
    .await?;
    let mut c = app.store.conn().await?;
    let indicators: Vec<Indicator> = store::assessment::indicators(&mut c)
        .await?
        .iter()
        .map(indicator_of)
        .collect();
    let targets = store::assessment::targets(&mut c, year.into()).await?;
    let count_of =
        |rows: Vec<(String, i64)>| -> BTreeMap<String, i64> { rows.into_iter().collect() };
    let relayed =
        count_of(store::assessment::relayed_by_department(&mut c, ms(from), ms(to)).await?);
    let off =
        count_of(store::assessment::off_platform_by_department(&mut c, ms(from), ms(to)).await?);
    let cross_city =
        count_of(store::assessment::cross_city_by_department(&mut c, ms(from), ms(to)).await?);
    let Actor::Staff { scope, .. } = actor else {
        return Err(AppError::Unauthenticated);
    };
    let visits = crate::visits::rates_by_department(app, &mut c, &scope.region, from, to).await?;
    let mut lines = Vec::new();
    for g in stats.groups.iter().filter(|g| !g.key.is_empty()) {
        let s = &g.summary;
        let n = |v: usize| Some(v as f64);
        let figures: BTreeMap<&str, Option<f64>> = [
            ("received", n(s.received)),
            ("completed", n(s.completed)),
            ("online_rate", s.online_rate),
            ("full_online_rate", s.full_online_rate),
            ("instant_rate", s.instant_rate),
            ("on_time_rate", s.on_time_rate),
            ("satisfaction_rate", s.satisfaction_rate),
            ("rectified_on_time_rate", s.tickets_on_time_rate),
            ("avg_handling_days", s.avg_handling_days),
            ("one_visit_rate", visits.get(&g.key).copied().flatten()),
            (
                "relayed",
                Some(relayed.get(&g.key).copied().unwrap_or(0) as f64),
            ),
            (
                "cross_city",
                Some(cross_city.get(&g.key).copied().unwrap_or(0) as f64),
            ),
            (
                "off_platform",
                Some(off.get(&g.key).copied().unwrap_or(0) as f64),
            ),
        ]
        .into_iter()
        .collect();
        let target_of = |code: &str| {
            let find = |d: &str| {
                targets
                    .iter()
                    .find(|t| t.department == d && t.indicator == code)
                    .map(|t| t.value)
            };
            find(&g.key).or_else(|| find(""))
        };
        let values: Vec<Option<f64>> = indicators
            .iter()
            .map(|i| am::value(&i.formula, &figures))
            .collect();
        let line_targets: Vec<Option<f64>> =
            indicators.iter().map(|i| target_of(&i.code)).collect();
        let scores: Vec<Option<f64>> = indicators
            .iter()
            .zip(values.iter().zip(&line_targets))
            .map(|(i, (v, t))| Some(am::score((*v)?, (*t)?, i.weight, i.higher_is_better)))
            .collect();
        let parts: Vec<(Option<f64>, u32)> = scores
            .iter()
            .zip(&indicators)
            .map(|(s, i)| (*s, i.weight))
            .collect();
        lines.push(Line {
            department: g.key.clone(),
            name: g.label.clone(),
            values,
            targets: line_targets,
            scores,
            total: am::total(&parts),
            rank: None,
        });
    }
    let ranks = am::rank(&lines.iter().map(|l| l.total).collect::<Vec<_>>());
    for (l, r) in lines.iter_mut().zip(ranks) {
        l.rank = r;
    }
    lines.sort_by(|a, b| {
        a.rank
            .unwrap_or(usize::MAX)
            .cmp(&b.rank.unwrap_or(usize::MAX))
            .then_with(|| a.name.cmp(&b.name))
    });
    Ok(Assessment {
        year,
        month,
        from: from.to_string(),
        to: to.to_string(),
        scope: stats.scope,
        indicators,
        lines,
    })
}

/// The assessment as an .xlsx workbook: per indicator its value, target and score, then the
/// total and the place.
pub fn to_xlsx(a: &Assessment) -> Result<Vec<u8>> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let err = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    let ws = wb.add_worksheet();
    ws.set_name("考核").map_err(err)?;
    let two = rust_xlsxwriter::Format::new().set_num_format("0.00");
    let mut headers = vec!["名次".to_string(), "部门".to_string()];
    for i in &a.indicators {
        headers.push(if i.unit.is_empty() {
            i.name.clone()
        } else {
            format!("{}（{}）", i.name, i.unit)
        });
        headers.push(format!("{}目标", i.name));
        headers.push(format!("{}得分（满分 {}）", i.name, i.weight));
    }
    headers.push("总分（百分制）".into());
    for (col, h) in headers.iter().enumerate() {
        ws.write_string(0, col as u16, h).map_err(err)?;
    }
    for (r, l) in a.lines.iter().enumerate() {
        let row = r as u32 + 1;
        if let Some(rank) = l.rank {
            ws.write_number(row, 0, rank as f64).map_err(err)?;
        }
        ws.write_string(row, 1, &l.name).map_err(err)?;
        let mut col = 2u16;
        for k in 0..a.indicators.len() {
            for v in [l.values[k], l.targets[k], l.scores[k]] {
                if let Some(v) = v {
                    ws.write_number_with_format(row, col, v, &two)
                        .map_err(err)?;
                }
                col += 1;
            }
        }
        if let Some(t) = l.total {
            ws.write_number_with_format(row, col, t, &two)
                .map_err(err)?;
        }
    }
    wb.save_to_buffer().map_err(err)
}
