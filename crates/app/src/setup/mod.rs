//! Setting up a real installation without the demo (上线准备): the national regions and the
//! everyday-language dictionary a fresh install starts with, then a county's own townships and
//! villages, departments (实施机关) and staff, each from a spreadsheet. Every import checks every
//! row first and reports every problem in one pass (sheet, row, column, the offending value);
//! only a clean file is written, in one transaction, and writing it again changes nothing.

mod defaults;
mod departments;
mod placed;
mod regions;
mod service_points;
mod staff;
mod synonyms;
mod table;

pub use defaults::{Defaults, ensure_defaults, everyday_synonyms};
pub use departments::import_departments;
pub use regions::import_regions;
pub use service_points::import_service_points;
pub use staff::{StaffImport, import_staff};
pub use synonyms::{export_synonyms, import_synonyms};
pub use table::{read_table, read_upload};

use crate::exchange::RowError;

/// What an import found, and did unless it found problems or was a dry run.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SetupReport {
    pub rows: usize,
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub errors: Vec<RowError>,
    pub dry_run: bool,
}

impl SetupReport {
    pub fn written(&self) -> bool {
        self.errors.is_empty() && !self.dry_run
    }

    /// A file refused as a whole (a required column missing, far too many rows).
    fn refused(dry_run: bool, errors: Vec<RowError>) -> SetupReport {
        SetupReport {
            dry_run,
            errors,
            ..Default::default()
        }
    }

    /// An import's first step: the sheet as a table with an empty report, or the report
    /// refusing the file whole.
    fn start<'a>(
        dry_run: bool,
        sheet: &'a crate::exchange::Sheet,
        spec: TableSpec,
    ) -> std::result::Result<(table::Table<'a>, SetupReport), SetupReport> {
        let (name, required, optional, max_rows) = spec;
        match table::Table::new(name, sheet, required, optional, max_rows) {
            Ok(t) => Ok((
                t,
                SetupReport {
                    dry_run,
                    ..Default::default()
                },
            )),
            Err(e) => Err(SetupReport::refused(dry_run, e)),
        }
    }

    /// Counts each row as added, updated or unchanged against what is stored (by `key`), and
    /// returns those to write.
    fn tally<'a, T: PartialEq>(
        &mut self,
        rows: &'a [T],
        existing: &std::collections::HashMap<String, T>,
        key: impl Fn(&T) -> &str,
    ) -> Vec<&'a T> {
        let mut changed = Vec::new();
        for r in rows {
            match existing.get(key(r)) {
                Some(old) if old == r => self.unchanged += 1,
                Some(_) => {
                    self.updated += 1;
                    changed.push(r);
                }
                None => {
                    self.added += 1;
                    changed.push(r);
                }
            }
        }
        changed
    }

    /// Records the import in the administrators' log, in the import's transaction.
    async fn record(
        &self,
        tx: &mut store::Connection,
        app: &crate::App,
        actor: &str,
        action: &str,
    ) -> crate::Result<()> {
        let detail = serde_json::json!({
            "rows": self.rows, "added": self.added, "updated": self.updated,
        });
        crate::audit::admin(tx, app, actor, action, action, detail).await
    }
}

/// The region codes the installation has.
async fn known_regions(app: &crate::App) -> crate::Result<std::collections::HashSet<String>> {
    let mut conn = app.store.conn().await?;
    Ok(store::org::list_regions(&mut conn)
        .await?
        .into_iter()
        .map(|r| r.code)
        .collect())
}

/// The checks a record placed in a region shares (departments, service points): its region
/// exists and is the administrator's, its code is not another region's record taken over by
/// naming one's own region, and it is not repeated in the file.
struct Placement<'a> {
    what: &'static str,
    code_column: &'static str,
    region_column: &'static str,
    regions: std::collections::HashSet<String>,
    cap: &'a crate::auth::SystemAdmin,
    /// Codes seen in the file, with their rows.
    seen: std::collections::HashMap<String, usize>,
}

/// A sheet's name, its required and optional columns, and the most rows it may have.
type TableSpec = (
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    usize,
);

/// Stored records by their code.
fn by_code<T>(rows: Vec<T>, code: impl Fn(&T) -> &str) -> std::collections::HashMap<String, T> {
    rows.into_iter()
        .map(|r| (code(&r).to_string(), r))
        .collect()
}

impl<'a> Placement<'a> {
    /// The checks for records called `what`, with the regions that exist read now.
    async fn new(
        app: &crate::App,
        cap: &'a crate::auth::SystemAdmin,
        what: &'static str,
        (code_column, region_column): (&'static str, &'static str),
    ) -> crate::Result<Placement<'a>> {
        Ok(Placement {
            what,
            code_column,
            region_column,
            regions: known_regions(app).await?,
            cap,
            seen: std::collections::HashMap::new(),
        })
    }

    /// Checks row `n`'s `code` and `region`; `owner` is the region of the record stored
    /// under that code, if any.
    fn check(
        &mut self,
        t: &table::Table<'_>,
        n: usize,
        code: &str,
        region: &str,
        owner: Option<&str>,
        errors: &mut Vec<RowError>,
    ) {
        if domain::ids::RegionCode::parse(region).is_ok() {
            if !self.regions.contains(region) {
                errors.push(t.error(
                    n,
                    self.region_column,
                    region,
                    "区划不存在：请先导入区划（onewindow import regions）",
                ));
            } else if !self.cap.covers_region(region) {
                errors.push(t.error(n, self.region_column, region, "不在本人管辖的区划内"));
            }
        }
        if let Some(old) = owner
            && !self.cap.covers_region(old)
        {
            errors.push(t.error(
                n,
                self.code_column,
                code,
                format!("该编码已是区划 {old} 的{}，不在本人管辖的区划内", self.what),
            ));
        }
        if let Some(first) = self.seen.get(code) {
            errors.push(t.error(n, self.code_column, code, format!("与第 {first} 行重复")));
        } else {
            self.seen.insert(code.to_string(), n);
        }
    }
}
