//! One progress view of a bundle for the applicant and the lead department.

use std::collections::BTreeSet;

use domain::case::CaseState;
use store::bundles::{self as sb};

use crate::auth::Actor;
use crate::{App, AppError, Result};

/// One member on the progress page.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChildView {
    pub item_code: String,
    pub item: String,
    pub department: String,
    pub case_id: Option<String>,
    pub case_number: String,
    pub state: String,
    /// What the applicant must do for this member, if anything.
    pub action: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BundleView {
    pub id: String,
    pub number: String,
    pub name: String,
    pub lead_department: String,
    pub state: &'static str,
    pub children: Vec<ChildView>,
    pub created_at: i64,
    /// 办理对象 in a line: the applicant, the newborn, the enterprise being established (with
    /// its code once registered).
    pub subject: String,
}

/// The parent's progress: every member's department and step. The applicant and staff of the
/// lead department (or of a member's department) may read it.
pub async fn view(app: &App, actor: &Actor, id: &str) -> Result<BundleView> {
    let mut conn = app.store.conn().await?;
    let (v, parent, departments) = build(app, &mut conn, id).await?;
    let ok = match actor {
        Actor::Anonymous => return Err(AppError::Unauthenticated),
        Actor::Applicant { id, .. } => *id == parent.applicant_id,
        Actor::Staff { scope, .. } => {
            scope.covers_region(&parent.region)
                && scope
                    .department
                    .as_ref()
                    .is_none_or(|d| *d == parent.lead_department || departments.contains(d))
        }
    };
    if !ok {
        return Err(AppError::NotFound("该一件事办件".into()));
    }
    Ok(v)
}

/// A bundle application's view without asking who reads it: for callers that have checked
/// authority over what it belongs to (a project's stage). Also its record and the departments
/// of its members.
pub(crate) async fn build(
    app: &App,
    conn: &mut store::Connection,
    id: &str,
) -> Result<(BundleView, sb::BundleCaseRow, BTreeSet<String>)> {
    let not_found = || AppError::NotFound("该一件事办件".into());
    let parent = sb::get_bundle_case(conn, id).await?.ok_or_else(not_found)?;
    let def = sb::get_bundle(conn, &parent.bundle_code)
        .await?
        .ok_or_else(not_found)?;
    let children = sb::children(conn, id).await?;
    let data: serde_json::Value = serde_json::from_str(&parent.data).unwrap_or_default();
    let mut subject: domain::subject::Subject =
        serde_json::from_value(data["subject"].clone()).unwrap_or_default();
    let mut views = Vec::new();
    let mut departments = BTreeSet::new();
    let (items, cases) = sb::members_of(conn, id).await?;
    let mut names: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for c in &children {
        let item = items.iter().find(|i| i.code == c.item_code).cloned();
        let case = match &c.case_id {
            Some(cid) if !cid.is_empty() => cases.iter().find(|k| k.id.as_str() == cid).cloned(),
            _ => None,
        };
        // Once the enterprise is registered, its members carry the code: show that.
        if let Some(k) = &case
            && subject.being_established()
            && k.subject.holder_id().is_some()
        {
            subject = k.subject.clone();
        }
        let dept_code = case
            .as_ref()
            .map(|k| k.department.clone())
            .or_else(|| item.as_ref().map(|i| i.department.clone()))
            .unwrap_or_default();
        departments.insert(dept_code.clone());
        let department = match names.get(&dept_code) {
            Some(n) => n.clone(),
            None => {
                let n = app.department_name(conn, &dept_code).await;
                names.insert(dept_code, n.clone());
                n
            }
        };
        let (state, action) = match (&case, c.status.as_str()) {
            (Some(k), _) => (
                k.state.label().to_string(),
                match k.state {
                    CaseState::SupplementRequested => Some("请按一次性告知补正材料".to_string()),
                    CaseState::RejectedAtIntake | CaseState::Denied => {
                        Some("该事项未获准，请查看文书了解原因".to_string())
                    }
                    _ => None,
                },
            ),
            (None, "skipped") => (format!("无需办理（{}）", c.note), None),
            (None, _) => ("等待前置事项办结".to_string(), None),
        };
        views.push(ChildView {
            item_code: c.item_code.to_string(),
            item: item
                .map(|i| i.name)
                .unwrap_or_else(|| c.item_code.to_string()),
            department,
            case_number: case
                .as_ref()
                .map(|k| k.number.to_string())
                .unwrap_or_default(),
            case_id: case.map(|k| k.id.into_string()),
            state,
            action,
        });
    }
    let active: Vec<&ChildView> = views
        .iter()
        .filter(|v| !v.state.starts_with("无需办理"))
        .collect();
    let state = if views
        .iter()
        .any(|v| v.action.as_deref().is_some_and(|a| a.contains("未获准")))
    {
        "有事项未获准"
    } else if views.iter().any(|v| v.action.is_some()) {
        "需要您补正"
    } else if !active.is_empty()
        && active
            .iter()
            .all(|v| v.state == CaseState::Completed.label())
    {
        "已办结"
    } else {
        "办理中"
    };
    let lead = store::org::get_department(conn, &parent.lead_department)
        .await?
        .name;
    let v = BundleView {
        subject: subject.describe(),
        id: parent.id.clone(),
        number: parent.number.clone(),
        name: def.name,
        lead_department: lead,
        state,
        children: views,
        created_at: parent.created_at,
    };
    Ok((v, parent, departments))
}

/// The applicant's bundle applications, or the lead department's (for its staff).
pub async fn mine(app: &App, actor: &Actor) -> Result<Vec<BundleView>> {
    let mut conn = app.store.conn().await?;
    let rows = match actor {
        Actor::Applicant { id, .. } => sb::bundle_cases_of(&mut conn, id).await?,
        Actor::Staff {
            scope:
                domain::account::StaffScope {
                    department: Some(d),
                    ..
                },
            ..
        } => sb::bundle_cases_led_by(&mut conn, d, 50).await?,
        Actor::Staff { .. } => Vec::new(),
        Actor::Anonymous => return Err(AppError::Unauthenticated),
    };
    drop(conn);
    let mut out = Vec::new();
    for r in rows {
        out.push(view(app, actor, &r.id).await?);
    }
    Ok(out)
}
