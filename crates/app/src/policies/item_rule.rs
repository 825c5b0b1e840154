//! 申报 policies as 秒批 conditions: the policy's rule becomes a condition of the item
//! through which one applies, so a case of an eligible subject is approved at submission with
//! no person (the platform judges the subject's facts and hands its verdict to the domain).
//! The link is a new draft of the item; publishing it follows the catalog's own review.

use domain::policy::{Mode, PolicyState};
use domain::workflow::{AutoRule, Condition};

use super::{load, terms_of};
use crate::auth::Actor;
use crate::{App, AppError, Result};

/// A policy named as a 秒批 condition of an item must be a 申报 policy applied for through
/// that item: its rule then approves the item's cases.
pub(crate) async fn check_auto_rule(
    conn: &mut store::Connection,
    def: &domain::catalog::ItemDefinition,
) -> Result<()> {
    if let Some(rule) = &def.workflow.auto_approval {
        for (i, c) in rule.conditions.iter().enumerate() {
            let domain::workflow::Condition::PolicyEligible { policy, .. } = c else {
                continue;
            };
            let field = format!("workflow.auto_approval.conditions[{i}].policy");
            let Some(p) = store::policies::policy(&mut *conn, policy.trim()).await? else {
                return Err(AppError::field(
                    &field,
                    "unknown",
                    format!("政策 {policy} 不存在"),
                ));
            };
            let t = terms_of(&p)?;
            if t.mode != domain::policy::Mode::Apply || t.item_code.trim() != def.code {
                return Err(AppError::field(
                    &field,
                    "invalid",
                    format!("政策“{}”不是通过本事项申报兑现的政策", p.title),
                ));
            }
        }
    }
    Ok(())
}

/// Where a 申报 policy stands as a 秒批 condition of its item.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ItemRule {
    pub item_code: String,
    pub item_name: String,
    /// The published item's 秒批 rule names the policy.
    pub published: bool,
    /// The item's unpublished draft names it.
    pub drafted: bool,
    /// The actor maintains the item and may make the rule its condition.
    pub may_link: bool,
}

fn names(def: &domain::catalog::ItemDefinition, policy: &str) -> bool {
    def.workflow
        .auto_approval
        .as_ref()
        .is_some_and(|r| r.policies().contains(&policy))
}

/// The item of a 申报 policy and whether its rule is a 秒批 condition there; None for a
/// 免申即享 policy.
pub async fn item_rule(app: &App, actor: &Actor, policy_id: &str) -> Result<Option<ItemRule>> {
    let mut c = app.store.conn().await?;
    let row = load(&mut c, actor, policy_id).await?;
    let t = terms_of(&row)?;
    if t.mode != Mode::Apply {
        return Ok(None);
    }
    let code = t.item_code.trim();
    let Some(item) = store::catalog::find_item(&mut c, code).await? else {
        return Ok(None);
    };
    let mut out = ItemRule {
        item_code: code.to_string(),
        item_name: item.name.clone(),
        may_link: actor
            .catalog_admin()
            .is_ok_and(|a| a.scope().covers(&item.region, Some(&item.department))),
        ..ItemRule::default()
    };
    if let Some(v) = item.current_version {
        out.published = names(
            &store::catalog::get_version(&mut c, code, v)
                .await?
                .definition,
            policy_id,
        );
    }
    if let Some(v) = item.draft_version {
        out.drafted = names(
            &store::catalog::get_version(&mut c, code, v)
                .await?
                .definition,
            policy_id,
        );
    }
    Ok(Some(out))
}

/// Makes a published 申报 policy's rule a 秒批 condition of its item: a new draft of the item
/// (from its draft, else its published version) whose auto rule names the policy, added to
/// the rule the item has or as a new rule. Only those who maintain the item may.
pub async fn make_auto_rule(app: &App, actor: &Actor, policy_id: &str) -> Result<i64> {
    let cap = actor
        .catalog_admin()
        .map_err(|_| AppError::Forbidden("只有事项管理员可以设置秒批条件".into()))?;
    let mut c = app.store.conn().await?;
    let row = load(&mut c, actor, policy_id).await?;
    let t = terms_of(&row)?;
    let code = t.item_code.trim().to_string();
    let item = store::catalog::find_item(&mut c, &code)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("事项 {code}")))?;
    if !cap.scope().covers(&item.region, Some(&item.department)) {
        return Err(AppError::Forbidden(
            "只有该事项所属区划和部门的事项管理员可以设置其秒批条件".into(),
        ));
    }
    if t.mode != Mode::Apply {
        return Err(AppError::State(
            "免申即享政策无需申请，不作为事项的秒批条件".into(),
        ));
    }
    if row.state != PolicyState::Published.as_str() {
        return Err(AppError::State("政策发布后才能作为秒批条件".into()));
    }
    let version = item
        .draft_version
        .or(item.current_version)
        .ok_or_else(|| AppError::State(format!("事项 {code} 没有可编辑的版本")))?;
    let mut def = store::catalog::get_version(&mut c, &code, version)
        .await?
        .definition;
    drop(c);
    if names(&def, policy_id) {
        return Err(AppError::State("该事项的秒批规则已包含本政策".into()));
    }
    let condition = Condition::PolicyEligible {
        policy: policy_id.to_string(),
        title: t.title.trim().to_string(),
    };
    match &mut def.workflow.auto_approval {
        Some(rule) => rule.conditions.push(condition),
        None => {
            def.workflow.auto_approval = Some(AutoRule {
                name: "符合政策申报条件".into(),
                conditions: vec![condition],
            })
        }
    }
    crate::catalog::save_draft(app, &cap, &code, def).await
}
