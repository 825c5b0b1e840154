//! Texts to 12345 callers, who need no account: the 短信回访 link (the caller answers
//! resolved and satisfied themself), and for the caller of a duplicate, word that it was
//! merged and, later, the answer of the ticket it went into. Messages are queued in the
//! step's own transaction; the notification dispatcher sends them.

use domain::hotline::callback::{self as cb, LINK_DAYS};
use domain::hotline::flow::{self, Command, Seat};
use domain::hotline::{CallbackMethod, State, Ticket};
use domain::notify::Channel;
use serde::Serialize;
use store::hotline::links::{self as sl, Link};
use store::notify::MessageRow;
use time::Duration;

use super::tickets::append;
use crate::auth::{random_token, token_hash};
use crate::{App, AppError, Result};

const CALLBACK: &str = "callback";
const VIEW: &str = "view";

/// Whether texts can be sent at all (`[notify.sms]` configured).
pub fn configured(app: &App) -> bool {
    app.settings.notify_channels.contains(&Channel::Sms)
}

/// Refuses 发送短信回访 where no text can go out, before anything is written.
pub(crate) fn check_ask(app: &App, cmd: &Command) -> Result<()> {
    if matches!(cmd, Command::AskBySms) && !configured(app) {
        return Err(AppError::field(
            "ask_by_sms",
            "unavailable",
            "本平台未配置短信网关，请电话回访",
        ));
    }
    Ok(())
}

/// Whether the operator's page offers 发送短信回访 on `t` (the table allows it; this adds
/// what the table cannot know).
pub(crate) fn offer_ask(app: &App, t: &Ticket) -> bool {
    configured(app) && cb::reachable_by_sms(t) && !cb::asked_for_this_reply(t)
}

/// Queues what a step tells the callers, in the step's transaction: the callback link after
/// 发送短信回访, the merge notice after 合并, the answer to merged callers after 回复.
pub(crate) async fn after_step(
    conn: &mut store::Connection,
    app: &App,
    t: &Ticket,
    cmd: &Command,
) -> Result<()> {
    if !configured(app) {
        return Ok(());
    }
    match cmd {
        Command::AskBySms => {
            let url = link(conn, app, t, CALLBACK, "").await?;
            queue(conn, t, "hotline_callback", cb::ask_text(&t.number, &url)).await?;
        }
        Command::Merge { into } if cb::reachable_by_sms(t) => {
            let target = store::hotline::get(conn, into)
                .await?
                .ok_or_else(|| AppError::Internal(format!("ticket {into} vanished")))?
                .ticket;
            let url = link(conn, app, t, VIEW, &target.id).await?;
            let text = cb::merged_text(&t.number, &target.number, &url);
            queue(conn, t, "hotline_merged", text).await?;
        }
        Command::Reply { .. } => {
            for id in sl::followers(conn, &t.id).await? {
                let Some(m) = store::hotline::get(conn, &id).await? else {
                    continue;
                };
                let url = link(conn, app, &m.ticket, VIEW, &t.id).await?;
                let text = cb::result_text(&m.ticket.number, &url);
                queue(conn, &m.ticket, "hotline_result", text).await?;
            }
        }
        _ => {}
    }
    Ok(())
}

async fn link(
    conn: &mut store::Connection,
    app: &App,
    t: &Ticket,
    purpose: &str,
    follows: &str,
) -> Result<String> {
    // 96 bits: short enough for a text, far beyond guessing.
    let token: String = random_token()?.chars().take(24).collect();
    let sent = t
        .sms_asked_at
        .filter(|_| purpose == CALLBACK)
        .unwrap_or(app.now());
    sl::insert_link(
        conn,
        &token_hash(&token),
        &Link {
            ticket_id: t.id.clone(),
            purpose: purpose.into(),
            follows: follows.into(),
            sent_at: store::millis(sent),
            expires_at: store::millis(sent + Duration::days(LINK_DAYS)),
            used_at: None,
        },
    )
    .await?;
    Ok(format!(
        "{}/cb/{token}",
        app.settings.public_url.trim_end_matches('/')
    ))
}

async fn queue(conn: &mut store::Connection, t: &Ticket, kind: &str, body: String) -> Result<()> {
    // The dispatcher works on the wall clock, whatever the platform's clock says.
    let now = store::millis(time::OffsetDateTime::now_utc());
    let id = uuid::Uuid::now_v7().to_string();
    store::notify::queue(
        conn,
        &MessageRow {
            notification_id: format!("hotline:{}:{id}", t.id),
            id,
            account_id: t.account.clone().unwrap_or_default(),
            channel: Channel::Sms.as_str().into(),
            address: t.caller.phone.trim().into(),
            kind: kind.into(),
            body,
            state: "queued".into(),
            attempts: 0,
            next_at: now,
            last_error: String::new(),
            provider_id: String::new(),
            created_at: now,
            sent_at: None,
        },
    )
    .await?;
    Ok(())
}

/// What the caller sees through a link: their own matter and its answer, nothing of anyone
/// else (a merged caller sees only the number and answer of the ticket theirs went into).
#[derive(Debug, Clone, Serialize)]
pub struct LinkView {
    pub number: String,
    pub filed: String,
    pub text: String,
    pub state: State,
    /// The number of the ticket it follows, if merged.
    pub follows: Option<String>,
    /// The answer in force (the department's reply or the operator's answer).
    pub answer: String,
    /// Whether the caller may answer the callback now.
    pub may_answer: bool,
    /// Whether they answered already through this link.
    pub answered: bool,
    /// Whether an unresolved or unsatisfied answer would reopen the ticket (not reopened yet).
    pub may_reopen: bool,
}

async fn open(
    conn: &mut store::Connection,
    app: &App,
    token: &str,
) -> Result<(Link, store::hotline::Stored)> {
    let gone = || AppError::NotFound("链接无效，请拨打 12345 查询".into());
    if token.len() != 24 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(gone());
    }
    let l = sl::link(conn, &token_hash(token)).await?.ok_or_else(gone)?;
    if !cb::link_fresh(store::from_millis(l.sent_at), app.now()) {
        return Err(AppError::State(format!(
            "链接已超过 {LINK_DAYS} 天有效期，请拨打 12345 查询或评价"
        )));
    }
    let t = store::hotline::get(conn, &l.ticket_id)
        .await?
        .ok_or_else(gone)?;
    Ok((l, t))
}

fn answer_of(t: &Ticket) -> String {
    t.reply
        .as_ref()
        .map(|r| r.text.clone())
        .unwrap_or_else(|| t.answer.clone())
}

/// The page behind a link.
pub async fn view(app: &App, token: &str) -> Result<LinkView> {
    let mut c = app.store.conn().await?;
    let (l, t) = open(&mut c, app, token).await?;
    let t = t.ticket;
    let followed = match &t.merged_into {
        Some(m) => store::hotline::get(&mut c, m).await?.map(|s| s.ticket),
        None => None,
    };
    let current = l.purpose == CALLBACK
        && t.state == State::Replied
        && t.sms_asked_at.map(store::millis) == Some(l.sent_at);
    Ok(LinkView {
        number: t.number.clone(),
        filed: domain::calendar::china_date(t.created_at).to_string(),
        text: t.text.clone(),
        state: followed.as_ref().map(|f| f.state).unwrap_or(t.state),
        follows: followed.as_ref().map(|f| f.number.clone()),
        answer: followed
            .as_ref()
            .map(answer_of)
            .unwrap_or_else(|| answer_of(&t)),
        may_answer: current && l.used_at.is_none(),
        answered: l.used_at.is_some(),
        may_reopen: t.reopened == 0,
    })
}

/// The caller's answer through a callback link: 回访 by text, reopened once by rule when not
/// resolved or not satisfied; the link is spent in the same transaction.
pub async fn answer(
    app: &App,
    token: &str,
    resolved: bool,
    satisfied: bool,
    note: &str,
) -> Result<LinkView> {
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let (l, stored) = open(&mut tx, app, token).await?;
    let (mut t, version) = (stored.ticket, stored.version);
    let stale =
        || AppError::State("此链接已答复过或已失效（工单可能已重新办理），请以最新短信为准".into());
    if l.purpose != CALLBACK || l.used_at.is_some() {
        return Err(stale());
    }
    if t.sms_asked_at.map(store::millis) != Some(l.sent_at) {
        return Err(stale());
    }
    let cmd = Command::Callback {
        resolved,
        satisfied,
        method: CallbackMethod::Sms,
        note: note.to_string(),
        reopen: cb::caller_reopens(&t, resolved, satisfied),
    };
    super::tickets::apply_step(app, &mut t, &cmd, now, &[Seat::Caller], "caller", None).map_err(
        |r| match r {
            flow::Refusal::State(_) | flow::Refusal::Seat(_) => stale(),
            flow::Refusal::Field(f, m) => AppError::field(f, "invalid", m),
        },
    )?;
    if !sl::spend_link(&mut tx, &token_hash(token), store::millis(now)).await?
        || !store::hotline::update_ticket(&mut tx, &t, version).await?
    {
        return Err(stale());
    }
    let actor = t.account.clone().unwrap_or_else(|| "caller".into());
    let mut tail = None;
    let payload = serde_json::to_string(&cmd).map_err(|e| AppError::Internal(e.to_string()))?;
    append(
        &mut tx,
        app,
        &mut tail,
        &t,
        &actor,
        Seat::Caller.role(),
        cmd.name(),
        &payload,
        now,
    )
    .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    view(app, token).await
}
