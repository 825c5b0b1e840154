//! Case use cases: start, act (every command of the state machine), read, queues and the
//! public progress lookup. Each command is one transaction: load, authorize, decide, save with
//! a version check, append the hash-chained audit events.

use domain::account::Role;
use domain::calendar::{WorkCalendar, china_date};
use domain::case::{self, Case, CaseActor, CaseError, CaseState, Channel, Command, Event};
use domain::catalog::{ItemDefinition, NodeKind};
use store::cases::{self as sc, CaseIndex};

use crate::audit;
use crate::auth::Actor;
use crate::{App, AppError, Result};

pub(crate) fn case_actor(actor: &Actor) -> Result<CaseActor> {
    match actor {
        Actor::Anonymous => Err(AppError::Unauthenticated),
        Actor::Applicant { id, .. } => Ok(CaseActor::Applicant { id: id.clone() }),
        Actor::Staff { id, roles, .. } => Ok(CaseActor::Staff {
            id: id.clone(),
            roles: roles.clone(),
        }),
    }
}

/// Who may see a case: its applicant, or staff whose region covers it (and whose department
/// is the case's, for department staff). Anyone else is told it does not exist, so ids cannot
/// be probed.
fn authorize(actor: &Actor, c: &Case) -> Result<()> {
    let ok = match actor {
        Actor::Anonymous => return Err(AppError::Unauthenticated),
        Actor::Applicant { id, .. } => {
            *id == c.applicant_id || c.agent_id.as_deref() == Some(id.as_str())
        }
        Actor::Staff { scope, .. } => scope.covers(&c.region, Some(&c.department)),
    };
    if ok {
        Ok(())
    } else {
        Err(AppError::NotFound("办件".into()))
    }
}

fn from_case_error(e: CaseError) -> AppError {
    match e {
        CaseError::Validation(v) => AppError::Validation(v),
        CaseError::NotAllowed(m) => AppError::Forbidden(m),
        other => AppError::State(other.to_string()),
    }
}

/// The queue a case waits in, and the deadline it is sorted by.
fn index_of(
    c: &Case,
    item: &ItemDefinition,
    cal: &WorkCalendar,
    now: time::OffsetDateTime,
) -> CaseIndex {
    let d = c.deadlines(item, cal, now);
    CaseIndex {
        queue_role: c.waiting_for(item).map(|r| r.as_str().to_string()),
        due_date: d.promised.or(d.pre_review).map(|d| d.due.to_string()),
        verify_due: c.verification_due().map(|d| d.to_string()),
        tolerance_due: c
            .materials
            .values()
            .filter_map(|p| match p {
                domain::case::Provision::Pending { due } => Some(*due),
                _ => None,
            })
            .min()
            .map(|d| d.to_string()),
    }
}

async fn item_version(
    app: &App,
    conn: &mut store::Connection,
    c: &Case,
) -> Result<std::sync::Arc<ItemDefinition>> {
    app.item_version(conn, &c.item_code, c.item_version).await
}

/// An applicant starts an online application (a draft) for a published handling item.
pub async fn start(app: &App, actor: &Actor, item_code: &str) -> Result<Case> {
    let Actor::Applicant { id, .. } = actor else {
        return match actor {
            Actor::Anonymous => Err(AppError::Unauthenticated),
            _ => Err(AppError::Forbidden(
                "工作人员请在窗口为申请人代为填报".into(),
            )),
        };
    };
    create(app, id, item_code, Channel::Online, actor).await
}

/// 帮办代办: a registered person files for another registered applicant, with the signed
/// authorization letter uploaded and recorded in the case's audit trail. Both the agent and
/// the applicant then see the case.
pub async fn start_as_agent(
    app: &App,
    actor: &Actor,
    item_code: &str,
    applicant_login: &str,
    letter: domain::case::Provision,
) -> Result<Case> {
    let Actor::Applicant { id: agent_id, .. } = actor else {
        return match actor {
            Actor::Anonymous => Err(AppError::Unauthenticated),
            _ => Err(AppError::Forbidden("工作人员请使用窗口受理".into())),
        };
    };
    if !matches!(letter, domain::case::Provision::Uploaded { .. }) {
        return Err(AppError::field(
            "letter",
            "required",
            "请上传申请人签署的授权委托书",
        ));
    }
    let applicant =
        registered_applicant(app, applicant_login, "委托人尚未在平台注册，请委托人先注册").await?;
    if &applicant == agent_id {
        return Err(AppError::field(
            "applicant",
            "self",
            "为本人申请请直接点击“在线申请”",
        ));
    }
    let auth = Authorization {
        agent_id: agent_id.clone(),
        letter,
    };
    create_with(
        app,
        &applicant,
        item_code,
        Channel::Online,
        actor,
        Some(auth),
    )
    .await
}

/// A comprehensive-window clerk starts a case for a registered applicant (无差别受理: any
/// item of the clerk's region).
pub async fn start_at_window(
    app: &App,
    actor: &Actor,
    item_code: &str,
    applicant_login: &str,
) -> Result<Case> {
    if !actor.has_role(Role::Clerk) {
        return Err(AppError::Forbidden(
            "只有综窗受理人员可以在窗口受理申请".into(),
        ));
    }
    let applicant = registered_applicant(
        app,
        applicant_login,
        "该证件号码尚未在平台注册，请先为申请人注册账号",
    )
    .await?;
    create(app, &applicant, item_code, Channel::Window, actor).await
}

/// The account id of a registered applicant (not staff) by ID number or credit code.
async fn registered_applicant(app: &App, login: &str, unknown: &str) -> Result<String> {
    let mut c = app.store.conn().await?;
    store::accounts::find_by_login(&mut c, login.trim())
        .await?
        .filter(|a| a.kind != "staff")
        .map(|a| a.id)
        .ok_or_else(|| AppError::field("applicant", "unknown", unknown))
}

/// An agent's authorization to file for an applicant (帮办代办): the signed letter, uploaded.
#[derive(Debug, Clone)]
pub struct Authorization {
    pub agent_id: String,
    pub letter: domain::case::Provision,
}

async fn create(
    app: &App,
    applicant_id: &str,
    item_code: &str,
    channel: Channel,
    actor: &Actor,
) -> Result<Case> {
    create_with(app, applicant_id, item_code, channel, actor, None).await
}

async fn create_with(
    app: &App,
    applicant_id: &str,
    item_code: &str,
    channel: Channel,
    actor: &Actor,
    agent: Option<Authorization>,
) -> Result<Case> {
    let now = app.now();
    // Everything is read, and the shared-data sources asked, before the one write: a slow
    // upstream must not hold the database's write lock.
    let mut conn = app.store.conn().await?;
    let item = store::catalog::find_item(&mut conn, item_code)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("事项 {item_code}")))?;
    let version = match (item.status.as_str(), item.current_version) {
        ("active", Some(v)) => v,
        _ => return Err(AppError::State("该事项目前不能申请".into())),
    };
    let def = app.item_version(&mut conn, item_code, version).await?;
    let holder = app.account(&mut conn, applicant_id).await?;
    if def.node == NodeKind::Main {
        return Err(AppError::State("请选择具体的业务办理项申请".into()));
    }
    if let Actor::Staff { scope, .. } = actor
        && !scope.covers(&def.region, None)
    {
        return Err(AppError::Forbidden("只能受理本区划的事项".into()));
    }
    let mut c = Case::draft(
        uuid::Uuid::now_v7().to_string(),
        &def,
        version,
        applicant_id.to_string(),
        channel,
        now,
    );
    c.version = 1;
    c.agent_id = agent.as_ref().map(|a| a.agent_id.clone());
    let who = case_actor(actor)?;
    let actor_id = match &who {
        CaseActor::Applicant { id } | CaseActor::Staff { id, .. } => id.clone(),
        CaseActor::System => "system".to_string(),
    };
    // 免提交: what the government already issued to the applicant fills the materials. A
    // license revoked between this read and the write below is as one revoked just after.
    let uses = crate::licenses::attach(&mut conn, app, &mut c, &def, &actor_id).await?;
    drop(conn);
    let (shared, unavailable) = crate::licenses::shared_provisions(app, &def, &holder.login).await;
    let licensed: Vec<&str> = uses.iter().map(|u| u.material.as_str()).collect();
    let mut confirmed = Vec::new();
    for (name, p) in shared {
        if c.materials.get(&name).is_none_or(|m| !m.is_provided()) {
            c.materials.insert(name.clone(), p);
            confirmed.push(name);
        }
    }
    let at = store::millis(now);
    let avoided: Vec<_> = licensed
        .iter()
        .map(|m| (*m, "license"))
        .chain(confirmed.iter().map(|m| (m.as_str(), "shared")))
        .map(|(material, via)| store::licenses::Avoided {
            case_id: &c.id,
            item_code: &def.code,
            department: &def.department,
            material,
            via,
            at,
        })
        .collect();
    let payload = serde_json::json!({
        "event": "created", "item_code": item_code, "item_version": version, "channel": c.channel,
        "agent": agent.as_ref().map(|a| &a.agent_id), "authorization_letter": agent.as_ref().map(|a| &a.letter),
        "licenses_attached": licensed, "shared_data_confirmed": confirmed,
        "shared_data_unavailable": unavailable,
    });
    let event = audit::chain(&mut None, &c.id, &who, "created", &payload.to_string(), at);
    let cal = calendar(app);
    // One batch, so that it waits for the writer like a command and is grouped with others.
    store::command::commit_creation(
        &app.store,
        &store::command::Creation {
            case: &c,
            index: &index_of(&c, &def, &cal, now),
            uses: &uses,
            avoided: &avoided,
            event: &event,
            now: at,
        },
    )
    .await?;
    Ok(c)
}

fn calendar(app: &App) -> WorkCalendar {
    app.calendar
        .read()
        .map(|c| c.clone())
        .unwrap_or_else(|_| WorkCalendar::china())
}

/// Runs one command against a case on behalf of `actor`.
pub async fn act(app: &App, actor: &Actor, case_id: &str, cmd: Command) -> Result<Case> {
    let who = case_actor(actor)?;
    let (mut c, item) = run(app, &who, Some(actor), case_id, &cmd).await?;
    // 秒批: right after submission, the system tries the item's rule (if it has one).
    if matches!(cmd, Command::Submit | Command::Supply { .. })
        && item.workflow.auto_approval.is_some()
    {
        match run(app, &CaseActor::System, None, case_id, &Command::AutoDecide).await {
            Ok((decided, _)) => c = decided,
            Err(AppError::State(_)) | Err(AppError::Validation(_)) => {}
            Err(e) => return Err(e),
        }
    }
    // A bundle member that reached approval lets the members waiting on it start. The
    // command itself has committed; a failure here is logged and retried by housekeeping.
    if let Err(e) = crate::bundles::on_case_changed(app, &c).await {
        tracing::warn!(case = %c.id, "bundle members could not start yet: {e:?}");
    }
    Ok(c)
}

async fn run(
    app: &App,
    who: &CaseActor,
    actor: Option<&Actor>,
    case_id: &str,
    cmd: &Command,
) -> Result<(Case, std::sync::Arc<ItemDefinition>)> {
    // Optimistic: read and decide outside the write transaction; the versioned update below
    // detects a concurrent change, and the command is then decided again on the new state.
    let mut attempt = 0;
    let mut drawn = Drawn::default();
    loop {
        match run_once(app, who, actor, case_id, cmd, &mut drawn).await {
            Err(AppError::Conflict { .. }) if attempt < 2 => attempt += 1,
            r => return r,
        }
    }
}

/// Numbers a command drew before its write, kept for its retries.
#[derive(Default)]
struct Drawn {
    case_number: Option<String>,
    license_serial: crate::licenses::DrawnSerial,
}

async fn run_once(
    app: &App,
    who: &CaseActor,
    actor: Option<&Actor>,
    case_id: &str,
    cmd: &Command,
    drawn: &mut Drawn,
) -> Result<(Case, std::sync::Arc<ItemDefinition>)> {
    let now = app.now();
    let cal = calendar(app);
    let (c, columns, item, limits, mut tail, watch_before) = {
        let mut conn = app.store.conn().await?;
        let sc::CaseForCommand {
            case: c,
            columns,
            tail,
            watch: watch_before,
        } = sc::get_for_command(&mut conn, case_id)
            .await?
            .ok_or_else(|| AppError::NotFound("办件".into()))?;
        if let Some(a) = actor {
            authorize(a, &c)?;
        }
        let item = item_version(app, &mut conn, &c).await?;
        let limits =
            crate::supervision::thresholds_for(app, &mut conn, &c.item_code, &c.region).await?;
        (c, columns, item, limits, tail, watch_before)
    };
    let cmd = &checked_materials(app, who, cmd)?;
    let events = case::decide(&c, &item, cmd, who, now, &cal).map_err(from_case_error)?;
    let payloads = events
        .iter()
        .map(|e| serde_json::to_string(e).map(|p| (kind_of(e), p)))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let mut next = case::apply(c, &events);
    next.version += 1;
    // The case number and the license are drawn and signed before the write, so that the
    // command stays one batch (one hand-off on SQLite, grouped with others waiting). Only a
    // revocation needs a transaction around more statements.
    if next.number.is_empty() && next.state != CaseState::Draft {
        next.number = match &drawn.case_number {
            Some(n) => n.clone(),
            None => {
                let day = china_date(now);
                let day = format!("{}{:02}{:02}", day.year(), day.month() as u8, day.day());
                let seq = sc::reserve_case_number(&app.store, &next.region, &day).await?;
                let n = format!("{}{}{:05}", next.region, day, seq);
                drawn.case_number = Some(n.clone());
                n
            }
        };
    }
    let revocation = events.iter().find_map(revocation_note);
    let issued = match events.iter().any(approves) {
        true => crate::licenses::prepare_for_case(app, &next, &mut drawn.license_serial).await?,
        false => None,
    };
    let at = store::millis(now);
    let mut rows: Vec<_> = payloads
        .iter()
        .map(|(kind, payload)| audit::chain(&mut tail, &next.id, who, kind, payload, at))
        .collect();
    if let Some(p) = &issued {
        rows.push(audit::chain(
            &mut tail,
            &next.id,
            who,
            "license_issued",
            &p.payload,
            at,
        ));
    }
    // 电子监察 watches the deadline the case now runs against.
    let watch = crate::supervision::watch_of(&next, &item, &cal, now, &limits);
    let write = store::command::CommandWrite {
        case: &next,
        index: &index_of(&next, &item, &cal, now),
        stored: &columns,
        events: &rows,
        watch_before: watch_before.as_ref(),
        watch_after: watch.as_ref(),
        issued: issued.as_ref().map(|p| store::command::Issued {
            license: &p.row,
            replaces_others: p.replaces_others,
        }),
        now: at,
    };
    // A version or an event number taken meanwhile: someone else's command came first.
    let conflict = |e| match e {
        store::StoreError::Conflict { .. } => AppError::Conflict {
            field: "version".into(),
            message: "该办件刚刚已被他人处理，请刷新后查看最新状态".into(),
        },
        other => other.into(),
    };
    let Some(note) = revocation else {
        store::command::commit_command(&app.store, &write)
            .await
            .map_err(conflict)?;
        return Ok((next, item));
    };
    let mut tx = app.store.begin().await?;
    store::command::write_command(&mut tx, &write)
        .await
        .map_err(conflict)?;
    // The revocation follows the decision in the same transaction: both happen or neither.
    let reason = format!("告知承诺核查不通过：{note}");
    crate::licenses::revoke_for_case(&mut tx, app, &next, who, &reason).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok((next, item))
}

/// An approval issues the case's license (when its item produces one).
fn approves(e: &Event) -> bool {
    matches!(e, Event::Decided { decision } if decision.approved)
}

/// A failed 告知承诺 verification revokes it.
fn revocation_note(e: &Event) -> Option<&str> {
    match e {
        Event::Verified {
            passed: false,
            note,
            ..
        } => Some(note),
        _ => None,
    }
}

/// Materials in a command must be real: an upload must name a stored file (the bytes were
/// checked when stored), and a window check records the clerk who did it, whatever was sent.
fn checked_materials(app: &App, who: &CaseActor, cmd: &Command) -> Result<Command> {
    let fix = |materials: &std::collections::BTreeMap<String, domain::case::Provision>| -> Result<std::collections::BTreeMap<String, domain::case::Provision>> {
        let mut out = materials.clone();
        for (name, p) in out.iter_mut() {
            match p {
                domain::case::Provision::Uploaded { file, .. } if !crate::uploads::exists(app, file) => {
                    return Err(AppError::field(&format!("materials.{name}"), "unknown_file", format!("“{name}”的文件不存在，请先上传")));
                }
                domain::case::Provision::CheckedOriginal { by } => {
                    if let CaseActor::Staff { id, .. } = who {
                        *by = id.clone();
                    }
                }
                _ => {}
            }
        }
        Ok(out)
    };
    Ok(match cmd {
        Command::Edit { form, materials } => Command::Edit {
            form: form.clone(),
            materials: fix(materials)?,
        },
        Command::Supply { form, materials } => Command::Supply {
            form: form.clone(),
            materials: fix(materials)?,
        },
        Command::SupplyPending { materials } => Command::SupplyPending {
            materials: fix(materials)?,
        },
        other => other.clone(),
    })
}

fn kind_of(e: &Event) -> &'static str {
    match e {
        Event::Edited { .. } => "edited",
        Event::Submitted { .. } => "submitted",
        Event::SupplementRequested { .. } => "supplement_requested",
        Event::Supplied { .. } => "supplied",
        Event::Accepted { .. } => "accepted",
        Event::RejectedAtIntake { .. } => "rejected_at_intake",
        Event::Claimed { .. } => "claimed",
        Event::StepCompleted { .. } => "step_completed",
        Event::Decided { .. } => "decided",
        Event::Suspended { .. } => "suspended",
        Event::Resumed { .. } => "resumed",
        Event::Extended { .. } => "extended",
        Event::Issued { .. } => "issued",
        Event::Completed { .. } => "completed",
        Event::Withdrawn { .. } => "withdrawn",
        Event::Verified { .. } => "verified",
        Event::PendingSupplied { .. } => "pending_supplied",
    }
}

/// One line of a case's timeline.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TimelineEntry {
    pub at: i64,
    pub who: String,
    pub text: String,
}

/// Everything a case page shows.
#[derive(Debug, Clone)]
pub struct CaseView {
    pub case: Case,
    pub item: std::sync::Arc<ItemDefinition>,
    /// Who applied, as this viewer may see it (ID number and phone masked for staff).
    pub applicant: ApplicantInfo,
    pub timeline: Vec<TimelineEntry>,
    /// (label, explanation) of each running deadline.
    pub deadlines: Vec<(String, String)>,
    pub completeness: case::Completeness,
    /// Commands this actor may issue now.
    pub allowed: Vec<&'static str>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ApplicantInfo {
    pub name: String,
    pub kind: String,
    pub id: String,
    pub phone: String,
    pub legal_representative: Option<String>,
}

/// Candidate commands with placeholder arguments: a command counts as allowed when the state
/// machine refuses it only for its arguments.
fn candidates() -> Vec<Command> {
    use std::collections::BTreeMap;
    vec![
        Command::Edit {
            form: BTreeMap::new(),
            materials: BTreeMap::new(),
        },
        Command::Submit,
        Command::RequestSupplement {
            materials: vec![],
            fields: vec![],
            note: String::new(),
        },
        Command::Supply {
            form: BTreeMap::new(),
            materials: BTreeMap::new(),
        },
        Command::Accept {
            tolerate: vec![],
            commitment: false,
        },
        Command::RejectAtIntake { reason: "x".into() },
        Command::Claim,
        Command::CompleteStep {
            opinion: "x".into(),
        },
        Command::Approve {
            reason: "x".into(),
            legal_basis: "x".into(),
        },
        Command::Deny {
            reason: "x".into(),
            legal_basis: "x".into(),
        },
        Command::Suspend {
            reason: "x".into(),
            expected_days: 1,
        },
        Command::Resume,
        Command::Extend {
            days: 1,
            reason: "x".into(),
        },
        Command::Issue {
            delivery: case::Delivery::Electronic,
        },
        Command::Complete,
        Command::Withdraw {
            reason: String::new(),
        },
        Command::Verify {
            passed: true,
            note: String::new(),
        },
        Command::SupplyPending {
            materials: BTreeMap::new(),
        },
    ]
}

pub async fn view(app: &App, actor: &Actor, case_id: &str) -> Result<CaseView> {
    // Refuse visitors before looking anything up, so a case id cannot be probed.
    let who = case_actor(actor)?;
    let mut conn = app.store.conn().await?;
    let c = sc::get_case(&mut conn, case_id)
        .await?
        .ok_or_else(|| AppError::NotFound("办件".into()))?;
    authorize(actor, &c)?;
    let item = item_version(app, &mut conn, &c).await?;
    let account = app.account(&mut conn, &c.applicant_id).await?;
    let staff = matches!(actor, Actor::Staff { .. });
    let applicant = ApplicantInfo {
        name: account.display_name.clone(),
        kind: if account.kind == "enterprise" {
            "法人".into()
        } else {
            "自然人".into()
        },
        // Staff see masked numbers; every staff read of the record is logged below.
        id: if staff {
            domain::ids::mask_middle(&account.login, 4, 4)
        } else {
            account.login.clone()
        },
        phone: if staff {
            domain::ids::mask_middle(&account.phone, 3, 4)
        } else {
            account.phone.clone()
        },
        legal_representative: account.legal_representative.clone(),
    };
    let rows = sc::events(&mut conn, case_id).await?;
    // Never wait for a write while holding a read connection: the pool is shared.
    drop(conn);
    if let Actor::Staff { id, .. } = actor {
        // A write of its own, durable before the page shows the record.
        sc::log_access(
            &app.store,
            app.now_ms(),
            id,
            case_id,
            "查看办件（申请人信息已脱敏）",
        )
        .await?;
    }
    let now = app.now();
    let cal = calendar(app);
    let timeline = rows
        .iter()
        .filter(|r| r.kind != "edited")
        .map(|r| {
            let text = serde_json::from_str::<Event>(&r.payload)
                .map(|e| e.describe())
                .unwrap_or_else(|_| "创建申请".into());
            let who = match r.role.as_str() {
                "applicant" => "申请人".to_string(),
                "system" => "系统".to_string(),
                roles => roles
                    .split(',')
                    .filter_map(Role::parse)
                    .map(|x| x.label())
                    .next()
                    .unwrap_or("工作人员")
                    .to_string(),
            };
            TimelineEntry {
                at: r.at,
                who,
                text,
            }
        })
        .collect();
    // A closed case has no running deadlines.
    let d = if c.state.is_final() {
        case::CaseDeadlines {
            pre_review: None,
            promised: None,
            legal: None,
        }
    } else {
        c.deadlines(&item, &cal, now)
    };
    let mut deadlines = Vec::new();
    if let Some(x) = d.pre_review {
        deadlines.push(("预审期限".to_string(), x.explain()));
    }
    if let Some(x) = d.promised {
        deadlines.push(("承诺办结".to_string(), x.explain()));
    }
    if let Some(x) = d.legal {
        deadlines.push(("法定办结".to_string(), x.explain()));
    }
    let allowed = candidates()
        .into_iter()
        .filter(|cmd| match case::decide(&c, &item, cmd, &who, now, &cal) {
            Ok(_) | Err(CaseError::Validation(_)) => true,
            // These depend on what the person fills in (materials, tolerance), not on the state.
            Err(CaseError::Rule(_)) => matches!(
                cmd,
                Command::Accept { .. }
                    | Command::RequestSupplement { .. }
                    | Command::Approve { .. }
            ),
            Err(_) => false,
        })
        .filter(|cmd| !matches!(cmd, Command::Claim if c.claimed_by.is_some()))
        .map(|cmd| cmd.name())
        .collect();
    let completeness = case::completeness(&c, &item, china_date(now));
    Ok(CaseView {
        case: c,
        item,
        applicant,
        timeline,
        deadlines,
        completeness,
        allowed,
    })
}

/// The applicant's own cases.
pub async fn mine(app: &App, actor: &Actor, limit: i64, offset: i64) -> Result<(Vec<Case>, i64)> {
    let Actor::Applicant { id, .. } = actor else {
        return Err(AppError::Forbidden("只有申请人有“我的办件”".into()));
    };
    let mut c = app.store.conn().await?;
    Ok(sc::list_for_applicant(&mut c, id, limit.clamp(1, 100), offset.max(0)).await?)
}

/// A queue's total is counted up to this and shown as "10000+" beyond it: a clerk works from
/// the top, and counting a backlog of every waiting case costs more the longer it is.
pub const QUEUE_COUNT_CAP: i64 = 10_000;

/// A staff member's work queue for one of their roles, nearest deadline first.
pub async fn queue(
    app: &App,
    actor: &Actor,
    role: Role,
    limit: i64,
    offset: i64,
) -> Result<(Vec<(Case, Option<String>)>, sc::Total)> {
    let Actor::Staff { roles, scope, .. } = actor else {
        return Err(AppError::Forbidden("只有工作人员有待办队列".into()));
    };
    if !roles.contains(&role) {
        return Err(AppError::Forbidden(format!("您没有“{}”角色", role.label())));
    }
    let mut c = app.store.conn().await?;
    let regions: Vec<String> = app
        .regions(&mut c)
        .await?
        .iter()
        .filter(|r| scope.covers_region(&r.code))
        .map(|r| r.code.clone())
        .collect();
    // Clerks accept any item of their region (无差别受理); back-office staff see their department.
    let department = if role == Role::Clerk {
        None
    } else {
        scope.department.as_deref()
    };
    Ok(sc::queue(
        &mut c,
        role.as_str(),
        &regions,
        department,
        limit.clamp(1, 100),
        offset.max(0),
        QUEUE_COUNT_CAP,
    )
    .await?)
}

/// 办件进度查询: by case number and the last four characters of the applicant's ID number (or
/// credit code) or phone. Reveals the state and the timeline texts, nothing personal.
pub async fn lookup(app: &App, number: &str, tail: &str) -> Result<(Case, Vec<TimelineEntry>)> {
    let tail = tail.trim().to_ascii_uppercase();
    if tail.chars().count() != 4 {
        return Err(AppError::field(
            "tail",
            "invalid",
            "请输入证件号码或手机号码的后四位",
        ));
    }
    let number = number.trim();
    // Four characters are guessable: throttle wrong guesses per case number, as logins are.
    let key = format!("progress:{}", number.chars().take(40).collect::<String>());
    let now = app.now();
    let mut c = app.store.conn().await?;
    let since = store::millis(now - domain::account::THROTTLE_WINDOW);
    let failures: Vec<_> = store::accounts::login_failures_since(&mut c, &key, since)
        .await?
        .into_iter()
        .map(store::from_millis)
        .collect();
    if let Some(until) = domain::account::locked_until(&failures, now) {
        let local = until.to_offset(domain::calendar::CHINA_OFFSET);
        return Err(AppError::Throttled {
            until: format!("{:02}:{:02}", local.hour(), local.minute()),
        });
    }
    let found = sc::find_by_number(&mut c, number).await?;
    let matches = match &found {
        Some(case) => {
            let applicant = app.account(&mut c, &case.applicant_id).await?;
            applicant.login.to_ascii_uppercase().ends_with(&tail)
                || applicant.phone.ends_with(&tail)
        }
        None => false,
    };
    let (true, Some(case)) = (matches, found) else {
        store::accounts::record_login_failure(&mut c, &key, store::millis(now)).await?;
        return Err(AppError::NotFound(
            "与该办件编号和号码后四位相符的办件".into(),
        ));
    };
    let rows = sc::events(&mut c, &case.id).await?;
    let timeline = rows
        .iter()
        .filter(|r| r.kind != "edited")
        .filter_map(|r| {
            serde_json::from_str::<Event>(&r.payload)
                .ok()
                .map(|e| TimelineEntry {
                    at: r.at,
                    who: String::new(),
                    text: e.describe(),
                })
        })
        .collect();
    Ok((case, timeline))
}

/// A written notice of the case (行政许可法 art. 32, 38): acceptance, refusal at intake,
/// one-time supplement notice, or the decision, as a printable document.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Notice {
    pub title: String,
    /// 文号, e.g. 市场监管局受字〔2026〕第 5116002026112700001 号.
    pub number: String,
    pub date: String,
    pub applicant: String,
    pub item: String,
    pub paragraphs: Vec<String>,
    pub department: String,
    /// Where the QR code printed on the notice leads (the rating page), if any.
    pub rate_url: Option<String>,
}

fn notice_date(t: time::OffsetDateTime) -> String {
    let d = china_date(t);
    format!("{}年{}月{}日", d.year(), d.month() as u8, d.day())
}

/// The notices a case has produced so far, by kind (`accept`, `reject`, `supplement`,
/// `decision`).
pub fn notice_kinds(c: &Case) -> Vec<&'static str> {
    let mut v = Vec::new();
    if c.supplement.is_some() {
        v.push("supplement");
    }
    if c.state == CaseState::RejectedAtIntake {
        v.push("reject");
    }
    if c.accepted_at.is_some() {
        v.push("accept");
    }
    if c.decision.is_some() {
        v.push("decision");
    }
    v
}

pub async fn notice(app: &App, actor: &Actor, case_id: &str, kind: &str) -> Result<Notice> {
    let v = view(app, actor, case_id).await?;
    let c = &v.case;
    if !notice_kinds(c).contains(&kind) {
        return Err(AppError::NotFound("该文书".into()));
    }
    let mut conn = app.store.conn().await?;
    let dept = store::org::get_department(&mut conn, &c.department).await?;
    let short = dept.display_short().to_string();
    let year = china_date(c.submitted_at.unwrap_or(c.created_at)).year();
    let number = |word: &str| format!("{short}{word}字〔{year}〕第 {} 号", c.number);
    let applicant = v.applicant.name.clone();
    let item = c.item_name.clone();
    let (title, number, date, paragraphs) = match kind {
        "supplement" => {
            let n = c
                .supplement
                .as_ref()
                .ok_or_else(|| AppError::NotFound("该文书".into()))?;
            let mut p = vec![format!(
                "你（单位）于{}提出的{}申请，经审查，申请材料不齐全或者不符合法定形式。根据《中华人民共和国行政许可法》第三十二条的规定，现一次性告知需要补正的全部内容如下：",
                notice_date(c.submitted_at.unwrap_or(c.created_at)),
                item
            )];
            p.extend(
                n.materials
                    .iter()
                    .enumerate()
                    .map(|(i, m)| format!("{}. {}", i + 1, m)),
            );
            p.extend(n.fields.iter().map(|f| format!("表单项目：{f}")));
            if !n.note.is_empty() {
                p.push(format!("说明：{}", n.note));
            }
            p.push("请补齐上述全部材料后重新提交。".into());
            (
                "补正材料通知书".to_string(),
                number("补"),
                notice_date(n.issued_at),
                p,
            )
        }
        "reject" => (
            "不予受理通知书".to_string(),
            number("不受"),
            notice_date(c.closed_at.unwrap_or(c.created_at)),
            vec![
                format!("你（单位）提出的{item}申请，经审查，决定不予受理。"),
                format!("理由：{}", c.close_reason),
                "如不服本决定，可以依法申请行政复议或者提起行政诉讼。".into(),
            ],
        ),
        "accept" => {
            let accepted = c.accepted_at.unwrap_or(c.created_at);
            let mut p = vec![format!(
                "你（单位）提出的{item}申请，申请材料齐全、符合法定形式，根据《中华人民共和国行政许可法》第三十二条的规定，决定予以受理。"
            )];
            if let Some((_, e)) = v.deadlines.iter().find(|(l, _)| l == "承诺办结") {
                p.push(format!("承诺办结期限：{e}。"));
            }
            p.push(format!(
                "办件编号：{}。可凭办件编号查询办理进度。",
                c.number
            ));
            (
                "受理通知书".to_string(),
                number("受"),
                notice_date(accepted),
                p,
            )
        }
        _ => {
            let d = c
                .decision
                .as_ref()
                .ok_or_else(|| AppError::NotFound("该文书".into()))?;
            let mut p = vec![format!(
                "你（单位）提出的{item}申请，本机关已依法受理并审查。"
            )];
            if d.approved {
                p.push(format!(
                    "经审查，{}。根据{}，决定准予行政许可。",
                    d.reason,
                    if d.legal_basis.is_empty() {
                        "有关法律法规的规定".to_string()
                    } else {
                        d.legal_basis.clone()
                    }
                ));
                if let Some(rule) = &d.by_rule {
                    p.push(format!("本决定由系统依据审批规则“{rule}”自动作出。"));
                }
            } else {
                p.push(format!(
                    "经审查，{}。根据{}，决定不予行政许可。",
                    d.reason, d.legal_basis
                ));
                p.push("如不服本决定，可以自收到本决定书之日起六十日内依法申请行政复议，或者在六个月内依法提起行政诉讼。".into());
            }
            let title = if d.approved {
                "准予行政许可决定书"
            } else {
                "不予行政许可决定书"
            };
            (
                title.to_string(),
                number(if d.approved { "许" } else { "不许" }),
                notice_date(d.at),
                p,
            )
        }
    };
    Ok(Notice {
        title,
        number,
        date,
        applicant,
        item,
        paragraphs,
        department: dept.name,
        // 好差评 by QR code: the decision notice carries the case's rating address.
        rate_url: (kind == "decision").then(|| {
            format!(
                "{}/cases/{}/rate?channel=qr_code",
                app.settings.public_url.trim_end_matches('/'),
                c.id
            )
        }),
    })
}

/// Background sweep: applies each item's rule to 容缺 materials past their due date (suspend
/// or terminate), as the system. Returns how many cases changed.
pub async fn sweep_tolerance(app: &App) -> Result<usize> {
    let today = china_date(app.now());
    // An index range: only cases with a pending material already past its due date.
    let ids = {
        let mut c = app.store.conn().await?;
        sc::tolerance_overdue(&mut c, &today.to_string(), 1000).await?
    };
    let mut changed = 0;
    for id in ids {
        // Read first: only a case with an overdue pending material needs the write lock.
        let overdue = {
            let mut c = app.store.conn().await?;
            sc::get_case(&mut c, &id).await?.is_some_and(|c| {
                c.materials
                    .values()
                    .any(|p| matches!(p, domain::case::Provision::Pending { due } if *due < today))
            })
        };
        if !overdue {
            continue;
        }
        match run(
            app,
            &CaseActor::System,
            None,
            &id,
            &Command::ExpireTolerance,
        )
        .await
        {
            Ok(_) => changed += 1,
            Err(AppError::State(_) | AppError::Validation(_) | AppError::Conflict { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(changed)
}

/// An uploaded material of a case, for the applicant and the staff handling it: the bytes,
/// media type and file name. Only files the case names can be read this way.
pub async fn material_file(
    app: &App,
    actor: &Actor,
    case_id: &str,
    hash: &str,
) -> Result<(Vec<u8>, String, String)> {
    let v = view(app, actor, case_id).await?;
    let found = v.case.materials.values().find_map(|p| match p {
        domain::case::Provision::Uploaded {
            file,
            file_name,
            media_type,
        } if file == hash => Some((file_name.clone(), media_type.clone())),
        _ => None,
    });
    let (name, media_type) = found.ok_or_else(|| AppError::NotFound("材料文件".into()))?;
    Ok((crate::uploads::read(app, hash)?, media_type, name))
}

/// 告知承诺 approvals awaiting verification that this reviewer or approver may verify.
pub async fn verifications(app: &App, actor: &Actor) -> Result<Vec<(Case, String)>> {
    let Actor::Staff { roles, scope, .. } = actor else {
        return Err(AppError::Forbidden("只有工作人员可以核查告知承诺".into()));
    };
    if !roles
        .iter()
        .any(|r| matches!(r, Role::Reviewer | Role::Approver))
    {
        return Ok(vec![]);
    }
    let mut c = app.store.conn().await?;
    let regions: Vec<String> = app
        .regions(&mut c)
        .await?
        .iter()
        .filter(|r| scope.covers_region(&r.code))
        .map(|r| r.code.clone())
        .collect();
    Ok(sc::verification_due(&mut c, &regions, scope.department.as_deref(), 100).await?)
}

/// Demo data only: moves an accepted case's dates `days` back, so that 电子监察 has an
/// overdue case to show on a fresh demo. The audit trail records that this was done.
pub(crate) async fn backdate_for_demo(app: &App, case_id: &str, days: i64) -> Result<()> {
    let now = app.now();
    let cal = calendar(app);
    let mut tx = app.store.begin().await?;
    let mut c = sc::get_case(&mut tx, case_id)
        .await?
        .ok_or_else(|| AppError::NotFound("办件".into()))?;
    let shift = time::Duration::days(days);
    c.created_at -= shift;
    c.submitted_at = c.submitted_at.map(|t| t - shift);
    c.accepted_at = c.accepted_at.map(|t| t - shift);
    c.version += 1;
    let item = item_version(app, &mut tx, &c).await?;
    sc::update_case(
        &mut tx,
        &c,
        &index_of(&c, &item, &cal, now),
        store::millis(now),
    )
    .await?;
    let limits = crate::supervision::thresholds_for(app, &mut tx, &c.item_code, &c.region).await?;
    let watch = crate::supervision::watch_of(&c, &item, &cal, now, &limits);
    store::supervision::set_watch(&mut tx, &c.id, watch.as_ref(), store::millis(now)).await?;
    let payload = serde_json::json!({"event": "demo_backdated", "days": days, "note": "演示数据：提交和受理时间提前，以便展示超期预警"});
    audit::append(
        &mut tx,
        &c.id,
        &CaseActor::System,
        "demo_backdated",
        &payload.to_string(),
        store::millis(now),
    )
    .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(())
}
