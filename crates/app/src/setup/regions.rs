//! A county's regions below the national list: townships (9-digit 统计用区划代码) and villages
//! or communities (12-digit), or any region missing from the shipped list.

use std::collections::{HashMap, HashSet};

use domain::ids::RegionCode;
use domain::org::Region;

use super::SetupReport;
use crate::auth::SystemAdmin;
use crate::exchange::Sheet;
use crate::{App, Result};

const CODE: &str = "区划代码";
const NAME: &str = "区划名称";
const PARENT: &str = "上级区划代码";

/// Imports regions (columns 区划代码, 区划名称, optionally 上级区划代码); a region's parent must
/// exist already or come in the same file. Existing regions get the file's name.
pub async fn import_regions(
    app: &App,
    cap: &SystemAdmin,
    sheet: &Sheet,
    dry_run: bool,
) -> Result<SetupReport> {
    let spec = ("区划", &[CODE, NAME][..], &[PARENT][..], 100_000);
    let (t, mut report) = match SetupReport::start(dry_run, sheet, spec) {
        Ok(started) => started,
        Err(refused) => return Ok(refused),
    };
    let mut conn = app.store.conn().await?;
    let existing: HashMap<String, String> = store::org::list_regions(&mut conn)
        .await?
        .into_iter()
        .map(|r| (r.code, r.name))
        .collect();
    drop(conn);
    let mut parsed: Vec<(usize, RegionCode, String)> = Vec::new();
    let mut first_row: HashMap<String, usize> = HashMap::new();
    for (n, row) in t.rows() {
        report.rows += 1;
        let raw = t.cell(row, CODE);
        let name = t.cell(row, NAME);
        let code = match RegionCode::parse(&raw) {
            Ok(c) => c,
            Err(e) => {
                report.errors.push(t.error(
                    n,
                    CODE,
                    &raw,
                    format!("{e}（应为 6 位县级以上、9 位乡镇或 12 位村级代码）"),
                ));
                continue;
            }
        };
        let region = Region {
            code: code.as_str().to_string(),
            name: name.clone(),
        };
        // The parent is checked below against the file as a whole.
        if let Err(problems) = region.validate(|_| true) {
            for p in problems.iter().filter(|p| p.field == "name") {
                report
                    .errors
                    .push(t.error(n, NAME, &name, p.message.clone()));
            }
        }
        let given = t.cell(row, PARENT);
        if !given.is_empty() {
            let derived = code
                .parent()
                .map(|p| p.as_str().to_string())
                .unwrap_or_default();
            let given_code = RegionCode::parse(&given).map(|c| c.as_str().to_string());
            if given_code.as_deref() != Ok(derived.as_str()) {
                report.errors.push(t.error(
                    n,
                    PARENT,
                    &given,
                    format!("与区划代码不符：{} 的上级应为 {derived}", code.as_str()),
                ));
            }
        }
        if !cap.covers_region(code.as_str()) {
            report
                .errors
                .push(t.error(n, CODE, code.as_str(), "不在本人管辖的区划内"));
        }
        if let Some(first) = first_row.get(code.as_str()) {
            report
                .errors
                .push(t.error(n, CODE, code.as_str(), format!("与第 {first} 行重复")));
            continue;
        }
        first_row.insert(code.as_str().to_string(), n);
        parsed.push((n, code, name));
    }
    let in_file: HashSet<&str> = parsed.iter().map(|(_, c, _)| c.as_str()).collect();
    for (n, code, _) in &parsed {
        if let Some(p) = code.parent()
            && !existing.contains_key(p.as_str())
            && !in_file.contains(p.as_str())
        {
            report.errors.push(t.error(
                *n,
                CODE,
                code.as_str(),
                format!("上级区划 {p} 不存在：请先导入它，或在同一文件中列出"),
            ));
        }
    }
    report.errors.sort_by_key(|e| e.row);
    if !report.errors.is_empty() || dry_run {
        return Ok(report);
    }
    parsed.sort_by_key(|(_, c, _)| (c.as_str().len(), c.as_str().to_string()));
    let mut tx = app.store.begin().await?;
    for (_, code, name) in &parsed {
        match existing.get(code.as_str()) {
            Some(old) if old == name => {
                report.unchanged += 1;
                continue;
            }
            Some(_) => report.updated += 1,
            None => report.added += 1,
        }
        let r = Region {
            code: code.as_str().to_string(),
            name: name.clone(),
        };
        store::org::upsert_region(&mut tx, &r, code).await?;
    }
    report
        .record(&mut tx, app, cap.actor_id(), "regions_imported")
        .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    // Every node's copies of the organisation (this one's at once, not in 30 s).
    crate::cluster::tell(app, crate::cluster::Change::Org).await;
    Ok(report)
}
