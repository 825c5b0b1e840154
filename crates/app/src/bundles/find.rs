//! The 一件事 a search is about (开饭店, 新生儿, 退休), shown above the items it matches.

use domain::bundle::{BundleDefinition, RELEVANT};

use crate::{App, Result};

/// Bundles whose name or description holds the search's words (after synonyms, as the
/// catalog search understood them: `SearchResults::words`), most relevant first; those of
/// other regions only when `regions` is empty (no region filter).
pub async fn matching(
    app: &App,
    words: &[(String, f32)],
    regions: &[String],
) -> Result<Vec<BundleDefinition>> {
    if words.is_empty() {
        return Ok(vec![]);
    }
    let mut conn = app.store.conn().await?;
    let defs = app.bundle_list(&mut conn).await?;
    let mut scored: Vec<(f32, BundleDefinition)> = defs
        .iter()
        .filter(|d| regions.is_empty() || regions.contains(&d.region))
        .map(|d| (d.relevance(words), d))
        .filter(|(s, _)| *s >= RELEVANT)
        .map(|(s, d)| (s, d.clone()))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    Ok(scored.into_iter().map(|(_, d)| d).collect())
}
