//! Regions, departments, halls and the holiday calendar.

use std::sync::Arc;

use domain::calendar::{WorkCalendar, YearNotice};
use domain::ids::RegionCode;
use domain::org::{Department, Hall};
use store::org::{self as so, RegionRow};

use crate::auth::SystemAdmin;
use crate::{App, AppError, Result};

/// Loads administrator-added notices over the shipped ones.
pub async fn load_calendar(app: &App) -> Result<()> {
    let mut c = app.store.conn().await?;
    let notices = so::list_notices(&mut c).await?;
    let mut cal = WorkCalendar::china();
    for n in &notices {
        cal.load(n);
    }
    if let Ok(mut w) = app.calendar.write() {
        *w = cal;
    }
    Ok(())
}

/// Whether `region` is the top of this deployment: no staff serve a region above it here.
/// (Regions above may exist as data, e.g. the province a city's provincial items come from.)
/// Staff of the top region hold authority over platform-wide settings.
pub(crate) async fn at_top(conn: &mut store::Connection, region: &str) -> Result<bool> {
    let Ok(code) = RegionCode::parse(region) else {
        return Ok(false);
    };
    for above in code.ancestry().iter().filter(|c| c.as_str() != region) {
        if store::accounts::staff_in_region(conn, above.as_str()).await? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Refuses a change to `target` by staff of `scope` without authority over it.
pub(crate) async fn check_setting_scope(
    conn: &mut store::Connection,
    scope: &domain::account::StaffScope,
    target: &domain::account::SettingScope,
    refusal: &str,
) -> Result<()> {
    let top = at_top(conn, &scope.region).await?;
    if scope.may_set(target, top) {
        Ok(())
    } else {
        Err(AppError::Forbidden(refusal.into()))
    }
}

/// An administrator of the platform (its top region) loads a year's State Council notice
/// (published each November); the calendar is the whole platform's.
pub async fn add_notice(app: &App, cap: &SystemAdmin, notice: YearNotice) -> Result<()> {
    notice.validate()?;
    let mut tx = app.store.begin().await?;
    check_setting_scope(
        &mut tx,
        cap.scope(),
        &domain::account::SettingScope::Platform,
        "节假日安排全平台通用，只有平台最上级区划的系统管理员可以修改",
    )
    .await?;
    so::upsert_notice(&mut tx, &notice, app.now_ms()).await?;
    let detail = serde_json::to_value(&notice).map_err(|e| AppError::Internal(e.to_string()))?;
    let year = notice.year.to_string();
    crate::audit::admin(
        &mut tx,
        app,
        cap.actor_id(),
        "calendar_loaded",
        &year,
        detail,
    )
    .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    crate::cluster::tell(app, crate::cluster::Change::Calendar).await;
    Ok(())
}

pub async fn regions(app: &App) -> Result<Vec<RegionRow>> {
    let mut c = app.store.conn().await?;
    Ok(so::list_regions(&mut c).await?)
}

/// The regions the platform serves, for the public pages: those where a department sits, and
/// the regions above them. The national list a fresh installation ships with would otherwise
/// put 3 000 counties without a single item on the home page and in every search filter.
pub async fn regions_in_use(app: &App) -> Result<Arc<Vec<RegionRow>>> {
    let mut c = app.store.conn().await?;
    let load = async {
        let mut used = std::collections::BTreeSet::new();
        for d in app.department_list(&mut c).await?.iter() {
            if let Ok(code) = RegionCode::parse(&d.region) {
                used.extend(code.ancestry().into_iter().map(|r| r.as_str().to_string()));
            }
        }
        // The cached list, sorted by code: each region in use is looked up in it, not the
        // thousands of the national list tested one by one.
        let all = app.regions(&mut c).await?;
        Ok(Arc::new(
            used.iter()
                .filter_map(|code| {
                    all.binary_search_by(|r| r.code.as_str().cmp(code))
                        .ok()
                        .map(|i| all[i].clone())
                })
                .collect(),
        ))
    };
    // Every search page asks: kept like the lists it is made from, and dropped with them.
    app.regions_in_use.get_or_load((), load).await
}

pub async fn region(app: &App, code: &str) -> Result<RegionRow> {
    RegionCode::parse(code)
        .map_err(|e| AppError::field("region", "invalid", format!("行政区划代码无效：{e}")))?;
    let mut c = app.store.conn().await?;
    so::get_region(&mut c, code)
        .await
        .map_err(|_| AppError::NotFound(format!("行政区划 {code}")))
}

pub async fn departments(app: &App) -> Result<Vec<Department>> {
    Ok(department_list(app).await?.as_ref().clone())
}

/// Every department, the cached list itself (no copy).
pub async fn department_list(app: &App) -> Result<Arc<Vec<Department>>> {
    let mut c = app.store.conn().await?;
    app.department_list(&mut c).await
}

pub async fn department(app: &App, code: &str) -> Result<Department> {
    let mut c = app.store.conn().await?;
    app.department(&mut c, code)
        .await
        .map(|d| d.as_ref().clone())
        .map_err(|_| AppError::NotFound(format!("部门 {code}")))
}

pub async fn halls(app: &App) -> Result<Vec<Hall>> {
    crate::hall::halls(app).await
}

/// Service points, by region then code; in `region` and below when given.
pub async fn service_points(
    app: &App,
    region: Option<&str>,
) -> Result<Vec<domain::service_point::ServicePoint>> {
    let mut c = app.store.conn().await?;
    let all = app.service_point_list(&mut c).await?;
    Ok(match region {
        None => all.as_ref().clone(),
        Some(r) => all
            .iter()
            .filter(|p| {
                RegionCode::parse(&p.region)
                    .is_ok_and(|c| c.ancestry().iter().any(|a| a.as_str() == r))
            })
            .cloned()
            .collect(),
    })
}

/// Codes of `region` and every region above it: items implemented there serve people here.
pub fn serving_regions(region: &str) -> Result<Vec<String>> {
    let code = RegionCode::parse(region)
        .map_err(|e| AppError::field("region", "invalid", format!("行政区划代码无效：{e}")))?;
    Ok(code
        .ancestry()
        .into_iter()
        .map(|c| c.as_str().to_string())
        .collect())
}

/// Reads a notice typed into a form: one holiday per line as `名称|首日|末日`
/// (dates `YYYY-MM-DD`), one make-up working day per line.
pub fn notice_from_text(year: &str, holidays: &str, makeup_days: &str) -> Result<YearNotice> {
    Ok(YearNotice::from_text(year, holidays, makeup_days)?)
}

/// The notices in force: shipped ones overlaid with those an administrator loaded.
pub async fn notices(app: &App) -> Result<Vec<YearNotice>> {
    let mut c = app.store.conn().await?;
    let loaded = so::list_notices(&mut c).await?;
    let mut all: Vec<YearNotice> = domain::calendar::shipped_notices()
        .into_iter()
        .filter(|n| loaded.iter().all(|l| l.year != n.year))
        .collect();
    all.extend(loaded);
    all.sort_by_key(|n| n.year);
    Ok(all)
}

/// Checks that `department` exists and its region covers `region` (a department speaks, by a
/// policy or a notice, only where it governs); errors name the field.
pub(crate) async fn speaks_for(
    c: &mut store::Connection,
    department: &str,
    region: &str,
) -> Result<Department> {
    let dept = store::org::get_department(c, department.trim())
        .await
        .map_err(|_| AppError::field("department", "unknown", "没有这个部门"))?;
    let within = match (
        RegionCode::parse(region.trim()),
        RegionCode::parse(&dept.region),
    ) {
        (Ok(r), Ok(d)) => r.is_within(&d),
        _ => false,
    };
    if !within {
        return Err(AppError::field(
            "region",
            "inconsistent",
            format!("{}不管辖该地区", dept.name),
        ));
    }
    Ok(dept)
}
