//! 短信回访 on both backends: the operator texts the caller a one-time link; the caller, with
//! no account, answers; not satisfied reopens once by rule; a link is spent once, lapses after
//! seven days and is dead once a newer text went out. The caller of a merged duplicate is told
//! of the merge and of the answer. Without an SMS gateway nothing is offered or sent.

use app::AppError;
use app::auth::Actor;
use app::hotline::by_sms;
use app::hotline::tickets::{self, FileTicket};
use domain::hotline::State;
use domain::hotline::flow::Command;
use store::testing::on_both;

use crate::hotline::{call, set_up};
use crate::support::*;

/// The texts queued so far, oldest first: (kind, address, body).
async fn texts(app: &app::App) -> Vec<(String, String, String)> {
    let mut c = app.store.conn().await.unwrap();
    let mut rows = store::notify::recent(&mut c, None, 50).await.unwrap();
    rows.reverse();
    rows.into_iter()
        .filter(|m| m.channel == "sms" && m.state == "queued")
        .map(|m| (m.kind, m.address, m.body))
        .collect()
}

/// The token at the end of a texted link.
fn token(body: &str) -> String {
    let at = body.find("/cb/").expect("a link in the text") + 4;
    body[at..at + 24].to_string()
}

/// Files, dispatches to 住建局, accepts and replies; returns the ticket id.
async fn replied(app: &app::App, op: &Actor, zjj: &Actor, req: &FileTicket) -> String {
    let id = tickets::file(app, op, req, false).await.unwrap().ticket.id;
    let go = Command::Dispatch {
        department: "511600-ZJJ".into(),
        co_handlers: vec![],
    };
    tickets::step(app, op, &id, &go).await.unwrap();
    tickets::step(app, zjj, &id, &Command::Accept)
        .await
        .unwrap();
    reply(app, zjj, &id, "已联系物业，电梯已修复").await;
    id
}

async fn reply(app: &app::App, zjj: &Actor, id: &str, text: &str) {
    let r = Command::Reply {
        text: text.into(),
        evidence: vec![],
    };
    tickets::step(app, zjj, id, &r).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_caller_answers_a_texted_link_and_an_unsatisfied_answer_reopens_once() {
    on_both(|s| async move {
        let (app, clock) = app_with(s, &std::env::temp_dir(), |st| {
            st.notify_channels = vec![domain::notify::Channel::Sms];
        })
        .await;
        let (op, zjj, _, _) = set_up(&app).await;
        let id = replied(&app, &op, &zjj, &call("complaint", "电梯停运十天")).await;
        let v = app::hotline::view(&app, &op, &id).await.unwrap();
        assert!(v.allowed.iter().any(|c| c == "ask_by_sms"));
        // The department cannot text the caller; the operator can.
        let e = tickets::step(&app, &zjj, &id, &Command::AskBySms)
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
        let v = tickets::step(&app, &op, &id, &Command::AskBySms)
            .await
            .unwrap();
        assert!(v.ticket.sms_asked_at.is_some());
        assert!(
            !v.allowed.iter().any(|c| c == "ask_by_sms"),
            "once per reply"
        );
        let sent = texts(&app).await;
        assert_eq!(sent.len(), 1);
        let (kind, to, body) = &sent[0];
        assert_eq!(
            (kind.as_str(), to.as_str()),
            ("hotline_callback", "13911112222")
        );
        assert!(body.contains(&v.ticket.number), "{body}");
        let first = token(body);

        // What the link shows: the caller's own matter and the answer, and the form.
        let page = by_sms::view(&app, &first).await.unwrap();
        assert_eq!(page.number, v.ticket.number);
        assert_eq!(page.answer, "已联系物业，电梯已修复");
        assert!(page.may_answer && !page.answered);
        // A made-up token finds nothing.
        let e = by_sms::view(&app, "0123456789abcdef01234567")
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::NotFound(_)), "{e:?}");

        // Not satisfied: reopened by rule, the link spent, the event the caller's.
        let after = by_sms::answer(&app, &first, true, false, "电梯又停了")
            .await
            .unwrap();
        assert_eq!(after.state, State::Handling);
        assert!(after.answered && !after.may_answer);
        let e = by_sms::answer(&app, &first, true, true, "")
            .await
            .unwrap_err();
        assert!(
            matches!(e, AppError::State(_)),
            "a link answers once: {e:?}"
        );
        let events = tickets::history(&app, &op, &id).await.unwrap();
        let last = events.last().unwrap();
        assert_eq!(
            (last.kind.as_str(), last.role.as_str()),
            ("callback", "hotline_caller")
        );
        let t = app::hotline::view(&app, &op, &id).await.unwrap().ticket;
        assert_eq!(t.reopened, 1);
        let c = t.callback.unwrap();
        assert!(c.resolved && !c.satisfied && c.note == "电梯又停了");

        // The second reply needs a second text; the first link stays dead.
        clock.advance(time::Duration::hours(3));
        reply(&app, &zjj, &id, "已更换控制柜").await;
        tickets::step(&app, &op, &id, &Command::AskBySms)
            .await
            .unwrap();
        assert!(!by_sms::view(&app, &first).await.unwrap().may_answer);
        let second = token(&texts(&app).await[1].2);
        // Seven days pass: the link has lapsed.
        clock.advance(time::Duration::days(8));
        let e = by_sms::answer(&app, &second, true, true, "")
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::State(_)), "{e:?}");
        clock.advance(time::Duration::days(-8));
        // Resolved and satisfied: closed, counted as a satisfied callback.
        let done = by_sms::answer(&app, &second, true, true, "").await.unwrap();
        assert_eq!(done.state, State::Closed);
        let o = app::hotline::measures::overview(
            &app,
            &op,
            &app::hotline::measures::month_ago(&app),
            &app::hotline::measures::this_month(&app),
        )
        .await
        .unwrap();
        assert_eq!(o.total.rates.satisfaction, Some(100.0));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_caller_of_a_merged_duplicate_is_told_of_the_merge_and_of_the_answer() {
    on_both(|s| async move {
        let (app, _) = app_with(s, &std::env::temp_dir(), |st| {
            st.notify_channels = vec![domain::notify::Channel::Sms];
        })
        .await;
        let (op, zjj, _, _) = set_up(&app).await;
        let main = tickets::file(&app, &op, &call("complaint", "电梯停运十天"), false)
            .await
            .unwrap()
            .ticket;
        let mut dup = call("complaint", "7 栋电梯坏了");
        dup.ticket.caller.phone = "13800005555".into();
        dup.merge_into = Some(main.number.clone());
        let merged = tickets::file(&app, &op, &dup, false).await.unwrap().ticket;
        assert_eq!(merged.state, State::Merged);
        let sent = texts(&app).await;
        assert_eq!(sent.len(), 1);
        let (kind, to, body) = &sent[0];
        assert_eq!(
            (kind.as_str(), to.as_str()),
            ("hotline_merged", "13800005555")
        );
        assert!(body.contains(&merged.number) && body.contains(&main.number));
        let page = by_sms::view(&app, &token(body)).await.unwrap();
        assert_eq!(page.follows.as_deref(), Some(main.number.as_str()));
        assert_eq!(
            page.text, "7 栋电梯坏了",
            "their own matter, not the other caller's"
        );
        assert!(!page.may_answer);

        // The main ticket answered: the merged caller gets the answer, the main caller nothing
        // yet (their callback is the operator's to start).
        let go = Command::Dispatch {
            department: "511600-ZJJ".into(),
            co_handlers: vec![],
        };
        tickets::step(&app, &op, &main.id, &go).await.unwrap();
        tickets::step(&app, &zjj, &main.id, &Command::Accept)
            .await
            .unwrap();
        reply(&app, &zjj, &main.id, "电梯已修复").await;
        let sent = texts(&app).await;
        assert_eq!(sent.len(), 2);
        let (kind, to, body) = &sent[1];
        assert_eq!(
            (kind.as_str(), to.as_str()),
            ("hotline_result", "13800005555")
        );
        let page = by_sms::view(&app, &token(body)).await.unwrap();
        assert_eq!(page.answer, "电梯已修复");
        assert_eq!(page.state, State::Replied);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_sms_gateway_nothing_is_offered_or_sent() {
    on_both(|s| async move {
        let (app, _) = app(s).await;
        let (op, zjj, _, _) = set_up(&app).await;
        let id = replied(&app, &op, &zjj, &call("complaint", "电梯停运十天")).await;
        let v = app::hotline::view(&app, &op, &id).await.unwrap();
        assert!(!v.allowed.iter().any(|c| c == "ask_by_sms"));
        let e = tickets::step(&app, &op, &id, &Command::AskBySms)
            .await
            .unwrap_err();
        match e {
            AppError::Validation(v) => assert_eq!(v[0].field, "ask_by_sms"),
            other => panic!("{other:?}"),
        }
        assert!(texts(&app).await.is_empty());
        let t = app::hotline::view(&app, &op, &id).await.unwrap().ticket;
        assert!(t.sms_asked_at.is_none(), "nothing written");
    })
    .await;
}
