//! The project page of a large project: four stages of sixteen members each (about 60 member cases once the members whose licence the owner holds are skipped),
//! built from the demo catalog's enterprise items, each stage filed through the use case and
//! its member cases started and submitted as any bundle's are. What the issue asks of it: the
//! page under 50 ms p99.
//!
//! The stages are marked finished in the store once filed (the member cases stay submitted):
//! working 60 cases through departments that have no reviewers in the demo would measure
//! nothing this page reads.

use std::time::Instant;

use app::App;
use app::auth::{Actor, actor_for_login};
use domain::bundle::{BundleDefinition, Member, MergedField};
use domain::catalog::{NodeKind, SubjectType};
use domain::project::{Category, Filing, Funding, Path, ProjectDraft, Stage, StagePlan};

use crate::explain;

/// Members per stage.
const PER_STAGE: usize = 16;
pub const CODE: &str = "2026-511602-00-00-160000";

/// Builds the project; returns its case count and the page's times (ms, sorted).
pub async fn measure(app: &App, owner: &Actor, reads: usize) -> anyhow::Result<(usize, Vec<f64>)> {
    let admin = actor_for_login(app, "admin").await.map_err(explain)?;
    let items: Vec<_> = {
        let mut c = app.store.conn().await?;
        store::catalog::all_published(&mut c)
            .await?
            .into_iter()
            .filter(|i| i.node != NodeKind::Main && i.region == "511600")
            .filter(|i| i.subjects.contains(&SubjectType::Enterprise))
            .collect()
    };
    anyhow::ensure!(
        items.len() >= PER_STAGE,
        "the demo catalog has {} enterprise items in 511600, fewer than {PER_STAGE}",
        items.len()
    );
    // Four bundles of fifteen items each, windows over the list (a later stage may repeat an
    // item of an earlier one, as real stages do), the merged form made of every item's form.
    let mut defs = Vec::new();
    for (n, stage) in Stage::ALL.iter().enumerate() {
        let start = (n * PER_STAGE / 2) % (items.len() - PER_STAGE + 1);
        let of = &items[start..start + PER_STAGE];
        let mut fields = Vec::new();
        for (i, item) in of.iter().enumerate() {
            for f in &item.form {
                fields.push(MergedField {
                    key: format!("m{i}_{}", f.key),
                    label: format!("{}（{}）", f.label, item.name),
                    kind: f.kind,
                    required: f.required,
                    options: f.options.clone(),
                    help: String::new(),
                    feeds: vec![(item.code.clone(), f.key.clone())],
                });
            }
        }
        defs.push(BundleDefinition {
            code: format!("BENCH-60-{}", stage.as_str()),
            name: format!("压测：{}（{PER_STAGE} 个事项）", stage.label()),
            description: String::new(),
            lead_department: of[0].department.clone(),
            region: "511600".into(),
            members: of
                .iter()
                .map(|i| Member {
                    item_code: i.code.clone(),
                    optional: false,
                    needs: vec![],
                })
                .collect(),
            fields,
            // No member waits for another: the longest member is the critical path.
            promised_days: of
                .iter()
                .map(domain::bundle::item_days)
                .max()
                .unwrap_or(1)
                .max(1),
            subject: Default::default(),
        });
    }
    app::bundles::save(app, &defs).await.map_err(explain)?;
    let path = Path {
        category: Category::LowRiskSmall,
        stages: Stage::ALL
            .iter()
            .zip(&defs)
            .map(|(s, d)| StagePlan {
                stage: *s,
                bundle: d.code.clone(),
            })
            .collect(),
        promised_days: 80,
    };
    app::projects::save_paths(app, &admin, std::slice::from_ref(&path))
        .await
        .map_err(explain)?;
    let draft = ProjectDraft {
        code: CODE.into(),
        name: "压测项目（60 个办件）".into(),
        funding: Funding::Enterprise,
        filing: Filing::Record,
        category: Category::LowRiskSmall,
        region: "511602".into(),
        land: "出让".into(),
        scale: "厂房".into(),
        floor_area_m2: 5000,
    };
    app::projects::register(app, owner, &draft)
        .await
        .map_err(explain)?;
    for stage in Stage::ALL {
        let a = app::demo_projects::filled(app, owner, &path, *stage)
            .await
            .map_err(explain)?;
        app::projects::start_stage(app, owner, CODE, *stage, a)
            .await
            .map_err(explain)?;
        let mut c = app.store.conn().await?;
        store::projects::finish_stage(&mut c, CODE, stage.as_str(), app.now_ms()).await?;
    }
    let cases = app::projects::project(app, owner, CODE)
        .await
        .map_err(explain)?
        .stages
        .iter()
        .filter_map(|s| s.bundle.as_ref())
        .flat_map(|b| b.children.iter())
        .filter(|c| c.case_id.is_some())
        .count();
    let mut times = Vec::with_capacity(reads);
    for _ in 0..reads {
        let t = Instant::now();
        let v = app::projects::project(app, owner, CODE)
            .await
            .map_err(explain)?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(v.stages.len() == 4);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    Ok((cases, times))
}
