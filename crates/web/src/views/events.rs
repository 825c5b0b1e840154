//! Event delivery for the platform's administrator: each sink's progress and the dead letters,
//! with a replay button per letter; and the texts and emails sent beside the inbox.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum_extra::extract::Form;

use super::{Nav, render};
use crate::ctx::Ctx;
use crate::{AppState, WebError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/events", get(page))
        .route("/admin/events/replay", post(replay))
}

/// A sink's row, formatted.
struct SinkRow {
    name: String,
    delivered: i64,
    position: i64,
    behind: i64,
    failing: String,
    holder: String,
}

struct DeadRow {
    sink: String,
    seq: i64,
    topic: String,
    aggregate: String,
    attempts: i64,
    dead_at: String,
    error: String,
    waiting: bool,
}

#[derive(Template)]
#[template(path = "admin_events.html")]
struct EventsPage {
    nav: Nav,
    head: i64,
    sinks: Vec<SinkRow>,
    dead: Vec<DeadRow>,
    /// 短信与邮件: (channel, state, count) over the last day, and the latest messages.
    counts: Vec<(String, String, i64)>,
    /// (time, message)
    messages: Vec<(String, app::notify::MessageView)>,
    flash: String,
    error: String,
}

#[derive(serde::Deserialize, Default)]
struct Flash {
    flash: Option<String>,
}

use super::fmt_time as when;

async fn view(s: &AppState, ctx: &Ctx, flash: &str, error: String) -> Result<EventsPage, WebError> {
    let cap = ctx.actor.system_admin()?;
    let o = app::outbox::overview(&s.app, &cap).await?;
    let m = app::notify::overview(&s.app, &cap).await?;
    Ok(EventsPage {
        nav: Nav::of(ctx),
        head: o.head,
        sinks: o
            .sinks
            .into_iter()
            .map(|x| SinkRow {
                failing: match &x.cursor.last_error {
                    Some(e) => format!(
                        "第 {} 次失败：{e}；{} 重试",
                        x.cursor.attempts,
                        when(x.cursor.retry_at)
                    ),
                    None => String::new(),
                },
                holder: x.cursor.lease_owner.clone().unwrap_or_default(),
                name: x.cursor.sink,
                delivered: x.cursor.delivered,
                position: x.cursor.position,
                behind: x.behind,
            })
            .collect(),
        dead: o
            .dead
            .into_iter()
            .map(|d| DeadRow {
                dead_at: when(d.dead_at),
                waiting: d.replay == 1,
                sink: d.sink,
                seq: d.seq,
                topic: d.topic,
                aggregate: d.aggregate,
                attempts: d.attempts,
                error: d.last_error,
            })
            .collect(),
        counts: m.counts,
        messages: m.latest.into_iter().map(|x| (when(x.at), x)).collect(),
        flash: flash.into(),
        error,
    })
}

async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<Flash>,
) -> Result<Response, WebError> {
    let flash = match q.flash.as_deref() {
        Some("replay") => "已请求重发，投递程序会在下一轮（约 1 秒内）发送；刷新本页查看结果。",
        _ => "",
    };
    render(&view(&s, &ctx, flash, String::new()).await?)
}

#[derive(serde::Deserialize)]
struct ReplayForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    sink: String,
    #[serde(default)]
    seq: String,
}

async fn replay(
    State(s): State<AppState>,
    ctx: Ctx,
    Form(f): Form<ReplayForm>,
) -> Result<Response, WebError> {
    ctx.check_csrf(&f.csrf)?;
    let cap = ctx.actor.system_admin()?;
    let Ok(seq) = f.seq.trim().parse::<i64>() else {
        let page = view(&s, &ctx, "", "事件序号应为数字".into()).await?;
        return Ok(super::unprocessable(render(&page)?));
    };
    let result = app::outbox::replay(&s.app, &cap, &f.sink, seq).await;
    let again = async |errors: Vec<domain::FieldError>| {
        let message = errors
            .iter()
            .map(|e| e.message.clone())
            .collect::<Vec<_>>()
            .join("；");
        let page = view(&s, &ctx, "", message).await?;
        render(&page)
    };
    super::after_post(result, |()| "/admin/events?flash=replay".to_string(), again).await
}
