//! Demo 通知公告, 政策解读 and news: posts that speak of the demo's own policies, items and
//! inspections, each marked 演示. One is pinned, one scheduled ahead, one expired, one waiting
//! for review (submitted by 王事项, for another editor to publish).

use domain::content::{PostKind, PostState};
use store::posts::PostRow;

use crate::demo_policies::{DISABILITY, DISABILITY_ITEM, EMPLOYMENT};
use crate::{App, Result};

/// The post waiting for review.
pub const IN_REVIEW: &str = "DEMO-POST-REVIEW";
/// The pinned notice.
pub const PINNED: &str = "DEMO-POST-NOTICE";

const DAY: i64 = 24 * 3600 * 1000;

struct Demo {
    id: &'static str,
    kind: PostKind,
    state: PostState,
    title: &'static str,
    body: &'static str,
    department: &'static str,
    region: &'static str,
    /// Days from now; the expiry 0 never.
    publish_in: i64,
    expires_in: Option<i64>,
    pinned: bool,
    author: &'static str,
    policies: &'static [&'static str],
    items: &'static [&'static str],
}

fn posts() -> Vec<Demo> {
    vec![
        Demo {
            id: PINNED,
            kind: PostKind::Notice,
            state: PostState::Published,
            title: "关于小微企业吸纳就业补贴免申即享认定结果的公示（演示）",
            body: "平台已按市场主体登记和社保参保数据，对在广安注册的小型和微型企业完成比对，符合条件的企业无需申请。\n\n已认定的企业可登录本平台，在“我的政策”中查看认定理由并确认收款账户；确认后由人社部门拨付。\n\n本公示为演示数据，不构成政策依据。",
            department: "511600-RSJ",
            region: "511600",
            publish_in: -2,
            expires_in: Some(28),
            pinned: true,
            author: "catalog",
            policies: &[EMPLOYMENT],
            items: &[],
        },
        Demo {
            id: "DEMO-POST-EMPLOYMENT",
            kind: PostKind::Interpretation,
            state: PostState::Published,
            title: "一文读懂：小微企业吸纳就业一次性补贴（演示）",
            body: "谁能享受：在广安注册、成立五年以内、参保职工五人以上的小型和微型企业，行业为餐饮、批发零售或制造业。\n\n怎么享受：免申即享。平台根据共享的登记和参保数据自动认定，并通过站内消息通知企业和法定代表人，企业只需确认收款账户。\n\n没有收到通知怎么办：可在“惠企政策”页面输入统一社会信用代码，查看每一项条件是否满足。\n\n本解读为演示数据，不构成政策依据。",
            department: "511600-RSJ",
            region: "511600",
            publish_in: -5,
            expires_in: None,
            pinned: false,
            author: "catalog",
            policies: &[EMPLOYMENT],
            items: &[],
        },
        Demo {
            id: "DEMO-POST-DISABILITY",
            kind: PostKind::Interpretation,
            state: PostState::Published,
            title: "困难残疾人生活补贴怎么申请（演示解读）",
            body: "申请条件：持有第二代《中华人民共和国残疾人证》、户籍在广安区，且为最低生活保障家庭中的残疾人。\n\n怎么申请：通过“困难残疾人生活补贴和重度残疾人护理补贴”事项在线申请，或到区政务服务中心民政窗口办理。平台暂无低保和残疾等级的共享数据，这两项由承办人员审核。\n\n本解读为演示数据，补贴标准以当地公布为准。",
            department: "511602-MZJ",
            region: "511602",
            publish_in: -3,
            expires_in: None,
            pinned: false,
            author: "catalog-gaq",
            policies: &[DISABILITY],
            items: &[DISABILITY_ITEM],
        },
        Demo {
            id: "DEMO-POST-NEWS",
            kind: PostKind::News,
            state: PostState::Published,
            title: "餐饮服务单位“双随机、一公开”季度抽查结果已公开（演示）",
            body: "市场监管部门按季度抽查计划，从持有食品经营许可证的餐饮服务单位中随机抽取检查对象和执法检查人员，抽取所用的随机种子随计划公开，任何人可以复核抽取结果。\n\n检查结果已在“双随机、一公开”页面公开。本新闻为演示数据。",
            department: "511600-SCJG",
            region: "511600",
            publish_in: -1,
            expires_in: None,
            pinned: false,
            author: "catalog",
            policies: &[],
            items: &[],
        },
        Demo {
            id: "DEMO-POST-SCHEDULED",
            kind: PostKind::Notice,
            state: PostState::Published,
            title: "关于食品经营许可系统升级期间暂停网上申请的通知（演示）",
            body: "系统升级期间，食品经营许可暂停网上申请，窗口照常受理。升级完成后恢复，已提交的申请不受影响。\n\n本通知为演示数据。",
            department: "511600-SCJG",
            region: "511600",
            publish_in: 3,
            expires_in: Some(10),
            pinned: false,
            author: "catalog",
            policies: &[],
            items: &[],
        },
        Demo {
            id: "DEMO-POST-EXPIRED",
            kind: PostKind::Notice,
            state: PostState::Published,
            title: "2026 年上半年就业补贴集中申报期安排（演示，已过期）",
            body: "上半年集中申报期已结束。本通知为演示数据。",
            department: "511600-RSJ",
            region: "511600",
            publish_in: -60,
            expires_in: Some(-30),
            pinned: false,
            author: "catalog",
            policies: &[],
            items: &[],
        },
        Demo {
            id: IN_REVIEW,
            kind: PostKind::Notice,
            state: PostState::InReview,
            title: "关于调整城市公交老年人免费乘车办理方式的通知（演示）",
            body: "即日起，户籍在广安市、年满 65 周岁的老年人不再需要办理老年卡，平台按户籍数据自动开通社保卡免费乘车功能。\n\n本通知为演示数据。",
            department: "511600-JTYSJ",
            region: "511600",
            publish_in: 0,
            expires_in: None,
            pinned: false,
            author: "catalog",
            policies: &[crate::demo_policies::ELDERLY],
            items: &[],
        },
    ]
}

/// Seeds the demo posts once; returns how many were added.
pub async fn seed(app: &App) -> Result<usize> {
    let now = app.now_ms();
    let mut tx = app.store.begin().await?;
    let mut added = 0;
    for d in posts() {
        if store::posts::post(&mut tx, d.id).await?.is_some() {
            continue;
        }
        let published = d.state == PostState::Published;
        let row = PostRow {
            id: d.id.into(),
            kind: d.kind.as_str().into(),
            state: d.state.as_str().into(),
            title: d.title.into(),
            body: d.body.into(),
            department: d.department.into(),
            region: d.region.into(),
            pinned: i64::from(d.pinned),
            publish_at: if published {
                now + d.publish_in * DAY
            } else {
                0
            },
            expires_at: d.expires_in.map(|e| now + e * DAY).unwrap_or(0),
            author: d.author.into(),
            submitted_by: d.author.into(),
            // The other city editor reviewed what 王事项 wrote; 王事项 reviewed the county's.
            reviewed_by: match (published, d.author) {
                (false, _) => String::new(),
                (true, "catalog") => "admin".into(),
                (true, _) => "catalog".into(),
            },
            created_at: now,
            updated_at: now,
            ..PostRow::default()
        };
        store::posts::save(&mut tx, &row).await?;
        let policies: Vec<String> = d.policies.iter().map(|s| s.to_string()).collect();
        let items: Vec<String> = d.items.iter().map(|s| s.to_string()).collect();
        store::posts::set_links(&mut tx, d.id, &policies, &items).await?;
        added += 1;
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    app.posts.forget()?;
    Ok(added)
}
