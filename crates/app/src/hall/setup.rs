//! Setting a hall up: its lines, windows and rules as one document, by a system
//! administrator whose region covers it, checked whole and written in one transaction with a
//! line in the administrators' log.

use domain::hall::Hall;

use crate::auth::SystemAdmin;
use crate::{App, AppError, Result};

/// Creates or replaces hall `h`. Its region must be the administrator's or below, its
/// service point (when named) must exist in that region, and every window's department must
/// exist; windows on duty keep their staff.
pub async fn save(app: &App, cap: &SystemAdmin, h: &Hall) -> Result<Hall> {
    h.validate()?;
    if !cap.covers_region(&h.region) {
        return Err(AppError::Forbidden(format!(
            "区划 {} 不在您的管理范围",
            h.region
        )));
    }
    let mut tx = app.store.begin().await?;
    if let Some(old) = store::hall::get_hall(&mut tx, &h.code).await?
        && !cap.covers_region(&old.region)
    {
        return Err(AppError::Forbidden(format!("大厅 {} 属于其他区划", h.code)));
    }
    if store::org::get_region(&mut tx, &h.region).await.is_err() {
        return Err(AppError::field(
            "region",
            "unknown",
            format!("区划 {} 尚未建立", h.region),
        ));
    }
    if !h.service_point.is_empty() {
        match store::service_points::get(&mut tx, &h.service_point).await? {
            Some(p) if p.region == h.region => {}
            Some(p) => {
                return Err(AppError::field(
                    "service_point",
                    "inconsistent",
                    format!(
                        "服务场所 {} 属于区划 {}，与大厅所属区划 {} 不同",
                        p.code, p.region, h.region
                    ),
                ));
            }
            None => {
                return Err(AppError::field(
                    "service_point",
                    "unknown",
                    format!("服务场所 {} 不存在", h.service_point),
                ));
            }
        }
    }
    for (i, w) in h.windows.iter().enumerate() {
        if let Some(d) = &w.department
            && store::org::get_department(&mut tx, d).await.is_err()
        {
            return Err(AppError::field(
                &format!("windows[{i}].department"),
                "unknown",
                format!("部门 {d} 不存在"),
            ));
        }
    }
    store::hall::upsert_hall(&mut tx, h).await?;
    let detail = serde_json::json!({
        "hall": h.code, "lines": h.lines.len(), "windows": h.windows.len(),
    });
    crate::audit::admin(&mut tx, app, cap.actor_id(), "hall_saved", &h.code, detail).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    super::board::publish(app, &h.code, None).await;
    Ok(h.clone())
}
