//! One-sheet tables (regions, departments, staff, synonyms) as .xlsx or UTF-8 .csv, read by
//! their headers so that columns may come in any order.

use std::collections::HashMap;
use std::path::Path;

use crate::Result;
use crate::exchange::{RowError, Sheet, file_error, read_csv, read_one_sheet};

/// Reads the first sheet of an .xlsx workbook, or a UTF-8 .csv file.
pub fn read_table(path: &Path) -> Result<Sheet> {
    let bytes =
        std::fs::read(path).map_err(|e| file_error(format!("无法读取 {}：{e}", path.display())))?;
    read_upload(&path.display().to_string(), bytes)
}

/// Reads an uploaded or read file by its name's extension: the first sheet of an .xlsx
/// workbook, or a UTF-8 .csv file.
pub fn read_upload(name: &str, bytes: Vec<u8>) -> Result<Sheet> {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "xlsx" | "xlsm" => read_one_sheet(bytes, ""),
        "csv" => read_csv(&bytes),
        _ => Err(file_error(format!(
            "只支持 .xlsx 和 .csv 文件，“{name}”不是"
        ))),
    }
}

/// A table's columns by header.
pub(super) struct Table<'a> {
    pub sheet: &'static str,
    sheet_rows: &'a Sheet,
    at: HashMap<&'static str, usize>,
}

impl<'a> Table<'a> {
    /// Finds the columns; a missing required one is the file's only problem worth telling.
    pub fn new(
        sheet: &'static str,
        rows: &'a Sheet,
        required: &[&'static str],
        optional: &[&'static str],
        max_rows: usize,
    ) -> std::result::Result<Table<'a>, Vec<RowError>> {
        let file_problem = |message: String| {
            vec![RowError {
                sheet: sheet.into(),
                row: 1,
                column: String::new(),
                value: String::new(),
                message,
            }]
        };
        if rows.len() > max_rows + 1 {
            return Err(file_problem(format!(
                "行数超过上限 {max_rows}：本文件 {} 行；请检查是否选错了文件",
                rows.len() - 1
            )));
        }
        let header = rows.first().cloned().unwrap_or_default();
        let mut at = HashMap::new();
        for h in required.iter().chain(optional) {
            if let Some(i) = header.iter().position(|x| x.trim() == *h) {
                at.insert(*h, i);
            }
        }
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|h| !at.contains_key(h))
            .collect();
        if !missing.is_empty() {
            return Err(file_problem(format!(
                "缺少必需的列：{}（第 1 行应为列名：{}）",
                missing.join("、"),
                required.join("、")
            )));
        }
        Ok(Table {
            sheet,
            sheet_rows: rows,
            at,
        })
    }

    /// Data rows that are not blank, with their row numbers as the spreadsheet shows them.
    pub fn rows(&self) -> impl Iterator<Item = (usize, &'a Vec<String>)> + '_ {
        self.sheet_rows
            .iter()
            .enumerate()
            .skip(1)
            .filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()))
            .map(|(i, r)| (i + 1, r))
    }

    /// A cell, trimmed; empty when the column is absent.
    pub fn cell(&self, row: &[String], header: &str) -> String {
        self.at
            .get(header)
            .and_then(|i| row.get(*i))
            .map(|c| c.trim().to_string())
            .unwrap_or_default()
    }

    /// The problems `validate` found in row `n`, each in the column of its field.
    pub fn problems(
        &self,
        n: usize,
        row: &[String],
        problems: impl IntoIterator<Item = domain::error::FieldError>,
        column_of: fn(&str) -> &'static str,
    ) -> impl Iterator<Item = RowError> {
        problems.into_iter().map(move |p| {
            let col = column_of(&p.field);
            self.error(n, col, &self.cell(row, col), p.message)
        })
    }

    pub fn error(
        &self,
        row: usize,
        column: &str,
        value: &str,
        message: impl Into<String>,
    ) -> RowError {
        RowError {
            sheet: self.sheet.into(),
            row,
            column: column.into(),
            value: value.to_string(),
            message: message.into(),
        }
    }
}
