//! The 12345 hotline on both backends: a complaint through dispatch, return, handling,
//! callback and 重办; the caller masked for departments and a reporter hidden; every bad
//! request refused with nothing changed; the audit chain verifies; the measures count it.

use app::AppError;
use app::auth::Actor;
use app::hotline::tickets::{self, DirectAnswer, FileTicket, Queue};
use domain::account::Role;
use domain::hotline::flow::Command;
use domain::hotline::{CallbackMethod, Caller, NewTicket, State};
use domain::org::Department;
use store::testing::on_both;

use crate::support::*;

pub(crate) async fn set_up(app: &app::App) -> (Actor, Actor, Actor, Actor) {
    seed_org(app).await;
    let mut tx = app.store.begin().await.unwrap();
    let d = Department {
        code: "511600-ZJJ".into(),
        name: "广安市住房和城乡建设局".into(),
        short_name: "住建局".into(),
        region: "511600".into(),
        credit_code: "11511600MB1234568X".into(),
        phone: String::new(),
        address: String::new(),
        parent: String::new(),
    };
    store::org::upsert_department(&mut tx, &d).await.unwrap();
    tx.commit().await.unwrap();
    app::hotline::ensure_tree(app).await.unwrap();
    let operator = staff(
        app,
        "op",
        &[Role::HotlineOperator, Role::HotlineDispatcher],
        "511600",
        None,
    )
    .await;
    let zjj = staff(
        app,
        "zjj",
        &[Role::HotlineHandler],
        "511600",
        Some("511600-ZJJ"),
    )
    .await;
    let scjg = staff(
        app,
        "scjg",
        &[Role::HotlineHandler],
        "511600",
        Some("511600-SCJG"),
    )
    .await;
    let me = citizen(app, "001").await;
    (operator, zjj, scjg, me)
}

pub(crate) fn call(kind: &str, text: &str) -> FileTicket {
    FileTicket {
        ticket: NewTicket {
            kind: kind.into(),
            class: "0101".into(),
            region: "511602".into(),
            address: "北辰街道某小区".into(),
            caller: Caller {
                name: "孙来电".into(),
                phone: "13911112222".into(),
                anonymous: false,
            },
            text: text.into(),
            ..NewTicket::default()
        },
        ..FileTicket::default()
    }
}

fn field(e: AppError) -> String {
    match e {
        AppError::Validation(v) => v
            .iter()
            .map(|f| f.field.clone())
            .collect::<Vec<_>>()
            .join(","),
        other => format!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_complaint_goes_round_and_bad_steps_change_nothing() {
    on_both(|s| async move {
        let (app, clock) = app(s).await;
        let (op, zjj, scjg, me) = set_up(&app).await;
        let t = tickets::file(
            &app,
            &op,
            &call("complaint", "电梯<script>坏了</script>"),
            false,
        )
        .await
        .unwrap();
        let id = t.ticket.id.clone();
        assert_eq!(t.ticket.caller.name, "孙来电", "operators see the caller");
        // Dispatching to a department that does not exist names the field.
        let bad = Command::Dispatch {
            department: "NOPE".into(),
            co_handlers: vec![],
        };
        assert_eq!(
            field(tickets::step(&app, &op, &id, &bad).await.unwrap_err()),
            "department"
        );
        let go = Command::Dispatch {
            department: "511600-ZJJ".into(),
            co_handlers: vec![],
        };
        tickets::step(&app, &op, &id, &go).await.unwrap();
        // A handler of another department cannot see it, let alone act.
        let e = tickets::step(&app, &scjg, &id, &Command::Accept)
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::NotFound(_)), "{e:?}");
        // The operator may not accept for the department.
        let e = tickets::step(&app, &op, &id, &Command::Accept)
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
        let v = tickets::step(&app, &zjj, &id, &Command::Accept)
            .await
            .unwrap();
        assert_eq!(v.ticket.state, State::Handling);
        assert_ne!(
            v.ticket.caller.name, "孙来电",
            "departments see the caller masked"
        );
        assert_eq!(v.ticket.caller.phone, "139****2222");
        let ext = |days| Command::Extend {
            days,
            reason: "协调维保".into(),
        };
        tickets::step(&app, &zjj, &id, &ext(2)).await.unwrap();
        assert_eq!(
            field(tickets::step(&app, &zjj, &id, &ext(1)).await.unwrap_err()),
            "days"
        );
        let reply = Command::Reply {
            text: "已修复".into(),
            evidence: vec!["not-mine".into()],
        };
        assert_eq!(
            field(tickets::step(&app, &zjj, &id, &reply).await.unwrap_err()),
            "evidence"
        );
        let reply = Command::Reply {
            text: "   ".into(),
            evidence: vec![],
        };
        assert_eq!(
            field(tickets::step(&app, &zjj, &id, &reply).await.unwrap_err()),
            "text"
        );
        let reply = Command::Reply {
            text: "已修复".into(),
            evidence: vec![],
        };
        tickets::step(&app, &zjj, &id, &reply).await.unwrap();
        clock.advance(time::Duration::hours(20));
        let cb = |resolved, satisfied, reopen| Command::Callback {
            resolved,
            satisfied,
            method: CallbackMethod::Phone,
            note: String::new(),
            reopen,
        };
        let v = tickets::step(&app, &op, &id, &cb(false, false, true))
            .await
            .unwrap();
        assert_eq!((v.ticket.state, v.ticket.reopened), (State::Handling, 1));
        tickets::step(&app, &zjj, &id, &reply).await.unwrap();
        assert_eq!(
            field(
                tickets::step(&app, &op, &id, &cb(false, false, true))
                    .await
                    .unwrap_err()
            ),
            "reopen"
        );
        let v = tickets::step(&app, &op, &id, &cb(true, true, false))
            .await
            .unwrap();
        assert_eq!(v.ticket.state, State::Closed);
        // Replying to a closed ticket is refused, nothing changes.
        let e = tickets::step(&app, &zjj, &id, &reply).await.unwrap_err();
        assert!(matches!(e, AppError::State(_)), "{e:?}");
        let events = tickets::history(&app, &op, &id).await.unwrap();
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "filed", "dispatch", "accept", "extend", "reply", "callback", "reply", "callback"
            ]
        );
        // The chain: each event's hash covers the previous one.
        let mut prev = app::audit::GENESIS.to_string();
        for e in &events {
            assert_eq!(e.prev_hash, prev);
            assert_eq!(
                e.hash,
                app::audit::hash(
                    &e.prev_hash,
                    e.seq,
                    e.at,
                    &e.actor,
                    &e.role,
                    &e.kind,
                    &e.payload
                )
            );
            prev = e.hash.clone();
        }
        // The person filed nothing; the measures count the one ticket.
        assert!(tickets::mine(&app, &me).await.unwrap().is_empty());
        let month = app::hotline::measures::this_month(&app);
        let o = app::hotline::measures::overview(
            &app,
            &op,
            &app::hotline::measures::month_ago(&app),
            &month,
        )
        .await
        .unwrap();
        assert_eq!(o.total.tally.received, 1);
        assert_eq!(o.total.rates.satisfaction, Some(100.0));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_tickets_are_refused_whole_and_reporters_stay_confidential() {
    on_both(|s| async move {
        let (app, _clock) = app(s).await;
        let (op, zjj, _scjg, me) = set_up(&app).await;
        let mut empty = call("complaint", "   ");
        empty.ticket.caller.phone = "12345".into();
        empty.ticket.class = "9999".into();
        let e = field(tickets::file(&app, &op, &empty, false).await.unwrap_err());
        assert!(e.contains("text") && e.contains("caller.phone"), "{e}");
        let mut unknown = call("complaint", "噪音");
        unknown.ticket.class = "9999".into();
        assert_eq!(
            field(tickets::file(&app, &op, &unknown, false).await.unwrap_err()),
            "class"
        );
        // A handler may not file calls; a person files in their own name only.
        let e = tickets::file(&app, &zjj, &call("help", "求助"), false)
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
        let mut web = call("help", "路灯不亮");
        web.answer = Some(DirectAnswer {
            article: None,
            text: "x".into(),
        });
        let e = tickets::file(&app, &me, &web, false).await.unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
        web.answer = None;
        let mine = tickets::file(&app, &me, &web, false).await.unwrap();
        assert_eq!(
            mine.ticket.caller.name, "张三",
            "the account's name, not the form's"
        );
        assert_eq!(
            tickets::queue(&app, &op, Queue::Dispatch, 10, 0)
                .await
                .unwrap()
                .len(),
            1
        );
        assert!(tickets::file(&app, &op, &unknown, false).await.is_err());
        assert_eq!(
            tickets::queue(&app, &op, Queue::All, 10, 0)
                .await
                .unwrap()
                .len(),
            1,
            "nothing half-written"
        );

        // A report: the department never learns who reported.
        let r = tickets::file(&app, &op, &call("report", "楼顶违建"), false)
            .await
            .unwrap();
        let go = Command::Dispatch {
            department: "511600-ZJJ".into(),
            co_handlers: vec![],
        };
        tickets::step(&app, &op, &r.ticket.id, &go).await.unwrap();
        let seen = app::hotline::view(&app, &zjj, &r.ticket.id).await.unwrap();
        assert_eq!(seen.ticket.caller.phone, "");
        assert!(
            !seen.ticket.caller.name.contains('孙'),
            "{}",
            seen.ticket.caller.name
        );
        let events = tickets::history(&app, &zjj, &r.ticket.id).await.unwrap();
        assert!(events.iter().all(|e| !e.payload.contains("13911112222")));
        // Filed on the portal: the department learns neither the account nor who acted.
        let web_report = tickets::file(&app, &me, &call("report", "楼下无证经营"), false)
            .await
            .unwrap();
        tickets::step(&app, &op, &web_report.ticket.id, &go)
            .await
            .unwrap();
        let seen = app::hotline::view(&app, &zjj, &web_report.ticket.id)
            .await
            .unwrap();
        assert_eq!(seen.ticket.account, None);
        let events = tickets::history(&app, &zjj, &web_report.ticket.id)
            .await
            .unwrap();
        assert!(
            events
                .iter()
                .all(|e| e.kind != "filed" || e.actor.is_empty())
        );
        // A county department cannot be given a matter of the city.
        let mut city = call("help", "市级诉求");
        city.ticket.region = "511600".into();
        let c = tickets::file(&app, &op, &city, false).await.unwrap();
        let county = Command::Dispatch {
            department: "511602-SCJG".into(),
            co_handlers: vec![],
        };
        assert_eq!(
            field(
                tickets::step(&app, &op, &c.ticket.id, &county)
                    .await
                    .unwrap_err()
            ),
            "department"
        );
    })
    .await;
}

/// 电子监察 of 12345: a dispatched ticket not accepted in time shows red to the city's
/// supervisor (and to the centre), yellow before; handlers and citizens get no such list;
/// accepting clears the warning.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_past_its_response_limit_shows_red_to_the_supervisor_until_accepted() {
    on_both(|s| async move {
        let (app, clock) = app(s).await;
        let (op, zjj, _scjg, me) = set_up(&app).await;
        let supervisor = staff(&app, "sup", &[Role::Supervisor], "511600", None).await;
        let mut tx = app.store.begin().await.unwrap();
        let other = domain::org::Region {
            code: "511603".into(),
            name: "前锋区".into(),
        };
        let code = domain::ids::RegionCode::parse("511603").unwrap();
        store::org::upsert_region(&mut tx, &other, &code)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let county = staff(&app, "sup2", &[Role::Supervisor], "511603", None).await;
        let t = tickets::file(&app, &op, &call("help", "小区路灯不亮"), false)
            .await
            .unwrap();
        let id = t.ticket.id.clone();
        let go = Command::Dispatch {
            department: "511600-ZJJ".into(),
            co_handlers: vec![],
        };
        tickets::step(&app, &op, &id, &go).await.unwrap();
        let levels = |v: Vec<app::hotline::TicketView>| -> Vec<(String, String)> {
            v.into_iter()
                .map(|v| (v.ticket.number, v.level.unwrap_or_default()))
                .collect()
        };
        assert!(levels(tickets::warned(&app, &supervisor, 100).await.unwrap()).is_empty());
        // The last quarter of the two hours: yellow; past them: red.
        clock.advance(time::Duration::minutes(100));
        assert_eq!(
            levels(tickets::warned(&app, &supervisor, 100).await.unwrap()),
            [(t.ticket.number.clone(), "yellow".to_string())]
        );
        clock.advance(time::Duration::minutes(30));
        assert_eq!(
            levels(tickets::warned(&app, &op, 100).await.unwrap()),
            [(t.ticket.number.clone(), "red".to_string())]
        );
        // Another county's supervisor does not see the city's ticket; handlers and citizens
        // have no such list.
        assert!(
            tickets::warned(&app, &county, 100)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(matches!(
            tickets::warned(&app, &zjj, 100).await,
            Err(AppError::Forbidden(_))
        ));
        assert!(tickets::warned(&app, &me, 100).await.is_err());
        tickets::step(&app, &zjj, &id, &Command::Accept)
            .await
            .unwrap();
        assert!(
            tickets::warned(&app, &supervisor, 100)
                .await
                .unwrap()
                .is_empty()
        );
    })
    .await;
}

/// 协办: the 协办 department's handler reads the ticket and gives its part; the lead
/// department and the centre read it; the lead cannot write it; the caller's own view holds
/// only the reply, not the departments' notes to each other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_co_handler_gives_its_part_for_the_lead_departments_reply() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        let (op, zjj, scjg, me) = set_up(&app).await;
        let mut req = call("complaint", "小区门口占道经营，垃圾无人清理");
        req.ticket.caller = Caller::default();
        req.ticket.caller.phone = "13800138000".into();
        let t = tickets::file(&app, &me, &req, false).await.unwrap();
        let id = t.ticket.id.clone();
        let go = Command::Dispatch {
            department: "511600-ZJJ".into(),
            co_handlers: vec!["511600-SCJG".into()],
        };
        tickets::step(&app, &op, &id, &go).await.unwrap();
        let part = |text: &str| Command::CoReply { text: text.into() };
        let seen = app::hotline::view(&app, &scjg, &id).await.unwrap();
        assert!(
            seen.allowed.contains(&"co_reply".to_string()),
            "{:?}",
            seen.allowed
        );
        let e = tickets::step(&app, &zjj, &id, &part("主办代写"))
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
        tickets::step(&app, &scjg, &id, &part("已责令商户清理占道"))
            .await
            .unwrap();
        let lead = app::hotline::view(&app, &zjj, &id).await.unwrap();
        assert_eq!(lead.ticket.co_replies.len(), 1);
        assert_eq!(lead.ticket.co_replies[0].department, "511600-SCJG");
        assert_eq!(lead.ticket.co_replies[0].text, "已责令商户清理占道");
        let centre = app::hotline::view(&app, &op, &id).await.unwrap();
        assert_eq!(centre.ticket.co_replies.len(), 1);
        let own = app::hotline::view(&app, &me, &id).await.unwrap();
        assert!(own.ticket.co_replies.is_empty());
        let mine = tickets::mine(&app, &me).await.unwrap();
        assert!(mine.iter().all(|t| t.co_replies.is_empty()));
    })
    .await;
}

/// A county's own limits (`[[hotline.regions]]`) set the deadlines of tickets from its places.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_countys_own_limits_set_its_tickets_deadlines() {
    on_both(|s| async move {
        let (app, _) = app_with(s, &std::env::temp_dir(), |st| {
            st.hotline_limits.regions = vec![domain::hotline::limits::RegionLimits {
                region: "511602".into(),
                respond_hours: Some(1),
                finish_days: vec![(domain::hotline::Kind::Complaint, 1)],
            }];
        })
        .await;
        let (op, _, _, _) = set_up(&app).await;
        // Friday 2026-11-27 09:00: one hour to 签收, one working day (Monday) to reply.
        let t = tickets::file(&app, &op, &call("complaint", "电梯停运"), false)
            .await
            .unwrap();
        let go = Command::Dispatch {
            department: "511600-ZJJ".into(),
            co_handlers: vec![],
        };
        let v = tickets::step(&app, &op, &t.ticket.id, &go).await.unwrap();
        assert_eq!(v.ticket.due, Some(time::macros::date!(2026 - 11 - 30)));
        assert_eq!(
            v.ticket.respond_due,
            Some(app.now() + time::Duration::hours(1))
        );
        // A 举报 there keeps the deployment's 15 working days.
        let t = tickets::file(&app, &op, &call("report", "无证经营"), false)
            .await
            .unwrap();
        let v = tickets::step(&app, &op, &t.ticket.id, &go).await.unwrap();
        assert_eq!(v.ticket.due, Some(time::macros::date!(2026 - 12 - 18)));
    })
    .await;
}
