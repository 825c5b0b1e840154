//! Rights by level: what each service point may do with each item (咨询引导, 收件受理, 办结), set
//! by the catalog administrators of the point's region (or of the item's department there),
//! and delegations (下放, 委托) that a department makes of an item's power to a point below it,
//! taken over (承接) by the receiving side, which change the point's rights from their start.
//! Every point publishes what it can accept and conclude.

use domain::ids::RegionCode;
use domain::rights::{self as rt, Delegation, DelegationDraft, DelegationKind, Powers, Takeover};
use domain::service_point::ServicePoint;
use store::catalog::ItemRow;
use store::rights::{DelegationRow, RightRow};

use crate::auth::Actor;
use crate::{App, AppError, Result};

/// One item at one point.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ItemRight {
    pub item_code: String,
    pub item_name: String,
    /// Its own powers and those of delegations in force, together.
    pub powers: Powers,
    pub basis: String,
    /// Delegations in force that give it, described.
    pub via: Vec<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct DelegationView {
    pub id: String,
    pub kind: DelegationKind,
    pub item_code: String,
    pub item_name: String,
    pub delegator_name: String,
    pub receiver: String,
    pub receiver_name: String,
    pub starts: String,
    pub ends: String,
    pub basis: String,
    pub takeover: Takeover,
    pub in_force: bool,
    /// The actor may take it over or decline it now.
    pub may_decide: bool,
}

/// What a point publishes.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PointRights {
    pub point: ServicePoint,
    pub kind_label: String,
    pub items: Vec<ItemRight>,
    pub accept_count: usize,
    pub conclude_count: usize,
    pub delegations: Vec<DelegationView>,
    /// The actor may set this point's rights (for items of their scope).
    pub may_manage: bool,
    /// Cases it received for other offices and results collected there (收件与办结分离).
    pub figures: store::cases::points::PointFigures,
}

fn day(app: &App) -> time::Date {
    domain::calendar::china_date(app.now())
}

fn delegation_of(r: &DelegationRow) -> Result<Delegation> {
    let bad = || AppError::Internal(format!("delegation {}", r.id));
    let date = |s: &str| domain::calendar::parse_iso_date(s).map_err(|_| bad());
    Ok(Delegation {
        id: r.id.clone(),
        kind: DelegationKind::parse(&r.kind).ok_or_else(bad)?,
        item_code: r.item_code.clone(),
        delegator: r.delegator.clone(),
        receiver: r.receiver.clone(),
        starts: date(&r.starts)?,
        ends: if r.ends.is_empty() {
            None
        } else {
            Some(date(&r.ends)?)
        },
        takeover: Takeover::parse(&r.takeover).ok_or_else(bad)?,
    })
}

fn powers_of(r: &RightRow) -> Powers {
    Powers {
        guide: r.guide != 0,
        accept: r.accept != 0,
        conclude: r.conclude != 0,
    }
}

async fn point(c: &mut store::Connection, code: &str) -> Result<ServicePoint> {
    store::service_points::get(c, code.trim())
        .await?
        .ok_or_else(|| AppError::NotFound(format!("服务场所 {code}")))
}

async fn item(c: &mut store::Connection, code: &str) -> Result<ItemRow> {
    store::catalog::find_item(c, code.trim())
        .await?
        .ok_or_else(|| {
            AppError::field(
                "item_code",
                "unknown",
                format!("事项目录中没有编码为“{}”的事项", code.trim()),
            )
        })
}

fn within(region: &str, of: &str) -> bool {
    matches!(
        (RegionCode::parse(region), RegionCode::parse(of)),
        (Ok(r), Ok(o)) if r.is_within(&o)
    )
}

/// Whether the actor may decide for the receiving point: an administrator of its region
/// without a department (the point's own level), who did not write the delegation.
fn may_decide(actor: &Actor, receiver: &ServicePoint, row: &DelegationRow) -> bool {
    actor
        .catalog_admin()
        .is_ok_and(|a| a.covers(&receiver.region, None) && a.login() != row.created_by)
        && row.takeover == Takeover::Pending.as_str()
}

/// A delegation to `receiver` as its page shows it, with the names already read.
fn view(
    actor: &Actor,
    receiver: &ServicePoint,
    r: &DelegationRow,
    (item_name, delegator_name): (String, String),
    today: time::Date,
) -> Result<DelegationView> {
    let d = delegation_of(r)?;
    Ok(DelegationView {
        id: r.id.clone(),
        kind: d.kind,
        item_code: r.item_code.clone(),
        item_name,
        delegator_name,
        receiver: r.receiver.clone(),
        receiver_name: receiver.name.clone(),
        starts: r.starts.clone(),
        ends: r.ends.clone(),
        basis: r.basis.clone(),
        takeover: d.takeover,
        in_force: d.in_force(today),
        may_decide: may_decide(actor, receiver, r),
    })
}

/// What a point may do with each item today, with the delegations to it: public.
pub async fn point_rights(app: &App, actor: &Actor, code: &str) -> Result<PointRights> {
    let today = day(app);
    let mut c = app.store.conn().await?;
    let p = point(&mut c, code).await?;
    let own = store::rights::rights_of(&mut c, &p.code).await?;
    let rows = store::rights::delegations_to(&mut c, &p.code, "").await?;
    // Every item named on the page in one query, departments from the cache: a township's
    // point lists a few hundred items.
    let mut named: Vec<String> = own.iter().map(|r| r.item_code.clone()).collect();
    named.extend(rows.iter().map(|r| r.item_code.clone()));
    named.sort();
    named.dedup();
    let names = store::catalog::item_names(&mut c, &named).await?;
    let name_of = |code: &str| names.get(code).cloned().unwrap_or_else(|| code.to_string());
    let mut delegations = Vec::with_capacity(rows.len());
    for r in &rows {
        let delegator = app.department_name(&mut c, &r.delegator).await;
        let names = (name_of(&r.item_code), delegator);
        delegations.push(view(actor, &p, r, names, today)?);
    }
    let mut codes: Vec<String> = own.iter().map(|r| r.item_code.clone()).collect();
    codes.extend(
        delegations
            .iter()
            .filter(|d| d.in_force)
            .map(|d| d.item_code.clone()),
    );
    codes.sort();
    codes.dedup();
    let mut items = Vec::new();
    for code in codes {
        let mine = own.iter().find(|r| r.item_code == code);
        let ds: Vec<Delegation> = rows
            .iter()
            .filter(|r| r.item_code == code)
            .map(delegation_of)
            .collect::<Result<_>>()?;
        let powers = rt::effective(mine.map(powers_of).unwrap_or_default(), &ds, today);
        if powers.is_none() {
            continue;
        }
        let via = delegations
            .iter()
            .filter(|d| d.item_code == code && d.in_force)
            .map(|d| format!("{}{}（{}起）", d.delegator_name, d.kind.label(), d.starts))
            .collect();
        items.push(ItemRight {
            item_name: name_of(&code),
            item_code: code,
            powers,
            basis: mine.map(|r| r.basis.clone()).unwrap_or_default(),
            via,
        });
    }
    Ok(PointRights {
        kind_label: p.kind.label().to_string(),
        accept_count: items.iter().filter(|i| i.powers.accept).count(),
        conclude_count: items.iter().filter(|i| i.powers.conclude).count(),
        may_manage: actor
            .catalog_admin()
            .is_ok_and(|a| a.scope().covers_region(&p.region)),
        figures: store::cases::points::figures(&mut c, &p.code).await?,
        point: p,
        items,
        delegations,
    })
}

/// What `point` may do with `item` on `day` (its own powers and delegations in force).
pub async fn powers_at(
    c: &mut store::Connection,
    point: &str,
    item: &str,
    day: time::Date,
) -> Result<Powers> {
    let own = store::rights::rights_of(c, point)
        .await?
        .iter()
        .find(|r| r.item_code == item)
        .map(powers_of)
        .unwrap_or_default();
    let ds: Vec<Delegation> = store::rights::delegations_to(c, point, item)
        .await?
        .iter()
        .map(delegation_of)
        .collect::<Result<_>>()?;
    Ok(rt::effective(own, &ds, day))
}

/// The items `point` may accept on `day` (its own powers and delegations in force), read in
/// two queries for the window's item list.
pub(crate) async fn accepting(
    c: &mut store::Connection,
    point: &str,
    day: time::Date,
) -> Result<std::collections::BTreeSet<String>> {
    let own = store::rights::rights_of(c, point).await?;
    let ds: Vec<Delegation> = store::rights::delegations_to(c, point, "")
        .await?
        .iter()
        .map(delegation_of)
        .collect::<Result<_>>()?;
    let mut codes: Vec<&str> = own.iter().map(|r| r.item_code.as_str()).collect();
    codes.extend(ds.iter().map(|d| d.item_code.as_str()));
    Ok(codes
        .into_iter()
        .filter(|code| {
            let mine = own
                .iter()
                .find(|r| r.item_code == *code)
                .map(powers_of)
                .unwrap_or_default();
            let theirs: Vec<Delegation> = ds
                .iter()
                .filter(|d| d.item_code == *code)
                .cloned()
                .collect();
            rt::effective(mine, &theirs, day).accept
        })
        .map(str::to_string)
        .collect())
}

/// Sets a point's own powers over an item (no power at all removes the row).
pub async fn set_right(
    app: &App,
    actor: &Actor,
    point_code: &str,
    item_code: &str,
    powers: Powers,
    basis: &str,
) -> Result<()> {
    let admin = actor
        .catalog_admin()
        .map_err(|_| AppError::Forbidden("只有事项管理员可以设置服务场所的办理权限".into()))?;
    let mut tx = app.store.begin().await?;
    let p = point(&mut tx, point_code).await?;
    let it = item(&mut tx, item_code).await?;
    if !admin.covers(&p.region, Some(&it.department)) {
        return Err(AppError::Forbidden(
            "只能设置本人管辖地区（和部门）事项的办理权限".into(),
        ));
    }
    if !within(&p.region, &it.region) {
        return Err(AppError::field(
            "item_code",
            "inconsistent",
            format!("事项“{}”不在{}所在地区实施", it.name, p.name),
        ));
    }
    // Concluding is the item's own power: only its department (or region) grants it; the
    // point's administrators may let it guide and accept (and forward), or receive it by
    // delegation.
    if powers.conclude && !admin.covers(&it.region, Some(&it.department)) {
        return Err(AppError::Forbidden(
            "办结权限须由事项所属部门授予，或通过下放、委托取得".into(),
        ));
    }
    let powers = rt::check_grant(powers, basis).map_err(AppError::Validation)?;
    store::rights::set_right(
        &mut tx,
        &RightRow {
            point: p.code.clone(),
            item_code: it.code.clone(),
            guide: powers.guide.into(),
            accept: powers.accept.into(),
            conclude: powers.conclude.into(),
            basis: basis.trim().to_string(),
            updated_by: admin.login().to_string(),
            updated_at: app.now_ms(),
        },
    )
    .await?;
    crate::audit::admin(
        &mut tx,
        app,
        admin.actor_id(),
        "point_right_set",
        &format!("{}/{}", p.code, it.code),
        serde_json::json!({"powers": powers, "basis": basis.trim()}),
    )
    .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(())
}

/// A department delegates an item's power to a point below it, pending its takeover. Written
/// by an administrator of the item's department (or region); refused when it would overlap
/// another delegation of the item to the point.
pub async fn delegate(app: &App, actor: &Actor, d: &DelegationDraft) -> Result<String> {
    let admin = actor
        .catalog_admin()
        .map_err(|_| AppError::Forbidden("只有事项管理员可以下放或委托事项".into()))?;
    let mut tx = app.store.begin().await?;
    let it = item(&mut tx, &d.item_code).await?;
    if !admin.covers(&it.region, Some(&it.department)) {
        return Err(AppError::Forbidden(
            "只能下放或委托本人管辖的部门事项".into(),
        ));
    }
    let (kind, starts, ends) = rt::check_delegation(d).map_err(AppError::Validation)?;
    let p = store::service_points::get(&mut tx, d.receiver.trim())
        .await?
        .ok_or_else(|| AppError::field("receiver", "unknown", "没有这个服务场所"))?;
    if !within(&p.region, &it.region) || p.region == it.region {
        return Err(AppError::field(
            "receiver",
            "inconsistent",
            format!("{}不在事项实施地区的下级，不能承接", p.name),
        ));
    }
    let fresh = Delegation {
        id: uuid::Uuid::now_v7().to_string(),
        kind,
        item_code: it.code.clone(),
        delegator: it.department.clone(),
        receiver: p.code.clone(),
        starts,
        ends,
        takeover: Takeover::Pending,
    };
    for r in store::rights::delegations_to(&mut tx, &p.code, &it.code).await? {
        if delegation_of(&r)?.overlaps(&fresh) {
            return Err(AppError::field(
                "starts",
                "overlap",
                format!(
                    "与已有的{}（{} 至 {}）时间重叠",
                    DelegationKind::parse(&r.kind)
                        .map(|k| k.label())
                        .unwrap_or("授权"),
                    r.starts,
                    if r.ends.is_empty() { "长期" } else { &r.ends }
                ),
            ));
        }
    }
    store::rights::insert_delegation(
        &mut tx,
        &DelegationRow {
            id: fresh.id.clone(),
            kind: kind.as_str().into(),
            item_code: it.code.clone(),
            delegator: it.department.clone(),
            receiver: p.code.clone(),
            starts: starts.to_string(),
            ends: ends.map(|e| e.to_string()).unwrap_or_default(),
            basis: d.basis.trim().to_string(),
            takeover: Takeover::Pending.as_str().into(),
            created_by: admin.login().to_string(),
            created_at: app.now_ms(),
            ..DelegationRow::default()
        },
    )
    .await?;
    crate::audit::admin(
        &mut tx,
        app,
        admin.actor_id(),
        "delegation_created",
        &fresh.id,
        serde_json::json!({"item": it.code, "receiver": p.code, "kind": kind.as_str()}),
    )
    .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(fresh.id)
}

/// The receiving side takes a delegation over (承接) or declines it: an administrator of the
/// point's region without a department, not the one who wrote it.
pub async fn decide_takeover(app: &App, actor: &Actor, id: &str, accept: bool) -> Result<()> {
    let admin = actor
        .catalog_admin()
        .map_err(|_| AppError::Forbidden("只有事项管理员可以承接下放事项".into()))?;
    let mut tx = app.store.begin().await?;
    let row = store::rights::delegation(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::NotFound("下放或委托记录".into()))?;
    let p = point(&mut tx, &row.receiver).await?;
    if !admin.covers(&p.region, None) {
        return Err(AppError::Forbidden(format!(
            "只有{}所在地区的事项管理员可以决定是否承接",
            p.name
        )));
    }
    if row.created_by == admin.login() {
        return Err(AppError::State(
            "承接须由下放方以外的另一位管理员确认".into(),
        ));
    }
    let to = if accept {
        Takeover::Accepted
    } else {
        Takeover::Declined
    };
    if !store::rights::decide(&mut tx, id, to.as_str(), admin.login(), app.now_ms()).await? {
        return Err(AppError::State("该记录已决定，不能再次承接或拒绝".into()));
    }
    crate::audit::admin(
        &mut tx,
        app,
        admin.actor_id(),
        "delegation_decided",
        id,
        serde_json::json!({"takeover": to.as_str()}),
    )
    .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(())
}
