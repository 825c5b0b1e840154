//! Demo oversight: the twelve invented catering firms of the policy demo hold a 食品经营许可证,
//! one of them with an enterprise account; 市场监管局's approver draws a quarterly 双随机
//! plan over them (a real draw: its seed is random and recorded), the drawn inspectors record
//! their results (two passes, a rectification, a violation), and the violation is taken
//! through 立案, 调查, 告知 to a published decision.

use domain::account::{AccountKind, ApplicantKind};
use domain::ids::credit_check_char;
use domain::inspection::{Outcome, Plan};
use domain::penalty::{Action, Opening};
use store::accounts::AccountRow;

use crate::auth::actor_for_login;
use crate::{App, AppError, Result};

/// The catering firm with an account (its login is its credit code).
pub fn firm_code() -> String {
    code(0)
}

pub const FIRM_NAME: &str = "广安恒餐饮有限公司（演示）";

fn code(n: u32) -> String {
    let first = format!("91511602MA6P{n:05}");
    format!("{first}{}", credit_check_char(&first))
}

/// The catering firms of the policy demo (every fifth: industry H6210).
fn firms() -> Vec<(String, String)> {
    const PLACES: [&str; 6] = ["广安", "前锋", "华蓥", "岳池", "武胜", "邻水"];
    const MARKS: [&str; 7] = ["恒", "瑞", "盛", "和", "兴", "达", "安"];
    (0..60u32)
        .step_by(5)
        .map(|n| {
            let i = n as usize;
            (
                code(n),
                format!("{}{}餐饮有限公司（演示）", PLACES[i % 6], MARKS[i % 7]),
            )
        })
        .collect()
}

const FOOD_PERMIT: &str = "食品经营许可证";

fn internal(e: impl std::fmt::Debug) -> AppError {
    AppError::Internal(format!("demo oversight: {e:?}"))
}

pub(crate) async fn seed(
    app: &App,
    accounts: &mut Vec<crate::demo::DemoAccount>,
    password_hash: Option<String>,
) -> Result<()> {
    accounts.push(crate::demo::DemoAccount {
        login: firm_code(),
        role: "申请人（法人，持食品经营许可证）".into(),
        scope: FIRM_NAME.into(),
    });
    let mut tx = app.store.begin().await?;
    let permit = store::licenses::type_by_name(&mut tx, FOOD_PERMIT)
        .await?
        .ok_or_else(|| internal("no 食品经营许可证 type"))?;
    for (i, (holder, name)) in firms().iter().enumerate() {
        let held = store::licenses::of_holder(&mut tx, holder).await?;
        if held.iter().any(|l| l.type_code == permit.code) {
            continue;
        }
        let issued =
            time::Date::from_calendar_date(2024 + (i as i32 % 2), time::Month::March, 1 + i as u8)
                .map_err(internal)?;
        crate::licenses::register_existing(
            &mut tx,
            app,
            &permit.code,
            holder,
            name,
            Default::default(),
            issued,
        )
        .await?;
    }
    if store::accounts::find_by_login(&mut tx, &firm_code())
        .await?
        .is_none()
    {
        let hash = match password_hash {
            Some(h) => h,
            None => crate::auth::hash_password(crate::demo::DEMO_PASSWORD).await?,
        };
        store::accounts::insert_account(
            &mut tx,
            &AccountRow {
                id: uuid::Uuid::now_v7().to_string(),
                login: firm_code(),
                kind: AccountKind::from(ApplicantKind::Enterprise),
                display_name: FIRM_NAME.into(),
                phone: "13800000000".into(),
                legal_representative: Some("赵六".into()),
                password_hash: hash,
                region: None,
                department: None,
                roles: String::new(),
                created_at: app.now_ms(),
                disabled: 0,
            },
        )
        .await?;
    }
    let planned = !store::oversight::plans(&mut tx).await?.is_empty();
    tx.commit().await.map_err(store::StoreError::from)?;
    if !planned {
        quarter(app).await?;
    }
    Ok(())
}

/// The quarter's plan, drawn, its results recorded and its violation decided.
async fn quarter(app: &App) -> Result<()> {
    let approver = actor_for_login(app, "approver").await?;
    let plan = Plan {
        title: "2026 年第四季度餐饮服务单位双随机抽查（演示）".into(),
        department: "511600-SCJG".into(),
        region: "511602".into(),
        license_types: vec![FOOD_PERMIT.into()],
        scope: "经营场所卫生、从业人员健康证明、进货查验记录、餐具消毒".into(),
        targets: 4,
        inspectors_per_target: 2,
    };
    let id = crate::oversight::inspections::create(app, &approver, &plan).await?;
    let drawn = crate::oversight::inspections::draw(app, &approver, &id).await?;
    // Findings only for firms without an account: the firm with one starts with a clean
    // record (the browser test gives it its own finding).
    let mut findings = vec![
        (Outcome::Violation, "从业人员未取得健康证明上岗"),
        (Outcome::Rectify, "生熟食品未分开存放，责令当场整改"),
    ];
    let mut violation = None;
    for a in &drawn.assignments {
        let inspector = actor_for_login(app, &login_of(app, &a.inspectors[0].id).await?).await?;
        let (outcome, text) = if a.target.id == firm_code() {
            (Outcome::Passed, "")
        } else {
            findings.pop().unwrap_or((Outcome::Passed, ""))
        };
        crate::oversight::inspections::record(app, &inspector, &id, &a.target.id, outcome, text)
            .await?;
        if outcome == Outcome::Violation {
            violation = Some((a.target.clone(), inspector));
        }
    }
    let Some((target, inspector)) = violation else {
        return Ok(());
    };
    let opening = Opening {
        holder_id: target.id.clone(),
        holder_name: target.name.clone(),
        legal_basis: "《中华人民共和国食品安全法》第四十五条、第一百二十六条（演示）".into(),
        facts: "双随机抽查发现 2 名从业人员未取得健康证明上岗".into(),
    };
    let pid = crate::oversight::penalties::open(
        app,
        &approver,
        &plan.department,
        Some((&id, &target.id)),
        &opening,
    )
    .await?;
    for (who, action) in [
        (
            &inspector,
            Action::Investigate {
                evidence: "现场检查笔录、从业人员名单及健康证明核对记录".into(),
            },
        ),
        (
            &inspector,
            Action::Notify {
                intended: "警告".into(),
            },
        ),
        (
            &approver,
            Action::Decide {
                penalized: true,
                fine: 0,
                text: "给予警告，责令 10 日内改正（演示）".into(),
            },
        ),
    ] {
        crate::oversight::penalties::step(app, who, &pid, &action).await?;
    }
    Ok(())
}

async fn login_of(app: &App, account_id: &str) -> Result<String> {
    let mut c = app.store.conn().await?;
    Ok(store::accounts::get_account(&mut c, account_id)
        .await?
        .login)
}
