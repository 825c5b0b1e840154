//! Demo 惠企政策: what shared data (市场主体登记, 社保参保, 户籍) would tell the platform about
//! the demo enterprise, sixty invented enterprises and thirty invented residents; a 免申即享
//! subsidy for small employers published and run (so its grants and ledger exist), a
//! non-money benefit for residents of 65 and over, and a draft. Every policy is marked 演示:
//! none of them is a real policy, and their terms are not law.

use domain::ids::credit_check_char;
use domain::policy::{Clause, Mode, PolicyState, Rule, Target, Terms, Test};
use store::policies::{PolicyRow, SubjectRow};
use time::macros::date;

use crate::demo::{demo_credit_code, demo_id_number};
use crate::{App, AppError, Result};

/// The published 免申即享 subsidy (its grants include the demo enterprise).
pub const EMPLOYMENT: &str = "DEMO-POLICY-EMPLOYMENT";
/// The published benefit for older residents.
pub const ELDERLY: &str = "DEMO-POLICY-ELDERLY";
/// A draft, seen only by its officers.
pub const DRAFT: &str = "DEMO-POLICY-DRAFT";
/// A published 申报 policy, applied for through a county item.
pub const DISABILITY: &str = "DEMO-POLICY-DISABILITY";
/// 困难残疾人生活补贴和重度残疾人护理补贴 of 广安区 (民政局), the item of [`DISABILITY`].
pub const DISABILITY_ITEM: &str = "1151160200019689174200080006001";

const NOT_LAW: &str = "演示数据，不构成政策依据";

/// Who the [`EMPLOYMENT`] subsidy is for: small employers founded in the last five years.
pub fn employment_rule() -> Rule {
    Rule {
        target: Target::Enterprise,
        clauses: vec![
            Clause::new("size", Test::OneOf(vec!["小型".into(), "微型".into()])),
            Clause::new("region", Test::Under(vec!["5116".into()])),
            Clause::new("years_registered", Test::AtMost(5)),
            Clause::new("employees", Test::AtLeast(5)),
            Clause::new(
                "industry",
                Test::Under(vec!["H".into(), "F".into(), "C".into()]),
            ),
        ],
    }
}

/// Who the [`ELDERLY`] benefit is for: residents of 65 and over.
pub fn elderly_rule() -> Rule {
    Rule {
        target: Target::Person,
        clauses: vec![
            Clause::new("age", Test::AtLeast(65)),
            Clause::new("hukou_region", Test::Under(vec!["5116".into()])),
        ],
    }
}

fn policies() -> Vec<(&'static str, Terms, PolicyState)> {
    let employment = Terms {
        title: "小微企业吸纳就业一次性补贴（演示）".into(),
        document: "广安人社演〔2026〕1号（演示）".into(),
        department: "511600-RSJ".into(),
        region: "511600".into(),
        benefit: "一次性吸纳就业补贴".into(),
        amount: 200_000,
        legal_basis: format!("演示文件第三条（{NOT_LAW}）"),
        summary: "在广安注册、成立五年以内、参保职工五人以上的小型和微型企业（餐饮、批发零售、制造业），由平台根据市场主体登记和社保参保数据自动认定，企业确认收款账户后拨付，无需申请。".into(),
        mode: Mode::Exempt,
        item_code: String::new(),
        valid_from: date!(2026 - 01 - 01),
        valid_until: date!(2027 - 12 - 31),
        rule: employment_rule(),
    };
    let elderly = Terms {
        title: "65 周岁以上老年人免费乘坐城市公交（演示）".into(),
        document: "广安交运演〔2026〕2号（演示）".into(),
        department: "511600-JTYSJ".into(),
        region: "511600".into(),
        benefit: "社保卡开通免费乘车功能".into(),
        amount: 0,
        legal_basis: format!("演示文件第二条（{NOT_LAW}）"),
        summary: "户籍在广安市、年满 65 周岁的老年人，平台按户籍数据自动开通，无需办理老年卡。"
            .into(),
        mode: Mode::Exempt,
        item_code: String::new(),
        valid_from: date!(2026 - 01 - 01),
        valid_until: date!(2028 - 12 - 31),
        rule: elderly_rule(),
    };
    let draft = Terms {
        title: "专精特新中小企业认定奖励（演示，草稿）".into(),
        document: "待定".into(),
        department: "511600-SCJG".into(),
        region: "511600".into(),
        benefit: "一次性奖励".into(),
        amount: 5_000_000,
        legal_basis: NOT_LAW.into(),
        summary: String::new(),
        mode: Mode::Exempt,
        item_code: String::new(),
        valid_from: date!(2027 - 01 - 01),
        valid_until: date!(2027 - 12 - 31),
        rule: Rule {
            target: Target::Enterprise,
            clauses: vec![
                Clause::new("size", Test::OneOf(vec!["中型".into(), "小型".into()])),
                Clause::new("industry", Test::Under(vec!["C".into()])),
            ],
        },
    };
    // 申报: the platform holds no 低保 or 残疾等级 data, so a person reviews each application
    // and the rule is not the item's 秒批 condition (its page offers that to the item's admin).
    let disability = Terms {
        title: "困难残疾人生活补贴（演示）".into(),
        document: "广安区民政演〔2026〕3号（演示）".into(),
        department: "511602-MZJ".into(),
        region: "511602".into(),
        benefit: "困难残疾人生活补贴，按月发放（标准以当地公布为准）".into(),
        amount: 0,
        legal_basis: format!(
            "《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》（国发〔2015〕52号）；演示条款（{NOT_LAW}）"
        ),
        summary: "持第二代残疾人证、户籍在广安区的低保家庭残疾人，通过“困难残疾人生活补贴和重度残疾人护理补贴”事项申报。平台暂无低保和残疾等级的共享数据，这两项由承办人员审核。".into(),
        mode: Mode::Apply,
        item_code: DISABILITY_ITEM.into(),
        valid_from: date!(2026 - 01 - 01),
        valid_until: date!(2028 - 12 - 31),
        rule: Rule {
            target: Target::Person,
            clauses: vec![
                Clause::new("licenses", Test::Holds("中华人民共和国残疾人证".into())),
                Clause::new("hukou_region", Test::Under(vec!["511602".into()])),
            ],
        },
    };
    vec![
        (DISABILITY, disability, PolicyState::Published),
        (EMPLOYMENT, employment, PolicyState::Published),
        (ELDERLY, elderly, PolicyState::Published),
        (DRAFT, draft, PolicyState::Draft),
    ]
}

const SIZES: [&str; 4] = ["微型", "小型", "小型", "中型"];
const TRADES: [(&str, &str); 5] = [
    ("H6210", "餐饮"),
    ("F5211", "商贸"),
    ("C1391", "食品"),
    ("E4813", "建设"),
    ("I6513", "软件"),
];
const PLACES: [&str; 6] = ["广安", "前锋", "华蓥", "岳池", "武胜", "邻水"];

/// What shared data says about the demo's subjects.
fn subjects(now: i64) -> Vec<SubjectRow> {
    let mut out = vec![SubjectRow {
        subject_id: demo_credit_code(),
        target: "enterprise".into(),
        name: "广安市演示餐饮有限公司".into(),
        industry: "H6210".into(),
        size: "微型".into(),
        region: "511602".into(),
        registered_on: "2024-05-20".into(),
        employees: 8,
        source: "市场主体登记、社保参保（演示）".into(),
        updated_at: now,
        ..SubjectRow::default()
    }];
    for n in 0..60u32 {
        let first = format!("91511602MA6P{n:05}");
        let (industry, trade) = TRADES[n as usize % TRADES.len()];
        out.push(SubjectRow {
            subject_id: format!("{first}{}", credit_check_char(&first)),
            target: "enterprise".into(),
            name: format!(
                "{}{}{trade}有限公司（演示）",
                PLACES[n as usize % PLACES.len()],
                ["恒", "瑞", "盛", "和", "兴", "达", "安"][n as usize % 7]
            ),
            industry: industry.into(),
            size: SIZES[n as usize % SIZES.len()].into(),
            region: if n % 5 == 4 { "511621" } else { "511602" }.into(),
            registered_on: format!("{}-0{}-1{}", 2016 + n % 10, 1 + n % 9, n % 10),
            employees: i64::from((n * 7) % 40),
            source: "市场主体登记、社保参保（演示）".into(),
            updated_at: now,
            ..SubjectRow::default()
        });
    }
    for n in 0..30u32 {
        let birth = format!("{}0{}1{}", 1940 + n * 2, 1 + n % 9, n % 10);
        out.push(SubjectRow {
            subject_id: demo_id_number(&birth, &format!("{:03}", 300 + n)),
            target: "person".into(),
            name: format!("演示居民{:02}", n + 1),
            hukou_region: if n % 4 == 3 { "500101" } else { "511602" }.into(),
            source: "公安人口库（演示）".into(),
            updated_at: now,
            ..SubjectRow::default()
        });
    }
    out
}

/// Seeds the subjects and the policies (once) and runs the published ones; returns the
/// grants made.
pub async fn seed(app: &App) -> Result<u64> {
    let now = app.now_ms();
    let mut tx = app.store.begin().await?;
    for s in subjects(now) {
        store::policies::upsert_subject(&mut tx, &s).await?;
    }
    let mut fresh = Vec::new();
    for (id, terms, state) in policies() {
        if store::policies::policy(&mut tx, id).await?.is_some() {
            continue;
        }
        terms
            .validate()
            .map_err(|e| AppError::Internal(format!("demo policy {id}: {e:?}")))?;
        let json = serde_json::to_string(&terms).map_err(|e| AppError::Internal(e.to_string()))?;
        store::policies::insert_policy(
            &mut tx,
            &PolicyRow {
                id: id.into(),
                department: terms.department.clone(),
                region: terms.region.clone(),
                terms: json.clone(),
                title: terms.title.clone(),
                target: terms.rule.target.as_str().into(),
                mode: terms.mode.as_str().into(),
                state: PolicyState::Draft.as_str().into(),
                created_by: "catalog".into(),
                created_at: now,
                ..PolicyRow::default()
            },
        )
        .await?;
        if state == PolicyState::Published {
            store::policies::publish(&mut tx, id, &json, "catalog", now).await?;
            if terms.mode == Mode::Exempt {
                fresh.push(id);
            }
        }
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    let mut granted = 0;
    for id in fresh {
        granted += crate::policies::run(app, id).await?.granted;
    }
    Ok(granted)
}
