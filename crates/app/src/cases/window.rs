//! The comprehensive window picks items by name: the items a clerk may accept (published
//! handling items of their region), and the item a typed name or a picked "name（code）"
//! means.

use domain::account::{ApplicantRegistration, RegisteredBy, Role};
use store::catalog::ItemFilter;

use crate::auth::Actor;
use crate::{App, AppError, Result};

/// (code, name) of every published handling item the clerk's region covers, by name: a 主项
/// is not filed, and often shares its only handling item's name.
pub async fn window_items(app: &App, actor: &Actor) -> Result<Vec<(String, String)>> {
    let Actor::Staff { scope, .. } = actor else {
        return Err(AppError::Forbidden("只有窗口工作人员可以受理".into()));
    };
    if !actor.has_role(Role::Clerk) {
        return Ok(vec![]);
    }
    let filter = ItemFilter {
        published_only: true,
        ..Default::default()
    };
    let mut conn = app.store.conn().await?;
    let (rows, _) = store::catalog::list_items(&mut conn, &filter, false, 5000, 0).await?;
    // What the clerk's own points may receive for other offices (收件与办结分离).
    let today = domain::calendar::china_date(app.now());
    let mut points = Vec::new();
    for p in super::relay::home_points(app, &mut conn, scope).await? {
        let Ok(region) = domain::ids::RegionCode::parse(&p.region) else {
            continue;
        };
        points.push((
            region,
            crate::rights::accepting(&mut conn, &p.code, today).await?,
        ));
    }
    let mut out: Vec<(String, String)> = Vec::new();
    for r in rows {
        let Some(v) = r.current_version else { continue };
        let own = scope.covers(&r.region, None);
        if !own && points.is_empty() {
            continue;
        }
        // Published versions are cached: after the first page this reads nothing.
        let def = app.item_version(&mut conn, &r.code, v).await?;
        if def.node == domain::catalog::NodeKind::Main {
            continue;
        }
        let receivable = || {
            let Ok(item_region) = domain::ids::RegionCode::parse(&r.region) else {
                return false;
            };
            points.iter().any(|(region, accepts)| {
                let powers = domain::rights::Powers {
                    accept: accepts.contains(&r.code),
                    ..domain::rights::Powers::NONE
                };
                domain::case::relay::basis(powers, region, &item_region, def.scope).is_some()
            })
        };
        if own || receivable() {
            out.push((r.code, r.name));
        }
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

/// The item code a clerk means: a code, a picked "name（code）", or an item's exact name
/// (refused when two items of the region share it, so the clerk picks one).
pub async fn resolve_window_item(app: &App, actor: &Actor, typed: &str) -> Result<String> {
    let typed = typed.trim();
    if let Some(code) = typed
        .strip_suffix('）')
        .and_then(|s| s.rsplit_once('（'))
        .map(|(_, code)| code.trim())
    {
        return Ok(code.to_string());
    }
    // A code goes on as typed: starting the case checks the clerk's role and region.
    if typed.is_ascii() {
        return Ok(typed.to_string());
    }
    let items = window_items(app, actor).await?;
    let named: Vec<&(String, String)> = items.iter().filter(|(_, n)| n == typed).collect();
    match named.as_slice() {
        [(code, _)] => Ok(code.clone()),
        [] => Err(AppError::field(
            "item",
            "unknown",
            format!("没有名为“{typed}”的可受理事项，请从列表中选择或输入实施编码"),
        )),
        _ => Err(AppError::field(
            "item",
            "ambiguous",
            format!("有 {} 个事项名为“{typed}”，请从列表中选择", named.len()),
        )),
    }
}

/// Who stands at the window: the ID number or credit code, and for someone without an
/// account the identity the clerk checked against the original document.
#[derive(Debug, Clone, Default)]
pub struct WalkIn {
    pub login: String,
    /// An enterprise (法人) rather than a natural person.
    pub enterprise: bool,
    pub name: String,
    pub phone: String,
    /// An enterprise's 法定代表人.
    pub legal_representative: String,
    /// Whom the case is for, when not the person at the window.
    pub for_whom: super::ForWhom,
}

/// A comprehensive-window clerk starts a case for whoever stands at the window (无差别受理):
/// a registered applicant by login, or a walk-in without an account (无账号办理), recorded
/// with the identity the clerk checked and no password, so the case is theirs to see once
/// they register with the same ID number, name and phone.
pub async fn start_for_walk_in(
    app: &App,
    actor: &Actor,
    item_code: &str,
    who: &WalkIn,
) -> Result<domain::case::Case> {
    if !actor.has_role(Role::Clerk) {
        return Err(AppError::Forbidden(
            "只有综窗受理人员可以在窗口受理申请".into(),
        ));
    }
    let login = who.login.trim();
    let existing = {
        let mut c = app.store.conn().await?;
        store::accounts::find_by_login(&mut c, login).await?
    };
    if let Some(a) = existing {
        if a.kind == domain::account::AccountKind::Staff {
            return Err(AppError::field(
                "applicant",
                "staff",
                "工作人员账号不能作为申请人",
            ));
        }
        let name = who.name.trim();
        if !name.is_empty() && name != a.display_name {
            return Err(AppError::field(
                "name",
                "mismatch",
                "姓名（名称）与该证件号码登记的不一致，请核对证件",
            ));
        }
        return super::start::start_at_window_for(app, actor, item_code, login, &who.for_whom)
            .await;
    }
    if who.name.trim().is_empty() && who.phone.trim().is_empty() {
        return Err(AppError::field(
            "name",
            "unregistered",
            "该证件号码尚未在平台注册：请核验证件原件后填写姓名（名称）和手机号，无需注册即可受理",
        ));
    }
    let reg = if who.enterprise {
        ApplicantRegistration::Enterprise {
            credit_code: login.to_string(),
            name: who.name.clone(),
            legal_representative: who.legal_representative.clone(),
            phone: who.phone.clone(),
            password: String::new(),
        }
    } else {
        ApplicantRegistration::NaturalPerson {
            id_number: login.to_string(),
            name: who.name.clone(),
            phone: who.phone.clone(),
            password: String::new(),
        }
    };
    let valid = reg
        .validate_by(RegisteredBy::WalkIn, app.now().date())
        .map_err(|mut e| {
            // The form names the login field "applicant".
            for f in &mut e {
                if f.field == "id_number" || f.field == "credit_code" {
                    f.field = "applicant".into();
                }
            }
            AppError::Validation(e)
        })?;
    let account = walk_in_row(app, valid);
    let opts = super::start::Options {
        walk_in: Some(account.clone()),
        for_whom: Some(who.for_whom.clone()),
        ..Default::default()
    };
    super::start::create_with(
        app,
        &account.id,
        item_code,
        domain::case::Channel::Window,
        actor,
        opts,
    )
    .await
    .map_err(|e| match e {
        // Someone registered the same person a moment ago: the clerk simply tries again.
        AppError::Conflict { .. } => AppError::field(
            "applicant",
            "taken",
            "该证件号码刚刚完成注册，请重新点击“开始受理”",
        ),
        other => other,
    })
}

/// The account of a person without one (无账号办理), as checked at a window: no password
/// until they register with the same ID number, name and phone.
pub(crate) fn walk_in_row(
    app: &App,
    valid: domain::account::ValidRegistration,
) -> store::accounts::AccountRow {
    crate::auth::new_applicant(app, &valid, store::walk_ins::UNCLAIMED.into())
}
