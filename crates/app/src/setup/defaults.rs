//! What a fresh installation starts with, loaded once: the national regions down to counties
//! and the everyday-language dictionary for search. Each is marked done in `meta`, so that
//! what an administrator later renames or removes stays so, and the demo's own synonyms are
//! never overwritten.

use domain::catalog::Synonym;
use domain::ids::RegionCode;

use super::SetupReport;
use super::synonyms::{PHRASE, TERMS};
use super::table::Table;
use crate::exchange::read_csv;
use crate::{App, AppError, Result};

const REGIONS: &[u8] = include_bytes!("../../data/regions.csv");
const EVERYDAY: &[u8] = include_bytes!("../../data/everyday_synonyms.csv");

/// How much of the defaults this start loaded (zero once they are in).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Defaults {
    pub regions: u64,
    pub synonyms: u64,
}

/// The shipped national regions (GB/T 2260, provinces to counties).
pub(crate) fn national_regions() -> Result<Vec<(RegionCode, String)>> {
    let sheet = read_csv(REGIONS)?;
    sheet
        .iter()
        .skip(1)
        .map(|r| {
            let code = RegionCode::parse(&r[0])
                .map_err(|e| AppError::Internal(format!("shipped region {}: {e}", r[0])))?;
            Ok((code, r[1].clone()))
        })
        .collect()
}

/// The shipped everyday-language dictionary.
pub fn everyday_synonyms() -> Result<Vec<Synonym>> {
    let sheet = read_csv(EVERYDAY)?;
    let t = Table::new("同义词", &sheet, &[PHRASE, TERMS], &[], 20_000)
        .map_err(|e| AppError::Internal(format!("shipped dictionary: {e:?}")))?;
    let mut report = SetupReport::default();
    let list = super::synonyms::parse(&t, &mut report);
    match report.errors.first() {
        Some(e) => Err(AppError::Internal(format!("shipped dictionary: {e}"))),
        None => Ok(list),
    }
}

/// Raised when the shipped dictionary gains phrases, so that installs get them.
const DICTIONARY_VERSION: i64 = 2;

/// Loads whatever of the defaults has not been loaded yet, in one transaction.
pub async fn ensure_defaults(app: &App) -> Result<Defaults> {
    let mut done = Defaults::default();
    let mut tx = app.store.begin().await?;
    if store::db::meta_value(&mut tx, "defaults_regions").await? == 0 {
        let mut regions = national_regions()?;
        regions.sort_by_key(|(c, _)| (c.as_str().len(), c.as_str().to_string()));
        done.regions = store::org::insert_missing_regions(&mut tx, &regions).await?;
        store::db::set_meta(&mut tx, "defaults_regions", 1).await?;
    }
    // A newer dictionary adds its new phrases; phrases already there stay as edited.
    if store::db::meta_value(&mut tx, "defaults_synonyms").await? < DICTIONARY_VERSION {
        for s in everyday_synonyms()? {
            if store::org::insert_missing_synonym(&mut tx, &s).await? {
                done.synonyms += 1;
            }
        }
        store::db::bump_meta(&mut tx, "catalog_generation").await?;
        store::db::set_meta(&mut tx, "defaults_synonyms", DICTIONARY_VERSION).await?;
    }
    if store::db::meta_value(&mut tx, "items_parent_codes").await? == 0 {
        store::catalog::backfill_parent_codes(&mut tx).await?;
        store::db::set_meta(&mut tx, "items_parent_codes", 1).await?;
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    if done.synonyms > 0 {
        crate::index::refresh_if_stale(app, |_, _| {}).await?;
    }
    // A database from before the statistics' sums: count its cases once.
    crate::stats::ensure_built(app).await?;
    Ok(done)
}
