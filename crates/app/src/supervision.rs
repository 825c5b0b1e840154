//! 电子监察: keeps each case's watched deadline current, raises yellow and red warnings in a
//! scan that reads only cases whose yellow day has come, and carries supervision notices
//! (督办) from supervisors to the responsible department and back.

use domain::account::Role;
use domain::calendar::{WorkCalendar, china_date};
use domain::case::Case;
use domain::catalog::ItemDefinition;
use domain::supervision::{Level, Thresholds, watched};
pub use store::supervision::ThresholdRow;
use store::supervision::{self as ss, NoticeRow, WarningRow, WatchRow};

use crate::auth::Actor;
use crate::{App, AppError, Result};
use domain::account::SettingScope;

fn iso(d: time::Date) -> String {
    format!("{}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

/// Thresholds already resolved, and a generation that a change bumps so that a lookup which
/// read the database before the change cannot store its stale answer after it.
#[derive(Default)]
pub struct ThresholdCache {
    generation: u64,
    by_case_scope: std::collections::HashMap<(String, String), Thresholds>,
}

/// The thresholds for a case: its item's, else its region's (or a higher region's), else the
/// platform default, else the built-in one. Cached: every case command needs them and they
/// change only through `set_thresholds` in this process.
pub async fn thresholds_for(
    app: &App,
    conn: &mut store::Connection,
    item_code: &str,
    region: &str,
) -> Result<Thresholds> {
    let key = (item_code.to_string(), region.to_string());
    let generation = {
        let cache = app.thresholds.lock().map_err(poisoned)?;
        if let Some(t) = cache.by_case_scope.get(&key) {
            return Ok(*t);
        }
        cache.generation
    };
    // Most specific first: the item, the region and each region above it, the platform.
    let mut scopes = vec![item_code.to_string()];
    if let Ok(code) = domain::ids::RegionCode::parse(region) {
        scopes.extend(code.ancestry().iter().rev().map(|c| c.as_str().to_string()));
    }
    scopes.push(String::new());
    let refs: Vec<&str> = scopes.iter().map(String::as_str).collect();
    let t = ss::threshold_for(conn, &refs)
        .await?
        .map(|t| Thresholds {
            yellow_days: t.yellow_days as u32,
            yellow_percent: t.yellow_percent as u32,
        })
        .unwrap_or_default();
    let mut cache = app.thresholds.lock().map_err(poisoned)?;
    if cache.generation == generation {
        // Bounded by items × regions in use; cleared rather than evicted when it grows.
        if cache.by_case_scope.len() >= 50_000 {
            cache.by_case_scope.clear();
        }
        cache.by_case_scope.insert(key, t);
    }
    Ok(t)
}

fn poisoned<T>(_: std::sync::PoisonError<T>) -> AppError {
    AppError::Internal("threshold cache poisoned".into())
}

/// Sets the thresholds of a scope: an item code, a region code, or "" for the platform.
/// Supervisors and administrators only; takes effect as each case next moves.
pub async fn set_thresholds(
    app: &App,
    actor: &Actor,
    scope: &str,
    yellow_days: u32,
    yellow_percent: u32,
) -> Result<()> {
    if !supervisor(actor) {
        return Err(AppError::Forbidden(
            "只有电子监察人员可以设置预警阈值".into(),
        ));
    }
    let mut p = domain::Problems::default();
    if yellow_days > 30 {
        p.push("yellow_days", "invalid", "剩余工作日阈值应在 0–30 之间");
    }
    if yellow_percent > 100 {
        p.push("yellow_percent", "invalid", "剩余比例阈值应在 0–100 之间");
    }
    let scope = scope.trim();
    let mut tx = app.store.begin().await?;
    if !scope.is_empty()
        && !store::org::region_exists(&mut tx, scope).await?
        && store::catalog::find_item(&mut tx, scope).await?.is_none()
    {
        p.push(
            "scope",
            "unknown",
            format!("“{scope}”既不是区划代码也不是事项编码"),
        );
    }
    p.into_result().map_err(AppError::Validation)?;
    // The thresholds apply where their scope says: the platform, a region and below, or one
    // item (where the item is handled). Only staff with authority there may set them.
    let target = if scope.is_empty() {
        SettingScope::Platform
    } else if let Some(item) = store::catalog::find_item(&mut tx, scope).await? {
        SettingScope::Region(item.region)
    } else {
        SettingScope::Region(scope.to_string())
    };
    let Actor::Staff { scope: mine, .. } = actor else {
        return Err(AppError::Unauthenticated);
    };
    crate::org::check_setting_scope(
        &mut tx,
        mine,
        &target,
        "只能设置本区划（及下级）的预警阈值；全平台默认值由平台最上级区划的监察人员设置",
    )
    .await?;
    ss::set_threshold(
        &mut tx,
        &ss::ThresholdRow {
            scope: scope.to_string(),
            yellow_days: i64::from(yellow_days),
            yellow_percent: i64::from(yellow_percent),
            updated_at: app.now_ms(),
        },
    )
    .await?;
    let who = match actor {
        Actor::Staff { id, .. } => id.as_str(),
        _ => "",
    };
    let detail =
        serde_json::json!({ "yellow_days": yellow_days, "yellow_percent": yellow_percent });
    crate::audit::admin(&mut tx, app, who, "thresholds_set", scope, detail).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    crate::cluster::tell(app, crate::cluster::Change::Thresholds).await;
    Ok(())
}

/// Empties the thresholds cache; a lookup that raced with it does not store what it read.
pub(crate) fn forget_thresholds(app: &App) {
    if let Ok(mut cache) = app.thresholds.lock() {
        cache.generation += 1;
        cache.by_case_scope.clear();
    }
}

pub async fn threshold_rows(app: &App) -> Result<Vec<ThresholdRow>> {
    let mut conn = app.store.conn().await?;
    Ok(ss::thresholds(&mut conn).await?)
}

/// The watch row of a case after a change (None when nothing runs against the government).
pub fn watch_of(
    case: &Case,
    item: &ItemDefinition,
    cal: &WorkCalendar,
    now: time::OffsetDateTime,
    t: &Thresholds,
) -> Option<WatchRow> {
    let w = watched(case, item, cal, now)?;
    Some(WatchRow {
        case_id: case.id.to_string(),
        case_number: case.number.to_string(),
        kind: w.kind.as_str().into(),
        due_date: iso(w.due),
        yellow_from: iso(w.yellow_from(cal, t)),
        region: case.region.clone(),
        department: case.department.clone(),
        responsible: case.claimed_by.clone(),
    })
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ScanReport {
    pub examined: usize,
    pub raised: usize,
    pub cleared: u64,
}

/// One pass: raise what is due today, clear what no longer holds. Idempotent, and safe on
/// several nodes at once: an open warning is unique per case, kind and level.
pub async fn scan(app: &App) -> Result<ScanReport> {
    let today = china_date(app.now());
    let today_s = iso(today);
    let now = app.now_ms();
    let mut report = ScanReport::default();
    let mut after = String::new();
    loop {
        let mut conn = app.store.conn().await?;
        let page = ss::due_watches(&mut conn, &today_s, &after, 1000).await?;
        drop(conn);
        let Some(last) = page.last() else { break };
        after = last.case_id.clone();
        let mut tx = app.store.begin().await?;
        for w in &page {
            report.examined += 1;
            let level = if w.due_date < today_s {
                Level::Red
            } else {
                Level::Yellow
            };
            let raised = ss::raise(
                &mut tx,
                &WarningRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    case_id: w.case_id.clone(),
                    case_number: w.case_number.clone(),
                    kind: w.kind.clone(),
                    level: level.as_str().into(),
                    due_date: w.due_date.clone(),
                    region: w.region.clone(),
                    department: w.department.clone(),
                    responsible: w.responsible.clone(),
                    raised_at: now,
                    cleared_at: None,
                    cleared_reason: String::new(),
                    acknowledged_by: None,
                    acknowledged_at: None,
                },
            )
            .await?;
            report.raised += usize::from(raised);
        }
        tx.commit().await.map_err(store::StoreError::from)?;
    }
    let mut tx = app.store.begin().await?;
    report.cleared = ss::clear_stale(&mut tx, &today_s, now).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(report)
}

/// A warning as the supervision page shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WarningView {
    pub w: WarningRow,
    pub level_label: &'static str,
    pub kind_label: &'static str,
    pub department_name: String,
    pub notices: Vec<NoticeRow>,
}

fn supervisor(actor: &Actor) -> bool {
    actor.has_role(Role::Supervisor) || actor.has_role(Role::SystemAdmin)
}

/// Open warnings: supervisors see their region's, department staff their department's.
pub async fn open(app: &App, actor: &Actor) -> Result<Vec<WarningView>> {
    let Actor::Staff { scope, .. } = actor else {
        return Err(match actor {
            Actor::Anonymous => AppError::Unauthenticated,
            _ => AppError::Forbidden("电子监察只对工作人员开放".into()),
        });
    };
    let department = if supervisor(actor) {
        None
    } else {
        scope.department.as_deref()
    };
    let mut conn = app.store.conn().await?;
    let rows = ss::open_warnings(&mut conn, department).await?;
    let all_notices = ss::notices(&mut conn, department).await?;
    let mut out = Vec::new();
    for w in rows.into_iter().filter(|w| {
        scope.covers(&w.region, Some(&w.department))
            || supervisor(actor) && scope.covers_region(&w.region)
    }) {
        let department_name = app.department_name(&mut conn, &w.department).await;
        let kind = domain::supervision::DeadlineKind::parse(&w.kind);
        out.push(WarningView {
            level_label: if w.level == "red" {
                Level::Red.label()
            } else {
                Level::Yellow.label()
            },
            kind_label: kind.map(|k| k.label()).unwrap_or(""),
            department_name,
            notices: all_notices
                .iter()
                .filter(|n| n.warning_id == w.id)
                .cloned()
                .collect(),
            w,
        });
    }
    Ok(out)
}

/// 督办: a supervisor sends a notice on an open warning to the responsible department.
pub async fn send_notice(
    app: &App,
    actor: &Actor,
    warning_id: &str,
    message: &str,
) -> Result<NoticeRow> {
    if !supervisor(actor) {
        return Err(AppError::Forbidden("只有电子监察人员可以督办".into()));
    }
    let Actor::Staff { id, scope, .. } = actor else {
        unreachable!("supervisors are staff")
    };
    let message = message.trim();
    if message.is_empty() || message.chars().count() > 500 {
        return Err(AppError::field(
            "message",
            "invalid",
            "请填写督办意见（不超过 500 字）",
        ));
    }
    let mut tx = app.store.begin().await?;
    let w = ss::get_warning(&mut tx, warning_id)
        .await?
        .filter(|w| scope.covers_region(&w.region))
        .ok_or_else(|| AppError::NotFound("该预警".into()))?;
    if w.cleared_at.is_some() {
        return Err(AppError::State("该预警已解除，无需督办".into()));
    }
    let n = NoticeRow {
        id: uuid::Uuid::now_v7().to_string(),
        warning_id: w.id.clone(),
        case_id: w.case_id.clone(),
        department: w.department.clone(),
        sent_by: id.clone(),
        message: message.to_string(),
        sent_at: app.now_ms(),
        resolved_by: None,
        resolution: String::new(),
        resolved_at: None,
    };
    ss::insert_notice(&mut tx, &n).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(n)
}

/// The department's open and resolved notices (督办件).
pub async fn notices(app: &App, actor: &Actor) -> Result<Vec<NoticeRow>> {
    let Actor::Staff { scope, .. } = actor else {
        return Err(AppError::Forbidden("督办件只对工作人员开放".into()));
    };
    let mut conn = app.store.conn().await?;
    match (&scope.department, supervisor(actor)) {
        (_, true) => {
            // Supervisors read the notices of their region and below, as their warnings.
            let mut out = Vec::new();
            for n in ss::notices(&mut conn, None).await? {
                let region = ss::get_warning(&mut conn, &n.warning_id)
                    .await?
                    .map(|w| w.region)
                    .unwrap_or_default();
                if scope.covers_region(&region) {
                    out.push(n);
                }
            }
            Ok(out)
        }
        (Some(d), false) => Ok(ss::notices(&mut conn, Some(d)).await?),
        (None, false) => Ok(Vec::new()),
    }
}

/// The responsible department records how it resolved a notice.
pub async fn resolve(app: &App, actor: &Actor, notice_id: &str, resolution: &str) -> Result<()> {
    let Actor::Staff { id, scope, .. } = actor else {
        return Err(AppError::Forbidden("只有工作人员可以办理督办件".into()));
    };
    let resolution = resolution.trim();
    if resolution.is_empty() {
        return Err(AppError::field("resolution", "required", "请填写处理情况"));
    }
    let mut tx = app.store.begin().await?;
    let n = ss::get_notice(&mut tx, notice_id)
        .await?
        .filter(|n| scope.department.as_deref() == Some(n.department.as_str()))
        .ok_or_else(|| AppError::NotFound("该督办件".into()))?;
    if !ss::resolve_notice(&mut tx, &n.id, id, resolution, app.now_ms()).await? {
        return Err(AppError::State("该督办件已办结".into()));
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(())
}
