//! The fuller demo of `serve --demo` (not of the tests' demo, which stays light): the demo's
//! general projects taken through their stages by the departments' staff, every member case
//! accepted, reviewed, approved and completed through the same use cases people use, on a
//! clock set weeks back (so the projects' clocks show days used), so the
//! central kitchen runs its 施工许可 stage with a 联合审图 open, the workshop's 竣工验收 is back
//! with the enterprise for rectification after a 联合验收, and
//! the warehouse and the visitor centre run their first stages.

use domain::account::Role;
use domain::case::{CaseState, Command, Delivery};
use domain::project::Stage;
use domain::project::joint::JointKind;

use std::sync::Arc;

use time::{Duration, OffsetDateTime};

use crate::auth::{Actor, NewStaff, actor_for_login};
use crate::cases;
use crate::demo_projects::{KITCHEN, VISITOR_CENTRE, WAREHOUSE, WORKSHOP, filled};
use crate::{App, AppError, Result, SteppedClock};

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

/// Takes the demo's general projects through their stages, once, on the days it would have
/// happened: the workshop from eleven weeks ago, the central kitchen from seven, members of a stage
/// worked in parallel over a few days each, the enterprise taking days between stages (which
/// the clocks leave out). Returns the cases it completed.
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
    let real_now = app.now();
    let clock = Arc::new(SteppedClock::starting_at(morning(
        real_now - Duration::days(77),
    )));
    let past = app.with_clock(clock.clone());
    let demo = Past {
        app: &past,
        clock: &clock,
    };
    demo.days(0);
    let mut done = 0;
    for stage in [Stage::Initiation, Stage::Permit, Stage::Construction] {
        done += demo.through(&owner, WORKSHOP, stage).await?;
    }
    // Its 竣工验收 is filed; the 联合验收 went back once: 消防 found a point, the enterprise
    // rectifies (the clock is held).
    start(&past, &owner, WORKSHOP, Stage::Acceptance).await?;
    demo.days(1);
    // The window accepts what has started (the fire acceptance; the 备案 waits for it).
    let v = crate::projects::project(&past, &owner, WORKSHOP).await?;
    let started: Vec<String> = v
        .stages
        .iter()
        .filter(|s| s.plan.stage == Stage::Acceptance)
        .filter_map(|s| s.bundle.as_ref())
        .flat_map(|b| b.children.iter().filter_map(|c| c.case_id.clone()))
        .collect();
    for id in &started {
        step(&past, id, Phase::Accept).await?;
    }
    demo.days(1);
    let lead = actor_for_login(&past, "zjjsc").await?;
    let fire = actor_for_login(&past, "xfjy").await?;
    let kind = JointKind::Acceptance;
    let depts = ["511600-XFJYZD".to_string()];
    crate::projects::open_joint(&past, &lead, WORKSHOP, kind, &depts).await?;
    demo.days(1);
    let point = ["室外消火栓距路边超过 2 米，须移位".to_string()];
    crate::projects::opine(&past, &fire, WORKSHOP, kind, false, &point).await?;
    crate::projects::opine(&past, &lead, WORKSHOP, kind, true, &[]).await?;
    crate::projects::close_joint(&past, &lead, WORKSHOP, kind).await?;
    clock.set(morning(real_now - Duration::days(49)));
    demo.days(0);
    done += demo.through(&owner, KITCHEN, Stage::Initiation).await?;
    done += demo.through(&owner, KITCHEN, Stage::Permit).await?;
    start(&past, &owner, KITCHEN, Stage::Construction).await?;
    demo.days(2);
    let lead = actor_for_login(&past, "zjjsc").await?;
    let depts = ["511600-XFJYZD".to_string(), "511600-ZJJ".to_string()];
    crate::projects::open_joint(&past, &lead, KITCHEN, JointKind::DrawingReview, &depts).await?;
    // The warehouse's first stage (工程建设许可 on the low-risk path) runs since last week;
    // the visitor centre's first (立项用地规划许可) since yesterday.
    clock.set(morning(real_now - Duration::days(8)));
    start(&past, &owner, WAREHOUSE, Stage::Permit).await?;
    clock.set(morning(real_now - Duration::days(1)));
    start(&past, &owner, VISITOR_CENTRE, Stage::Initiation).await?;
    Ok(done)
}

/// 09:00 China time of `t`'s day, so a step of days stays in office hours and never passes
/// the real now when it started a day or more before it.
fn morning(t: OffsetDateTime) -> OffsetDateTime {
    let china = time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC);
    let local = t.to_offset(china);
    local
        .replace_time(time::Time::from_hms(9, 0, 0).unwrap_or(time::Time::MIDNIGHT))
        .to_offset(time::UtcOffset::UTC)
}

pub async fn start(app: &App, owner: &Actor, code: &str, stage: Stage) -> Result<()> {
    let v = crate::projects::project(app, owner, code).await?;
    let application = filled(app, owner, &v.path, stage).await?;
    crate::projects::start_stage(app, owner, code, stage, application).await?;
    Ok(())
}

/// The demo app on its stepped clock.
struct Past<'a> {
    app: &'a App,
    clock: &'a SteppedClock,
}

impl Past<'_> {
    /// Lets `n` days pass, then on to the next working day: staff act on working days.
    fn days(&self, n: i64) {
        self.clock.advance(Duration::days(n));
        let cal = crate::cases::calendar(self.app);
        for _ in 0..10 {
            if cal.is_working_day(domain::calendar::china_date(self.app.now())) {
                break;
            }
            self.clock.advance(Duration::days(1));
        }
    }

    /// Files a stage, works its members to 办结, and gives the enterprise four days before
    /// the next.
    async fn through(&self, owner: &Actor, code: &str, stage: Stage) -> Result<usize> {
        start(self.app, owner, code, stage).await?;
        self.days(1);
        let done = finish_on(self.app, owner, code, stage, Some(self)).await?;
        self.days(4);
        Ok(done)
    }
}

/// Completes every member case of a started stage, members that wait for others as they
/// start.
pub async fn finish(app: &App, owner: &Actor, code: &str, stage: Stage) -> Result<usize> {
    finish_on(app, owner, code, stage, None).await
}

async fn finish_on(
    app: &App,
    owner: &Actor,
    code: &str,
    stage: Stage,
    past: Option<&Past<'_>>,
) -> Result<usize> {
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
        // The members of one wave are worked side by side, a phase a day or two.
        for phase in Phase::ALL {
            for id in &open {
                step(app, id, *phase).await?;
            }
            if let Some(p) = past {
                p.days(phase.days());
            }
        }
        done += open.len();
    }
    // The stage's finish is stamped on the day its last member completed.
    crate::projects::project(app, owner, code).await?;
    Ok(done)
}

/// The phases of a member case from acceptance to 办结.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Accept,
    FirstReview,
    SecondReview,
    Decide,
    Close,
}

impl Phase {
    const ALL: &[Phase] = &[
        Phase::Accept,
        Phase::FirstReview,
        Phase::SecondReview,
        Phase::Decide,
        Phase::Close,
    ];

    /// Days the demo lets pass after the phase.
    fn days(self) -> i64 {
        match self {
            Phase::FirstReview => 2,
            Phase::Close => 0,
            _ => 1,
        }
    }
}

/// One phase of one case: the window accepts; the department's 承办 and 审核 review; the
/// first approves (the window approves an instant item at once); the window issues and
/// completes.
async fn step(app: &App, id: &str, phase: Phase) -> Result<()> {
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
    let reviewer = |n: usize| async move {
        let (first, second) = reviewers(&department)
            .ok_or_else(|| AppError::Internal(format!("demo: no reviewers for {department}")))?;
        actor_for_login(app, if n == 0 { first } else { second }).await
    };
    let review = async |who: &Actor, opinion: &str| -> Result<()> {
        cases::act(app, who, id, Command::Claim).await?;
        let step = Command::CompleteStep {
            opinion: opinion.into(),
        };
        cases::act(app, who, id, step).await?;
        Ok(())
    };
    match phase {
        Phase::Accept => {
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
            }
        }
        Phase::FirstReview if !instant => {
            review(&reviewer(0).await?, "材料齐全，符合受理条件").await?;
        }
        Phase::SecondReview if !instant => {
            review(&reviewer(1).await?, "经审核符合条件").await?;
        }
        Phase::Decide if !instant => {
            let first = reviewer(0).await?;
            cases::act(app, &first, id, Command::Claim).await?;
            let approve = Command::Approve {
                reason: "符合法定条件，准予许可".into(),
                legal_basis: String::new(),
            };
            cases::act(app, &first, id, approve).await?;
        }
        Phase::Close => {
            let issue = Command::Issue {
                delivery: Delivery::Window {
                    window: "C01".into(),
                },
            };
            cases::act(app, &clerk, id, issue).await?;
            cases::act(app, &clerk, id, Command::Complete).await?;
        }
        _ => {}
    }
    Ok(())
}
