//! 体外循环: a 承诺件 accepted and decided within seconds, and ten window cases entered by one
//! clerk at once, are raised once each with their evidence; a supervisor of the case's region
//! judges a suspicion with a note (a county's may not), once.

use std::collections::BTreeMap;

use app::AppError;
use app::auth::Actor;
use domain::account::Role;
use domain::case::{Command, Provision};
use store::off_platform::SuspicionRow;

use crate::support::*;

pub async fn window_case(app: &app::App, clerk: &Actor, item: &str, login: &str) -> String {
    let c = app::cases::start_at_window(app, clerk, item, login)
        .await
        .unwrap();
    let v = app::cases::view(app, clerk, &c.id).await.unwrap();
    let materials: BTreeMap<_, _> = v
        .item
        .materials
        .iter()
        .map(|m| {
            (
                m.name.clone(),
                Provision::CheckedOriginal { by: "c".into() },
            )
        })
        .collect();
    let form = v
        .item
        .form
        .iter()
        .map(|f| (f.key.clone(), "老王面馆".to_string()))
        .collect();
    app::cases::act(app, clerk, &c.id, Command::Edit { form, materials })
        .await
        .unwrap();
    app::cases::act(app, clerk, &c.id, Command::Submit)
        .await
        .unwrap();
    c.id.into_string()
}

async fn suspicions(app: &app::App) -> Vec<SuspicionRow> {
    let mut c = app.store.conn().await.unwrap();
    store::off_platform::list(&mut c, 100).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decisions_in_seconds_and_bursts_of_entries_are_raised_once_and_judged_by_a_supervisor() {
    store::testing::on_both(|s| async move {
        let (app, _clock) = app(s).await;
        seed_org(&app).await;
        let item = domain::fixtures::sample_item();
        publish(&app, &item).await;
        let clerk = staff(&app, "clk", &[Role::Clerk], "511600", None).await;
        let reviewer = market_reviewer(&app).await;
        let reviewer2 = staff(
            &app,
            "rev2",
            &[Role::Reviewer],
            "511600",
            Some("511600-SCJG"),
        )
        .await;
        let approver = staff(
            &app,
            "apr",
            &[Role::Approver],
            "511600",
            Some("511600-SCJG"),
        )
        .await;
        let me = citizen(&app, "713").await;
        let Actor::Applicant { login, .. } = &me else {
            unreachable!()
        };

        // Ten window cases by one clerk at one moment; the first one is decided at once.
        let mut ids = Vec::new();
        for _ in 0..10 {
            ids.push(window_case(&app, &clerk, &item.code, login).await);
        }
        let first = ids[0].clone();
        let accept = Command::Accept {
            tolerate: vec![],
            commitment: false,
        };
        app::cases::act(&app, &clerk, &first, accept).await.unwrap();
        for (who, cmd) in [
            (&reviewer, Command::Claim),
            (
                &reviewer,
                Command::CompleteStep {
                    opinion: "同意".into(),
                },
            ),
            (&reviewer2, Command::Claim),
            (
                &reviewer2,
                Command::CompleteStep {
                    opinion: "同意".into(),
                },
            ),
            (&approver, Command::Claim),
            (
                &approver,
                Command::Approve {
                    reason: "符合条件".into(),
                    legal_basis: String::new(),
                },
            ),
        ] {
            app::cases::act(&app, who, &first, cmd).await.unwrap();
        }
        assert_eq!(app::off_platform::scan(&app).await.unwrap(), 2);
        let rows = suspicions(&app).await;
        let quick = rows.iter().find(|r| r.signal == "quick_decision").unwrap();
        assert_eq!(quick.case_id, first);
        let Actor::Staff { id: decider, .. } = &approver else {
            unreachable!()
        };
        assert_eq!(&quick.staff, decider, "the one who decided");
        assert!(quick.evidence.contains("相隔 0 秒"), "{}", quick.evidence);
        assert!(
            quick.evidence.contains("3 个审批环节"),
            "{}",
            quick.evidence
        );
        let burst = rows.iter().find(|r| r.signal == "burst").unwrap();
        assert!(
            burst.evidence.contains("窗口办件 10 件"),
            "{}",
            burst.evidence
        );
        // Scanning again raises nothing twice.
        assert_eq!(app::off_platform::scan(&app).await.unwrap(), 0);

        // Judged by a supervisor of the region, with a note, once.
        let county = staff(&app, "sup2", &[Role::Supervisor], "511602", None).await;
        let e = app::off_platform::decide(&app, &county, &quick.id, Some(true), "核查属实")
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
        assert!(
            app::off_platform::list(&app, &county)
                .await
                .unwrap()
                .is_empty()
        );
        let sup = staff(&app, "sup", &[Role::Supervisor], "511600", None).await;
        let e = app::off_platform::decide(&app, &sup, &quick.id, Some(true), "是")
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Validation(_)), "{e:?}");
        app::off_platform::decide(
            &app,
            &sup,
            &quick.id,
            Some(true),
            "经调取纸质卷宗，审批在线下完成后补录",
        )
        .await
        .unwrap();
        let e = app::off_platform::decide(&app, &sup, &quick.id, Some(false), "再次核查")
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::State(_)), "{e:?}");
        let seen = app::off_platform::list(&app, &sup).await.unwrap();
        let q = seen.iter().find(|v| v.row.id == quick.id).unwrap();
        assert_eq!((q.state_label, q.may_decide), ("已认定为体外循环", false));
        let e = app::off_platform::list(&app, &clerk).await.unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
    })
    .await;
}
