//! Oversight after approval: a 双随机 plan drawn once with a recorded seed and re-run by it
//! (another seed refused), results by the drawn inspectors only, a finding opening a 行政处罚
//! case that goes through its five steps, the penalty on the credit record refusing a
//! 告知承诺 at the window, and 信用修复 once the penalty is executed.

use app::AppError;
use app::auth::Actor;
use app::oversight::{credit, inspections, penalties};
use domain::account::Role;
use domain::case::{CaseState, Command};
use domain::inspection::{Outcome, Plan};
use domain::penalty::{Action, Opening, Step};

use crate::market::{code, company};
use crate::support::*;

fn plan(targets: u32) -> Plan {
    Plan {
        title: "2026 年第四季度食品经营者双随机抽查".into(),
        department: "511600-SCJG".into(),
        region: "511600".into(),
        license_types: vec!["食品经营许可证".into()],
        scope: "经营场所卫生、从业人员健康证明、进货查验记录".into(),
        targets,
        inspectors_per_target: 2,
    }
}

fn field(e: AppError) -> String {
    match e {
        AppError::Validation(v) => v[0].field.clone(),
        other => format!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draw_a_finding_a_penalty_a_refused_commitment_and_a_repair() {
    store::testing::on_both(|s| async move {
        let (app, _clock) = app(s).await;
        let (permit, _) = crate::licenses::setup(&app).await;
        let mut firms = Vec::new();
        for n in 21..27u32 {
            let name = format!("广安第{n}号餐馆");
            firms.push(company(&app, n, &name).await);
            let mut tx = app.store.begin().await.unwrap();
            app::licenses::register_existing(
                &mut tx,
                &app,
                "11511600MB1234567X002",
                &code(n),
                &name,
                Default::default(),
                time::macros::date!(2026 - 06 - 01),
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
        }
        let chief = staff(
            &app,
            "insp-chief",
            &[Role::Approver],
            "511600",
            Some("511600-SCJG"),
        )
        .await;
        let mut inspectors = Vec::new();
        for login in ["insp-1", "insp-2", "insp-3", "insp-4"] {
            inspectors.push(
                staff(
                    &app,
                    login,
                    &[Role::Reviewer],
                    "511600",
                    Some("511600-SCJG"),
                )
                .await,
            );
        }
        let clerk = staff(&app, "insp-clerk", &[Role::Clerk], "511600", None).await;
        // A window clerk of 市场监管局 who also inspects approves the seventh firm's permit
        // under 告知承诺: never drawn to inspect it.
        let window = staff(
            &app,
            "insp-window",
            &[Role::Clerk, Role::Reviewer],
            "511600",
            Some("511600-SCJG"),
        )
        .await;
        let seventh = company(&app, 27, "广安第27号餐馆").await;
        let first = app::cases::start(&app, &seventh, &permit).await.unwrap();
        file(&app, &seventh, &first.id).await;
        let approved = app::cases::act(
            &app,
            &window,
            &first.id,
            Command::Accept {
                tolerate: vec![],
                commitment: true,
            },
        )
        .await
        .unwrap();
        assert_eq!(approved.state, CaseState::Approved);
        firms.push(seventh);
        let sup = staff(&app, "insp-sup", &[Role::Supervisor], "511600", None).await;

        // Who may plan; what a plan needs.
        let e = inspections::create(&app, &firms[0], &plan(3))
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
        let e = inspections::create(&app, &inspectors[0], &plan(3))
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
        assert_eq!(
            field(
                inspections::create(&app, &chief, &plan(0))
                    .await
                    .unwrap_err()
            ),
            "targets"
        );
        let all = inspections::create(&app, &chief, &plan(7)).await.unwrap();
        let everyone = inspections::draw(&app, &chief, &all).await.unwrap();
        assert_eq!(everyone.assignments.len(), 7);
        let Actor::Staff { id: window_id, .. } = &window else {
            unreachable!()
        };
        let mine = everyone
            .assignments
            .iter()
            .find(|a| a.target.id == code(27))
            .unwrap();
        assert!(mine.target.approved_by.contains(window_id));
        assert!(!mine.inspectors.iter().any(|i| &i.id == window_id));
        let id = inspections::create(&app, &chief, &plan(3)).await.unwrap();

        // Drawn once; the seed and lists published; re-run by the seed, not by another.
        let e = inspections::draw(&app, &inspectors[0], &id)
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
        let drawn = inspections::draw(&app, &chief, &id).await.unwrap();
        assert_eq!(drawn.assignments.len(), 3);
        assert_eq!(drawn.candidates.len(), 7);
        assert!(!drawn.seed.is_empty() && drawn.publish_by.as_str() > "2026-11-27");
        for a in &drawn.assignments {
            assert_eq!(a.inspectors.len(), 2);
        }
        assert!(matches!(
            inspections::draw(&app, &chief, &id).await,
            Err(AppError::State(_))
        ));
        assert!(inspections::verify(&app, &id, &drawn.seed).await.unwrap());
        let e = inspections::verify(&app, &id, "20261127-0000000000000000")
            .await
            .unwrap_err();
        assert_eq!(field(e), "seed");
        let public = inspections::plan(&app, &Actor::Anonymous, &id)
            .await
            .unwrap();
        assert_eq!(public.seed, drawn.seed);

        // Results: the drawn inspectors only; findings required for a finding.
        let a = &drawn.assignments[0];
        let target = a.target.id.clone();
        let drawn_ids: Vec<String> = a.inspectors.iter().map(|i| i.id.clone()).collect();
        // The reviewers (not the approver, who may be drawn too): one drawn, one not.
        let reviewers: Vec<&Actor> = inspectors.iter().chain([&window]).collect();
        let me = *reviewers
            .iter()
            .find(|i| matches!(i, Actor::Staff { id, .. } if drawn_ids.contains(id)))
            .unwrap();
        let outsider = *reviewers
            .iter()
            .find(|i| matches!(i, Actor::Staff { id, .. } if !drawn_ids.contains(id)))
            .unwrap();
        let e = inspections::record(&app, outsider, &id, &target, Outcome::Passed, "")
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
        let e = inspections::record(&app, me, &id, &target, Outcome::Violation, " ")
            .await
            .unwrap_err();
        assert_eq!(field(e), "findings");
        inspections::record(
            &app,
            me,
            &id,
            &target,
            Outcome::Violation,
            "从业人员无健康证明上岗",
        )
        .await
        .unwrap();
        assert!(matches!(
            inspections::record(&app, me, &id, &target, Outcome::Passed, "").await,
            Err(AppError::State(_))
        ));

        // The finding opens a penalty case: not without a legal basis, once only.
        let n: u32 = (21..28).find(|n| code(*n) == target).unwrap();
        let firm = &firms[(n - 21) as usize];
        let opening = Opening {
            holder_id: target.clone(),
            holder_name: a.target.name.clone(),
            legal_basis: String::new(),
            facts: "抽查发现从业人员未取得健康证明即上岗".into(),
        };
        let e = penalties::open(&app, &chief, "511600-SCJG", Some((&id, &target)), &opening)
            .await
            .unwrap_err();
        assert_eq!(field(e), "legal_basis");
        let opening = Opening {
            legal_basis: "《中华人民共和国食品安全法》第四十五条、第一百二十六条".into(),
            ..opening
        };
        let e = penalties::open(&app, me, "511600-SCJG", Some((&id, &target)), &opening)
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
        let pid = penalties::open(&app, &chief, "511600-SCJG", Some((&id, &target)), &opening)
            .await
            .unwrap();
        assert!(matches!(
            penalties::open(&app, &chief, "511600-SCJG", Some((&id, &target)), &opening).await,
            Err(AppError::State(_))
        ));
        // Not public before the decision; the party sees its own case.
        assert!(matches!(
            penalties::penalty(&app, &Actor::Anonymous, &pid).await,
            Err(AppError::NotFound(_))
        ));
        assert_eq!(
            penalties::penalty(&app, firm, &pid).await.unwrap().step,
            Step::Filed
        );

        let e = penalties::step(
            &app,
            me,
            &pid,
            &Action::Notify {
                intended: "罚款".into(),
            },
        )
        .await
        .unwrap_err();
        assert!(matches!(e, AppError::State(_)), "out of order: {e:?}");
        penalties::step(
            &app,
            me,
            &pid,
            &Action::Investigate {
                evidence: "现场检查笔录、询问笔录".into(),
            },
        )
        .await
        .unwrap();
        penalties::step(
            &app,
            me,
            &pid,
            &Action::Notify {
                intended: "警告并罚款 5000 元".into(),
            },
        )
        .await
        .unwrap();
        let decide = Action::Decide {
            penalized: true,
            fine: 500_000,
            text: "警告，并处罚款 5000 元".into(),
        };
        let e = penalties::step(&app, me, &pid, &decide).await.unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
        let v = penalties::step(&app, &chief, &pid, &decide).await.unwrap();
        assert_eq!(v.step, Step::Decided);
        assert_eq!(
            penalties::decided(&app, &Actor::Anonymous)
                .await
                .unwrap()
                .len(),
            1
        );

        // On the record: a finding and a penalty; the penalty bars 告知承诺 at the window.
        let records = credit::mine(&app, firm).await.unwrap();
        assert_eq!(records.len(), 2, "{records:?}");
        let case = app::cases::start(&app, firm, &permit).await.unwrap();
        let v = app::cases::view(&app, firm, &case.id).await.unwrap();
        let form = v
            .item
            .form
            .iter()
            .map(|f| (f.key.clone(), "老王面馆".to_string()))
            .collect();
        let mut materials = std::collections::BTreeMap::new();
        for m in &v.item.materials {
            let p = app::uploads::store(&app, firm, b"%PDF-1.7\n%%EOF\n", "材料.pdf")
                .await
                .unwrap();
            materials.insert(m.name.clone(), p);
        }
        app::cases::act(&app, firm, &case.id, Command::Edit { form, materials })
            .await
            .unwrap();
        app::cases::act(&app, firm, &case.id, Command::Submit)
            .await
            .unwrap();
        let commit = Command::Accept {
            tolerate: vec![],
            commitment: true,
        };
        let e = app::cases::act(&app, &clerk, &case.id, commit.clone())
            .await
            .unwrap_err();
        match e {
            AppError::State(m) => assert!(m.contains("不适用告知承诺"), "{m}"),
            other => panic!("{other:?}"),
        }

        // Repair: not before the penalty is executed; then applied for and decided.
        let penalty_record = records
            .iter()
            .find(|r| r.id == format!("penalty:{pid}"))
            .unwrap();
        let e = credit::apply_repair(&app, firm, &penalty_record.id, "已缴纳罚款并整改")
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::State(_)), "{e:?}");
        penalties::step(
            &app,
            me,
            &pid,
            &Action::Execute {
                note: "罚款已缴纳".into(),
            },
        )
        .await
        .unwrap();
        let stranger = &firms[if n == 21 { 1 } else { 0 }];
        let e = credit::apply_repair(&app, stranger, &penalty_record.id, "x")
            .await
            .unwrap_err();
        assert!(
            matches!(e, AppError::NotFound(_)),
            "another firm's record: {e:?}"
        );
        credit::apply_repair(
            &app,
            firm,
            &penalty_record.id,
            "已缴纳罚款，全员取得健康证明",
        )
        .await
        .unwrap();
        assert!(matches!(
            credit::decide_repair(&app, &chief, &penalty_record.id, true, "").await,
            Err(AppError::Forbidden(_))
        ));
        assert_eq!(credit::repairs_waiting(&app, &sup).await.unwrap().len(), 1);
        credit::decide_repair(&app, &sup, &penalty_record.id, true, "整改到位")
            .await
            .unwrap();
        let c = app::cases::act(&app, &clerk, &case.id, commit)
            .await
            .unwrap();
        assert_eq!(c.state, CaseState::Approved, "告知承诺 once repaired");
    })
    .await;
}
