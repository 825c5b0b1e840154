//! Catalog import and export as Excel (.xlsx, two sheets 事项 and 材料) or CSV (two files:
//! `NAME.csv` for items and `NAME.materials.csv` for materials), in the layout of
//! [`layout`]. Import is all-or-nothing: every row is checked first and the report lists
//! every rejected row with its column and reason; only a clean file is written, in one
//! transaction. Real catalogs arrive from provincial systems with thousands of rows, and a
//! half-imported catalog is worse than none.

pub mod diff;
pub mod layout;

use std::collections::{HashMap, HashSet};
use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader};
use domain::catalog::ItemDefinition;
use layout::{
    Column, ITEM_SHEET, MATERIAL_SHEET, MaterialRow, blank_item, header_of_field, item_columns,
    material_columns,
};

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
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.column.is_empty() {
            write!(f, "{} 第 {} 行：{}", self.sheet, self.row, self.message)
        } else {
            write!(
                f,
                "{} 第 {} 行【{}】：{}",
                self.sheet, self.row, self.column, self.message
            )
        }
    }
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

/// Maps each column of `layout` to its position in `header`; reports missing required ones.
fn locate<T>(
    sheet: &str,
    header: &[String],
    cols: &[Column<T>],
) -> std::result::Result<Vec<Option<usize>>, Vec<RowError>> {
    let pos: Vec<Option<usize>> = cols
        .iter()
        .map(|c| header.iter().position(|h| h.trim() == c.header))
        .collect();
    let missing: Vec<&str> = cols
        .iter()
        .zip(&pos)
        .filter(|(c, p)| c.required && p.is_none())
        .map(|(c, _)| c.header)
        .collect();
    if missing.is_empty() {
        Ok(pos)
    } else {
        Err(vec![RowError {
            sheet: sheet.into(),
            row: 1,
            column: String::new(),
            message: format!("缺少必需的列：{}", missing.join("、")),
        }])
    }
}

fn fill<T>(
    sheet: &str,
    rownum: usize,
    row: &[String],
    cols: &[Column<T>],
    pos: &[Option<usize>],
    target: &mut T,
    errors: &mut Vec<RowError>,
) {
    for (c, p) in cols.iter().zip(pos) {
        let Some(p) = p else { continue };
        let cell = row.get(*p).map(String::as_str).unwrap_or("");
        if cell.chars().count() > 5000 {
            errors.push(RowError {
                sheet: sheet.into(),
                row: rownum,
                column: c.header.into(),
                message: "内容超过 5000 个字符".into(),
            });
        } else if let Err(message) = (c.set)(target, cell) {
            errors.push(RowError {
                sheet: sheet.into(),
                row: rownum,
                column: c.header.into(),
                message,
            });
        }
    }
}

fn blank(row: &[String]) -> bool {
    row.iter().all(|c| c.trim().is_empty())
}

/// Turns the two sheets into definitions, collecting every problem with its row and column.
pub fn parse_sheets(
    items: &Sheet,
    materials: &Sheet,
) -> std::result::Result<Vec<ItemDefinition>, Vec<RowError>> {
    parse_rows(items, materials).map(|v| v.into_iter().map(|(_, d)| d).collect())
}

/// Like [`parse_sheets`], keeping each definition's row number as the spreadsheet shows it.
fn parse_rows(
    items: &Sheet,
    materials: &Sheet,
) -> std::result::Result<Vec<(usize, ItemDefinition)>, Vec<RowError>> {
    if items.len() > MAX_ROWS + 1 || materials.len() > MAX_ROWS * 10 + 1 {
        return Err(vec![RowError {
            sheet: ITEM_SHEET.into(),
            row: 0,
            column: String::new(),
            message: format!("行数超过上限（事项 {MAX_ROWS} 行）"),
        }]);
    }
    let icols = item_columns();
    let mcols = material_columns();
    let empty = Vec::new();
    let ipos = locate(ITEM_SHEET, items.first().unwrap_or(&empty), &icols)?;
    let mpos = locate(MATERIAL_SHEET, materials.first().unwrap_or(&empty), &mcols)?;
    let mut errors = Vec::new();
    let mut defs: Vec<(usize, ItemDefinition)> = Vec::new();
    let mut by_code: HashMap<String, usize> = HashMap::new();
    for (i, row) in items.iter().enumerate().skip(1) {
        if blank(row) {
            continue;
        }
        let rownum = i + 1;
        let mut def = blank_item();
        fill(
            ITEM_SHEET,
            rownum,
            row,
            &icols,
            &ipos,
            &mut def,
            &mut errors,
        );
        if let Some(first) = by_code.get(&def.code) {
            errors.push(RowError {
                sheet: ITEM_SHEET.into(),
                row: rownum,
                column: "实施编码".into(),
                message: format!("实施编码 {} 与第 {} 行重复", def.code, defs[*first].0),
            });
            continue;
        }
        by_code.insert(def.code.clone(), defs.len());
        defs.push((rownum, def));
    }
    for (i, row) in materials.iter().enumerate().skip(1) {
        if blank(row) {
            continue;
        }
        let rownum = i + 1;
        let mut mr = MaterialRow::default();
        fill(
            MATERIAL_SHEET,
            rownum,
            row,
            &mcols,
            &mpos,
            &mut mr,
            &mut errors,
        );
        match (by_code.get(&mr.item_code), mr.material) {
            (Some(idx), Some(m)) => defs[*idx].1.materials.push(m),
            (None, _) => errors.push(RowError {
                sheet: MATERIAL_SHEET.into(),
                row: rownum,
                column: "实施编码".into(),
                message: format!("事项表中没有实施编码 {}", mr.item_code),
            }),
            (Some(_), None) => {}
        }
    }
    for (rownum, def) in &mut defs {
        *def = crate::catalog::normalize(std::mem::replace(def, blank_item()));
        if let Err(problems) = def.validate() {
            for p in problems {
                let column = header_of_field(&p.field);
                errors.push(RowError {
                    sheet: ITEM_SHEET.into(),
                    row: *rownum,
                    column: if column.is_empty() {
                        p.field.clone()
                    } else {
                        column.into()
                    },
                    message: p.message,
                });
            }
        }
    }
    if errors.is_empty() {
        Ok(defs)
    } else {
        Err(errors)
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
    let rows = match parse_rows(items, materials) {
        Ok(d) => d,
        Err(errors) => {
            report.errors = errors;
            return Ok(report);
        }
    };
    report.items_read = rows.len();
    let mut tx = app.store.begin().await?;
    let departments: HashMap<String, String> = store::org::list_departments(&mut tx)
        .await?
        .into_iter()
        .map(|d| (d.code, d.region))
        .collect();
    for (row, d) in &rows {
        let mut err = |column: &str, message: String| {
            report.errors.push(RowError {
                sheet: ITEM_SHEET.into(),
                row: *row,
                column: column.into(),
                message,
            })
        };
        match departments.get(&d.department) {
            None => err("实施机关编码", format!("部门 {} 不存在", d.department)),
            Some(r) if *r != d.region => err(
                "实施区划",
                format!("实施区划应与实施机关所在区划（{r}）一致"),
            ),
            _ => {}
        }
        for c in d
            .co_departments
            .iter()
            .filter(|c| !departments.contains_key(*c))
        {
            err("联办机构", format!("联办部门 {c} 不存在"));
        }
        if !cap.scope().covers(&d.region, Some(&d.department)) {
            err("实施区划", "不在本人管辖范围内".into());
        }
    }
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
        if publish && crate::catalog_review::required(&mut tx, &d.region).await? {
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
    let xerr = |e: rust_xlsxwriter::XlsxError| AppError::Internal(format!("xlsx: {e}"));
    let mut wb = rust_xlsxwriter::Workbook::new();
    for (name, sheet) in [(ITEM_SHEET, items), (MATERIAL_SHEET, materials)] {
        let ws = wb.add_worksheet();
        ws.set_name(name).map_err(xerr)?;
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
