//! Keeping the search index in step with the published catalog.

use std::collections::HashMap;

use domain::catalog::{ItemDefinition, PromisedLimit};
use search::IndexedItem;

use crate::{App, Result};

/// What the index holds for one published definition.
pub fn indexed_item(def: &ItemDefinition, department_name: &str) -> IndexedItem {
    let mut audiences = Vec::new();
    if def.subjects.iter().any(|s| s.is_person()) {
        audiences.push("natural_person".to_string());
    }
    if def.subjects.iter().any(|s| !s.is_person()) {
        audiences.push("legal".to_string());
    }
    let promised = match &def.promised_limit {
        PromisedLimit::Instant => "即办".to_string(),
        PromisedLimit::Within(t) => format!("承诺 {} 个{}", t.days, t.unit.label()),
    };
    let visits = if def.visits == 0 {
        "全程网办，不用跑".to_string()
    } else {
        format!("到现场 {} 次", def.visits)
    };
    IndexedItem {
        code: def.code.clone(),
        name: def.name.clone(),
        aliases: def.aliases.clone(),
        keywords: def.keywords.clone(),
        department_code: def.department.clone(),
        department_name: department_name.to_string(),
        conditions: def.conditions.clone(),
        region: def.region.clone(),
        audiences,
        online_depth: def.online_depth.name().to_string(),
        kind_label: def.kind.label().to_string(),
        summary: format!("{promised} · {visits}"),
        prior: domain::catalog::search_prior(def.kind),
        demand: 0,
    }
}

/// A year of cases: the window demand is counted over.
const DEMAND_WINDOW_MS: i64 = 365 * 24 * 3600 * 1000;

async fn department_names(app: &App) -> Result<HashMap<String, String>> {
    let mut c = app.store.conn().await?;
    Ok(store::org::list_departments(&mut c)
        .await?
        .into_iter()
        .map(|d| (d.code, d.name))
        .collect())
}

/// Rebuilds the index from the database, reporting `(done, total)` as it goes.
pub async fn rebuild(app: &App, mut progress: impl FnMut(usize, usize)) -> Result<usize> {
    let mut c = app.store.conn().await?;
    let generation = store::catalog::catalog_generation(&mut c).await?;
    let mut defs = store::catalog::all_published(&mut c).await?;
    let synonyms = store::org::list_synonyms(&mut c).await?;
    let demand = store::cases::demand_by_item(&mut c, app.now_ms() - DEMAND_WINDOW_MS).await?;
    drop(c);
    // A 主项 whose handling item carries the same name would be the same line twice in the
    // results: the item people apply for stands for both.
    let twins: std::collections::HashSet<(String, String)> = defs
        .iter()
        .filter(|d| !d.parent_code.is_empty())
        .map(|d| (d.parent_code.clone(), d.name.clone()))
        .collect();
    defs.retain(|d| {
        d.node != domain::catalog::NodeKind::Main
            || !twins.contains(&(d.code.clone(), d.name.clone()))
    });
    let names = department_names(app).await?;
    let total = defs.len();
    let items = defs.iter().map(|d| IndexedItem {
        demand: demand.get(&d.code).copied().unwrap_or(0).max(0) as u64,
        ..indexed_item(
            d,
            names.get(&d.department).map(String::as_str).unwrap_or(""),
        )
    });
    let n = app
        .index
        .rebuild(items, generation, |done| progress(done, total))?;
    app.index.set_synonyms_at(synonyms, generation);
    Ok(n)
}

/// Rebuilds when the index is missing or was built from another catalog generation;
/// always reloads the synonyms. Returns whether it rebuilt.
pub async fn refresh_if_stale(app: &App, progress: impl FnMut(usize, usize)) -> Result<bool> {
    let mut c = app.store.conn().await?;
    let generation = store::catalog::catalog_generation(&mut c).await?;
    // Checked every few seconds: nothing more is read while nothing changed.
    if app.index.generation() == Some(generation)
        && app.index.dictionary_generation() == Some(generation)
    {
        return Ok(false);
    }
    let synonyms = store::org::list_synonyms(&mut c).await?;
    drop(c);
    app.index.set_synonyms_at(synonyms, generation);
    if app.index.generation() == Some(generation) {
        return Ok(false);
    }
    let n = rebuild(app, progress).await?;
    tracing::info!(items = n, generation, "search index rebuilt");
    Ok(true)
}

/// After one item was published or retired: update just that document.
pub async fn reindex_item(app: &App, code: &str) -> Result<()> {
    let mut c = app.store.conn().await?;
    let generation = store::catalog::catalog_generation(&mut c).await?;
    let row = store::catalog::get_item(&mut c, code).await?;
    match (row.status.as_str(), row.current_version) {
        ("active", Some(v)) => {
            let def = store::catalog::get_version(&mut c, code, v)
                .await?
                .definition;
            let dept = store::org::get_department(&mut c, &def.department)
                .await
                .map(|d| d.name)
                .unwrap_or_default();
            let since = app.now_ms() - DEMAND_WINDOW_MS;
            let demand = store::cases::demand_of(&mut c, code, since).await?.max(0) as u64;
            let item = IndexedItem {
                demand,
                ..indexed_item(&def, &dept)
            };
            app.index.upsert(&item, generation)?;
        }
        _ => app.index.remove(code, generation)?,
    }
    Ok(())
}
