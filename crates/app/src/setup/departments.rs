//! 实施机关 from a spreadsheet: code, name, region, 统一社会信用代码 (check character verified),
//! phone and address.

use std::collections::HashMap;

use domain::org::Department;

use super::placed::Placed;
use super::table::Table;
use super::{SetupReport, TableSpec};
use crate::auth::SystemAdmin;
use crate::exchange::RowError;
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
    let report = super::placed::import::<Department>(app, cap, sheet, dry_run).await?;
    if report.written() {
        // Every node's copies of the organisation (this one's at once, not in 30 s).
        crate::cluster::tell(app, crate::cluster::Change::Org).await;
    }
    Ok(report)
}

impl Placed for Department {
    const SPEC: TableSpec = (
        "部门",
        &[CODE, NAME, REGION, CREDIT],
        &[SHORT, PHONE, ADDRESS, PARENT],
        10_000,
    );
    const PLACE: (&'static str, &'static str) = (CODE, REGION);
    const ACTION: &'static str = "departments_imported";

    fn code(&self) -> &str {
        &self.code
    }

    fn region(&self) -> &str {
        &self.region
    }

    fn read(t: &Table<'_>, n: usize, row: &[String], errors: &mut Vec<RowError>) -> Self {
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
        if let Err(problems) = d.validate() {
            errors.extend(t.problems(n, row, problems, column_of));
        }
        d
    }

    fn check_file(
        t: &Table<'_>,
        good: &[Self],
        existing: &HashMap<String, Self>,
        errors: &mut Vec<RowError>,
    ) {
        check_credit_codes(t, errors);
        check_parents(t, good, existing, errors);
    }

    async fn stored(conn: &mut store::Connection) -> store::Result<Vec<Self>> {
        store::org::list_departments(conn).await
    }

    async fn upsert(tx: &mut store::Connection, d: &Self) -> store::Result<()> {
        store::org::upsert_department(tx, d).await
    }
}

/// A 统一社会信用代码 names one organ: no two rows of the file share one.
fn check_credit_codes(t: &Table<'_>, errors: &mut Vec<RowError>) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (n, row) in t.rows() {
        let credit = t.cell(row, CREDIT).to_ascii_uppercase();
        if credit.is_empty() {
            continue;
        }
        if let Some(first) = seen.get(&credit) {
            errors.push(t.error(
                n,
                CREDIT,
                &credit,
                format!("与第 {first} 行的部门相同：一个机关只有一个统一社会信用代码"),
            ));
        } else {
            seen.insert(credit, n);
        }
    }
}

/// Every 上级部门编码 names a department in the file or already there, and following parents
/// never comes back to where it started.
fn check_parents(
    t: &Table<'_>,
    good: &[Department],
    existing: &HashMap<String, Department>,
    errors: &mut Vec<RowError>,
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
            errors.push(t.error(n, PARENT, &d.parent, "上级部门不存在：须在本文件中或已导入"));
            continue;
        }
        let mut at = d.parent.as_str();
        for _ in 0..parent_of.len() {
            if at == d.code {
                errors.push(t.error(
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
