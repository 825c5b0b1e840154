//! Demo rights by level in 广安区: the district centre accepts and concludes its six items; the
//! township centres and a village station accept some and conclude fewer; 民政局 has devolved
//! 困难残疾人生活补贴 to 北辰街道 (taken over) and offered it to 广福街道 from next year (pending).
//! The bases name the demo's own list: they are not a real 实施清单.

use store::rights::{DelegationRow, RightRow};

use crate::{App, Result};

const CENTRE: &str = "511602-ZWZX";
/// 北辰街道便民服务中心.
pub const BEICHEN: &str = "511602001-BMFW";
/// 广福街道便民服务中心.
pub const GUANGFU: &str = "511602002-BMFW";
const WUFU: &str = "511602001001-BMFW";

const SHOP: &str = "11511602006582128Q4010010006001";
const MARRIAGE: &str = "1151160200019689174070080004001";
const DIVORCE: &str = "1151160200019689174070080004002";
pub const DIBAO: &str = "1151160200019689174200080005001";
const DISABILITY: &str = crate::demo_policies::DISABILITY_ITEM;
const VETERANS: &str = "1151160200381166944200190001001";

/// The delegation 北辰街道 took over.
pub const DEVOLVED: &str = "DEMO-DELEGATION-BEICHEN";
/// The one 广福街道 has not answered yet.
pub const OFFERED: &str = "DEMO-DELEGATION-GUANGFU";

const LIST: &str = "广安区政务服务事项实施清单（演示）";

/// (point, item, guide, accept, conclude).
const RIGHTS: &[(&str, &str, bool, bool, bool)] = &[
    (CENTRE, SHOP, true, true, true),
    (CENTRE, MARRIAGE, true, true, true),
    (CENTRE, DIVORCE, true, true, true),
    (CENTRE, DIBAO, true, true, true),
    (CENTRE, DISABILITY, true, true, true),
    (CENTRE, VETERANS, true, true, true),
    (BEICHEN, SHOP, true, true, true),
    (BEICHEN, DIBAO, true, true, false),
    (BEICHEN, MARRIAGE, true, false, false),
    (BEICHEN, VETERANS, true, true, false),
    (GUANGFU, DIBAO, true, true, false),
    (GUANGFU, DISABILITY, true, true, false),
    (WUFU, DIBAO, true, true, false),
    (WUFU, DISABILITY, true, true, false),
];

/// Seeds the rights and delegations once.
pub async fn seed(app: &App) -> Result<()> {
    let now = app.now_ms();
    let mut tx = app.store.begin().await?;
    if store::rights::delegation(&mut tx, DEVOLVED)
        .await?
        .is_some()
    {
        return Ok(());
    }
    for (point, item, guide, accept, conclude) in RIGHTS {
        store::rights::set_right(
            &mut tx,
            &RightRow {
                point: point.to_string(),
                item_code: item.to_string(),
                guide: (*guide).into(),
                accept: (*accept).into(),
                conclude: (*conclude).into(),
                basis: if *accept { LIST.into() } else { String::new() },
                updated_by: "catalog-gaq".into(),
                updated_at: now,
            },
        )
        .await?;
    }
    let this_year = domain::calendar::china_date(app.now()).year();
    for (id, receiver, kind, starts, takeover, decided_by) in [
        (
            DEVOLVED,
            BEICHEN,
            "devolve",
            format!("{this_year}-01-01"),
            "accepted",
            "catalog",
        ),
        (
            OFFERED,
            GUANGFU,
            "entrust",
            format!("{}-01-01", this_year + 1),
            "pending",
            "",
        ),
    ] {
        store::rights::insert_delegation(
            &mut tx,
            &DelegationRow {
                id: id.into(),
                kind: kind.into(),
                item_code: DISABILITY.into(),
                delegator: "511602-MZJ".into(),
                receiver: receiver.into(),
                starts,
                ends: String::new(),
                basis: "广安区民政局关于下放部分民政服务事项的通知（演示）".into(),
                takeover: "pending".into(),
                created_by: "catalog-gaq".into(),
                created_at: now,
                ..DelegationRow::default()
            },
        )
        .await?;
        if takeover != "pending" {
            store::rights::decide(&mut tx, id, takeover, decided_by, now).await?;
        }
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(())
}
