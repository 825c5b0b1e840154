use std::collections::BTreeMap;

use app::AppError;
use app::auth::Actor;
use app::cases;
use domain::account::Role;
use domain::case::{CaseState, Command, Delivery, Provision};
use domain::fixtures::sample_item;
use store::testing::on_both;

use crate::support::*;

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n";

/// A published item with two materials (one non-key) and the default three review steps.
async fn published_item(app: &app::App) -> String {
    let cap = staff(app, "cat", &[Role::CatalogAdmin], "511600", None)
        .await
        .catalog_admin()
        .unwrap();
    let mut item = sample_item();
    let mut plan = item.materials[0].clone();
    plan.name = "经营场所平面图".into();
    plan.key = false;
    item.materials.push(plan);
    app::catalog::create(app, &cap, item.clone()).await.unwrap();
    app::catalog::publish(app, &cap, &item.code).await.unwrap();
    item.code
}

/// Runs a command that must succeed.
async fn step(app: &app::App, actor: &Actor, case_id: &str, cmd: Command) -> domain::case::Case {
    cases::act(app, actor, case_id, cmd)
        .await
        .unwrap_or_else(|e| panic!("command failed: {e:?}"))
}

/// A file uploaded by `by`, who may then name it in a case.
async fn upload(app: &app::App, by: &Actor) -> Provision {
    app::uploads::store(app, by, PDF, "申请书.pdf")
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_applies_online_supplies_once_and_the_case_runs_to_completion_with_an_intact_audit_chain()
 {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        seed_org(&app).await;
        let code = published_item(&app).await;
        let me = citizen(&app, "123").await;
        let c = cases::start(&app, &me, &code).await.unwrap();
        let materials =
            BTreeMap::from([("食品经营许可申请书".to_string(), upload(&app, &me).await)]);
        step(
            &app,
            &me,
            &c.id,
            Command::Edit {
                form: BTreeMap::new(),
                materials,
            },
        )
        .await;
        // Online, every mandatory material must come with the filing: the plan is named.
        let e = cases::act(&app, &me, &c.id, Command::Submit).await.unwrap_err();
        assert!(
            matches!(&e, app::AppError::Validation(v) if v.iter().any(|p| p.field == "materials.经营场所平面图")),
            "{e:?}"
        );
        let plan = BTreeMap::from([("经营场所平面图".to_string(), upload(&app, &me).await)]);
        step(&app, &me, &c.id, Command::Edit { form: BTreeMap::new(), materials: plan }).await;
        let c = step(&app, &me, &c.id, Command::Submit).await;
        assert_eq!(c.state, CaseState::Submitted);
        assert!(
            c.number.starts_with("51160020261127") && c.number.len() == 19,
            "{}",
            c.number
        );

        let clerk = staff(&app, "clerk", &[Role::Clerk], "511600", None).await;
        let c = step(
            &app,
            &clerk,
            &c.id,
            Command::RequestSupplement {
                materials: vec!["经营场所平面图".into()],
                fields: vec![],
                note: "平面图不清晰".into(),
            },
        )
        .await;
        assert_eq!(c.supplement.as_ref().unwrap().materials, ["经营场所平面图"]);
        // A clearer scan: other content than the one found wanting.
        let clearer = app::uploads::store(&app, &me, b"%PDF-1.7\n% clearer\n1 0 obj\n<<>>\nendobj\n", "平面图.pdf")
            .await
            .unwrap();
        let supply = BTreeMap::from([("经营场所平面图".to_string(), clearer)]);
        step(
            &app,
            &me,
            &c.id,
            Command::Supply {
                form: BTreeMap::new(),
                materials: supply,
            },
        )
        .await;
        step(
            &app,
            &clerk,
            &c.id,
            Command::Accept {
                tolerate: vec![],
                commitment: false,
            },
        )
        .await;

        let reviewer = market_reviewer(&app).await;
        let (q, n) = cases::queue(&app, &reviewer, Role::Reviewer, 20, 0)
            .await
            .unwrap();
        assert_eq!(
            (n.count, q[0].0.id.as_str()),
            (1, c.id.as_str()),
            "the accepted case is in the department's review queue"
        );
        // 承办 and 审核 by two people: the one who did 承办 may not take 审核.
        let second = staff(&app, "rev2", &[Role::Reviewer], "511600", Some("511600-SCJG")).await;
        for who in [&reviewer, &second] {
            step(&app, who, &c.id, Command::Claim).await;
            step(
                &app,
                who,
                &c.id,
                Command::CompleteStep {
                    opinion: "同意".into(),
                },
            )
            .await;
        }
        let approver = staff(
            &app,
            "apr",
            &[Role::Approver],
            "511600",
            Some("511600-SCJG"),
        )
        .await;
        assert_eq!(
            cases::queue(&app, &approver, Role::Approver, 20, 0)
                .await
                .unwrap()
                .1
                .count,
            1
        );
        step(&app, &approver, &c.id, Command::Claim).await;
        step(
            &app,
            &approver,
            &c.id,
            Command::Approve {
                reason: "符合条件".into(),
                legal_basis: String::new(),
            },
        )
        .await;
        step(
            &app,
            &clerk,
            &c.id,
            Command::Issue {
                delivery: Delivery::Post {
                    carrier: "EMS".into(),
                    tracking: "1234567890".into(),
                },
            },
        )
        .await;
        let done = step(&app, &clerk, &c.id, Command::Complete).await;
        assert_eq!(done.state, CaseState::Completed);

        // The applicant's inbox followed the case: each thing the office did, once; nothing
        // for what the applicant did, nor for the office's internal review steps.
        let inbox = app::agents::notifications(&app, &me).await.unwrap();
        let said: Vec<&str> = inbox.iter().map(|n| n.text.as_str()).collect();
        for want in [
            "一次性告知补正：经营场所平面图",
            "：已受理",
            "准予许可：符合条件",
            "结果已邮寄（EMS 1234567890）",
            "：已办结",
        ] {
            assert_eq!(said.iter().filter(|t| t.contains(want)).count(), 1, "{want} in {said:?}");
        }
        assert_eq!(said.len(), 5, "{said:?}");
        assert!(said.iter().all(|t| t.starts_with(&format!("办件 {}", c.number))));
        assert!(inbox.iter().all(|n| n.case_id.as_deref() == Some(c.id.as_str())));

        let view = cases::view(&app, &me, &c.id).await.unwrap();
        let texts: Vec<&str> = view.timeline.iter().map(|t| t.text.as_str()).collect();
        assert!(
            texts.iter().any(|t| t.contains("一次性告知补正"))
                && texts.last().unwrap().contains("办结"),
            "{texts:?}"
        );

        let report = app::audit::verify(&app, None, |_| {}).await.unwrap();
        assert!(
            report.broken.is_empty() && report.events >= 12,
            "{report:?}"
        );
        store::testing::tamper_event(
            &app.store,
            &c.id,
            3,
            "{\"event\":\"submitted\",\"at\":\"2020-01-01T00:00:00Z\"}",
        )
        .await;
        let report = app::audit::verify(&app, None, |_| {}).await.unwrap();
        assert_eq!(
            (report.broken.len(), report.broken[0].seq),
            (1, 3),
            "{report:?}"
        );

        let id = app::demo::demo_id_number("19900101", "123");
        let (found, timeline) = cases::lookup(&app, &c.number, &id[14..]).await.unwrap();
        assert!(found.id == c.id && !timeline.is_empty());
        assert!(matches!(
            cases::lookup(&app, &c.number, "9999").await,
            Err(AppError::NotFound(_))
        ));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_else_sees_a_case_and_staff_stay_inside_their_region_and_department() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        seed_org(&app).await;
        let code = published_item(&app).await;
        let me = citizen(&app, "123").await;
        let other = citizen(&app, "135").await;
        let c = cases::start(&app, &me, &code).await.unwrap();
        assert!(matches!(
            cases::view(&app, &other, &c.id).await,
            Err(AppError::NotFound(_))
        ));
        assert!(matches!(
            cases::act(&app, &other, &c.id, Command::Submit).await,
            Err(AppError::NotFound(_))
        ));
        let county_clerk = staff(&app, "cc", &[Role::Clerk], "511602", None).await;
        assert!(matches!(
            cases::view(&app, &county_clerk, &c.id).await,
            Err(AppError::NotFound(_))
        ));
        let other_dept = staff(&app, "od", &[Role::Reviewer], "511602", Some("511602-SCJG")).await;
        assert!(matches!(
            cases::view(&app, &other_dept, &c.id).await,
            Err(AppError::NotFound(_))
        ));
        assert!(matches!(
            cases::act(
                &app,
                &me,
                &c.id,
                Command::Accept {
                    tolerate: vec![],
                    commitment: false
                }
            )
            .await,
            Err(AppError::State(_) | AppError::Forbidden(_))
        ));
        assert!(matches!(
            cases::start(&app, &Actor::Anonymous, &code).await,
            Err(AppError::Unauthenticated)
        ));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clerks_accepting_at_once_have_exactly_one_winner() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        seed_org(&app).await;
        let code = published_item(&app).await;
        let me = citizen(&app, "123").await;
        let c = cases::start(&app, &me, &code).await.unwrap();
        let all = BTreeMap::from([
            ("食品经营许可申请书".to_string(), upload(&app, &me).await),
            ("经营场所平面图".to_string(), upload(&app, &me).await),
        ]);
        step(
            &app,
            &me,
            &c.id,
            Command::Edit {
                form: BTreeMap::new(),
                materials: all,
            },
        )
        .await;
        file(&app, &me, &c.id).await;
        let a = staff(&app, "clerk-a", &[Role::Clerk], "511600", None).await;
        let b = staff(&app, "clerk-b", &[Role::Clerk], "511600", None).await;
        let accept = || Command::Accept {
            tolerate: vec![],
            commitment: false,
        };
        let (ra, rb) = tokio::join!(
            cases::act(&app, &a, &c.id, accept()),
            cases::act(&app, &b, &c.id, accept())
        );
        assert_eq!(
            [ra.is_ok(), rb.is_ok()].iter().filter(|x| **x).count(),
            1,
            "{ra:?} / {rb:?}"
        );
        let loser = if ra.is_ok() { rb } else { ra };
        assert!(
            matches!(
                loser,
                Err(AppError::Conflict { .. }) | Err(AppError::State(_))
            ),
            "{loser:?}"
        );
        let report = app::audit::verify(&app, None, |_| {}).await.unwrap();
        assert!(report.broken.is_empty());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_window_clerk_accepts_another_departments_item_and_it_lands_in_that_back_office() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        seed_org(&app).await;
        let code = published_item(&app).await;
        citizen(&app, "123").await;
        let clerk = staff(&app, "clerk", &[Role::Clerk], "511600", None).await;
        let login = app::demo::demo_id_number("19900101", "123");
        let c = cases::start_at_window(&app, &clerk, &code, &login)
            .await
            .unwrap();
        let all = BTreeMap::from([
            (
                "食品经营许可申请书".to_string(),
                Provision::CheckedOriginal { by: "clerk".into() },
            ),
            ("经营场所平面图".to_string(), upload(&app, &clerk).await),
        ]);
        step(
            &app,
            &clerk,
            &c.id,
            Command::Edit {
                form: BTreeMap::new(),
                materials: all,
            },
        )
        .await;
        step(&app, &clerk, &c.id, Command::Submit).await;
        step(
            &app,
            &clerk,
            &c.id,
            Command::Accept {
                tolerate: vec![],
                commitment: false,
            },
        )
        .await;
        let scjg = staff(&app, "r1", &[Role::Reviewer], "511600", Some("511600-SCJG")).await;
        assert_eq!(
            cases::queue(&app, &scjg, Role::Reviewer, 10, 0)
                .await
                .unwrap()
                .1
                .count,
            1
        );
        assert!(matches!(
            cases::start_at_window(&app, &clerk, &code, "110105194912310021").await,
            Err(AppError::Validation(_))
        ));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_are_judged_by_content_and_size() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        seed_org(&app).await;
        let me = citizen(&app, "123").await;
        assert!(matches!(app::uploads::store(&app, &me, b"MZ\x90\x00PE executable", "合同.pdf").await, Err(AppError::Validation(v)) if v[0].code == "bad_type"));
        let big = vec![b'%'; 21 * 1024 * 1024];
        assert!(matches!(app::uploads::store(&app, &me, &big, "big.pdf").await, Err(AppError::Validation(v)) if v[0].code == "too_large"));
        let Provision::Uploaded { file, .. } = upload(&app, &me).await else { panic!() };
        assert_eq!(app::uploads::read(&app, &file).await.unwrap(), PDF);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tolerated_materials_past_their_due_date_suspend_the_case_until_the_applicant_supplies_them()
 {
    on_both(|s| async move {
        let (app, clock) = app(s).await;
        seed_org(&app).await;
        let cap = staff(&app, "cat", &[Role::CatalogAdmin], "511600", None)
            .await
            .catalog_admin()
            .unwrap();
        let mut item = sample_item();
        let mut plan = item.materials[0].clone();
        plan.name = "经营场所平面图".into();
        plan.key = false;
        item.materials.push(plan);
        item.workflow.tolerance = Some(domain::workflow::Tolerance {
            days: 3,
            on_expiry: Default::default(),
        });
        app::catalog::create(&app, &cap, item.clone())
            .await
            .unwrap();
        app::catalog::publish(&app, &cap, &item.code).await.unwrap();
        let me = citizen(&app, "123").await;
        let c = cases::start(&app, &me, &item.code).await.unwrap();
        let first = BTreeMap::from([("食品经营许可申请书".to_string(), upload(&app, &me).await)]);
        step(
            &app,
            &me,
            &c.id,
            Command::Edit {
                form: BTreeMap::new(),
                materials: first,
            },
        )
        .await;
        step(&app, &me, &c.id, Command::Submit).await;
        let clerk = staff(&app, "clerk", &[Role::Clerk], "511600", None).await;
        step(
            &app,
            &clerk,
            &c.id,
            Command::Accept {
                tolerate: vec!["经营场所平面图".into()],
                commitment: false,
            },
        )
        .await;
        assert_eq!(
            cases::sweep_tolerance(&app).await.unwrap(),
            0,
            "not due yet"
        );
        clock.advance(time::Duration::days(10));
        assert_eq!(cases::sweep_tolerance(&app).await.unwrap(), 1);
        assert_eq!(
            cases::view(&app, &me, &c.id).await.unwrap().case.state,
            CaseState::Suspended
        );
        let late = BTreeMap::from([("经营场所平面图".to_string(), upload(&app, &me).await)]);
        let resumed = step(&app, &me, &c.id, Command::SupplyPending { materials: late }).await;
        assert_eq!(resumed.state, CaseState::InReview);
        assert!(
            app::audit::verify(&app, None, |_| {})
                .await
                .unwrap()
                .broken
                .is_empty()
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commitment_approval_waits_on_the_verification_list_and_a_failed_check_revokes_it() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        seed_org(&app).await;
        let cap = staff(&app, "cat", &[Role::CatalogAdmin], "511600", None)
            .await
            .catalog_admin()
            .unwrap();
        let mut item = sample_item();
        item.workflow.commitment = Some(20);
        app::catalog::create(&app, &cap, item.clone())
            .await
            .unwrap();
        app::catalog::publish(&app, &cap, &item.code).await.unwrap();
        let me = citizen(&app, "123").await;
        let c = cases::start(&app, &me, &item.code).await.unwrap();
        file(&app, &me, &c.id).await;
        let clerk = staff(&app, "clerk", &[Role::Clerk], "511600", None).await;
        let approved = step(
            &app,
            &clerk,
            &c.id,
            Command::Accept {
                tolerate: vec![],
                commitment: true,
            },
        )
        .await;
        assert_eq!(approved.state, CaseState::Approved);
        let reviewer = market_reviewer(&app).await;
        let list = cases::verifications(&app, &reviewer).await.unwrap();
        assert_eq!(list.len(), 1);
        step(
            &app,
            &reviewer,
            &c.id,
            Command::Verify {
                passed: false,
                note: "现场与承诺不符".into(),
            },
        )
        .await;
        assert!(
            cases::verifications(&app, &reviewer)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            cases::view(&app, &me, &c.id).await.unwrap().case.state,
            CaseState::Revoked
        );
    })
    .await;
}
