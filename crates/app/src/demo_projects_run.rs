//! The fuller demo of `serve --demo` (not of the tests' demo, which stays light): the demo's
//! general projects taken through their stages by the departments' staff, every member case
//! accepted, reviewed, approved and completed through the same use cases people use, so the
//! hospital runs its 施工许可 stage with a 联合审图 open, the workshop waits at 竣工验收 and
//! the warehouse and the visitor centre run their first stages.

use domain::account::Role;
use domain::case::{CaseState, Command, Delivery};
use domain::project::Stage;
use domain::project::joint::JointKind;

use crate::auth::{Actor, NewStaff, actor_for_login};
use crate::cases;
use crate::demo_projects::{HOSPITAL, VISITOR_CENTRE, WAREHOUSE, WORKSHOP, filled};
use crate::{App, AppError, Result};

/// Reviewers of the construction departments: (login, name, roles, department). The first
/// of each department also approves; 承办 and 审核 are different people.
const STAFF: &[(&str, &str, &[Role], &str)] = &[
    ("zjjsh", "罗审核", &[Role::Reviewer], "511600-ZJJ"),
    (
        "ghjsc",
        "彭规划",
        &[Role::Reviewer, Role::Approver],
        "511600-ZRZYGHJ",
    ),
    ("ghjsh", "唐审核", &[Role::Reviewer], "511600-ZRZYGHJ"),
    (
        "sthjsc",
        "冯环评",
        &[Role::Reviewer, Role::Approver],
        "511600-STHJJ",
    ),
    ("sthjsh", "蒋审核", &[Role::Reviewer], "511600-STHJJ"),
];

/// (承办 and 批准, 审核) by department.
fn reviewers(department: &str) -> Option<(&'static str, &'static str)> {
    match department {
        "511600-ZJJ" => Some(("zjjsc", "zjjsh")),
        "511600-ZRZYGHJ" => Some(("ghjsc", "ghjsh")),
        "511600-STHJJ" => Some(("sthjsc", "sthjsh")),
        _ => None,
    }
}

/// Takes the demo's general projects through their stages, once. Returns the cases it
/// completed.
pub async fn run(app: &App) -> Result<usize> {
    let owner = actor_for_login(app, &crate::demo::demo_credit_code()).await?;
    let workshop = crate::projects::project(app, &owner, WORKSHOP).await?;
    if workshop.stages.iter().any(|s| s.bundle.is_some()) {
        return Ok(0);
    }
    let admin = actor_for_login(app, "admin").await?.system_admin()?;
    for (login, name, roles, department) in STAFF {
        if actor_for_login(app, login).await.is_ok() {
            continue;
        }
        let s = NewStaff {
            login: login.to_string(),
            name: name.to_string(),
            phone: "13800000002".into(),
            password: crate::demo::DEMO_PASSWORD.into(),
            roles: roles.to_vec(),
            region: "511600".into(),
            department: Some(department.to_string()),
        };
        crate::auth::create_staff(app, &admin, &s).await?;
    }
    let mut done = 0;
    for stage in [Stage::Initiation, Stage::Permit, Stage::Construction] {
        done += through(app, &owner, WORKSHOP, stage).await?;
    }
    done += through(app, &owner, HOSPITAL, Stage::Initiation).await?;
    done += through(app, &owner, HOSPITAL, Stage::Permit).await?;
    // The warehouse's first stage (工程建设许可 on the low-risk path) runs; the visitor
    // centre's first (立项用地规划许可) too.
    start(app, &owner, WAREHOUSE, Stage::Permit).await?;
    start(app, &owner, VISITOR_CENTRE, Stage::Initiation).await?;
    start(app, &owner, HOSPITAL, Stage::Construction).await?;
    let lead = actor_for_login(app, "zjjsc").await?;
    let depts = ["511600-ZJJ".to_string(), "511600-XFJYZD".to_string()];
    crate::projects::open_joint(app, &lead, HOSPITAL, JointKind::DrawingReview, &depts).await?;
    Ok(done)
}

pub async fn start(app: &App, owner: &Actor, code: &str, stage: Stage) -> Result<()> {
    let v = crate::projects::project(app, owner, code).await?;
    let application = filled(app, owner, &v.path, stage).await?;
    crate::projects::start_stage(app, owner, code, stage, application).await?;
    Ok(())
}

async fn through(app: &App, owner: &Actor, code: &str, stage: Stage) -> Result<usize> {
    start(app, owner, code, stage).await?;
    finish(app, owner, code, stage).await
}

/// Completes every member case of a started stage, members that wait for others as they
/// start.
pub async fn finish(app: &App, owner: &Actor, code: &str, stage: Stage) -> Result<usize> {
    let v = crate::projects::project(app, owner, code).await?;
    let parent = v
        .stages
        .iter()
        .find(|s| s.plan.stage == stage)
        .and_then(|s| s.bundle.as_ref())
        .map(|b| b.id.clone())
        .ok_or_else(|| AppError::Internal(format!("demo project {code}: {stage:?} not started")))?;
    let mut done = 0;
    for _ in 0..4 {
        crate::bundles::advance(app, &parent).await?;
        let b = crate::bundles::view(app, owner, &parent).await?;
        let open: Vec<String> = b
            .children
            .iter()
            .filter(|c| c.state != CaseState::Completed.label())
            .filter_map(|c| c.case_id.clone())
            .collect();
        if open.is_empty() {
            break;
        }
        for id in open {
            complete(app, &id).await?;
            done += 1;
        }
    }
    Ok(done)
}

/// Accepts, reviews, approves, issues at the window and completes one case.
async fn complete(app: &App, id: &str) -> Result<()> {
    let clerk = actor_for_login(app, "clerk").await?;
    let (department, instant) = {
        let mut c = app.store.conn().await?;
        let case = store::cases::get_case(&mut c, id)
            .await?
            .ok_or_else(|| AppError::NotFound("办件".into()))?;
        let item = app
            .item_version(&mut c, &case.item_code, case.item_version)
            .await?;
        (
            case.department.clone(),
            item.workflow.steps_for(item.case_type).is_empty(),
        )
    };
    let accept = Command::Accept {
        tolerate: vec![],
        commitment: false,
    };
    cases::act(app, &clerk, id, accept).await?;
    if instant {
        let approve = Command::Approve {
            reason: "材料齐全，当场办结".into(),
            legal_basis: String::new(),
        };
        cases::act(app, &clerk, id, approve).await?;
    } else {
        let (first, second) = reviewers(&department)
            .ok_or_else(|| AppError::Internal(format!("demo: no reviewers for {department}")))?;
        let first = actor_for_login(app, first).await?;
        let second = actor_for_login(app, second).await?;
        for (who, opinion) in [
            (&first, "材料齐全，符合受理条件"),
            (&second, "经审核符合条件"),
        ] {
            cases::act(app, who, id, Command::Claim).await?;
            let step = Command::CompleteStep {
                opinion: opinion.into(),
            };
            cases::act(app, who, id, step).await?;
        }
        cases::act(app, &first, id, Command::Claim).await?;
        let approve = Command::Approve {
            reason: "符合法定条件，准予许可".into(),
            legal_basis: String::new(),
        };
        cases::act(app, &first, id, approve).await?;
    }
    let issue = Command::Issue {
        delivery: Delivery::Window {
            window: "C01".into(),
        },
    };
    cases::act(app, &clerk, id, issue).await?;
    cases::act(app, &clerk, id, Command::Complete).await?;
    Ok(())
}
