//! Filing a ticket (by an operator on a call or a letter, on the portal, through the API),
//! its steps (派单, 签收, 退单, 延期, 回复, 回访, 合并), duplicates and the dispatch suggestion.

use domain::hotline::flow::{self, Command, Context, Limits, Refusal, Seat};
use domain::hotline::{Channel, NewTicket, Ticket};
use domain::ids::RegionCode;
use serde::{Deserialize, Serialize};
use store::hotline::{self as sh, EventRow};

pub use super::queues::{
    Duplicate, Narrow, Queue, duplicates, history, mine, queue, queue_narrowed, suggest, tree,
    warned,
};
use super::{TicketView, decorate, masked, staff};
use crate::auth::Actor;
use crate::{App, AppError, Result};

/// A new ticket with what the operator decided on the call.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = HotlineFileTicket))]
pub struct FileTicket {
    #[serde(flatten)]
    pub ticket: NewTicket,
    /// Phone or letter (operators); the portal and the API set their own.
    #[serde(default)]
    pub channel: Option<Channel>,
    /// 直接办结 on the call: the answer (and the article it came from).
    #[serde(default)]
    pub answer: Option<DirectAnswer>,
    /// Merge at once into this open ticket (a duplicate).
    #[serde(default)]
    pub merge_into: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = HotlineDirectAnswer))]
pub struct DirectAnswer {
    #[serde(default)]
    pub article: Option<String>,
    pub text: String,
}

/// Limits in force (configuration `[hotline]`, checked at start; the defaults otherwise).
pub fn limits(app: &App) -> Limits {
    app.settings.hotline_limits.clone()
}

fn json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| AppError::Internal(e.to_string()))
}

fn refusal(r: Refusal) -> AppError {
    match r {
        Refusal::State(m) => AppError::State(m),
        Refusal::Seat(m) => AppError::Forbidden(m),
        Refusal::Field(f, m) => AppError::field(f, "invalid", m),
    }
}

/// Whether `actor` may file here: an operator at the desk (`desk`), a person or enterprise
/// on the portal.
pub fn may_file(actor: &Actor, desk: bool) -> Result<()> {
    match actor {
        Actor::Anonymous => Err(AppError::Unauthenticated),
        Actor::Applicant { .. } if !desk => Ok(()),
        Actor::Staff { roles, .. }
            if desk && roles.contains(&domain::account::Role::HotlineOperator) =>
        {
            Ok(())
        }
        _ if desk => Err(AppError::Forbidden(
            "只有 12345 话务员可以登记来电和来信".into(),
        )),
        _ => Err(AppError::Forbidden(
            "网上留言由办事群众和企业本人提交".into(),
        )),
    }
}

/// Who files a ticket: a person or an operator by their session, or a registered Open311
/// client by its key.
#[derive(Clone, Copy)]
pub(crate) enum Filer<'a> {
    Actor(&'a Actor),
    Client(&'a super::clients::Client),
}

/// Files a ticket. Operators file calls and letters for a caller; a logged-in person files
/// a web message in their own name; an API client files as itself (`Channel::Api`).
pub async fn file(app: &App, actor: &Actor, req: &FileTicket, via_api: bool) -> Result<TicketView> {
    file_as(app, Filer::Actor(actor), req, via_api).await
}

pub(crate) async fn file_as(
    app: &App,
    filer: Filer<'_>,
    req: &FileTicket,
    via_api: bool,
) -> Result<TicketView> {
    let actor = match filer {
        Filer::Actor(a) => a,
        Filer::Client(_) => &Actor::Anonymous,
    };
    let (channel, account, desk) = match (filer, actor) {
        (Filer::Client(c), _) => (Channel::Api, Some(c.account()), None),
        (Filer::Actor(_), actor) => match actor {
            Actor::Staff { .. } => {
                let s = staff(actor)?;
                if !s.roles.contains(&domain::account::Role::HotlineOperator) {
                    return Err(AppError::Forbidden(
                        "只有 12345 话务员可以登记来电和来信".into(),
                    ));
                }
                let ch = req.channel.unwrap_or(Channel::Phone);
                if !matches!(ch, Channel::Phone | Channel::Letter) {
                    return Err(AppError::field(
                        "channel",
                        "invalid",
                        "话务员登记的渠道应为电话或来信",
                    ));
                }
                (ch, None, Some(s))
            }
            Actor::Applicant { id, .. } => (
                if via_api { Channel::Api } else { Channel::Web },
                Some(id.clone()),
                None,
            ),
            Actor::Anonymous => return Err(AppError::Unauthenticated),
        },
    };
    if desk.is_none() && (req.answer.is_some() || req.merge_into.is_some()) {
        return Err(AppError::Forbidden("直接办结与合并由话务员办理".into()));
    }
    let mut new = req.ticket.clone();
    if desk.is_none() {
        // A person files in their own name; only the phone is theirs to give. A client
        // gives the name of the person using it.
        if let Filer::Actor(actor) = filer {
            new.caller = super::caller_of(actor, &new.caller.phone);
        }
        if new.caller.phone.trim().is_empty() {
            return Err(AppError::field(
                "caller.phone",
                "required",
                "请填写联系电话，以便回访",
            ));
        }
    }
    let (kind, caller) = domain::hotline::check_new(&new).map_err(AppError::Validation)?;
    let region = new.region.trim().to_string();
    if let Some(s) = &desk
        && !s.scope.covers_region(&region)
    {
        return Err(AppError::field(
            "region",
            "outside",
            "诉求发生地不在您所在热线中心的服务区域内",
        ));
    }
    let mut c = app.store.conn().await?;
    let tree = sh::classes(&mut c).await?;
    if !tree.iter().any(|n| n.code == new.class.trim()) {
        return Err(AppError::field("class", "unknown", "请选择诉求分类"));
    }
    if !app.regions(&mut c).await?.iter().any(|r| r.code == region) {
        return Err(AppError::field(
            "region",
            "unknown",
            format!("行政区划 {region} 不存在"),
        ));
    }
    let uploader = match actor {
        Actor::Staff { id, .. } | Actor::Applicant { id, .. } => id.as_str(),
        Actor::Anonymous => "",
    };
    for a in &new.attachments {
        // Only files the filer uploaded: an id alone must not expose someone else's file.
        if store::uploads::owned(&mut c, a, uploader).await?.is_none() {
            return Err(AppError::field(
                "attachments",
                "unknown",
                format!("附件 {a} 不存在"),
            ));
        }
    }
    drop(c);
    let now = app.now();
    let mut t = Ticket {
        address: new.address.trim().to_string(),
        position: new.position,
        related_case: new.related_case.trim().to_string(),
        related_item: new.related_item.trim().to_string(),
        attachments: new.attachments.clone(),
        account,
        ..Ticket::filed(
            uuid::Uuid::now_v7().to_string(),
            channel,
            kind,
            new.class.trim().to_string(),
            region,
            caller,
            new.text.trim().to_string(),
            now,
        )
    };
    let mut follow_up: Option<Command> = None;
    if let Some(a) = &req.answer {
        follow_up = Some(Command::Answer {
            article: a.article.clone(),
            text: a.text.clone(),
        });
    } else if let Some(m) = &req.merge_into {
        follow_up = Some(Command::Merge { into: m.clone() });
    }
    let mut tx = app.store.begin().await?;
    let day = domain::calendar::china_date(now);
    let n = sh::next_number(&mut tx, &day.to_string()).await?;
    t.number = format!(
        "{:04}{:02}{:02}-{n:05}",
        day.year(),
        day.month() as u8,
        day.day()
    );
    let actor_id = match (filer, actor) {
        (Filer::Client(c), _) => c.account(),
        (_, Actor::Staff { id, .. } | Actor::Applicant { id, .. }) => id.clone(),
        (_, Actor::Anonymous) => String::new(),
    };
    let role = match filer {
        _ if desk.is_some() => "hotline_operator",
        Filer::Client(_) => "open311_client",
        Filer::Actor(_) => "applicant",
    };
    let created = json(&t)?;
    sh::insert_ticket(&mut tx, &t).await?;
    let mut tail = None;
    append(
        &mut tx, app, &mut tail, &t, &actor_id, role, "filed", &created, now,
    )
    .await?;
    if let Some(mut cmd) = follow_up {
        if let Command::Merge { into } = &cmd {
            let target = check_merge_target(&mut tx, &t, into).await?;
            cmd = Command::Merge { into: target };
        }
        let before = t.clone();
        apply_step(app, &mut t, &cmd, now, &[Seat::Operator], &actor_id, None).map_err(refusal)?;
        if !sh::update_ticket(&mut tx, &t, 0).await? {
            return Err(AppError::Internal(format!("ticket {} vanished", before.id)));
        }
        append(
            &mut tx,
            app,
            &mut tail,
            &t,
            &actor_id,
            role,
            cmd.name(),
            &json(&cmd)?,
            now,
        )
        .await?;
        super::by_sms::after_step(&mut tx, app, &t, &cmd).await?;
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    let full = desk.as_ref().is_some_and(|s| s.sees_callers(&t));
    let allowed = match &desk {
        Some(s) => flow::allowed(t.state, &s.seats(&t))
            .into_iter()
            .map(|r| r.command.to_string())
            .collect(),
        None => vec![],
    };
    let t = if desk.is_some() { masked(t, full) } else { t };
    decorate(app, t, allowed, None).await
}

/// Checks the ticket a duplicate is merged into and holds it open until the transaction ends
/// (two tickets merged into each other at once would leave both unhandled). Returns its id.
async fn check_merge_target(
    conn: &mut store::Connection,
    t: &Ticket,
    into: &str,
) -> Result<String> {
    let target = sh::get(conn, into.trim())
        .await?
        .ok_or_else(|| AppError::field("into", "unknown", format!("工单 {into} 不存在")))?
        .ticket;
    if target.id == t.id || target.state.is_finished() {
        return Err(AppError::field(
            "into",
            "finished",
            "只能合并到另一张尚未办结的工单",
        ));
    }
    if !target
        .region
        .starts_with(t.region.get(..6).unwrap_or(&t.region))
    {
        return Err(AppError::field("into", "elsewhere", "重复工单应在同一区县"));
    }
    if !sh::hold_open(conn, &target.id).await? {
        return Err(AppError::field(
            "into",
            "finished",
            "只能合并到另一张尚未办结的工单",
        ));
    }
    Ok(target.id)
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn append(
    conn: &mut store::Connection,
    app: &App,
    tail: &mut Option<(i64, String)>,
    t: &Ticket,
    actor: &str,
    role: &str,
    kind: &str,
    payload: &str,
    at: time::OffsetDateTime,
) -> Result<()> {
    let id = t.id.as_str();
    let (seq, prev) = match tail.take() {
        Some(t) => (t.0 + 1, t.1),
        None => match sh::last_event(conn, id).await? {
            Some((s, h)) => (s + 1, h),
            None => (1, crate::audit::GENESIS.to_string()),
        },
    };
    let at = store::millis(at);
    let hash = crate::audit::hash(&prev, seq, at, actor, role, kind, payload);
    sh::append_event(
        conn,
        &EventRow {
            ticket_id: id.to_string(),
            seq,
            at,
            actor: actor.to_string(),
            role: role.to_string(),
            kind: kind.to_string(),
            payload: payload.to_string(),
            prev_hash: prev,
            hash: hash.clone(),
        },
    )
    .await?;
    *tail = Some((seq, hash));
    // Systems outside hear of every step, without the caller or the text.
    let change = domain::outbox::TicketChange {
        ticket_id: t.id.clone(),
        number: t.number.clone(),
        kind: t.kind.as_str().into(),
        class: t.class.clone(),
        region: t.region.clone(),
        state: t.state.as_str().into(),
        department: t.department.clone(),
        event: kind.into(),
        seq,
    };
    let topic = format!("ticket.{kind}");
    if let Some(r) = crate::outbox::other(app, &topic, "ticket", id, &change, at) {
        store::outbox::insert(conn, &[r]).await?;
    }
    Ok(())
}

/// Takes one step on a ticket, checked by the table, the reader's seats and the data
/// (departments exist, the merge target is open), written with its event in one transaction.
pub async fn step(app: &App, actor: &Actor, id: &str, cmd: &Command) -> Result<TicketView> {
    let s = staff(actor)?;
    let now = app.now();
    // A reply's evidence must be the replier's own uploads (from earlier requests): checked
    // before the transaction, so that the writer's turn is not held for the reads.
    if let Command::Reply { evidence, .. } = cmd {
        let mut c = app.store.conn().await?;
        for e in evidence {
            if store::uploads::owned(&mut c, e, &s.id).await?.is_none() {
                return Err(AppError::field(
                    "evidence",
                    "unknown",
                    format!("附件 {e} 不存在"),
                ));
            }
        }
    }
    let mut tx = app.store.begin().await?;
    let stored = sh::get(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("工单 {id}")))?;
    let mut t = stored.ticket;
    if !s.may_read(&t) {
        return Err(AppError::NotFound(format!("工单 {id}")));
    }
    let seats = s.seats(&t);
    // A merge is stored with the target's id, whatever number was typed.
    let mut resolved: Option<Command> = None;
    match cmd {
        Command::Dispatch {
            department,
            co_handlers,
        } => {
            for (field, d) in std::iter::once(("department", department))
                .chain(co_handlers.iter().map(|c| ("co_handlers", c)))
            {
                if d.trim().is_empty() {
                    continue;
                }
                let dep = store::org::get_department(&mut tx, d.trim())
                    .await
                    .map_err(|_| AppError::field(field, "unknown", format!("单位 {d} 不存在")))?;
                // A department acts only where it has authority: the place must lie within it.
                let within = match (RegionCode::parse(&t.region), RegionCode::parse(&dep.region)) {
                    (Ok(place), Ok(its)) => place.is_within(&its),
                    _ => false,
                };
                if !within {
                    return Err(AppError::field(
                        field,
                        "outside",
                        format!("{} 的辖区不含诉求发生地", dep.name),
                    ));
                }
            }
        }
        Command::Merge { into } => {
            let target = check_merge_target(&mut tx, &t, into).await?;
            resolved = Some(Command::Merge { into: target });
        }
        _ => {}
    }
    let cmd = resolved.as_ref().unwrap_or(cmd);
    super::by_sms::check_ask(app, cmd)?;
    apply_step(
        app,
        &mut t,
        cmd,
        now,
        &seats,
        &s.id,
        s.scope.department.as_deref(),
    )
    .map_err(refusal)?;
    if !sh::update_ticket(&mut tx, &t, stored.version).await? {
        return Err(AppError::Conflict {
            field: "version".into(),
            message: "工单刚被他人处理过，请刷新后再试".into(),
        });
    }
    let role = seat_role(cmd, &seats);
    let mut tail = None;
    append(
        &mut tx,
        app,
        &mut tail,
        &t,
        &s.id,
        role,
        cmd.name(),
        &json(cmd)?,
        now,
    )
    .await?;
    super::by_sms::after_step(&mut tx, app, &t, cmd).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    let seats = s.seats(&t);
    let allowed = flow::allowed(t.state, &seats)
        .into_iter()
        .map(|r| r.command.to_string())
        .collect();
    let full = s.sees_callers(&t);
    decorate(app, masked(t, full), allowed, None).await
}

/// The table's step with the deployment's calendar and limits.
pub(crate) fn apply_step(
    app: &App,
    t: &mut Ticket,
    cmd: &Command,
    now: time::OffsetDateTime,
    seats: &[Seat],
    actor: &str,
    department: Option<&str>,
) -> std::result::Result<(), Refusal> {
    let cal = crate::cases::calendar(app);
    // A county may set its own limits; the place decides.
    let lim = app.settings.hotline_limits.for_region(&t.region);
    flow::apply(
        t,
        cmd,
        &Context {
            now,
            calendar: &cal,
            limits: &lim,
            seats,
            actor,
            department,
        },
    )
}

fn seat_role(cmd: &Command, seats: &[Seat]) -> &'static str {
    let rule = flow::RULES.iter().find(|r| r.command == cmd.name());
    let seat = rule
        .and_then(|r| r.seats.iter().find(|s| seats.contains(s)))
        .copied()
        .unwrap_or(Seat::Operator);
    seat.role()
}
