//! Bulk import of existing (paper-era) licenses into the register, from .xlsx (first sheet,
//! or the sheet named 证照) or a UTF-8 CSV. Columns: 证照类型 (name or code), 持证主体名称,
//! 持证主体证件号码, 签发日期 (YYYY-MM-DD); any further column is a field of the license type,
//! by its label. All or nothing: one bad row and nothing is written; the report names every
//! rejected row and column.

use std::collections::BTreeMap;
use std::path::Path;

use crate::exchange::{MAX_ROWS, RowError, Sheet, file_error, read_csv};
use crate::{App, AppError, Result};

const SHEET: &str = "证照";
const FIXED: [&str; 4] = ["证照类型", "持证主体名称", "持证主体证件号码", "签发日期"];

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct LicenseImportReport {
    pub rows: usize,
    pub imported: usize,
    /// Rows already in the register (same type, holder and issue date): left alone.
    pub existing: usize,
    pub errors: Vec<RowError>,
    pub dry_run: bool,
}

pub fn read_file(path: &Path) -> Result<Sheet> {
    let bytes =
        std::fs::read(path).map_err(|e| file_error(format!("无法读取 {}：{e}", path.display())))?;
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_lowercase)
        .as_deref()
    {
        Some("xlsx") => crate::exchange::read_one_sheet(bytes, SHEET),
        Some("csv") => read_csv(&bytes),
        _ => Err(file_error("只支持 .xlsx 或 .csv 文件")),
    }
}

struct Row {
    type_code: String,
    holder_id: String,
    holder_name: String,
    issued: time::Date,
    fields: BTreeMap<String, String>,
}

/// Checks every row, then writes all of them in one transaction (unless `dry_run` or any
/// row is wrong).
pub async fn import(app: &App, sheet: Sheet, dry_run: bool) -> Result<LicenseImportReport> {
    let mut report = LicenseImportReport {
        dry_run,
        ..Default::default()
    };
    let Some((header, rows)) = sheet.split_first() else {
        return Err(file_error("文件是空的"));
    };
    if rows.len() > MAX_ROWS {
        return Err(file_error(format!(
            "最多导入 {MAX_ROWS} 行，文件有 {} 行",
            rows.len()
        )));
    }
    let header: Vec<String> = header.iter().map(|h| h.trim().to_string()).collect();
    // Where each fixed column is; a missing one is an error here, before any row is read.
    let mut fixed = std::collections::HashMap::new();
    for f in FIXED {
        let at = header
            .iter()
            .position(|h| h == f)
            .ok_or_else(|| file_error(format!("缺少列“{f}”")))?;
        fixed.insert(f, at);
    }
    let col = |name: &str| fixed.get(name).copied().unwrap_or(usize::MAX);
    let mut conn = app.store.conn().await?;
    let types = store::licenses::types(&mut conn).await?;
    drop(conn);
    let mut parsed = Vec::new();
    let err = |row: usize, column: &str, message: String| RowError {
        value: String::new(),
        sheet: SHEET.into(),
        row,
        column: column.into(),
        message,
    };
    for (i, r) in rows.iter().enumerate() {
        let n = i + 2;
        let cell = |c: usize| r.get(c).map(|s| s.trim()).unwrap_or("");
        if r.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        report.rows += 1;
        let type_text = cell(col("证照类型"));
        let Some(t) = types
            .iter()
            .find(|t| t.name == type_text || t.code == type_text)
        else {
            report.errors.push(err(
                n,
                "证照类型",
                format!("没有名为“{type_text}”的证照类型"),
            ));
            continue;
        };
        let issued = match time::Date::parse(
            cell(col("签发日期")),
            time::macros::format_description!("[year]-[month]-[day]"),
        ) {
            Ok(d) => d,
            Err(_) => {
                report.errors.push(err(
                    n,
                    "签发日期",
                    format!("“{}”不是 YYYY-MM-DD 格式的日期", cell(col("签发日期"))),
                ));
                continue;
            }
        };
        let holder_name = cell(col("持证主体名称"));
        if holder_name.is_empty() {
            report
                .errors
                .push(err(n, "持证主体名称", "不能为空".into()));
            continue;
        }
        let mut fields = BTreeMap::new();
        let mut bad = false;
        for (c, h) in header
            .iter()
            .enumerate()
            .filter(|(_, h)| !FIXED.contains(&h.as_str()) && !h.is_empty())
        {
            if !t.fields.iter().any(|f| &f.label == h) {
                report
                    .errors
                    .push(err(n, h, format!("“{}”没有照面项目“{h}”", t.name)));
                bad = true;
                continue;
            }
            if !cell(c).is_empty() {
                fields.insert(h.clone(), cell(c).to_string());
            }
        }
        if !bad {
            parsed.push((
                n,
                Row {
                    type_code: t.code.clone(),
                    holder_id: cell(col("持证主体证件号码")).to_uppercase(),
                    holder_name: holder_name.to_string(),
                    issued,
                    fields,
                },
            ));
        }
    }
    let mut tx = app.store.begin().await?;
    for (n, r) in parsed {
        let held = store::licenses::of_holder(&mut tx, &r.holder_id).await?;
        let issued = format!(
            "{}-{:02}-{:02}",
            r.issued.year(),
            r.issued.month() as u8,
            r.issued.day()
        );
        if held
            .iter()
            .any(|l| l.type_code == r.type_code && l.issued == issued && l.case_id.is_none())
        {
            report.existing += 1;
            continue;
        }
        match crate::licenses::register_existing(
            &mut tx,
            app,
            &r.type_code,
            &r.holder_id,
            &r.holder_name,
            r.fields,
            r.issued,
        )
        .await
        {
            Ok(_) => report.imported += 1,
            Err(AppError::Validation(v)) => report
                .errors
                .extend(v.into_iter().map(|e| err(n, "持证主体证件号码", e.message))),
            Err(e) => return Err(e),
        }
    }
    if !report.errors.is_empty() {
        // Dropping the transaction rolls everything back.
        report.imported = 0;
        return Ok(report);
    }
    if dry_run {
        // `imported` counts what would be written.
        return Ok(report);
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(report)
}
