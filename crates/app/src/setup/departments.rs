//! 实施机关 from a spreadsheet: code, name, region, 统一社会信用代码 (check character verified),
//! phone and address.

use std::collections::HashMap;

use domain::org::Department;

use super::SetupReport;
use super::table::Table;
use crate::auth::SystemAdmin;
use crate::exchange::Sheet;
use crate::{App, Result};

const CODE: &str = "部门编码";
const NAME: &str = "部门名称";
const SHORT: &str = "部门简称";
const REGION: &str = "所属区划";
const CREDIT: &str = "统一社会信用代码";
const PHONE: &str = "联系电话";
const ADDRESS: &str = "办公地址";
const PARENT: &str = "上级部门编码";

fn column_of(field: &str) -> &'static str {
    match field {
        "code" => CODE,
        "name" => NAME,
        "short_name" => SHORT,
        "region" => REGION,
        "credit_code" => CREDIT,
        "phone" => PHONE,
        "parent" => PARENT,
        _ => ADDRESS,
    }
}

/// Imports departments; the region must exist (import regions first). A department already
/// there gets the file's values.
pub async fn import_departments(
    app: &App,
    cap: &SystemAdmin,
    sheet: &Sheet,
    dry_run: bool,
) -> Result<SetupReport> {
    let spec = (
        "部门",
        &[CODE, NAME, REGION, CREDIT][..],
        &[SHORT, PHONE, ADDRESS, PARENT][..],
        10_000,
    );
    let (t, mut report) = match SetupReport::start(dry_run, sheet, spec) {
        Ok(started) => started,
        Err(refused) => return Ok(refused),
    };
    let mut conn = app.store.conn().await?;
    let stored = store::org::list_departments(&mut conn).await?;
    drop(conn);
    let existing = super::by_code(stored, |d: &Department| &d.code);
    let mut place = super::Placement::new(app, cap, "部门", (CODE, REGION)).await?;
    let mut credit_seen: HashMap<String, usize> = HashMap::new();
    let mut good = Vec::new();
    for (n, row) in t.rows() {
        report.rows += 1;
        let mut d = Department {
            code: t.cell(row, CODE),
            name: t.cell(row, NAME),
            short_name: t.cell(row, SHORT),
            region: t.cell(row, REGION),
            credit_code: t.cell(row, CREDIT).to_ascii_uppercase(),
            phone: t.cell(row, PHONE),
            address: t.cell(row, ADDRESS),
            parent: t.cell(row, PARENT),
        };
        if let Ok(r) = domain::ids::RegionCode::parse(&d.region) {
            d.region = r.as_str().to_string();
        }
        let before = report.errors.len();
        if let Err(problems) = d.validate() {
            for p in problems {
                let col = column_of(&p.field);
                report
                    .errors
                    .push(t.error(n, col, &t.cell(row, col), p.message));
            }
        }
        let owner = existing.get(&d.code).map(|o| o.region.as_str());
        place.check(&t, n, &d.code, &d.region, owner, &mut report.errors);
        if !d.credit_code.is_empty() {
            if let Some(first) = credit_seen.get(&d.credit_code) {
                report.errors.push(t.error(
                    n,
                    CREDIT,
                    &d.credit_code,
                    format!("与第 {first} 行的部门相同：一个机关只有一个统一社会信用代码"),
                ));
            } else {
                credit_seen.insert(d.credit_code.clone(), n);
            }
        }
        if report.errors.len() == before {
            good.push(d);
        }
    }
    check_parents(&t, &good, &existing, &mut report);
    // In row order, so that a reader goes down the file once.
    report.errors.sort_by_key(|e| e.row);
    if !report.errors.is_empty() || dry_run {
        return Ok(report);
    }
    let mut tx = app.store.begin().await?;
    for d in report.tally(&good, &existing, |d| &d.code) {
        store::org::upsert_department(&mut tx, d).await?;
    }
    report
        .record(&mut tx, app, cap.actor_id(), "departments_imported")
        .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    // Every node's copies of the organisation (this one's at once, not in 30 s).
    crate::cluster::tell(app, crate::cluster::Change::Org).await;
    Ok(report)
}

/// Every 上级部门编码 names a department in the file or already there, and following parents
/// never comes back to where it started.
fn check_parents(
    t: &Table<'_>,
    good: &[Department],
    existing: &HashMap<String, Department>,
    report: &mut SetupReport,
) {
    let mut parent_of: HashMap<&str, &str> = existing
        .values()
        .map(|d| (d.code.as_str(), d.parent.as_str()))
        .collect();
    let mut in_file: HashMap<&str, &Department> = HashMap::new();
    for d in good {
        parent_of.insert(d.code.as_str(), d.parent.as_str());
        in_file.insert(d.code.as_str(), d);
    }
    for (n, row) in t.rows() {
        let code = t.cell(row, CODE);
        let Some(d) = in_file.get(code.as_str()) else {
            continue;
        };
        if d.parent.is_empty() {
            continue;
        }
        if !parent_of.contains_key(d.parent.as_str()) {
            report.errors.push(t.error(
                n,
                PARENT,
                &d.parent,
                "上级部门不存在：须在本文件中或已导入",
            ));
            continue;
        }
        let mut at = d.parent.as_str();
        for _ in 0..parent_of.len() {
            if at == d.code {
                report.errors.push(t.error(
                    n,
                    PARENT,
                    &d.parent,
                    "上级部门形成循环：沿上级部门向上又回到了本部门",
                ));
                break;
            }
            match parent_of.get(at) {
                Some(p) if !p.is_empty() => at = p,
                _ => break,
            }
        }
    }
}
