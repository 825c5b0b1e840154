//! Results of a project's finished stages carried into the next: a material a stage's bundle
//! asks for that an earlier stage's approved member case produced (named like its result, or
//! naming it as the license type) is provided from that case's record, trust level A like
//! shared data (免提交): the enterprise does not upload what this platform decided.

use std::collections::BTreeMap;

use domain::case::{CaseState, Provision};
use domain::project::Stage;
use store::projects::ProjectRow;

use super::{PENDING, load, parse};
use crate::auth::Actor;
use crate::{App, Result};

/// Where a carried result comes from, as its provision names it.
const SOURCE: &str = "本平台工程建设项目审批结果";

/// The results of the project's finished stages that `bundle` asks for, by material identity.
pub(super) async fn carried(
    app: &App,
    c: &mut store::Connection,
    p: &ProjectRow,
    bundle: &str,
) -> Result<BTreeMap<String, Provision>> {
    let mut results: Vec<(String, Provision)> = Vec::new();
    for s in store::projects::stages(c, &p.code).await? {
        if s.finished_at == 0 || s.parent_id.starts_with(PENDING) {
            continue;
        }
        let (_, cases) = store::bundles::members_of(c, &s.parent_id).await?;
        for k in cases {
            let approved = k.decision.as_ref().is_some_and(|d| d.approved);
            if k.state != CaseState::Completed || !approved {
                continue;
            }
            let item = app.item_version(c, &k.item_code, k.item_version).await?;
            if item.result_name.trim().is_empty() {
                continue;
            }
            let department = app.department_name(c, &k.department).await;
            let day = k
                .closed_at
                .map(|t| domain::calendar::china_date(t).to_string())
                .unwrap_or_default();
            let summary = format!(
                "{}：办件 {}，{department} {day} 办结",
                item.result_name, k.number
            );
            results.push((
                item.result_name.clone(),
                Provision::Shared {
                    source: SOURCE.into(),
                    summary,
                },
            ));
        }
    }
    if results.is_empty() {
        return Ok(BTreeMap::new());
    }
    let guide = crate::bundles::guide(app, bundle).await?;
    let mut out = BTreeMap::new();
    for m in &guide.materials {
        let found = results
            .iter()
            .find(|(r, _)| domain::bundle::result_provides(r, &m.identity, &m.name));
        if let Some((_, p)) = found {
            out.insert(m.identity.clone(), p.clone());
        }
    }
    Ok(out)
}

/// What the stage's filing page shows as provided by earlier stages: material identity →
/// where it comes from, in a line.
pub async fn carried_for(
    app: &App,
    actor: &Actor,
    code: &str,
    stage: Stage,
) -> Result<BTreeMap<String, String>> {
    let mut c = app.store.conn().await?;
    let p = load(&mut c, actor, code).await?;
    let path: domain::project::Path = parse(&p.code, &p.path)?;
    let Some(plan) = path.stages.iter().find(|s| s.stage == stage) else {
        return Ok(BTreeMap::new());
    };
    Ok(carried(app, &mut c, &p, &plan.bundle)
        .await?
        .into_iter()
        .filter_map(|(id, p)| match p {
            Provision::Shared { summary, .. } => Some((id, summary)),
            _ => None,
        })
        .collect())
}
