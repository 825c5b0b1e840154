//! 审核发布 (two-person publishing), on per region: where it is on for an item's region or a
//! region above it, the catalog administrator who last edited a draft cannot publish it;
//! another one reviews the changes and publishes. Set by a catalog administrator whose scope
//! covers the whole region (not one bound to a department).

use domain::account::{SettingScope, StaffScope};
use store::catalog as sc;

use crate::auth::CatalogAdmin;
use crate::{App, Result};

/// Whether 审核发布 applies to items of `region`.
pub async fn required(conn: &mut store::Connection, region: &str) -> Result<bool> {
    Ok(sc::review_regions(conn).await?.into_iter().any(|r| {
        StaffScope {
            region: r,
            department: None,
        }
        .covers_region(region)
    }))
}

/// Whether 审核发布 applies in the administrator's own region.
pub async fn is_on(app: &App, cap: &CatalogAdmin) -> Result<bool> {
    let mut c = app.store.conn().await?;
    required(&mut c, &cap.scope().region).await
}

/// Turns 审核发布 on or off for the administrator's region, recorded in the admin log.
pub async fn set(app: &App, cap: &CatalogAdmin, on: bool) -> Result<()> {
    let region = cap.scope().region.clone();
    let mut tx = app.store.begin().await?;
    crate::org::check_setting_scope(
        &mut tx,
        cap.scope(),
        &SettingScope::Region(region.clone()),
        "只有管辖整个区划的事项管理员可以设置审核发布",
    )
    .await?;
    sc::set_review(&mut tx, &region, on, cap.login(), app.now_ms()).await?;
    let detail = serde_json::json!({ "on": on });
    crate::audit::admin(
        &mut tx,
        app,
        cap.actor_id(),
        "catalog_review_set",
        &region,
        detail,
    )
    .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(())
}
