//! Catalog import and export as Excel (.xlsx, two sheets 事项 and 材料) or CSV (two files:
//! `NAME.csv` for items and `NAME.materials.csv` for materials), in the layout of
//! [`layout`]. Import is all-or-nothing: every row is checked first and the report lists
//! every rejected row with its column and reason; only a clean file is written, in one
//! transaction. Real catalogs arrive from provincial systems with thousands of rows, and a
//! half-imported catalog is worse than none.

pub mod diff;
pub mod layout;
mod parse;
mod references;

pub use parse::parse_sheets;

use std::collections::{HashMap, HashSet};
use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader};
use domain::catalog::ItemDefinition;
use layout::{Column, ITEM_SHEET, MATERIAL_SHEET, MaterialRow, item_columns, material_columns};

use crate::auth::CatalogAdmin;
use crate::{App, AppError, Result};

/// Rows beyond this are refused before any work: a safeguard against runaway files.
pub const MAX_ROWS: usize = 50_000;

/// A rectangular sheet of text cells, first row the headers.
pub type Sheet = Vec<Vec<String>>;

/// One rejected row and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    pub sheet: String,
    /// The row number as the spreadsheet shows it (header = 1).
    pub row: usize,
    pub column: String,
    /// The offending cell as it was read (empty when the problem is not one cell's).
    pub value: String,
    pub message: String,
}

impl RowError {
    /// The message with the offending value, unless the message already quotes it.
    fn told(&self) -> String {
        let v = self.value.trim();
        if v.is_empty() || self.message.contains(v) {
            self.message.clone()
        } else {
            let shown: String = v.chars().take(60).collect();
            let more = if v.chars().count() > 60 { "…" } else { "" };
            format!("“{shown}{more}”：{}", self.message)
        }
    }

    /// The message with this row's value taken out, so that the same mistake in many rows
    /// reads the same (for [`summarize`]).
    fn kind(&self) -> String {
        // Only the value itself, where the message quotes it: a short value ("电话", "1")
        // also occurs inside the message's own words (咨询电话, 12 位).
        let v = self.value.trim();
        let quoted = format!("“{v}”");
        if v.is_empty() {
            self.message.clone()
        } else if self.message.contains(&quoted) {
            self.message.replace(&quoted, "“…”")
        } else if v.chars().count() >= 4 {
            self.message.replace(v, "…")
        } else {
            self.message.clone()
        }
    }
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.column.is_empty() {
            write!(f, "{} 第 {} 行：{}", self.sheet, self.row, self.told())
        } else {
            write!(
                f,
                "{} 第 {} 行【{}】{}",
                self.sheet,
                self.row,
                self.column,
                self.told()
            )
        }
    }
}

/// The same mistake in many rows, counted once: 1 080 over-long codes are one line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ErrorGroup {
    pub sheet: String,
    pub column: String,
    pub message: String,
    pub count: usize,
    /// The first rows it occurs in (at most ten).
    pub rows: Vec<usize>,
}

impl std::fmt::Display for ErrorGroup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let rows: Vec<String> = self.rows.iter().map(usize::to_string).collect();
        let more = if self.count > self.rows.len() {
            "…"
        } else {
            ""
        };
        write!(
            f,
            "{}【{}】{}：共 {} 行（第 {}{more} 行）",
            self.sheet,
            self.column,
            self.message,
            self.count,
            rows.join("、")
        )
    }
}

/// Groups problems by sheet, column and message (without the row's value), most frequent
/// first.
pub fn summarize(errors: &[RowError]) -> Vec<ErrorGroup> {
    let mut groups: Vec<ErrorGroup> = Vec::new();
    let mut at: HashMap<(String, String, String), usize> = HashMap::new();
    for e in errors {
        let key = (e.sheet.clone(), e.column.clone(), e.kind());
        match at.get(&key) {
            Some(&i) => {
                let g = &mut groups[i];
                g.count += 1;
                if g.rows.len() < 10 {
                    g.rows.push(e.row);
                }
            }
            None => {
                at.insert(key.clone(), groups.len());
                groups.push(ErrorGroup {
                    sheet: key.0,
                    column: key.1,
                    message: key.2,
                    count: 1,
                    rows: vec![e.row],
                });
            }
        }
    }
    groups.sort_by_key(|g| std::cmp::Reverse(g.count));
    groups
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ImportReport {
    pub items_read: usize,
    pub materials_read: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Saved as drafts instead of published: 审核发布 is on for their region, so another
    /// catalog administrator publishes them.
    pub awaiting_review: usize,
    /// Saved as drafts instead of published: the source lacks a legal element (待补充), which
    /// someone supplies before publishing.
    pub incomplete: usize,
    pub errors: Vec<RowError>,
    pub dry_run: bool,
    /// True when nothing was written (errors, or a dry run).
    pub nothing_written: bool,
}

pub(crate) fn file_error(message: impl Into<String>) -> AppError {
    AppError::field("file", "unreadable", message)
}

/// Reads the two sheets of an .xlsx workbook.
pub fn read_xlsx(bytes: Vec<u8>) -> Result<(Sheet, Sheet)> {
    let mut wb = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| file_error(format!("文件不是有效的 Excel (.xlsx) 工作簿：{e}")))?;
    let mut sheet = |name: &str| -> Result<Sheet> {
        let range = wb
            .worksheet_range(name)
            .map_err(|_| file_error(format!("工作簿缺少名为“{name}”的工作表")))?;
        Ok(range
            .rows()
            .map(|r| r.iter().map(cell_text).collect())
            .collect())
    };
    Ok((sheet(ITEM_SHEET)?, sheet(MATERIAL_SHEET)?))
}

/// The sheet named `preferred` of an .xlsx workbook, else its first sheet.
pub(crate) fn read_one_sheet(bytes: Vec<u8>, preferred: &str) -> Result<Sheet> {
    let mut wb = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| file_error(format!("文件不是有效的 Excel (.xlsx) 工作簿：{e}")))?;
    let names = wb.sheet_names();
    let name = names
        .iter()
        .find(|n| *n == preferred)
        .or(names.first())
        .cloned()
        .ok_or_else(|| file_error("工作簿没有工作表"))?;
    let range = wb
        .worksheet_range(&name)
        .map_err(|e| file_error(format!("无法读取工作表“{name}”：{e}")))?;
    Ok(range
        .rows()
        .map(|r| r.iter().map(cell_text).collect())
        .collect())
}

pub(crate) fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        other => other.to_string(),
    }
}

/// The materials file beside an items CSV: `catalog.csv` → `catalog.materials.csv`.
pub fn materials_csv_path(items: &Path) -> std::path::PathBuf {
    let stem = items
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("catalog");
    items.with_file_name(format!("{stem}.materials.csv"))
}

pub fn read_csv(bytes: &[u8]) -> Result<Sheet> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|_| file_error("CSV 文件不是 UTF-8 编码；请在导出时选择“CSV UTF-8”"))?;
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| file_error(format!("CSV 第 {} 行无法解析：{e}", i + 1)))?;
        out.push(rec.iter().map(str::to_string).collect());
    }
    Ok(out)
}

/// Reads a catalog file by its extension.
pub fn read_file(path: &Path) -> Result<(Sheet, Sheet)> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let bytes =
        std::fs::read(path).map_err(|e| file_error(format!("无法读取 {}：{e}", path.display())))?;
    match ext.as_str() {
        "xlsx" | "xlsm" | "xls" => read_xlsx(bytes),
        "csv" => {
            let mpath = materials_csv_path(path);
            let mbytes = std::fs::read(&mpath)
                .map_err(|e| file_error(format!("找不到材料文件 {}：{e}", mpath.display())))?;
            Ok((read_csv(&bytes)?, read_csv(&mbytes)?))
        }
        _ => Err(file_error("只支持 .xlsx 和 .csv 文件")),
    }
}

/// Imports definitions: new codes become items, known codes get a new version when changed.
/// With `publish`, each is published at once (the usual case for catalogs approved upstream);
/// otherwise they wait as drafts. `progress(done, total)` is called as rows are written.
pub async fn import(
    app: &App,
    cap: &CatalogAdmin,
    items: &Sheet,
    materials: &Sheet,
    dry_run: bool,
    publish: bool,
    mut progress: impl FnMut(usize, usize),
) -> Result<ImportReport> {
    let mut report = ImportReport {
        dry_run,
        nothing_written: true,
        materials_read: materials.len().saturating_sub(1),
        ..Default::default()
    };
    let (rows, mut errors) = match parse::parse_rows(items, materials) {
        Ok(parsed) => parsed,
        Err(errors) => {
            report.errors = errors;
            return Ok(report);
        }
    };
    report.items_read = rows.len();
    let mut tx = app.store.begin().await?;
    errors.extend(references::check(&mut tx, cap, &rows).await?);
    // In sheet order, so that a reader goes down the file once.
    errors.sort_by_key(|e| (e.sheet != ITEM_SHEET, e.row));
    report.errors = errors;
    if !report.errors.is_empty() || dry_run {
        return Ok(report);
    }
    let defs: Vec<ItemDefinition> = rows.into_iter().map(|(_, d)| d).collect();
    let now = app.now_ms();
    let total = defs.len();
    let mut published = HashSet::new();
    for (i, d) in defs.iter().enumerate() {
        match store::catalog::find_item(&mut tx, &d.code).await? {
            None => {
                store::catalog::create_item(&mut tx, d, cap.login(), now).await?;
                report.created += 1;
            }
            Some(row) => {
                let latest = row.draft_version.or(row.current_version);
                let same = match latest {
                    Some(v) => {
                        store::catalog::get_version(&mut tx, &d.code, v)
                            .await?
                            .definition
                            == *d
                    }
                    None => false,
                };
                if same && row.draft_version.is_none() {
                    report.unchanged += 1;
                    continue;
                }
                store::catalog::save_draft(&mut tx, &d.code, d, cap.login(), now).await?;
                report.updated += 1;
            }
        }
        if publish && !d.pending.is_empty() {
            report.incomplete += 1;
        } else if publish && crate::catalog_review::required(&mut tx, &d.region).await? {
            // The importer edited it: under 审核发布 someone else publishes it.
            report.awaiting_review += 1;
        } else if publish {
            store::catalog::publish(&mut tx, &d.code, now).await?;
            published.insert(d.code.clone());
        }
        if i % 200 == 0 || i + 1 == total {
            progress(i + 1, total);
        }
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    report.nothing_written = false;
    if !published.is_empty() {
        crate::index::rebuild(app, |_, _| {}).await?;
    }
    Ok(report)
}

fn to_rows<T>(cols: &[Column<T>], values: &[T]) -> Sheet {
    let mut out = vec![
        cols.iter()
            .map(|c| c.header.to_string())
            .collect::<Vec<_>>(),
    ];
    out.extend(
        values
            .iter()
            .map(|v| cols.iter().map(|c| (c.get)(v)).collect()),
    );
    out
}

/// The catalog in the import layout: item rows and material rows.
pub fn to_sheets(defs: &[ItemDefinition]) -> (Sheet, Sheet) {
    let materials: Vec<MaterialRow> = defs
        .iter()
        .flat_map(|d| {
            d.materials.iter().map(|m| MaterialRow {
                item_code: d.code.clone(),
                material: Some(m.clone()),
            })
        })
        .collect();
    (
        to_rows(&item_columns(), defs),
        to_rows(&material_columns(), &materials),
    )
}

pub fn write_xlsx(items: &Sheet, materials: &Sheet) -> Result<Vec<u8>> {
    workbook(&[(ITEM_SHEET, items), (MATERIAL_SHEET, materials)])
}

/// A one-sheet workbook (the dictionary, set-up tables).
pub fn write_sheet_xlsx(name: &str, sheet: &Sheet) -> Result<Vec<u8>> {
    workbook(&[(name, sheet)])
}

fn workbook(sheets: &[(&str, &Sheet)]) -> Result<Vec<u8>> {
    let xerr = |e: rust_xlsxwriter::XlsxError| AppError::Internal(format!("xlsx: {e}"));
    let mut wb = rust_xlsxwriter::Workbook::new();
    for (name, sheet) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(*name).map_err(xerr)?;
        for (r, row) in sheet.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                ws.write_string(r as u32, c as u16, v).map_err(xerr)?;
            }
        }
        ws.set_freeze_panes(1, 0).map_err(xerr)?;
    }
    wb.save_to_buffer().map_err(xerr)
}

pub fn write_csv(sheet: &Sheet) -> Result<Vec<u8>> {
    // A BOM lets spreadsheet programs open the UTF-8 file with Chinese intact.
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    for row in sheet {
        w.write_record(row)
            .map_err(|e| AppError::Internal(e.to_string()))?;
    }
    w.into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// The catalog an administrator maintains (their region and below, their department when
/// bound to one), drafts included, as an .xlsx download.
pub async fn export_xlsx(app: &App, cap: &CatalogAdmin) -> Result<Vec<u8>> {
    let mut c = app.store.conn().await?;
    let defs: Vec<ItemDefinition> = store::catalog::all_latest(&mut c)
        .await?
        .into_iter()
        .filter(|d| cap.scope().covers(&d.region, Some(&d.department)))
        .collect();
    let (items, materials) = to_sheets(&defs);
    write_xlsx(&items, &materials)
}

/// Writes the latest definition of every item (drafts included) to `path` (.xlsx or .csv).
pub async fn export(app: &App, path: &Path) -> Result<usize> {
    let mut c = app.store.conn().await?;
    let defs = store::catalog::all_latest(&mut c).await?;
    let (items, materials) = to_sheets(&defs);
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let write = |p: &Path, bytes: Vec<u8>| {
        std::fs::write(p, bytes).map_err(|e| file_error(format!("无法写入 {}：{e}", p.display())))
    };
    match ext.as_str() {
        "xlsx" => write(path, write_xlsx(&items, &materials)?)?,
        "csv" => {
            write(path, write_csv(&items)?)?;
            write(&materials_csv_path(path), write_csv(&materials)?)?;
        }
        _ => return Err(file_error("导出文件名须以 .xlsx 或 .csv 结尾")),
    }
    Ok(defs.len())
}

#[cfg(test)]
mod tests;
