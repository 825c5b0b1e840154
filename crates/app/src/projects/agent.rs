//! The project's 代办员: a staff member the owner names, who acts for the owner under a
//! 帮办代办 grant (the owner sees it among the grants it gave and may revoke it there): files
//! stages, resubmits after rectification, and hears the project's reminders as the owner does.
//! Without a grant in force the agent still sees the project but may no longer act for it.

use domain::account::{AccountKind, ApplicantKind, StaffScope};
use store::agents::GrantRow;
use store::projects::ProjectRow;

use super::{ProjectView, load, project};
use crate::auth::Actor;
use crate::{App, AppError, Result};

/// How long the grant made by naming an agent lasts: a year, the longest 帮办代办 period, after
/// which the owner names the agent again.
const GRANT_DAYS: i64 = 365;

/// The owner names a staff member (by login) whose region covers the project as its 代办员,
/// granting them 帮办代办 for a year; an empty login removes the agent and revokes the grant.
pub async fn assign_agent(
    app: &App,
    actor: &Actor,
    code: &str,
    login: &str,
) -> Result<ProjectView> {
    let mut tx = app.store.begin().await?;
    let p = load(&mut tx, actor, code).await?;
    if !matches!(actor, Actor::Applicant { id, .. } if *id == p.owner_id) {
        return Err(AppError::Forbidden("代办员由建设单位指定".into()));
    }
    let agent = match login.trim() {
        "" => None,
        login => {
            let row = store::accounts::find_by_login(&mut tx, login)
                .await?
                .filter(|a| a.kind == AccountKind::Staff && a.disabled == 0)
                .ok_or_else(|| AppError::field("agent", "unknown", "没有这个工作人员账号"))?;
            let scope = StaffScope {
                region: row.region.clone().unwrap_or_default(),
                department: row.department.clone(),
            };
            if !scope.covers_region(&p.region) {
                return Err(AppError::field(
                    "agent",
                    "out_of_region",
                    "该工作人员不负责项目所在地，不能担任代办员",
                ));
            }
            Some(row)
        }
    };
    let now = app.now_ms();
    let name = project_name(&p);
    let previous = p.agent_id.clone();
    if !previous.is_empty() && agent.as_ref().is_none_or(|a| a.id != previous) {
        if let Some(g) = crate::agents::in_force(&mut tx, app, &previous, &p.owner_id).await? {
            store::agents::revoke_grant(&mut tx, &g.id, now).await?;
        }
        let text = format!("{}不再由您代办（项目 {}）", name, p.code);
        crate::agents::notify(&mut tx, app, &previous, "project_agent", text, None).await?;
    }
    if let Some(a) = &agent
        && crate::agents::in_force(&mut tx, app, &a.id, &p.owner_id)
            .await?
            .is_none()
    {
        let grant = GrantRow {
            id: uuid::Uuid::now_v7().to_string(),
            principal_id: p.owner_id.clone(),
            agent_id: a.id.clone(),
            granted_by: p.owner_id.clone(),
            letter: None,
            granted_at: now,
            expires_at: now + GRANT_DAYS * 86_400_000,
            revoked_at: None,
        };
        store::agents::insert_grant(&mut tx, &grant).await?;
        let text = format!(
            "{}指定您为工程建设项目“{}”（{}）的代办员，授权代办 {GRANT_DAYS} 天",
            p.owner_name, name, p.code
        );
        crate::agents::notify(&mut tx, app, &a.id, "project_agent", text, None).await?;
    }
    let agent_id = agent.map(|a| a.id).unwrap_or_default();
    store::projects::set_agent(&mut tx, &p.code, &agent_id).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    project(app, actor, &p.code).await
}

/// Whether `actor` acts for the owner: the owner, or the named agent while the owner's grant
/// is in force (a revoked or lapsed grant leaves the agent watching only).
pub(super) async fn acts_for_owner(
    c: &mut store::Connection,
    app: &App,
    actor: &Actor,
    p: &ProjectRow,
) -> Result<bool> {
    Ok(match actor {
        Actor::Applicant { id, .. } => *id == p.owner_id,
        Actor::Staff { id, .. } if !p.agent_id.is_empty() && *id == p.agent_id => {
            crate::agents::in_force(c, app, id, &p.owner_id)
                .await?
                .is_some()
        }
        _ => false,
    })
}

/// The owner as the applicant of what its agent files.
pub(super) fn owner_actor(p: &ProjectRow) -> Actor {
    Actor::Applicant {
        id: p.owner_id.clone(),
        login: p.owner_code.clone(),
        name: p.owner_name.clone(),
        kind: ApplicantKind::Enterprise,
    }
}

/// A reminder about the project to its owner and, while the grant is in force, its agent;
/// written in the caller's transaction.
pub(super) async fn remind(
    c: &mut store::Connection,
    app: &App,
    p: &ProjectRow,
    text: &str,
) -> Result<()> {
    let text = format!("工程建设项目“{}”（{}）：{text}", project_name(p), p.code);
    crate::agents::notify(c, app, &p.owner_id, "project", text.clone(), None).await?;
    if !p.agent_id.is_empty()
        && crate::agents::in_force(c, app, &p.agent_id, &p.owner_id)
            .await?
            .is_some()
    {
        crate::agents::notify(c, app, &p.agent_id, "project", text, None).await?;
    }
    Ok(())
}

/// The project's name from its stored draft (its code if the draft cannot be read).
fn project_name(p: &ProjectRow) -> String {
    serde_json::from_str::<domain::project::ProjectDraft>(&p.draft)
        .map_or_else(|_| p.code.clone(), |d| d.name)
}

/// Whether `actor` may file a stage: the owner, or its agent with a grant in force. Returns
/// the applicant to file as and, for an agent, who files.
pub(super) async fn filer(
    c: &mut store::Connection,
    app: &App,
    actor: &Actor,
    p: &ProjectRow,
) -> Result<(Actor, Option<(String, String)>)> {
    match actor {
        Actor::Applicant { id, .. } if *id == p.owner_id => Ok((actor.clone(), None)),
        Actor::Staff { id, name, .. } if !p.agent_id.is_empty() && *id == p.agent_id => {
            if acts_for_owner(c, app, actor, p).await? {
                Ok((owner_actor(p), Some((id.clone(), name.clone()))))
            } else {
                Err(AppError::Forbidden(
                    "建设单位对您的代办授权已撤销或已过期，不能代为申报".into(),
                ))
            }
        }
        _ => Err(AppError::Forbidden("阶段由建设单位或其代办员申报".into())),
    }
}

/// The latest reminders about projects for the owner or agent reading them (newest first),
/// shown with their project list; reading them here does not mark the inbox read.
pub async fn reminders(app: &App, actor: &Actor) -> Result<Vec<crate::agents::Notification>> {
    let me = match actor {
        Actor::Anonymous => return Err(AppError::Unauthenticated),
        Actor::Applicant { id, .. } | Actor::Staff { id, .. } => id,
    };
    let mut c = app.store.conn().await?;
    Ok(store::agents::notifications(&mut c, me, 100)
        .await?
        .into_iter()
        .filter(|n| n.kind.starts_with("project"))
        .take(10)
        .map(|n| crate::agents::Notification {
            at: n.at,
            text: n.text,
            case_id: n.case_id,
            unread: n.read_at.is_none(),
        })
        .collect())
}
