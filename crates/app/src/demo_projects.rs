//! Demo 工程建设项目: the two paths (a general one of four stages, 80 working days; the short
//! one of 社会投资低风险小型项目, three stages with 立项用地规划 merged in, 25 working days: a
//! demo configuration, not a figure from law), and the demo enterprise's projects: a low-risk
//! warehouse with an intermediary's hold on its clock, a central kitchen, a workshop and a visitor
//! centre, none started: filing stages starts member cases, too slow for every test's demo.
//! `serve --demo` starts and finishes stages (`demo_projects_run`), so that its projects stand
//! in every stage. Filed through the same use
//! cases as people use.

use std::collections::BTreeMap;

use domain::case::Provision;
use domain::project::{
    Category, Filing, Funding, HoldReason, Path, ProjectDraft, Stage, StagePlan,
};

use crate::auth::{Actor, actor_for_login};
use crate::bundles::Application;
use crate::{App, AppError, Result};

/// A small real PDF, so demo uploads pass the content check.
const DEMO_PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";

/// The paths the demo configures.
pub fn demo_paths() -> Vec<Path> {
    let plan = |stage, bundle: &str| StagePlan {
        stage,
        bundle: bundle.into(),
    };
    vec![
        Path {
            category: Category::General,
            stages: vec![
                plan(Stage::Initiation, "GCJS-LXYD"),
                plan(Stage::Permit, "GCJS-GCXK"),
                plan(Stage::Construction, "GCJS-SGXK"),
                plan(Stage::Acceptance, "GCJS-JGYS"),
            ],
            promised_days: domain::project::DEFAULT_PROMISED_DAYS,
        },
        Path {
            category: Category::LowRiskSmall,
            stages: vec![
                plan(Stage::Permit, "GCJS-DFX-GCXK"),
                plan(Stage::Construction, "GCJS-DFX-SGXK"),
                plan(Stage::Acceptance, "GCJS-DFX-JGYS"),
            ],
            promised_days: 25,
        },
    ]
}

/// The demo's project codes (24 characters, in the form the national platform prints).
pub const WAREHOUSE: &str = "2026-511602-59-03-000101";
pub const KITCHEN: &str = "2026-511602-84-01-000102";
pub const WORKSHOP: &str = "2026-511602-13-03-000103";
pub const VISITOR_CENTRE: &str = "2026-511602-78-03-000104";

fn draft(
    code: &str,
    name: &str,
    category: Category,
    funding: Funding,
    filing: Filing,
    area: u32,
    scale: &str,
) -> ProjectDraft {
    ProjectDraft {
        code: code.into(),
        name: name.into(),
        funding,
        filing,
        category,
        region: "511602".into(),
        land: "出让用地，广安区协兴园区（演示）".into(),
        scale: scale.into(),
        floor_area_m2: area,
    }
}

/// The paths and, once, the projects. Returns how many projects it registered.
pub(crate) async fn seed(app: &App) -> Result<usize> {
    crate::projects::save_paths_unchecked(app, &demo_paths()).await?;
    let owner = actor_for_login(app, &crate::demo::demo_credit_code()).await?;
    if !crate::projects::projects(app, &owner).await?.is_empty() {
        return Ok(0);
    }
    let projects = [
        draft(
            WAREHOUSE,
            "协兴园区食材仓库（演示）",
            Category::LowRiskSmall,
            Funding::Enterprise,
            Filing::Record,
            4_800,
            "单层丙类仓库一栋，建筑面积 4800 平方米",
        ),
        draft(
            KITCHEN,
            "中央厨房综合楼（演示）",
            Category::General,
            Funding::Enterprise,
            Filing::Verification,
            36_000,
            "中央厨房综合楼一栋，地上 9 层、地下 2 层，建筑面积 36000 平方米",
        ),
        draft(
            WORKSHOP,
            "协兴园区标准化生产车间（演示）",
            Category::General,
            Funding::Enterprise,
            Filing::Record,
            12_000,
            "生产车间两栋及配套用房，建筑面积 12000 平方米",
        ),
        draft(
            VISITOR_CENTRE,
            "景区游客服务中心及餐饮配套（演示）",
            Category::General,
            Funding::Enterprise,
            Filing::Record,
            6_500,
            "游客服务中心一栋及停车场，建筑面积 6500 平方米",
        ),
    ];
    for p in &projects {
        crate::projects::register(app, &owner, p).await?;
    }
    // The warehouse's land survey is with an intermediary.
    let clerk = actor_for_login(app, "clerk").await?;
    let today = domain::calendar::china_date(app.now());
    crate::projects::add_hold(
        app,
        &clerk,
        WAREHOUSE,
        HoldReason::Intermediary,
        today,
        "地形图测绘（中介超市选取的测绘机构作业中）",
    )
    .await?;
    Ok(projects.len())
}

/// The stage's merged form with sample values and every mandatory material uploaded.
pub async fn filled(app: &App, owner: &Actor, path: &Path, stage: Stage) -> Result<Application> {
    let plan = path
        .stages
        .iter()
        .find(|s| s.stage == stage)
        .ok_or_else(|| AppError::Internal("demo stage".into()))?;
    let guide = crate::bundles::guide(app, &plan.bundle).await?;
    let today = domain::calendar::china_date(app.now());
    let form = crate::demo_cases::sample_values(&guide.def.form_for(&[]), today);
    let mut materials: BTreeMap<String, Provision> = BTreeMap::new();
    for m in guide
        .materials
        .iter()
        .filter(|m| m.mandatory && m.from_member.is_none())
    {
        let p = crate::uploads::store(app, owner, DEMO_PDF, &format!("{}.pdf", m.name)).await?;
        materials.insert(m.identity.clone(), p);
    }
    Ok(Application {
        form,
        materials,
        ..Default::default()
    })
}
