use app::AppError;
use app::warnings::{self, WarningQuery};
use app::{cases, supervision};
use domain::account::Role;
use domain::case::Command;
use domain::fixtures::sample_item;
use store::testing::on_both;
use time::macros::datetime;

use crate::support::*;

/// The sample item published, a citizen, a supervisor and the market regulator's reviewer.
async fn setup(
    app: &app::App,
) -> (
    domain::catalog::ItemDefinition,
    app::auth::Actor,
    app::auth::Actor,
    app::auth::Actor,
) {
    seed_org(app).await;
    let item = sample_item();
    publish(app, &item).await;
    let me = citizen(app, "123").await;
    let sup = staff(app, "sup", &[Role::Supervisor], "511600", None).await;
    let dept = market_reviewer(app).await;
    (item, me, sup, dept)
}

fn levels(ws: &[supervision::WarningView]) -> Vec<(String, String)> {
    ws.iter()
        .map(|w| (w.w.kind.clone(), w.w.level.clone()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pre_review_across_national_day_turns_yellow_then_red_and_clears_when_the_case_moves() {
    on_both(|s| async move {
        let (app, clock) = app(s).await;
        let (item, me, sup, dept) = setup(&app).await;
        let other = staff(
            &app,
            "rev2",
            &[Role::Reviewer],
            "511602",
            Some("511602-SCJG"),
        )
        .await;
        let clerk = staff(&app, "clerk", &[Role::Clerk], "511600", None).await;

        // Filed on Wednesday 2026-09-30, the eve of 国庆 (10-01..10-07 off): the two
        // pre-review days are Thursday 10-08 and Friday 10-09.
        clock.set(datetime!(2026-09-30 16:00 +8));
        let c = cases::start(&app, &me, &item.code).await.unwrap();
        let c = file(&app, &me, &c.id).await;
        let scan = |app: app::App| async move { supervision::scan(&app).await.unwrap() };
        assert_eq!(scan(app.clone()).await.raised, 0);
        clock.set(datetime!(2026-10-05 10:00 +8));
        assert_eq!(scan(app.clone()).await.raised, 0, "holidays do not count");
        clock.set(datetime!(2026-10-08 09:00 +8));
        assert_eq!(scan(app.clone()).await.raised, 1);
        assert_eq!(
            levels(&supervision::open(&app, &sup).await.unwrap()),
            [("pre_review".to_string(), "yellow".to_string())]
        );
        assert_eq!(
            scan(app.clone()).await.raised,
            0,
            "a second scan raises nothing new"
        );
        // Saturday 10-10 is a make-up working day, and the case is overdue: red.
        clock.set(datetime!(2026-10-10 09:00 +8));
        let r = scan(app.clone()).await;
        assert_eq!(
            (r.raised, r.cleared),
            (1, 1),
            "red raised, yellow cleared as escalated"
        );
        let open = supervision::open(&app, &sup).await.unwrap();
        assert_eq!(
            levels(&open),
            [("pre_review".to_string(), "red".to_string())]
        );
        assert_eq!(open[0].w.case_number, c.number);

        // Through the API a provincial system sees the same, filtered, and acknowledges it.
        let q = |level: &str, state: &str| WarningQuery {
            level: Some(level.into()),
            state: Some(state.into()),
            ..Default::default()
        };
        let red = warnings::list(&app, &sup, &q("red", "open")).await.unwrap();
        assert_eq!(red.len(), 1);
        assert_eq!(red[0].case_number, c.number.to_string());
        assert_eq!(
            (red[0].level_label.as_str(), red[0].state.as_str()),
            ("红色预警", "open")
        );
        let cleared = warnings::list(&app, &sup, &q("yellow", "cleared"))
            .await
            .unwrap();
        assert_eq!(cleared.len(), 1);
        assert_eq!(cleared[0].cleared_reason, "已升级为红色预警");
        assert!(matches!(
            warnings::list(&app, &sup, &q("purple", "")).await,
            Err(AppError::Validation(_))
        ));
        let elsewhere = WarningQuery {
            region: Some("510100".into()),
            ..Default::default()
        };
        assert!(matches!(
            warnings::list(&app, &sup, &elsewhere).await,
            Err(AppError::Forbidden(_))
        ));
        assert_eq!(
            warnings::list(&app, &dept, &Default::default())
                .await
                .unwrap()
                .len(),
            2
        );
        assert!(
            warnings::list(&app, &other, &Default::default())
                .await
                .unwrap()
                .is_empty()
        );
        assert!(matches!(
            warnings::get(&app, &other, &red[0].id).await,
            Err(AppError::NotFound(_))
        ));
        assert!(matches!(
            warnings::acknowledge(&app, &dept, &red[0].id).await,
            Err(AppError::Forbidden(_))
        ));
        let acked = warnings::acknowledge(&app, &sup, &red[0].id).await.unwrap();
        assert_eq!(acked.state, "acknowledged");
        assert!(acked.acknowledged_at.is_some() && acked.acknowledged_by.is_some());
        assert!(matches!(
            warnings::acknowledge(&app, &sup, &red[0].id).await,
            Err(AppError::State(_))
        ));
        assert!(
            warnings::list(&app, &sup, &q("red", "open"))
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            warnings::list(&app, &sup, &q("red", "acknowledged"))
                .await
                .unwrap()
                .len(),
            1
        );

        // 督办: the supervisor sends a notice; only the responsible department resolves it.
        assert!(matches!(
            supervision::send_notice(&app, &dept, &open[0].w.id, "请尽快预审").await,
            Err(AppError::Forbidden(_))
        ));
        let n = supervision::send_notice(&app, &sup, &open[0].w.id, "请于今日完成预审")
            .await
            .unwrap();
        assert_eq!(
            supervision::notices(&app, &dept).await.unwrap().len(),
            1,
            "it lands with the department"
        );
        assert_eq!(
            warnings::get(&app, &sup, &red[0].id)
                .await
                .unwrap()
                .notices
                .len(),
            1
        );
        assert!(matches!(
            supervision::resolve(&app, &other, &n.id, "已处理").await,
            Err(AppError::NotFound(_))
        ));
        assert!(matches!(
            supervision::resolve(&app, &dept, &n.id, " ").await,
            Err(AppError::Validation(_))
        ));
        supervision::resolve(&app, &dept, &n.id, "已联系窗口，当日完成预审")
            .await
            .unwrap();
        assert!(matches!(
            supervision::resolve(&app, &dept, &n.id, "again").await,
            Err(AppError::State(_))
        ));

        // The window sends the one-time notice: the case waits on the applicant now, so the
        // pre-review warning clears and stays in history.
        cases::act(
            &app,
            &clerk,
            &c.id,
            Command::RequestSupplement {
                materials: vec!["食品经营许可申请书".into()],
                fields: vec![],
                note: "申请书未签字，请重新上传".into(),
            },
        )
        .await
        .unwrap();
        assert!(supervision::open(&app, &sup).await.unwrap().is_empty());
        let mut conn = app.store.conn().await.unwrap();
        let history = store::supervision::warnings_of_case(&mut conn, &c.id)
            .await
            .unwrap();
        assert_eq!(history.len(), 2);
        assert!(history.iter().all(|w| w.cleared_at.is_some()));
        drop(conn);
        assert!(matches!(
            supervision::send_notice(&app, &sup, &open[0].w.id, "迟到的督办").await,
            Err(AppError::State(_))
        ));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thresholds_set_for_an_item_take_precedence_and_are_checked() {
    on_both(|s| async move {
        let (app, clock) = app(s).await;
        let (item, me, sup, dept) = setup(&app).await;
        assert!(matches!(
            supervision::set_thresholds(&app, &dept, "", 2, 20).await,
            Err(AppError::Forbidden(_))
        ));
        let bad = supervision::set_thresholds(&app, &sup, "NOPE", 40, 120).await;
        assert!(matches!(bad, Err(AppError::Validation(v)) if v.len() == 3));
        // The region says 0 days; the item says 5 working days, which wins for its cases.
        supervision::set_thresholds(&app, &sup, "511600", 0, 0)
            .await
            .unwrap();
        supervision::set_thresholds(&app, &sup, &item.code, 5, 0)
            .await
            .unwrap();
        clock.set(datetime!(2026-11-23 09:00 +8));
        let c = cases::start(&app, &me, &item.code).await.unwrap();
        file(&app, &me, &c.id).await;
        let r = supervision::scan(&app).await.unwrap();
        assert_eq!(
            r.raised, 1,
            "a two-day pre-review is within five days of its end at once"
        );
        assert_eq!(supervision::threshold_rows(&app).await.unwrap().len(), 2);
    })
    .await;
}
