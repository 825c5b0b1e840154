//! The everyday-words dictionary (同义词) the catalog search expands queries through.

use domain::catalog::Synonym;

use crate::auth::CatalogAdmin;
use crate::{App, AppError, Result};

pub async fn synonyms(app: &App) -> Result<Vec<Synonym>> {
    let mut c = app.store.conn().await?;
    Ok(store::org::list_synonyms(&mut c).await?)
}

/// Synonyms feed the one search index of the whole platform, so only catalog administrators
/// of the platform's top region change them.
pub async fn save_synonym(app: &App, cap: &CatalogAdmin, s: Synonym) -> Result<()> {
    s.validate()?;
    let mut tx = app.store.begin().await?;
    synonym_authority(&mut tx, cap).await?;
    store::org::upsert_synonym(&mut tx, &s).await?;
    let detail = serde_json::json!({ "terms": s.terms });
    crate::audit::admin(
        &mut tx,
        app,
        cap.actor_id(),
        "synonym_saved",
        &s.phrase,
        detail,
    )
    .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    crate::index::refresh_if_stale(app, |_, _| {}).await?;
    Ok(())
}

pub(crate) async fn synonym_authority(
    conn: &mut store::Connection,
    cap: &CatalogAdmin,
) -> Result<()> {
    if cap.is_unrestricted() {
        return Ok(());
    }
    crate::org::check_setting_scope(
        conn,
        cap.scope(),
        &domain::account::SettingScope::Platform,
        "同义词对全平台的搜索生效，只有平台最上级区划的事项管理员可以修改",
    )
    .await
}

pub async fn delete_synonym(app: &App, cap: &CatalogAdmin, phrase: &str) -> Result<()> {
    let mut tx = app.store.begin().await?;
    synonym_authority(&mut tx, cap).await?;
    store::org::delete_synonym(&mut tx, phrase)
        .await
        .map_err(|e| match e {
            store::StoreError::NotFound => AppError::NotFound(format!("同义词“{phrase}”")),
            other => other.into(),
        })?;
    let detail = serde_json::json!({});
    crate::audit::admin(
        &mut tx,
        app,
        cap.actor_id(),
        "synonym_deleted",
        phrase,
        detail,
    )
    .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    crate::index::refresh_if_stale(app, |_, _| {}).await?;
    Ok(())
}
