//! Staff accounts: created by a system administrator within their region, or the first
//! administrator from the command line; listed for administrators.

use domain::Problems;
use domain::account::{self, AccountKind, Role};
use domain::ids::mask_middle;
use store::accounts::{self as acc, AccountRow};

use super::{SystemAdmin, hash_password};
use crate::{App, AppError, Result};

/// A staff account to create.
#[derive(Debug, Clone)]
pub struct NewStaff {
    pub login: String,
    pub name: String,
    pub phone: String,
    pub password: String,
    pub roles: Vec<Role>,
    pub region: String,
    pub department: Option<String>,
}

fn validate_staff(s: &NewStaff) -> Result<()> {
    let mut p = Problems::default();
    p.text("login", &s.login, "登录名", 32);
    if !s
        .login
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
    {
        p.push(
            "login",
            "invalid_char",
            "登录名只能包含字母、数字、“_”“-”“.”",
        );
    }
    p.text("name", &s.name, "姓名", 30);
    account::validate_password(
        "password",
        &s.password,
        &[s.login.trim(), s.phone.trim()],
        &mut p,
    );
    if s.roles.is_empty() {
        p.push("roles", "required", "至少选择一个角色");
    }
    if s.department.is_none() && s.roles.iter().any(|r| !r.is_region_wide()) {
        p.push("department", "required", "承办、批准人员必须属于一个部门");
    }
    if let Err(e) = domain::ids::RegionCode::parse(&s.region) {
        p.push("region", "invalid", format!("所属区划代码无效：{e}"));
    }
    Ok(p.into_result()?)
}

/// Creates the account; `by` (an account id) is recorded as its creator when there is one.
async fn insert_staff(app: &App, s: &NewStaff, by: Option<&str>) -> Result<String> {
    validate_staff(s)?;
    let hash = hash_password(&s.password).await?;
    let mut tx = app.store.begin().await?;
    let id = insert_staff_in(&mut tx, app, s, &hash, false, by).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(id)
}

/// Checks a new staff account (the caller hashes the password outside the transaction).
pub(crate) fn check_staff(s: &NewStaff) -> Result<()> {
    validate_staff(s)
}

/// Writes a checked staff account in the caller's transaction; `temporary` marks a password
/// to change at first login (accounts created in bulk).
pub(crate) async fn insert_staff_in(
    tx: &mut store::Connection,
    app: &App,
    s: &NewStaff,
    hash: &str,
    temporary: bool,
    by: Option<&str>,
) -> Result<String> {
    if !store::org::region_exists(&mut *tx, &s.region).await? {
        return Err(AppError::field(
            "region",
            "unknown",
            format!("区划 {} 不存在", s.region),
        ));
    }
    if let Some(d) = &s.department {
        let dept = store::org::get_department(&mut *tx, d)
            .await
            .map_err(|_| AppError::field("department", "unknown", format!("部门 {d} 不存在")))?;
        if dept.region != s.region {
            return Err(AppError::field(
                "department",
                "inconsistent",
                "部门不属于所选区划",
            ));
        }
    }
    let id = uuid::Uuid::now_v7().to_string();
    let row = AccountRow {
        id: id.clone(),
        login: s.login.trim().to_string(),
        kind: AccountKind::Staff,
        display_name: s.name.trim().to_string(),
        phone: s.phone.trim().to_string(),
        legal_representative: None,
        password_hash: hash.to_string(),
        region: Some(s.region.clone()),
        department: s.department.clone(),
        roles: s
            .roles
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(","),
        created_at: app.now_ms(),
        disabled: 0,
    };
    acc::insert_account(&mut *tx, &row)
        .await
        .map_err(|e| match e {
            store::StoreError::Conflict { .. } => {
                AppError::field("login", "taken", "该登录名已被使用")
            }
            other => other.into(),
        })?;
    let detail = serde_json::json!({ "login": row.login, "roles": row.roles, "region": s.region });
    if temporary {
        acc::set_password(&mut *tx, &id, hash, true).await?;
    }
    crate::audit::admin(
        &mut *tx,
        app,
        by.filter(|b| !b.is_empty()).unwrap_or("command_line"),
        "staff_created",
        &id,
        detail,
    )
    .await?;
    Ok(id)
}

/// A system administrator creates a staff account within their own region.
pub async fn create_staff(app: &App, cap: &SystemAdmin, s: &NewStaff) -> Result<String> {
    if !cap.scope().covers(&s.region, None) {
        return Err(AppError::Forbidden("只能在本人管辖的区划内创建账号".into()));
    }
    insert_staff(app, s, Some(cap.actor_id())).await
}

/// `onewindow admin create`: the bootstrap system administrator, from the command line only.
pub async fn bootstrap_admin(
    app: &App,
    login: &str,
    name: &str,
    password: &str,
    region: &str,
) -> Result<String> {
    insert_staff(
        app,
        &NewStaff {
            login: login.into(),
            name: name.into(),
            phone: String::new(),
            password: password.into(),
            roles: vec![Role::SystemAdmin, Role::CatalogAdmin],
            region: region.into(),
            department: None,
        },
        None,
    )
    .await
}

/// A staff member as listed to an administrator.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StaffView {
    pub login: String,
    pub name: String,
    pub roles: Vec<&'static str>,
    pub region: String,
    pub department: String,
    pub phone_masked: String,
}

pub async fn list_staff(app: &App, cap: &SystemAdmin) -> Result<Vec<StaffView>> {
    let mut c = app.store.conn().await?;
    let rows = acc::list_staff(&mut c).await?;
    Ok(rows
        .into_iter()
        .filter(|r| cap.scope().covers(r.region.as_deref().unwrap_or(""), None))
        .map(|r| StaffView {
            roles: r
                .roles
                .split(',')
                .filter_map(Role::parse)
                .map(|x| x.label())
                .collect(),
            login: r.login,
            name: r.display_name,
            region: r.region.unwrap_or_default(),
            department: r.department.unwrap_or_default(),
            phone_masked: mask_middle(&r.phone, 3, 4),
        })
        .collect())
}
