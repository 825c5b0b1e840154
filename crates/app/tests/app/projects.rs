//! 工程建设项目: registration under the 投资项目代码, stages in order as bundle applications,
//! who sees a project, the clock with its holds, and a joint review sent back for rectification
//! with every department's points and passed on the second round.

use app::AppError;
use app::auth::actor_for_login;
use app::demo_projects::{KITCHEN, WAREHOUSE, WORKSHOP};
use app::projects;
use domain::project::joint::{JointKind, JointState};
use domain::project::{Category, Filing, Funding, HoldReason, ProjectDraft, Stage};
use time::Duration;

use crate::support::*;

fn field_code(e: AppError) -> String {
    match e {
        AppError::Validation(v) => v[0].code.to_string(),
        AppError::Conflict { field, .. } => format!("conflict:{field}"),
        other => format!("{other:?}"),
    }
}

fn draft(code: &str) -> ProjectDraft {
    ProjectDraft {
        code: code.into(),
        name: "广安演示制造有限公司二期厂房".into(),
        funding: Funding::Enterprise,
        filing: Filing::Record,
        category: Category::General,
        region: "511602".into(),
        land: "出让用地".into(),
        scale: "厂房两栋".into(),
        floor_area_m2: 20_000,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_project_runs_its_stages_in_order_and_a_joint_review_sends_back_one_notice() {
    store::testing::on_both(|s| async move {
        let (app, clock) = app(s).await;
        let report = app::demo::load(&app).await.unwrap();
        assert_eq!(report.projects, 4);
        assert_eq!(app::demo::load(&app).await.unwrap().projects, 0, "once");
        let owner = actor_for_login(&app, &app::demo::demo_credit_code())
            .await
            .unwrap();
        let clerk = actor_for_login(&app, "clerk").await.unwrap();

        // Registration: the code checked, once each, by an enterprise.
        let e = projects::register(&app, &owner, &draft("2026-511602-47-03-00012"))
            .await
            .unwrap_err();
        assert_eq!(field_code(e), "invalid");
        let e = projects::register(&app, &owner, &draft(WORKSHOP))
            .await
            .unwrap_err();
        assert_eq!(field_code(e), "conflict:code");
        let person = citizen(&app, "077").await;
        let e = projects::register(&app, &person, &draft("2026-511602-47-03-000999"))
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
        let gov = ProjectDraft {
            funding: Funding::Government,
            ..draft("2026-511602-47-03-000999")
        };
        assert_eq!(
            field_code(projects::register(&app, &owner, &gov).await.unwrap_err()),
            "inconsistent"
        );

        // Who sees it: the owner and staff covering the region; nobody else learns it exists.
        let e = projects::project(&app, &person, WORKSHOP)
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::NotFound(_)), "{e:?}");
        let seen = projects::project(&app, &clerk, WORKSHOP).await.unwrap();
        assert!(!seen.mine && seen.clock.is_none(), "not started: no clock");
        assert_eq!(projects::projects(&app, &owner).await.unwrap().len(), 4);
        assert_eq!(projects::projects(&app, &person).await.unwrap().len(), 0);

        // Stages in order: not the third before the first; the demo's first stages run.
        let v = projects::project(&app, &owner, WORKSHOP).await.unwrap();
        assert_eq!(v.next, Some(Stage::Initiation));
        let e = projects::start_stage(
            &app,
            &owner,
            WORKSHOP,
            Stage::Construction,
            Default::default(),
        )
        .await
        .unwrap_err();
        assert_eq!(field_code(e), "predecessor");
        let e = projects::start_stage(
            &app,
            &clerk,
            WORKSHOP,
            Stage::Initiation,
            Default::default(),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(e, AppError::Forbidden(_)),
            "staff do not file for the owner: {e:?}"
        );
        // Two starts of one stage at once (a double click): one files, the other nothing.
        let before = app::bundles::mine(&app, &owner).await.unwrap().len();
        let (a, b) = tokio::join!(
            app::demo_projects_run::start(&app, &owner, WORKSHOP, Stage::Initiation),
            app::demo_projects_run::start(&app, &owner, WORKSHOP, Stage::Initiation),
        );
        assert_eq!(u8::from(a.is_ok()) + u8::from(b.is_ok()), 1, "{a:?} {b:?}");
        assert_eq!(
            app::bundles::mine(&app, &owner).await.unwrap().len(),
            before + 1,
            "the loser filed no bundle application"
        );
        app::demo_projects_run::start(&app, &owner, WAREHOUSE, Stage::Permit)
            .await
            .unwrap();
        let warehouse = projects::project(&app, &owner, WAREHOUSE).await.unwrap();
        assert_eq!(
            warehouse.path.stages.len(),
            3,
            "the low-risk path merges a stage"
        );
        let first = &warehouse.stages[0];
        assert_eq!(first.plan.stage, Stage::Permit);
        let bundle = first.bundle.as_ref().expect("the first stage runs");
        assert_eq!(bundle.children.len(), 2, "{bundle:?}");
        assert_eq!(warehouse.next, None, "the next stage waits for this one");
        let e = projects::start_stage(&app, &owner, WAREHOUSE, Stage::Permit, Default::default())
            .await
            .unwrap_err();
        assert_eq!(field_code(e), "started");

        // The owner names a 代办员: staff whose region covers the project.
        let e = projects::assign_agent(&app, &owner, WAREHOUSE, "nobody")
            .await
            .unwrap_err();
        assert_eq!(field_code(e), "unknown");
        let e = projects::assign_agent(&app, &clerk, WAREHOUSE, "clerk")
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
        let named = projects::assign_agent(&app, &owner, WAREHOUSE, "clerk")
            .await
            .unwrap();
        assert_eq!(named.agent, "赵综窗");
        assert!(
            projects::project(&app, &clerk, WAREHOUSE)
                .await
                .unwrap()
                .mine,
            "the agent acts for the owner"
        );

        // The clock: the intermediary's hold keeps the government's count at zero.
        assert_eq!(warehouse.holds.len(), 1);
        assert_eq!(warehouse.holds[0].hold.reason, HoldReason::Intermediary);
        clock.advance(Duration::days(14));
        let later = projects::project(&app, &owner, WAREHOUSE).await.unwrap();
        let c = later.clock.unwrap();
        assert_eq!(c.used, 0, "{c:?}");
        assert!(c.held >= 9, "{c:?}");
        let id = later.holds[0].id.clone();
        let today = domain::calendar::china_date(app.now());
        let e = projects::end_hold(&app, &owner, WAREHOUSE, &id, today)
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
        let ended = projects::end_hold(&app, &clerk, WAREHOUSE, &id, today - Duration::days(4))
            .await
            .unwrap();
        assert!(ended.holds[0].hold.to.is_some());
        assert!(ended.clock.unwrap().used >= 2, "days after the hold count");
        // Only the window and the departments handling the project hold its clock.
        let outsider = actor_for_login(&app, "cgzf").await.unwrap();
        let e = projects::add_hold(
            &app,
            &outsider,
            WAREHOUSE,
            HoldReason::Publicity,
            today,
            "公示",
        )
        .await
        .unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");

        // An intermediary job for the warehouse: its owner may post one, nobody else; the
        // project's page lists it (with the demo's survey).
        let survey = |code: &str| domain::market::JobPost {
            title: "仓库消防设计技术咨询".into(),
            service: domain::market::Service::CostConsulting,
            scope: "施工图消防专篇咨询".into(),
            budget_cap: 2_000_000,
            bid_deadline: app.now() + Duration::days(3),
            delivery_days: 10,
            method: domain::market::Method::LowestPrice,
            region: "511602".into(),
            project_code: code.into(),
        };
        let other = crate::market::company(&app, 9, "广安他人制造有限公司").await;
        let e = app::market::post_job(&app, &other, &survey(WAREHOUSE))
            .await
            .unwrap_err();
        assert_eq!(field_code(e), "not_yours");
        let e = app::market::post_job(&app, &owner, &survey("2026-511602-00-00-999999"))
            .await
            .unwrap_err();
        assert_eq!(field_code(e), "not_yours");
        app::market::post_job(&app, &owner, &survey(WAREHOUSE))
            .await
            .unwrap();
        let listed = projects::project(&app, &owner, WAREHOUSE)
            .await
            .unwrap()
            .services;
        assert_eq!(
            listed.len(),
            2,
            "the demo's survey and this one: {listed:?}"
        );

        // Statistics for staff: per category, per stage, and the market's delivered services.
        let figures = projects::statistics(&app, &clerk).await.unwrap();
        let low = figures
            .categories
            .iter()
            .find(|c| c.category == Category::LowRiskSmall)
            .unwrap();
        assert_eq!((low.projects, low.started), (1, 1));
        let general = figures
            .categories
            .iter()
            .find(|c| c.category == Category::General)
            .unwrap();
        assert_eq!((general.projects, general.started), (3, 1));
        assert_eq!(figures.stages.len(), 2, "{:?}", figures.stages);
        assert!(
            !figures.market.is_empty(),
            "the demo market has delivered jobs"
        );
        assert!(
            projects::statistics(&app, &owner).await.is_err(),
            "staff only"
        );

        // 联合审图 of the central kitchen: 消防 asks for changes, 住建 passes; one notice; the hold.
        let lead = actor_for_login(&app, "zjjsc").await.unwrap();
        let fire = actor_for_login(&app, "xfjy").await.unwrap();
        let kind = JointKind::DrawingReview;
        let depts = ["511600-XFJYZD".to_string()];
        let e = projects::open_joint(&app, &fire, KITCHEN, kind, &[])
            .await
            .unwrap_err();
        assert_eq!(
            field_code(e),
            "too_few",
            "消防 may lead one, with another department"
        );
        let e = projects::open_joint(&app, &clerk, KITCHEN, kind, &depts)
            .await
            .unwrap_err();
        assert!(
            matches!(e, AppError::Forbidden(_)),
            "a window clerk does not: {e:?}"
        );
        let opened = projects::open_joint(&app, &lead, KITCHEN, kind, &depts)
            .await
            .unwrap();
        assert_eq!(
            opened.joints[0].departments,
            vec!["511600-ZJJ", "511600-XFJYZD"]
        );
        let e = projects::close_joint(&app, &lead, KITCHEN, kind)
            .await
            .unwrap_err();
        assert_eq!(field_code(e), "missing");
        let e = projects::opine(&app, &fire, KITCHEN, kind, false, &[])
            .await
            .unwrap_err();
        assert_eq!(field_code(e), "required");
        projects::opine(
            &app,
            &fire,
            KITCHEN,
            kind,
            false,
            &["疏散楼梯宽度不足 1.2 米".into()],
        )
        .await
        .unwrap();
        projects::opine(&app, &lead, KITCHEN, kind, true, &[])
            .await
            .unwrap();
        let e = projects::close_joint(&app, &fire, KITCHEN, kind)
            .await
            .unwrap_err();
        assert!(
            matches!(e, AppError::Forbidden(_)),
            "only the lead decides: {e:?}"
        );
        let sent = projects::close_joint(&app, &lead, KITCHEN, kind)
            .await
            .unwrap();
        let step = &sent.joints[0];
        assert_eq!((step.state, step.round), (JointState::Rectifying, 1));
        assert_eq!(
            step.notice["511600-XFJYZD"],
            vec!["疏散楼梯宽度不足 1.2 米".to_string()]
        );
        assert!(
            sent.holds
                .iter()
                .any(|h| h.hold.reason == HoldReason::Rectification && h.hold.to.is_none())
        );
        let e = projects::resubmit(&app, &clerk, KITCHEN, kind)
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
        clock.advance(Duration::days(3));
        let again = projects::resubmit(&app, &owner, KITCHEN, kind)
            .await
            .unwrap();
        assert_eq!(
            (again.joints[0].state, again.joints[0].round),
            (JointState::Open, 2)
        );
        assert!(
            again.holds.iter().all(|h| h.hold.to.is_some()),
            "the rectification hold ended"
        );
        projects::opine(&app, &fire, KITCHEN, kind, true, &[])
            .await
            .unwrap();
        projects::opine(&app, &lead, KITCHEN, kind, true, &[])
            .await
            .unwrap();
        let passed = projects::close_joint(&app, &lead, KITCHEN, kind)
            .await
            .unwrap();
        assert_eq!(passed.joints[0].state, JointState::Passed);
        let e = projects::open_joint(&app, &lead, KITCHEN, kind, &["511600-XFJYZD".into()])
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::State(_)), "{e:?}");
        // 住建局 takes part in the central kitchen's joint review, so it may hold that clock.
        let today = domain::calendar::china_date(app.now());
        let held = projects::add_hold(
            &app,
            &lead,
            KITCHEN,
            HoldReason::Publicity,
            today,
            "图审结果公示",
        )
        .await
        .unwrap();
        assert!(
            held.holds
                .iter()
                .any(|h| h.hold.reason == HoldReason::Publicity)
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_full_demo_takes_the_workshop_through_three_stages_to_a_rectification_at_acceptance() {
    store::testing::on_both(|s| async move {
        let (app, _) = app(s).await;
        app::demo::load_full(&app).await.unwrap();
        let owner = actor_for_login(&app, &app::demo::demo_credit_code())
            .await
            .unwrap();
        let w = projects::project(&app, &owner, WORKSHOP).await.unwrap();
        assert!(w.stages[..3].iter().all(|s| s.finished_at > 0));
        // Its 竣工验收 is filed and back with the enterprise after the 联合验收.
        assert!(w.stages[3].bundle.is_some() && w.stages[3].finished_at == 0);
        assert_eq!(w.joints.len(), 1);
        assert_eq!(w.joints[0].kind, JointKind::Acceptance);
        assert_eq!(w.joints[0].state, JointState::Rectifying);
        assert!(
            w.holds
                .iter()
                .any(|h| h.hold.reason == HoldReason::Rectification && h.hold.to.is_none())
        );
        // The 建设工程规划许可证 of the second stage provides the third's material: the
        // 施工许可 case carries it from the platform's record (免提交), not the upload.
        let permit = w.stages[2].bundle.as_ref().unwrap();
        let member = permit
            .children
            .iter()
            .find(|c| c.item == "建筑工程施工许可证核发")
            .and_then(|c| c.case_id.clone())
            .unwrap();
        let case = app::cases::view(&app, &owner, &member).await.unwrap().case;
        let carried = case.materials.get("建设工程规划许可证");
        assert!(
            matches!(carried, Some(domain::case::Provision::Shared { source, summary })
                if source == "本平台工程建设项目审批结果" && summary.contains("建设工程规划许可证：办件")),
            "{carried:?}"
        );
        let carried = projects::carried_for(&app, &owner, WORKSHOP, Stage::Construction)
            .await
            .unwrap();
        assert!(carried.values().any(|v| v.contains("广安市自然资源和规划局")), "{carried:?}");
        let h = projects::project(&app, &owner, KITCHEN).await.unwrap();
        assert!(h.stages[2].bundle.is_some() && h.stages[2].finished_at == 0);
        assert_eq!(h.joints.len(), 1, "the drawings are in joint review");
        // Written on the days it happened: the clocks show days used, and the days between
        // stages are the enterprise's.
        let c = w.clock.as_ref().unwrap();
        assert!(c.used >= 10 && c.held >= 6, "{c:?}");
        assert!(
            w.holds
                .iter()
                .any(|h| h.hold.reason == HoldReason::Preparing)
        );
        assert!(w.clock.unwrap().within);
        let clerk = actor_for_login(&app, "clerk").await.unwrap();
        let figures = projects::statistics(&app, &clerk).await.unwrap();
        let zjj = figures
            .departments
            .iter()
            .find(|d| d.figures.department == "511600-ZJJ")
            .expect("住建局's cases are counted");
        assert!(
            zjj.figures.closed >= 2 && zjj.figures.mean_used >= 1.0,
            "{zjj:?}"
        );
        assert_eq!(app::demo_projects_run::run(&app).await.unwrap(), 0, "once");
    })
    .await;
}
