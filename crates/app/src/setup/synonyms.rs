//! The everyday-language dictionary as a spreadsheet (口语说法, 规范用语 with terms separated
//! by 、): exported, edited, imported back. Synonyms feed the whole platform's search, so only
//! a catalog administrator of the top region (or the operator) changes them.

use std::collections::HashMap;

use domain::catalog::Synonym;

use super::SetupReport;
use super::table::Table;
use crate::auth::CatalogAdmin;
use crate::exchange::Sheet;
use crate::{App, Result};

pub(super) const PHRASE: &str = "口语说法";
pub(super) const TERMS: &str = "规范用语";

/// Reads synonym rows; problems are reported against `t`.
pub(super) fn parse(t: &Table<'_>, report: &mut SetupReport) -> Vec<Synonym> {
    let mut out = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (n, row) in t.rows() {
        report.rows += 1;
        let s = Synonym {
            phrase: t.cell(row, PHRASE),
            terms: t
                .cell(row, TERMS)
                .split(['、', '|', ',', '，', ';', '；'])
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect(),
        };
        let before = report.errors.len();
        if let Err(problems) = s.validate() {
            for p in problems {
                let col = if p.field == "phrase" { PHRASE } else { TERMS };
                report
                    .errors
                    .push(t.error(n, col, &t.cell(row, col), p.message));
            }
        }
        if let Some(first) = seen.get(&s.phrase) {
            report
                .errors
                .push(t.error(n, PHRASE, &s.phrase, format!("与第 {first} 行重复")));
        } else {
            seen.insert(s.phrase.clone(), n);
        }
        if report.errors.len() == before {
            out.push(s);
        }
    }
    out
}

/// Imports synonyms: a phrase already there gets the file's terms.
pub async fn import_synonyms(
    app: &App,
    cap: &CatalogAdmin,
    sheet: &Sheet,
    dry_run: bool,
) -> Result<SetupReport> {
    let spec = ("同义词", &[PHRASE, TERMS][..], &[][..], 20_000);
    let (t, mut report) = match SetupReport::start(dry_run, sheet, spec) {
        Ok(started) => started,
        Err(refused) => return Ok(refused),
    };
    let list = parse(&t, &mut report);
    if !report.errors.is_empty() || dry_run {
        return Ok(report);
    }
    let mut tx = app.store.begin().await?;
    crate::catalog::synonym_authority(&mut tx, cap).await?;
    let existing: HashMap<String, Vec<String>> = store::org::list_synonyms(&mut tx)
        .await?
        .into_iter()
        .map(|s| (s.phrase, s.terms))
        .collect();
    for s in &list {
        match existing.get(&s.phrase) {
            Some(old) if *old == s.terms => {
                report.unchanged += 1;
                continue;
            }
            Some(_) => report.updated += 1,
            None => report.added += 1,
        }
        store::org::upsert_synonym(&mut tx, s).await?;
    }
    report
        .record(&mut tx, app, cap.actor_id(), "synonyms_imported")
        .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    crate::index::refresh_if_stale(app, |_, _| {}).await?;
    Ok(report)
}

/// Every synonym as a sheet in the import layout.
pub async fn export_synonyms(app: &App) -> Result<Sheet> {
    let mut conn = app.store.conn().await?;
    let mut out = vec![vec![PHRASE.to_string(), TERMS.to_string()]];
    for s in store::org::list_synonyms(&mut conn).await? {
        out.push(vec![s.phrase, s.terms.join("、")]);
    }
    Ok(out)
}
