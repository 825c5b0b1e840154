//! The 12345 hotline's pages: the queues (`/hotline`), a ticket with the steps its reader may
//! take, the operator's desk (`desk`), the 接诉即办 figures (`figures`), the knowledge base
//! (`knowledge`), and the public side: a person's messages, questions on guides and the
//! published results (`public`).

mod callback;
mod desk;
mod figures;
mod knowledge;
mod public;

use app::AppError;
use app::hotline::TicketView;
use app::hotline::tickets::{self, Queue};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use domain::hotline::CallbackMethod;
use domain::hotline::flow::Command;
use domain::org::Department;

use super::forms::Problems;
use super::{Nav, render, unprocessable};
use crate::ctx::Ctx;
use crate::{AppState, WebError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/hotline", get(queue_page))
        .route("/hotline/tickets/{id}", get(ticket_page))
        .route("/hotline/tickets/{id}/step", post(step))
        .merge(desk::router())
        .merge(figures::router())
        .merge(knowledge::router())
        .merge(public::router())
        .merge(callback::router())
}

pub(super) fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|v| v.trim_start_matches('=').to_string())
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "hotline.html")]
struct QueuePage {
    nav: Nav,
    queue: String,
    tabs: Vec<(&'static str, &'static str)>,
    tickets: Vec<TicketView>,
    warnings: Vec<TicketView>,
    operator: bool,
    /// Reached from the figures: the list is narrowed.
    narrowed: bool,
}

#[derive(serde::Deserialize, Default)]
struct QueueQuery {
    #[serde(default)]
    queue: String,
    #[serde(flatten)]
    narrow: tickets::Narrow,
}

async fn queue_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<QueueQuery>,
) -> Result<Response, WebError> {
    let hs = app::hotline::staff(&ctx.actor)?;
    let mut tabs = Vec::new();
    if hs.is_centre() {
        tabs.push(("dispatch", "待派单"));
        tabs.push(("callback", "待回访"));
    }
    if hs.scope.department.is_some() && hs.roles.contains(&domain::account::Role::HotlineHandler) {
        tabs.push(("department", "本单位工单"));
    }
    tabs.push(("all", "全部工单"));
    let queue = if tabs.iter().any(|(k, _)| *k == q.queue) {
        q.queue
    } else {
        tabs[0].0.to_string()
    };
    let which = match queue.as_str() {
        "dispatch" => Queue::Dispatch,
        "callback" => Queue::Callback,
        "department" => Queue::Department,
        _ => Queue::All,
    };
    let narrowed = !(q.narrow.class.is_empty()
        && q.narrow.department.is_empty()
        && q.narrow.region.is_empty()
        && q.narrow.month.is_empty());
    let tickets = tickets::queue_narrowed(&s.app, &ctx.actor, which, &q.narrow, 100, 0).await?;
    let warnings = app::hotline::measures::warnings(&s.app, &ctx.actor).await?;
    render(&QueuePage {
        nav: Nav::of(&ctx),
        queue,
        tabs,
        tickets,
        warnings,
        operator: hs.roles.contains(&domain::account::Role::HotlineOperator),
        narrowed,
    })
}

#[derive(Template)]
#[template(path = "hotline_ticket.html")]
struct TicketPage {
    nav: Nav,
    v: TicketView,
    events: Vec<(String, String, String)>,
    departments: Vec<Department>,
    suggestion: Option<domain::hotline::classes::Suggestion>,
    flash: String,
    problems: Problems,
    /// Whether the reader is the person who filed it.
    own: bool,
}

impl TicketPage {
    fn may(&self, command: &str) -> bool {
        self.v.allowed.iter().any(|c| c == command)
    }

    fn department_name(&self, code: &str) -> String {
        self.departments
            .iter()
            .find(|d| d.code == code)
            .map(|d| d.name.clone())
            .unwrap_or_else(|| code.to_string())
    }

    fn respond_due(&self) -> String {
        self.v
            .ticket
            .respond_due
            .map(china_minute)
            .unwrap_or_default()
    }

    fn sms_asked(&self) -> String {
        self.v
            .ticket
            .sms_asked_at
            .map(china_minute)
            .unwrap_or_default()
    }
}

#[derive(serde::Deserialize, Default)]
struct FlashQuery {
    #[serde(default)]
    flash: String,
}

/// `2026-12-03 14:05` in China time.
pub(super) fn china_minute(t: time::OffsetDateTime) -> String {
    let at = t.to_offset(time::macros::offset!(+8));
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        at.year(),
        at.month() as u8,
        at.day(),
        at.hour(),
        at.minute()
    )
}

/// What each event kind is called on the page.
fn event_label(kind: &str) -> &str {
    match kind {
        "filed" => "登记",
        "answer" => "直接办结",
        "dispatch" => "派单",
        "accept" => "签收",
        "return" => "退单",
        "rule_return" => "退单审核",
        "extend" => "申请延期",
        "rule_extension" => "延期审核",
        "reply" => "回复办理结果",
        "callback" => "回访",
        "merge" => "合并",
        "co_reply" => "提交协办意见",
        "ask_by_sms" => "发送短信回访",
        other => other,
    }
}

async fn ticket_view(
    s: &AppState,
    ctx: &Ctx,
    id: &str,
    flash: String,
    problems: Problems,
) -> Result<TicketPage, WebError> {
    let v = app::hotline::view(&s.app, &ctx.actor, id).await?;
    let own = matches!(&ctx.actor, app::auth::Actor::Applicant { id, .. } if v.ticket.account.as_deref() == Some(id.as_str()));
    let events = if own {
        Vec::new()
    } else {
        tickets::history(&s.app, &ctx.actor, id)
            .await?
            .into_iter()
            .map(|e| {
                (
                    china_minute(
                        time::OffsetDateTime::from_unix_timestamp_nanos(
                            i128::from(e.at) * 1_000_000,
                        )
                        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
                    ),
                    event_label(&e.kind).to_string(),
                    e.hash.chars().take(12).collect(),
                )
            })
            .collect()
    };
    let dispatching = v.allowed.iter().any(|c| c == "dispatch");
    let (departments, suggestion) = if dispatching {
        (
            app::org::departments(&s.app).await?,
            tickets::suggest(&s.app, &ctx.actor, &v.ticket.class, &v.ticket.region).await?,
        )
    } else if !v.ticket.co_handlers.is_empty() {
        // The 协办 departments and their opinions are shown by name.
        (app::org::departments(&s.app).await?, None)
    } else {
        (Vec::new(), None)
    };
    Ok(TicketPage {
        nav: Nav::of(ctx),
        v,
        events,
        departments,
        suggestion,
        flash,
        problems,
        own,
    })
}

async fn ticket_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<FlashQuery>,
) -> Result<Response, WebError> {
    render(&ticket_view(&s, &ctx, &id, q.flash, Problems::default()).await?)
}

#[derive(serde::Deserialize, Default)]
struct StepForm {
    csrf: String,
    command: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    co_handlers: Vec<String>,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    upheld: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    days: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    resolved: String,
    #[serde(default)]
    satisfied: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    reopen: String,
    #[serde(default)]
    into: String,
    #[serde(default)]
    granted: String,
}

fn command_of(f: &StepForm) -> Result<Command, AppError> {
    let yes = |v: &str| v == "1" || v == "yes";
    Ok(match f.command.as_str() {
        "dispatch" => Command::Dispatch {
            department: f.department.trim().to_string(),
            co_handlers: f
                .co_handlers
                .iter()
                .filter(|c| !c.trim().is_empty())
                .cloned()
                .collect(),
        },
        "accept" => Command::Accept,
        "return" => Command::Return {
            reason: f.reason.clone(),
        },
        "rule_return" => Command::RuleReturn {
            upheld: yes(&f.upheld),
            note: f.note.clone(),
        },
        "extend" => Command::Extend {
            days: f
                .days
                .trim()
                .parse()
                .map_err(|_| AppError::field("days", "invalid", "延期天数应为整数"))?,
            reason: f.reason.clone(),
        },
        "reply" => Command::Reply {
            text: f.text.clone(),
            evidence: vec![],
        },
        "co_reply" => Command::CoReply {
            text: f.text.clone(),
        },
        "callback" => Command::Callback {
            resolved: yes(&f.resolved),
            satisfied: yes(&f.satisfied),
            method: CallbackMethod::parse(&f.method).unwrap_or(CallbackMethod::Phone),
            note: f.note.clone(),
            reopen: yes(&f.reopen),
        },
        "rule_extension" => Command::RuleExtension {
            granted: yes(&f.granted),
            note: f.note.clone(),
        },
        "merge" => Command::Merge {
            into: f.into.clone(),
        },
        "ask_by_sms" => Command::AskBySms,
        "answer" => Command::Answer {
            article: None,
            text: f.text.clone(),
        },
        other => {
            return Err(AppError::field(
                "command",
                "unknown",
                format!("未知操作“{other}”"),
            ));
        }
    })
}

fn done_message(cmd: &Command, v: &TicketView) -> String {
    match cmd {
        Command::Dispatch { .. } => format!("已派单至{}", v.department_name),
        Command::Accept => "已签收".into(),
        Command::Return { .. } => "已退单，等待派单员审核".into(),
        Command::RuleReturn { upheld: true, .. } => "退单理由成立，工单回到待派单".into(),
        Command::RuleReturn { upheld: false, .. } => "退单理由不成立，工单退回原单位签收".into(),
        Command::Extend { .. } => "已申请延期，等待派单员审核".into(),
        Command::RuleExtension { granted: true, .. } => "已同意延期".into(),
        Command::RuleExtension { granted: false, .. } => "未同意延期".into(),
        Command::Reply { .. } => "已回复办理结果，等待回访".into(),
        Command::CoReply { .. } => "协办意见已提交，主办单位回复时可见".into(),
        Command::Callback { .. }
            if v.ticket.reopened > 0 && v.ticket.state == domain::hotline::State::Handling =>
        {
            "已回访，工单退回承办单位重办".into()
        }
        Command::Callback { .. } => "已回访，工单办结".into(),
        Command::Merge { .. } => "已合并".into(),
        Command::AskBySms => "已发送短信回访，群众答复后自动记录".into(),
        Command::Answer { .. } => "已直接办结".into(),
    }
}

async fn step(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<StepForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let r = match command_of(&f) {
        Ok(cmd) => tickets::step(&s.app, &ctx.actor, &id, &cmd)
            .await
            .map(|v| (done_message(&cmd, &v), v)),
        Err(e) => Err(e),
    };
    match r {
        Ok((msg, v)) => Ok(Redirect::to(&format!(
            "/hotline/tickets/{}?flash={}",
            v.ticket.id,
            urlencode(&msg)
        ))
        .into_response()),
        Err(e @ (AppError::Validation(_) | AppError::State(_) | AppError::Conflict { .. })) => {
            let problems = Problems::of(&e, |f| Some(format!("step-{f}")));
            Ok(unprocessable(render(
                &ticket_view(&s, &ctx, &id, String::new(), problems).await?,
            )?))
        }
        Err(e) => Err(e.into()),
    }
}
