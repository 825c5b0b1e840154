//! The comprehensive window picks items by name: the items a clerk may accept (published
//! handling items of their region), and the item a typed name or a picked "name（code）"
//! means.

use domain::account::Role;
use store::catalog::ItemFilter;

use crate::auth::Actor;
use crate::{App, AppError, Result};

/// (code, name) of every published item the clerk's region covers, by name (a 主项 picked
/// by mistake is refused when the case starts, with the reason).
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
    let mut out: Vec<(String, String)> = rows
        .into_iter()
        .filter(|r| scope.covers(&r.region, None))
        .map(|r| (r.code, r.name))
        .collect();
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
