//! Staff accounts in bulk: each gets a one-time password, shown once to the operator (printed
//! or written to a file) and changed at first login; only its hash is stored.

use std::collections::HashMap;

use domain::account::Role;

use super::SetupReport;
use super::table::Table;
use crate::auth::{NewStaff, SystemAdmin, TemporaryPassword};
use crate::exchange::Sheet;
use crate::{App, Result};

const LOGIN: &str = "登录名";
const NAME: &str = "姓名";
const ROLES: &str = "角色";
const REGION: &str = "所属区划";
const DEPARTMENT: &str = "所属部门编码";
const PHONE: &str = "手机号码";

/// The report, and the one-time passwords of the accounts created.
#[derive(Debug, Clone, Default)]
pub struct StaffImport {
    pub report: SetupReport,
    pub passwords: Vec<TemporaryPassword>,
}

fn column_of(field: &str) -> &'static str {
    match field {
        "login" => LOGIN,
        "name" => NAME,
        "roles" => ROLES,
        "region" => REGION,
        "department" => DEPARTMENT,
        _ => PHONE,
    }
}

/// Imports staff (登录名, 姓名, 角色 as labels or codes separated by 、, 所属区划, 所属部门编码 for
/// department roles, 手机号码). A login already taken by a staff account with the same name,
/// region and department counts as unchanged (the file can be run again); any other clash is
/// an error.
pub async fn import_staff(
    app: &App,
    cap: &SystemAdmin,
    sheet: &Sheet,
    dry_run: bool,
) -> Result<StaffImport> {
    let mut out = StaffImport::default();
    let report = &mut out.report;
    report.dry_run = dry_run;
    let t = match Table::new(
        "工作人员",
        sheet,
        &[LOGIN, NAME, ROLES, REGION],
        &[DEPARTMENT, PHONE],
        5_000,
    ) {
        Ok(t) => t,
        Err(e) => {
            out.report = SetupReport::refused(dry_run, e);
            return Ok(out);
        }
    };
    let regions = super::known_regions(app).await?;
    let mut conn = app.store.conn().await?;
    let departments: HashMap<String, String> = store::org::list_departments(&mut conn)
        .await?
        .into_iter()
        .map(|d| (d.code, d.region))
        .collect();
    let mut todo: Vec<NewStaff> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (n, row) in t.rows() {
        report.rows += 1;
        let before = report.errors.len();
        let roles_text = t.cell(row, ROLES);
        let mut roles = Vec::new();
        for r in roles_text
            .split(['、', ',', '，', ';', '；', '\n'])
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            match Role::parse(r) {
                Some(role) => roles.push(role),
                None => {
                    let known: Vec<&str> = Role::ALL.iter().map(|r| r.label()).collect();
                    report.errors.push(t.error(
                        n,
                        ROLES,
                        r,
                        format!("未知角色，可选：{}", known.join("、")),
                    ))
                }
            }
        }
        let mut region = t.cell(row, REGION);
        if let Ok(r) = domain::ids::RegionCode::parse(&region) {
            region = r.as_str().to_string();
        }
        let department = Some(t.cell(row, DEPARTMENT)).filter(|d| !d.is_empty());
        let s = NewStaff {
            login: t.cell(row, LOGIN),
            name: t.cell(row, NAME),
            phone: t.cell(row, PHONE),
            // Checked with a placeholder; the real one-time password is drawn when writing.
            password: "placeholder-Pass-2026".into(),
            roles,
            region: region.clone(),
            department: department.clone(),
        };
        if let Err(crate::AppError::Validation(problems)) = crate::auth::staff::check_staff(&s) {
            // An unknown role was named already; "choose at least one" would say it twice.
            let roles_named = report
                .errors
                .iter()
                .any(|e| e.row == n && e.column == ROLES);
            let problems = problems
                .into_iter()
                .filter(|p| p.field != "password" && !(p.field == "roles" && roles_named));
            report
                .errors
                .extend(t.problems(n, row, problems, column_of));
        }
        if domain::ids::RegionCode::parse(&region).is_ok() {
            if !regions.contains(&region) {
                report
                    .errors
                    .push(t.error(n, REGION, &region, "区划不存在：请先导入区划"));
            } else if !cap.covers_region(&region) {
                report
                    .errors
                    .push(t.error(n, REGION, &region, "不在本人管辖的区划内"));
            }
        }
        if let Some(d) = &department {
            match departments.get(d) {
                None => report.errors.push(t.error(
                    n,
                    DEPARTMENT,
                    d,
                    "部门不存在：请先导入部门（onewindow import departments）",
                )),
                Some(r) if *r != region => report.errors.push(t.error(
                    n,
                    DEPARTMENT,
                    d,
                    format!("部门属于区划 {r}，与所属区划 {region} 不一致"),
                )),
                _ => {}
            }
        }
        let login = s.login.clone();
        if let Some(first) = seen.get(&login) {
            report
                .errors
                .push(t.error(n, LOGIN, &login, format!("与第 {first} 行重复")));
            continue;
        }
        seen.insert(login.clone(), n);
        if let Some(a) = store::accounts::find_by_login(&mut conn, &login).await? {
            let same = a.kind == domain::account::AccountKind::Staff
                && a.display_name == s.name
                && a.region.as_deref() == Some(s.region.as_str())
                && a.department == s.department;
            if same {
                report.unchanged += 1;
            } else {
                report
                    .errors
                    .push(t.error(n, LOGIN, &login, "该登录名已被其他账号使用"));
            }
            continue;
        }
        if report.errors.len() == before {
            todo.push(s);
        }
    }
    drop(conn);
    report.errors.sort_by_key(|e| e.row);
    if !report.errors.is_empty() || dry_run {
        return Ok(out);
    }
    // Hashing is slow on purpose: done before the transaction, not inside it.
    let mut hashed = Vec::new();
    for mut s in todo {
        s.password = crate::auth::password::temporary_password()?;
        let hash = crate::auth::hash_password(&s.password).await?;
        hashed.push((s, hash));
    }
    let mut tx = app.store.begin().await?;
    for (s, hash) in &hashed {
        crate::auth::staff::insert_staff_in(&mut tx, app, s, hash, true, Some(cap.actor_id()))
            .await?;
        out.passwords.push(TemporaryPassword {
            login: s.login.clone(),
            name: s.name.clone(),
            password: s.password.clone(),
        });
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    out.report.added = out.passwords.len();
    Ok(out)
}
