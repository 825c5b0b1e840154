use app::AppError;
use app::auth::Actor;
use app::cases;
use app::ratings::{self, NewRating};
use domain::account::Role;
use domain::case::{Command, Delivery};
use domain::catalog::{CaseType, PromisedLimit};
use domain::fixtures::sample_item;
use domain::rating::TicketAction;
use store::testing::on_both;

use crate::support::*;

/// An instant item the window decides on the spot, so a case finishes in a few steps.
async fn instant_item(app: &app::App) -> String {
    let mut item = sample_item();
    item.case_type = CaseType::Instant;
    item.promised_limit = PromisedLimit::Instant;
    publish(app, &item).await
}

async fn finished_case(app: &app::App, me: &Actor, clerk: &Actor, item: &str) -> String {
    let id = approved_instant_case(app, me, clerk, item).await;
    for cmd in [
        Command::Issue {
            delivery: Delivery::Electronic,
        },
        Command::Complete,
    ] {
        cases::act(app, clerk, &id, cmd)
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
    }
    id
}

fn rating(level: u8, tags: &[&str]) -> NewRating {
    NewRating {
        level,
        tags: tags.iter().map(|t| t.to_string()).collect(),
        text: String::new(),
        channel: "pc".into(),
        named: false,
        act: "case".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_review_is_rated_once_and_followed_through_rectification_revisit_and_appeals() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        seed_org(&app).await;
        let item = instant_item(&app).await;
        let me = citizen(&app, "123").await;
        let clerk = staff(&app, "clerk", &[Role::Clerk], "511600", None).await;
        let early = cases::start(&app, &me, &item).await.unwrap();
        assert!(matches!(
            ratings::rate(&app, &me, &early.id, rating(1, &[])).await,
            Err(AppError::State(_))
        ));

        let case = finished_case(&app, &me, &clerk, &item).await;
        let other = citizen(&app, "456").await;
        assert!(matches!(
            ratings::rate(&app, &other, &case, rating(1, &[])).await,
            Err(AppError::NotFound(_))
        ));
        assert!(matches!(
            ratings::rate(&app, &clerk, &case, rating(1, &[])).await,
            Err(AppError::Forbidden(_))
        ));
        let e = ratings::rate(&app, &me, &case, rating(4, &[]))
            .await
            .unwrap_err();
        assert!(
            matches!(&e, AppError::Validation(v) if v[0].field == "text"),
            "{e:?}"
        );
        let r = ratings::rate(&app, &me, &case, rating(4, &["超过承诺时限"]))
            .await
            .unwrap();
        assert_eq!(r.level, 4);
        let again = ratings::rate(&app, &me, &case, rating(1, &[])).await;
        assert!(
            matches!(again, Err(AppError::Conflict { .. })),
            "one rating per service act"
        );
        // A window visit is its own service act.
        let mut counter = rating(2, &[]);
        counter.act = "counter:1".into();
        counter.channel = "hall_tablet".into();
        ratings::rate(&app, &me, &case, counter).await.unwrap();
        // Only visits that happened: the clerk served the case at one visit, so there is no
        // second (or twentieth) window service to rate.
        for act in ["counter:2", "counter:20", "counter:01x"] {
            let mut stuffed = rating(1, &[]);
            stuffed.act = act.into();
            let e = ratings::rate(&app, &me, &case, stuffed).await;
            assert!(
                matches!(&e, Err(AppError::Validation(v)) if v[0].field == "act"),
                "{act}: {e:?}"
            );
        }

        // The department follows it through; the rater stays anonymous to it.
        let dept = market_reviewer(&app).await;
        let elsewhere = staff(
            &app,
            "rev2",
            &[Role::Reviewer],
            "511602",
            Some("511602-SCJG"),
        )
        .await;
        let list = ratings::tickets(&app, &dept).await.unwrap();
        assert_eq!(list.len(), 1);
        let t = &list[0];
        assert_eq!(
            (t.rater.as_deref(), t.ticket.due_date.as_str()),
            (None, "2026-12-04"),
            "5 working days"
        );
        // Nothing leads the department to an unnamed rater: not the case number, not the case.
        let number = cases::view(&app, &me, &case)
            .await
            .unwrap()
            .case
            .number
            .to_string();
        assert!(
            !t.case_number.contains(&number) && t.ticket.case_id.is_empty(),
            "{t:?}"
        );
        let sup = staff(&app, "sup0", &[Role::Supervisor], "511600", None).await;
        let records = ratings::export_records(&app, &sup, "2026-11-01", "2026-12-31")
            .await
            .unwrap();
        assert!(!records.is_empty());
        assert!(
            records
                .iter()
                .all(|r| r["rater"] == "匿名" && r["rater_id_masked"] == ""),
            "unnamed raters are not reported by name: {records:?}"
        );
        let id = t.ticket.id.clone();
        let note = |s: &str| s.to_string();
        assert!(matches!(
            ratings::ticket_act(
                &app,
                &elsewhere,
                &id,
                TicketAction::Contact { note: note("x") }
            )
            .await,
            Err(AppError::Forbidden(_))
        ));
        ratings::ticket_act(
            &app,
            &dept,
            &id,
            TicketAction::Contact {
                note: note("已电话联系申请人"),
            },
        )
        .await
        .unwrap();
        let told = app::agents::notifications(&app, &me).await.unwrap();
        assert!(
            told.iter().any(|n| n.text.contains("已电话联系申请人")),
            "the platform carries the department's note to the rater: {told:?}"
        );
        ratings::ticket_act(
            &app,
            &dept,
            &id,
            TicketAction::Handle {
                fixed: true,
                note: note("压缩内部流转时间"),
            },
        )
        .await
        .unwrap();
        ratings::ticket_act(
            &app,
            &dept,
            &id,
            TicketAction::Revisit {
                satisfied: false,
                note: note("申请人仍不满意"),
            },
        )
        .await
        .unwrap();
        let e = ratings::ticket_act(
            &app,
            &dept,
            &id,
            TicketAction::Revisit {
                satisfied: true,
                note: note("再访"),
            },
        )
        .await
        .unwrap_err();
        assert!(
            matches!(e, AppError::State(_)),
            "no revisit on a closed ticket"
        );
        ratings::ticket_act(
            &app,
            &me,
            &id,
            TicketAction::RaterAppeal {
                reason: note("问题没有解决"),
            },
        )
        .await
        .unwrap();
        ratings::ticket_act(
            &app,
            &dept,
            &id,
            TicketAction::StaffAppeal {
                reason: note("评价与事实不符"),
            },
        )
        .await
        .unwrap();
        let sup = staff(&app, "sup", &[Role::Supervisor], "511600", None).await;
        assert!(matches!(
            ratings::ticket_act(
                &app,
                &dept,
                &id,
                TicketAction::Decide {
                    upheld: true,
                    note: note("自己裁定")
                }
            )
            .await,
            Err(AppError::Forbidden(_))
        ));
        let t = ratings::ticket_act(
            &app,
            &sup,
            &id,
            TicketAction::Decide {
                upheld: true,
                note: note("核实为恶意差评"),
            },
        )
        .await
        .unwrap();
        assert_eq!(t.status, "closed");
        let rated = ratings::of_case(&app, &me, &case).await.unwrap();
        let bad = rated.iter().find(|(r, _)| r.act == "case").unwrap();
        assert_eq!(
            bad.0.excluded, 1,
            "an upheld appeal keeps the rating but stops counting it"
        );
        assert_eq!(bad.1.as_ref().unwrap().history.len(), 6);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unrated_finished_case_defaults_to_basic_after_seven_days() {
    on_both(|s| async move {
        let (app, clock) = app(s).await;
        seed_org(&app).await;
        let item = instant_item(&app).await;
        let me = citizen(&app, "123").await;
        let clerk = staff(&app, "clerk", &[Role::Clerk], "511600", None).await;
        let case = finished_case(&app, &me, &clerk, &item).await;
        assert_eq!(ratings::default_unrated(&app).await.unwrap(), 0, "not yet");
        clock.advance(time::Duration::days(8));
        assert_eq!(ratings::default_unrated(&app).await.unwrap(), 1);
        assert_eq!(ratings::default_unrated(&app).await.unwrap(), 0, "once");
        let rated = ratings::of_case(&app, &me, &case).await.unwrap();
        assert_eq!(
            (rated[0].0.level, rated[0].0.channel.as_str()),
            (3, "default")
        );
        assert!(matches!(
            ratings::rate(&app, &me, &case, rating(1, &[])).await,
            Err(AppError::Conflict { .. })
        ));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statistics_recompute_from_the_records_and_refuse_bad_queries() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        seed_org(&app).await;
        let item = instant_item(&app).await;
        let me = citizen(&app, "123").await;
        let clerk = staff(&app, "clerk", &[Role::Clerk], "511600", None).await;
        let a = finished_case(&app, &me, &clerk, &item).await;
        let b = finished_case(&app, &me, &clerk, &item).await;
        let open = cases::start(&app, &me, &item).await.unwrap();
        file(&app, &me, &open.id).await;
        ratings::rate(&app, &me, &a, rating(1, &[])).await.unwrap();
        ratings::rate(&app, &me, &b, rating(5, &["多次跑动"]))
            .await
            .unwrap();
        let sup = staff(&app, "sup", &[Role::Supervisor], "511600", None).await;
        let q = |from: &str, to: &str, department: Option<&str>| app::stats::Query {
            from: from.into(),
            to: to.into(),
            department: department.map(Into::into),
            item: None,
            group: None,
        };
        let r = app::stats::report(&app, &sup, &q("2026-11-01", "2026-12-01", None))
            .await
            .unwrap();
        let s = &r.summary;
        assert_eq!(
            (s.received, s.decided, s.completed, s.on_time),
            (3, 2, 2, 2)
        );
        assert_eq!(s.online_rate, Some(1.0));
        assert_eq!(
            s.full_online_rate,
            Some(2.0 / 3.0),
            "two delivered electronically of three received"
        );
        assert_eq!(s.instant_rate, Some(1.0));
        assert_eq!((s.ratings, s.bad_reviews, s.tickets), (2, 1, 1));
        assert_eq!(s.satisfaction_rate, Some(0.5));
        // The export keeps numbers as numbers: a rate is the fraction, shown as a percentage.
        let xlsx = app::stats::to_xlsx(&r).unwrap();
        let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(xlsx)).unwrap();
        use calamine::Reader;
        let sheet = wb.worksheet_range("统计").unwrap();
        let total = sheet.rows().next_back().unwrap();
        assert_eq!(total[1], calamine::Data::Float(3.0), "收件 as a number");
        assert_eq!(total[13], calamine::Data::Float(0.5), "满意率 as a fraction");
        assert_eq!(r.level, "department");
        // The 即办 item against its 20-day legal limit: fully compressed.
        assert_eq!(r.compression_ratio, Some(1.0));
        assert_eq!(r.groups.len(), 1);
        assert_eq!(r.groups[0].label, "广安市市场监督管理局");
        assert_eq!(
            r.groups[0].summary, r.summary,
            "one department: the breakdown adds up to the whole"
        );
        // Drill down to the department: items.
        let d = app::stats::report(
            &app,
            &sup,
            &q("2026-11-01", "2026-12-01", Some("511600-SCJG")),
        )
        .await
        .unwrap();
        assert_eq!(
            (d.level, d.groups.len(), d.summary.received),
            ("item", 1, 3)
        );

        let ten_years = app::stats::report(&app, &sup, &q("2016-01-01", "2026-01-01", None)).await;
        assert!(matches!(ten_years, Err(AppError::Validation(v)) if v[0].field == "to"));
        let unknown =
            app::stats::report(&app, &sup, &q("2026-11-01", "2026-12-01", Some("NOPE"))).await;
        assert!(matches!(unknown, Err(AppError::Validation(v)) if v[0].field == "department"));
        let dept = staff(
            &app,
            "rev2",
            &[Role::Reviewer],
            "511602",
            Some("511602-SCJG"),
        )
        .await;
        assert!(matches!(
            app::stats::report(
                &app,
                &dept,
                &q("2026-11-01", "2026-12-01", Some("511600-SCJG"))
            )
            .await,
            Err(AppError::Forbidden(_))
        ));
        assert!(matches!(
            app::stats::report(&app, &me, &q("2026-11-01", "2026-12-01", None)).await,
            Err(AppError::Forbidden(_))
        ));
        // By person: the window clerk accepted (and decided, for these 即办件) every case.
        let mut by_window = q("2026-11-01", "2026-12-01", None);
        by_window.group = Some("window".into());
        let w = app::stats::report(&app, &sup, &by_window).await.unwrap();
        assert_eq!(w.level, "window");
        let labels: Vec<(&str, usize)> = w.groups.iter().map(|g| (g.label.as_str(), g.summary.received)).collect();
        assert_eq!(labels, [("（尚未受理或决定）", 1), ("测试人员", 2)], "{labels:?}");
        let clerk_group = w.groups.iter().find(|g| g.label == "测试人员").unwrap();
        assert_eq!((clerk_group.summary.ratings, clerk_group.summary.tickets), (2, 1));
        by_window.group = Some("weather".into());
        assert!(matches!(app::stats::report(&app, &sup, &by_window).await, Err(AppError::Validation(v)) if v[0].field == "group"));
        let public = app::stats::monthly(&app, "2026-11").await.unwrap();
        assert_eq!(public.summary.received, 3);
    })
    .await;
}
