//! 帮办代办 grants: a principal authorizes an agent in their own account, or a window clerk
//! records a grant after checking both identities and the signed letter. Only an agent with
//! a grant in force may file in the principal's name; the principal hears of each filing
//! (see `notifications`) and may revoke at any time.

use domain::account::{AccountKind, Role};
use domain::agent::{self, GrantStatus};
use domain::case::Provision;
use domain::ids::mask_middle;
use store::agents::{self as sa, GrantRow, NotificationRow};

use crate::auth::Actor;
use crate::{App, AppError, Result};

/// A grant as the principal or the agent sees it: the other side's name and masked number.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GrantView {
    pub id: String,
    /// The other party: the agent for a grant given, the principal for one received.
    pub party_name: String,
    pub party_login: String,
    /// 委托人本人 or 窗口登记.
    pub granted_via: String,
    pub granted_at: i64,
    pub expires_at: i64,
    /// 有效, 已撤销 or 已过期.
    pub status: String,
    pub active: bool,
}

/// The grants a person gave and received.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Grants {
    pub given: Vec<GrantView>,
    pub received: Vec<GrantView>,
}

fn applicant_id(actor: &Actor) -> Result<&str> {
    match actor {
        Actor::Applicant { id, .. } => Ok(id),
        Actor::Anonymous => Err(AppError::Unauthenticated),
        Actor::Staff { .. } => Err(AppError::Forbidden(
            "代办授权由委托人本人办理，或由窗口工作人员登记".into(),
        )),
    }
}

/// A registered applicant (not staff) by ID number or credit code.
async fn applicant_by_login(
    conn: &mut store::Connection,
    login: &str,
    field: &str,
    unknown: &str,
) -> Result<store::accounts::AccountRow> {
    store::accounts::find_by_login(conn, login.trim())
        .await?
        .filter(|a| a.kind != AccountKind::Staff && a.disabled == 0)
        .ok_or_else(|| AppError::field(field, "unknown", unknown))
}

/// The principal grants `agent_login` the right to file for them for `days` days.
pub async fn grant(app: &App, actor: &Actor, agent_login: &str, days: i64) -> Result<GrantView> {
    let principal = applicant_id(actor)?;
    let mut tx = app.store.begin().await?;
    let agent = applicant_by_login(
        &mut tx,
        agent_login,
        "agent",
        "代理人尚未在平台注册，请代理人先注册",
    )
    .await?;
    let period =
        agent::validate_grant(principal, &agent.id, days).map_err(|p| AppError::Validation(p.0))?;
    let now = app.now();
    let row = GrantRow {
        id: uuid::Uuid::now_v7().to_string(),
        principal_id: principal.to_string(),
        agent_id: agent.id.clone(),
        granted_by: principal.to_string(),
        letter: None,
        granted_at: store::millis(now),
        expires_at: store::millis(now + period),
        revoked_at: None,
    };
    sa::insert_grant(&mut tx, &row).await?;
    let name = actor.display_name().to_string();
    notify(
        &mut tx,
        app,
        &agent.id,
        "agent_granted",
        format!("{name}授权您为其代办事项，有效期 {days} 天"),
        None,
    )
    .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(view_of(&row, &agent, now))
}

/// A comprehensive-window clerk records a grant: both people are registered, the clerk
/// checked their identity documents and keeps the signed letter (an upload of the clerk's).
pub async fn grant_at_window(
    app: &App,
    actor: &Actor,
    principal_login: &str,
    agent_login: &str,
    mut letter: Provision,
    days: i64,
) -> Result<GrantView> {
    let Actor::Staff {
        id: clerk,
        name: clerk_name,
        ..
    } = actor
    else {
        return Err(AppError::Forbidden(
            "只有综窗受理人员可以登记代办授权".into(),
        ));
    };
    if !actor.has_role(Role::Clerk) {
        return Err(AppError::Forbidden(
            "只有综窗受理人员可以登记代办授权".into(),
        ));
    }
    // The letter is checked before the transaction: an upload is the clerk's from an earlier
    // request, and on SQLite the writer's turn is not held for a read.
    crate::uploads::claim(
        &mut app.store.conn().await?,
        app,
        clerk,
        &[],
        "letter",
        &mut letter,
    )
    .await?;
    let mut tx = app.store.begin().await?;
    let Provision::Uploaded { file, .. } = &letter else {
        return Err(AppError::field(
            "letter",
            "required",
            "请上传委托人签署的授权委托书",
        ));
    };
    let principal = applicant_by_login(
        &mut tx,
        principal_login,
        "principal",
        "委托人尚未在平台注册",
    )
    .await?;
    let agent = applicant_by_login(&mut tx, agent_login, "agent", "代理人尚未在平台注册").await?;
    let period = agent::validate_grant(&principal.id, &agent.id, days)
        .map_err(|p| AppError::Validation(p.0))?;
    let now = app.now();
    let row = GrantRow {
        id: uuid::Uuid::now_v7().to_string(),
        principal_id: principal.id.clone(),
        agent_id: agent.id.clone(),
        granted_by: clerk.clone(),
        letter: Some(file.clone()),
        granted_at: store::millis(now),
        expires_at: store::millis(now + period),
        revoked_at: None,
    };
    sa::insert_grant(&mut tx, &row).await?;
    let detail = serde_json::json!({ "agent": agent.id, "days": days, "letter": file });
    crate::audit::admin(
        &mut tx,
        app,
        clerk,
        "agent_granted_at_window",
        &principal.id,
        detail,
    )
    .await?;
    notify(
        &mut tx,
        app,
        &principal.id,
        "agent_granted_at_window",
        format!(
            "窗口工作人员{clerk_name}为您登记了代办授权：{} 可代您办理事项，有效期 {days} 天。如非本人意愿，请在“代办授权”中立即撤销",
            agent.display_name
        ),
        None,
    )
    .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(view_of(&row, &agent, now))
}

/// Revokes a grant: by its principal, or renounced by its agent. Anyone else is told it does
/// not exist.
pub async fn revoke(app: &App, actor: &Actor, grant_id: &str) -> Result<()> {
    let me = applicant_id(actor)?;
    let mut tx = app.store.begin().await?;
    let g = sa::find_grant(&mut tx, grant_id)
        .await?
        .filter(|g| g.principal_id == me || g.agent_id == me)
        .ok_or_else(|| AppError::NotFound("代办授权".into()))?;
    if !sa::revoke_grant(&mut tx, grant_id, app.now_ms()).await? {
        return Err(AppError::State("该授权已撤销".into()));
    }
    let (other, text) = if g.principal_id == me {
        (
            &g.agent_id,
            format!("{}撤销了对您的代办授权", actor.display_name()),
        )
    } else {
        (
            &g.principal_id,
            format!("{}不再为您代办（已放弃授权）", actor.display_name()),
        )
    };
    notify(&mut tx, app, other, "agent_revoked", text, None).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(())
}

/// The grants a person gave and received.
pub async fn list(app: &App, actor: &Actor) -> Result<Grants> {
    let me = applicant_id(actor)?;
    let now = app.now();
    let mut c = app.store.conn().await?;
    let mut given = Vec::new();
    for g in sa::grants_by_principal(&mut c, me).await? {
        let other = app.account(&mut c, &g.agent_id).await?;
        given.push(view_of(&g, &other, now));
    }
    let mut received = Vec::new();
    for g in sa::grants_to_agent(&mut c, me).await? {
        let other = app.account(&mut c, &g.principal_id).await?;
        received.push(view_of(&g, &other, now));
    }
    Ok(Grants { given, received })
}

/// The grant in force that lets `agent` file for `principal`, if any.
pub(crate) async fn in_force(
    conn: &mut store::Connection,
    app: &App,
    agent: &str,
    principal: &str,
) -> Result<Option<GrantRow>> {
    Ok(sa::active_grant(conn, agent, principal, app.now_ms()).await?)
}

fn view_of(
    g: &GrantRow,
    other: &store::accounts::AccountRow,
    now: time::OffsetDateTime,
) -> GrantView {
    let status = GrantStatus::of(
        g.revoked_at.map(store::from_millis),
        store::from_millis(g.expires_at),
        now,
    );
    GrantView {
        id: g.id.clone(),
        party_name: other.display_name.clone(),
        party_login: mask_middle(&other.login, 4, 4),
        granted_via: if g.granted_by == g.principal_id {
            "委托人本人".into()
        } else {
            "窗口登记".into()
        },
        granted_at: g.granted_at,
        expires_at: g.expires_at,
        status: status.label().into(),
        active: status == GrantStatus::Active,
    }
}

/// A message to a person, written in the caller's transaction.
pub(crate) async fn notify(
    conn: &mut store::Connection,
    app: &App,
    account_id: &str,
    kind: &str,
    text: String,
    case_id: Option<&str>,
) -> Result<()> {
    sa::insert_notification(conn, &message(app, account_id, kind, text, case_id)).await?;
    Ok(())
}

pub(crate) fn message(
    app: &App,
    account_id: &str,
    kind: &str,
    text: String,
    case_id: Option<&str>,
) -> NotificationRow {
    NotificationRow {
        id: uuid::Uuid::now_v7().to_string(),
        account_id: account_id.to_string(),
        at: app.now_ms(),
        kind: kind.to_string(),
        text,
        case_id: case_id.map(str::to_string),
        read_at: None,
    }
}

/// A message as its reader sees it.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    pub at: i64,
    pub text: String,
    pub case_id: Option<String>,
    pub unread: bool,
}

/// A person's latest messages (newest first); reading them marks them read.
pub async fn notifications(app: &App, actor: &Actor) -> Result<Vec<Notification>> {
    let me = match actor {
        Actor::Anonymous => return Err(AppError::Unauthenticated),
        Actor::Applicant { id, .. } | Actor::Staff { id, .. } => id,
    };
    let rows = {
        let mut c = app.store.conn().await?;
        sa::notifications(&mut c, me, 50).await?
    };
    if rows.iter().any(|r| r.read_at.is_none()) {
        let mut tx = app.store.begin().await?;
        sa::mark_read(&mut tx, me, app.now_ms()).await?;
        tx.commit().await.map_err(store::StoreError::from)?;
    }
    Ok(rows
        .into_iter()
        .map(|r| Notification {
            at: r.at,
            text: r.text,
            case_id: r.case_id,
            unread: r.read_at.is_none(),
        })
        .collect())
}
