//! Regions, departments, halls and the holiday calendar.

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

/// An administrator loads a year's State Council notice (published each November).
pub async fn add_notice(app: &App, _cap: &SystemAdmin, notice: YearNotice) -> Result<()> {
    notice.validate()?;
    let mut tx = app.store.begin().await?;
    so::upsert_notice(&mut tx, &notice, app.now_ms()).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    load_calendar(app).await
}

pub async fn regions(app: &App) -> Result<Vec<RegionRow>> {
    let mut c = app.store.conn().await?;
    Ok(so::list_regions(&mut c).await?)
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
    let mut c = app.store.conn().await?;
    Ok(so::list_departments(&mut c).await?)
}

pub async fn department(app: &App, code: &str) -> Result<Department> {
    let mut c = app.store.conn().await?;
    so::get_department(&mut c, code)
        .await
        .map_err(|_| AppError::NotFound(format!("部门 {code}")))
}

pub async fn halls(app: &App) -> Result<Vec<Hall>> {
    let mut c = app.store.conn().await?;
    Ok(so::list_halls(&mut c).await?)
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
