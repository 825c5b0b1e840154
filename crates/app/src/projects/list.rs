//! The project lists: an owner's projects; a staff member's, those they are 代办员 of first,
//! then those of their region; each with where it stands and its clock, so an agent sees at a
//! glance which of their projects is running out of days.

use std::collections::HashMap;

use domain::project::{self, Clock, Hold, Path, ProjectDraft, Stage};
use serde::Serialize;
use store::projects::{HoldRow, ProjectRow, StageRow};

use super::{PENDING, clock_of, hold_of, parse};
use crate::auth::Actor;
use crate::{App, AppError, Result};

/// A project in a list.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectSummary {
    pub code: String,
    pub name: String,
    pub owner_name: String,
    pub category: project::Category,
    pub created_at: i64,
    /// The staff member reading the list is its 代办员.
    pub agent: bool,
    /// Where it stands: the running stage, 待申报 the next, or 全部办结.
    pub standing: String,
    pub clock: Option<Clock>,
}

/// How many projects a list shows.
const LIMIT: i64 = 200;

/// The rows of one listing query with their stages and holds (three queries, whatever the
/// number of projects).
async fn listed(
    c: &mut store::Connection,
    account: &str,
    prefix: &str,
) -> Result<(Vec<ProjectRow>, Vec<StageRow>, Vec<HoldRow>)> {
    Ok((
        store::projects::projects(c, account, prefix, LIMIT).await?,
        store::projects::stages_of_listed(c, account, prefix, LIMIT).await?,
        store::projects::holds_of_listed(c, account, prefix, LIMIT).await?,
    ))
}

/// The owner's projects; staff: those they are agent of, then those of their region.
pub async fn projects(app: &App, actor: &Actor) -> Result<Vec<ProjectSummary>> {
    let mut c = app.store.conn().await?;
    let (me, mut rows, mut stages, mut holds) = match actor {
        Actor::Anonymous => return Err(AppError::Unauthenticated),
        Actor::Applicant { id, .. } => {
            let (r, s, h) = listed(&mut c, id, "").await?;
            (id, r, s, h)
        }
        Actor::Staff { id, scope, .. } => {
            let (mut r, mut s, mut h) = listed(&mut c, id, "").await?;
            let prefix = scope.region.trim_end_matches("00");
            let (more, ms, mh) = listed(&mut c, "", prefix).await?;
            for x in more {
                if scope.covers_region(&x.region) && !r.iter().any(|y| y.code == x.code) {
                    r.push(x);
                }
            }
            s.extend(ms);
            h.extend(mh);
            (id, r, s, h)
        }
    };
    rows.truncate(LIMIT as usize);
    stages.sort_by(|a, b| (&a.project_code, &a.stage).cmp(&(&b.project_code, &b.stage)));
    stages.dedup_by(|a, b| a.project_code == b.project_code && a.stage == b.stage);
    holds.sort_by(|a, b| a.id.cmp(&b.id));
    holds.dedup_by(|a, b| a.id == b.id);
    let mut stages_of: HashMap<&str, Vec<StageRow>> = HashMap::new();
    for s in &stages {
        stages_of
            .entry(s.project_code.as_str())
            .or_default()
            .push(s.clone());
    }
    let mut holds_of: HashMap<&str, Vec<Hold>> = HashMap::new();
    for h in &holds {
        holds_of
            .entry(h.project_code.as_str())
            .or_default()
            .push(hold_of(&h.project_code, h)?);
    }
    rows.iter()
        .map(|r| {
            let d: ProjectDraft = parse(&r.code, &r.draft)?;
            let path: Path = parse(&r.code, &r.path)?;
            let st = stages_of.remove(r.code.as_str()).unwrap_or_default();
            let hs = holds_of.remove(r.code.as_str()).unwrap_or_default();
            Ok(ProjectSummary {
                code: r.code.clone(),
                name: d.name,
                owner_name: r.owner_name.clone(),
                category: d.category,
                created_at: r.created_at,
                agent: !r.agent_id.is_empty() && r.agent_id == *me,
                standing: standing(&path, &st),
                clock: clock_of(app, &path, &st, &hs),
            })
        })
        .collect()
}

/// Where a project stands, in words, from its stage rows.
fn standing(path: &Path, rows: &[StageRow]) -> String {
    let running = rows
        .iter()
        .filter(|r| r.finished_at == 0)
        .filter_map(|r| Stage::parse(&r.stage))
        .next();
    if let Some(s) = running {
        let filing = rows
            .iter()
            .any(|r| r.stage == s.as_str() && r.parent_id.starts_with(PENDING));
        return format!(
            "{}（{}）",
            s.label(),
            if filing { "申报中" } else { "办理中" }
        );
    }
    let started: Vec<Stage> = rows.iter().filter_map(|r| Stage::parse(&r.stage)).collect();
    match path.next(&started) {
        Some(next) => format!("{}（待申报）", next.stage.label()),
        None => "全部阶段已办结".into(),
    }
}
