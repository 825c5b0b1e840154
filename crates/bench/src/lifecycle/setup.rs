//! Preparing a database for the lifecycle benchmark: the demo catalog and departments, staff
//! of the 公安 department, registered applicants who each hold an electronic 居民户口簿 (so
//! one material is satisfied by an e-license), all through the application's own use cases.

use app::App;
use app::auth::NewStaff;
use domain::account::{ApplicantRegistration, Role};
use domain::catalog::ItemDefinition;

/// 居民身份证补领（丢失）, 广安市公安局: three materials (the application form, the household
/// register, the portrait and fingerprints), the household register held as an e-license by
/// every applicant, and a new 居民身份证 e-license issued at the end.
pub const ITEM_CODE: &str = "11511600008745808R3200030003003";
pub const DEPARTMENT: &str = "511600-GAJ";
pub const REGION: &str = "511600";
/// Benchmark accounts only ever exist in benchmark databases; the password is printed nowhere.
pub const PASSWORD: &str = "OneWindow-bench-2026";

pub struct Prepared {
    pub item: ItemDefinition,
    pub applicants: Vec<String>,
    pub clerks: Vec<String>,
    pub reviewers: Vec<String>,
    pub approvers: Vec<String>,
}

use crate::explain;

/// A valid 18-digit ID number for applicant `i` (birth dates from 1960 on, check digit by
/// GB 11643).
pub fn id_number(i: usize) -> String {
    let birth = time::Date::from_calendar_date(1960, time::Month::January, 1)
        .expect("a fixed valid date")
        + time::Duration::days((i / 999) as i64);
    let first17 = format!(
        "511602{:04}{:02}{:02}{:03}",
        birth.year(),
        birth.month() as u8,
        birth.day(),
        i % 999 + 1
    );
    let check = domain::ids::id_check_char(&first17);
    format!("{first17}{check}")
}

fn person_name(i: usize) -> String {
    const SURNAMES: [&str; 10] = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"];
    const GIVEN: [&str; 10] = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋"];
    format!(
        "{}{}{}",
        SURNAMES[i % 10],
        GIVEN[(i / 10) % 10],
        GIVEN[(i / 100) % 10]
    )
}

/// Creates what the run needs; safe to run twice on one database.
pub async fn prepare(app: &App, applicants: usize, staff_each: usize) -> anyhow::Result<Prepared> {
    app::demo::load(app).await.map_err(explain)?;
    let item = {
        let mut c = app.store.conn().await?;
        let row = store::catalog::get_item(&mut c, ITEM_CODE).await?;
        let v = row
            .current_version
            .ok_or_else(|| anyhow::anyhow!("事项 {ITEM_CODE} 尚未发布"))?;
        store::catalog::get_version(&mut c, ITEM_CODE, v)
            .await?
            .definition
    };

    let admin = "bench-admin";
    ignore_taken(app::auth::bootstrap_admin(app, admin, "压测管理员", PASSWORD, REGION).await)?;
    let cap = app::auth::actor_for_login(app, admin)
        .await
        .map_err(explain)?
        .system_admin()
        .map_err(explain)?;
    let staff = |role: Role, prefix: &str| {
        (0..staff_each)
            .map(|i| (role, format!("bench-{prefix}-{i}")))
            .collect::<Vec<_>>()
    };
    let (clerks, reviewers, approvers) = (
        staff(Role::Clerk, "clerk"),
        staff(Role::Reviewer, "reviewer"),
        staff(Role::Approver, "approver"),
    );
    for (role, login) in clerks.iter().chain(&reviewers).chain(&approvers) {
        let s = NewStaff {
            login: login.clone(),
            name: format!("压测{}", role.label()),
            phone: String::new(),
            password: PASSWORD.into(),
            roles: vec![*role],
            region: REGION.into(),
            department: (*role != Role::Clerk).then(|| DEPARTMENT.to_string()),
        };
        ignore_taken(app::auth::create_staff(app, &cap, &s).await)?;
    }

    let mut logins = Vec::with_capacity(applicants);
    let mut sheet = vec![license_header()];
    for i in 0..applicants {
        let id = id_number(i);
        let reg = ApplicantRegistration::NaturalPerson {
            id_number: id.clone(),
            name: person_name(i),
            phone: format!("1380000{:04}", i % 10_000),
            password: PASSWORD.into(),
        };
        ignore_taken(app::auth::register_by_operator(app, reg).await)?;
        sheet.push(vec![
            "居民户口簿".into(),
            person_name(i),
            id.clone(),
            "2020-01-01".into(),
        ]);
        logins.push(id);
    }
    import_licenses(app, sheet).await?;
    let names = |v: Vec<(Role, String)>| v.into_iter().map(|(_, l)| l).collect();
    Ok(Prepared {
        item,
        applicants: logins,
        clerks: names(clerks),
        reviewers: names(reviewers),
        approvers: names(approvers),
    })
}

/// An account that already exists from an earlier run is fine.
fn ignore_taken<T>(r: app::Result<T>) -> anyhow::Result<()> {
    match r {
        Ok(_) => Ok(()),
        Err(app::AppError::Validation(v)) if v.iter().all(|f| f.code == "taken") => Ok(()),
        Err(e) => Err(explain(e)),
    }
}

fn license_header() -> Vec<String> {
    ["证照类型", "持证主体名称", "持证主体证件号码", "签发日期"]
        .map(String::from)
        .to_vec()
}

/// Gives each (name, ID number) an electronic 居民户口簿 through the bulk license import.
pub async fn household_registers(app: &App, holders: &[(String, String)]) -> anyhow::Result<()> {
    let mut sheet = vec![license_header()];
    for (name, id) in holders {
        sheet.push(vec![
            "居民户口簿".into(),
            name.clone(),
            id.clone(),
            "2020-01-01".into(),
        ]);
    }
    import_licenses(app, sheet).await
}

async fn import_licenses(app: &App, sheet: Vec<Vec<String>>) -> anyhow::Result<()> {
    let report = app::license_import::import(app, sheet, false)
        .await
        .map_err(explain)?;
    if !report.errors.is_empty() {
        anyhow::bail!("导入户口簿电子证照失败：{:?}", report.errors);
    }
    Ok(())
}
