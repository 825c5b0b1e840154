//! Reading the two sheets into definitions: every cell, duplicate and rule problem is
//! collected in one pass, and the definitions are kept beside their problems so that the
//! reference checks (departments, regions, parents) can report theirs in the same pass.

use std::collections::HashMap;

use domain::catalog::ItemDefinition;

use super::layout::{
    Column, ITEM_SHEET, MATERIAL_SHEET, MaterialRow, blank_item, header_of_field, item_columns,
    material_columns,
};
use super::{MAX_ROWS, RowError, Sheet};

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
            value: String::new(),
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
                value: cell.chars().take(20).collect(),
                sheet: sheet.into(),
                row: rownum,
                column: c.header.into(),
                message: "内容超过 5000 个字符".into(),
            });
        } else if let Err(message) = (c.set)(target, cell) {
            errors.push(RowError {
                value: cell.to_string(),
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
    match parse_rows(items, materials) {
        Ok((defs, errors)) if errors.is_empty() => Ok(defs.into_iter().map(|(_, d)| d).collect()),
        Ok((_, errors)) | Err(errors) => Err(errors),
    }
}

/// Definitions with their row numbers as the spreadsheet shows them.
pub(super) type Rows = Vec<(usize, ItemDefinition)>;

/// Like [`parse_sheets`], keeping each definition's row number, and the definitions even
/// when some rows have problems. Err only when the sheets cannot be read at all (too many
/// rows, a required column missing).
pub(super) fn parse_rows(
    items: &Sheet,
    materials: &Sheet,
) -> std::result::Result<(Rows, Vec<RowError>), Vec<RowError>> {
    if items.len() > MAX_ROWS + 1 || materials.len() > MAX_ROWS * 10 + 1 {
        return Err(vec![RowError {
            value: String::new(),
            sheet: ITEM_SHEET.into(),
            row: 0,
            column: String::new(),
            message: format!(
                "行数超过上限（事项 {MAX_ROWS} 行，材料 {} 行）：本文件事项 {} 行、材料 {} 行",
                MAX_ROWS * 10,
                items.len().saturating_sub(1),
                materials.len().saturating_sub(1)
            ),
        }]);
    }
    let icols = item_columns();
    let mcols = material_columns();
    let empty = Vec::new();
    let ipos = locate(ITEM_SHEET, items.first().unwrap_or(&empty), &icols);
    let mpos = locate(MATERIAL_SHEET, materials.first().unwrap_or(&empty), &mcols);
    let (ipos, mpos) = match (ipos, mpos) {
        (Ok(i), Ok(m)) => (i, m),
        (i, m) => {
            let mut errors = i.err().unwrap_or_default();
            errors.extend(m.err().unwrap_or_default());
            return Err(errors);
        }
    };
    let mut errors = Vec::new();
    let mut defs: Rows = Vec::new();
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
        let code = def.code.trim().to_string();
        if let Some(first) = by_code.get(&code) {
            errors.push(RowError {
                value: code.clone(),
                sheet: ITEM_SHEET.into(),
                row: rownum,
                column: "实施编码".into(),
                message: format!("实施编码与第 {} 行重复", defs[*first].0),
            });
            continue;
        }
        by_code.insert(code, defs.len());
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
        match (by_code.get(mr.item_code.trim()), mr.material) {
            (Some(idx), Some(m)) => defs[*idx].1.materials.push(m),
            (None, _) => errors.push(RowError {
                value: mr.item_code.clone(),
                sheet: MATERIAL_SHEET.into(),
                row: rownum,
                column: "实施编码".into(),
                message: "事项表中没有这个实施编码".into(),
            }),
            (Some(_), None) => {}
        }
    }
    for (rownum, def) in &mut defs {
        *def = crate::catalog::normalize(std::mem::replace(def, blank_item()));
        if let Err(problems) = def.validate() {
            for p in problems {
                let column = header_of_field(&p.field);
                // The cell as the row holds it, read back through the layout.
                let value = icols
                    .iter()
                    .find(|c| !column.is_empty() && c.header == column)
                    .map(|c| (c.get)(def))
                    .unwrap_or_default();
                errors.push(RowError {
                    value,
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
    Ok((defs, errors))
}
