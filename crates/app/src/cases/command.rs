//! Running a command: read and decide outside the write, then one versioned batch (case row,
//! hash-chained events, 电子监察 watch and, on approval, the signed license); a concurrent
//! change is detected by the version and the command decided again on the new state.

use domain::calendar::china_date;
use domain::case::{self, Case, CaseActor, CaseState, Command, Event};
use domain::catalog::ItemDefinition;
use domain::keys::CaseNumber;
use store::cases as sc;

use super::{authorize, calendar, case_actor, from_case_error, index_of, item_version};
use crate::audit;
use crate::auth::Actor;
use crate::{App, AppError, Result};

/// Runs one command against a case on behalf of `actor`.
pub async fn act(app: &App, actor: &Actor, case_id: &str, cmd: Command) -> Result<Case> {
    let who = case_actor(actor)?;
    // A fee assessed here must be payable here, or the case could never be issued.
    if matches!(cmd, Command::AssessFee { .. }) && app.settings.payment.is_none() {
        return Err(AppError::State(
            "本平台未接入统一公共支付，费用请在窗口收取".into(),
        ));
    }
    if matches!(
        cmd,
        Command::Accept {
            commitment: true,
            ..
        }
    ) {
        commitment_allowed(app, case_id).await?;
    }
    if let Command::SignCommitment { signer } = &cmd {
        commitment_signer(app, actor, case_id, signer).await?;
        commitment_allowed(app, case_id).await?;
    }
    // 就近取件: the point is the stored one, and one that may hand the result out.
    let cmd = match cmd {
        Command::ChoosePickup { point } => Command::ChoosePickup {
            point: super::relay::chosen_pickup(app, case_id, &point.code).await?,
        },
        other => other,
    };
    let Ran {
        case: mut c,
        item,
        bundle,
    } = run(app, &who, Some(actor), case_id, &cmd).await?;
    // 秒批: right after submission, the system tries the item's rule (if it has one).
    if matches!(cmd, Command::Submit | Command::Supply { .. })
        && let Some(rule) = &item.workflow.auto_approval
    {
        let policies = crate::policies::verdicts(app, &c, &rule.policies()).await?;
        let auto = Command::AutoDecide { policies };
        match run(app, &CaseActor::System, None, case_id, &auto).await {
            Ok(decided) => c = decided.case,
            Err(AppError::State(_)) | Err(AppError::Validation(_)) => {}
            Err(e) => return Err(e),
        }
    }
    // The command has committed: those who react to cases (a bundle whose member reached
    // approval starts the members waiting on it) hear of it now.
    let committed = crate::events::CommittedCase {
        case: &c,
        bundle: bundle.as_deref(),
    };
    crate::events::case_committed(app, &committed).await;
    Ok(super::view::redacted_for(actor, c))
}

/// 告知承诺 is refused to an applicant (or the subject it applies for) with a live broken
/// promise or penalty on the credit record.
async fn commitment_allowed(app: &App, case_id: &str) -> Result<()> {
    let mut conn = app.store.conn().await?;
    let Some(c) = sc::get_case(&mut conn, case_id).await? else {
        return Ok(());
    };
    let applicant = store::accounts::get_account(&mut conn, c.applicant_id.as_str()).await?;
    let mut subjects = vec![applicant.login.as_str()];
    if let Some(h) = c.subject.holder_id() {
        subjects.push(h);
    }
    crate::oversight::credit::check_commitment(&mut conn, app, &subjects).await
}

/// A 告知承诺书 is signed by the applicant themself (not an agent), with their registered name
/// or, for an enterprise, its legal representative's: the signature binds that person.
async fn commitment_signer(app: &App, actor: &Actor, case_id: &str, signer: &str) -> Result<()> {
    let mut conn = app.store.conn().await?;
    let Some(c) = sc::get_case(&mut conn, case_id).await? else {
        return Err(AppError::NotFound("办件".into()));
    };
    // Whoever may not see the case learns nothing more here than from the command itself.
    authorize(&mut conn, app, actor, &c).await?;
    // The table refuses an agent too (`Issuer::ApplicantThemself`); asking first gives the
    // agent that answer rather than one about the name.
    if !matches!(actor, Actor::Applicant { id, .. } if *id == c.applicant_id) {
        return Err(AppError::Forbidden("告知承诺书须由申请人本人签署".into()));
    }
    let applicant = store::accounts::get_account(&mut conn, c.applicant_id.as_str()).await?;
    if !domain::workflow::signs_as_applicant(
        signer,
        &applicant.display_name,
        applicant.legal_representative.as_deref(),
    ) {
        return Err(AppError::field(
            "signer",
            "not_the_applicant",
            "签名须为申请人本人的姓名（企业为法定代表人姓名），与注册信息一致",
        ));
    }
    Ok(())
}

/// A command the platform itself issues (a courier's signature completing a case sent by
/// post): decided as the system, then heard by those who react to cases.
pub(crate) async fn act_as_system(app: &App, case_id: &str, cmd: Command) -> Result<Case> {
    let Ran {
        case: c, bundle, ..
    } = run(app, &CaseActor::System, None, case_id, &cmd).await?;
    let committed = crate::events::CommittedCase {
        case: &c,
        bundle: bundle.as_deref(),
    };
    crate::events::case_committed(app, &committed).await;
    Ok(c)
}

/// What a command left: the case, the item version it was decided under, and the bundle
/// application the case is a member of (for those who react to it).
struct Ran {
    case: Case,
    item: std::sync::Arc<ItemDefinition>,
    bundle: Option<String>,
}

async fn run(
    app: &App,
    who: &CaseActor,
    actor: Option<&Actor>,
    case_id: &str,
    cmd: &Command,
) -> Result<Ran> {
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
    case_number: Option<CaseNumber>,
    license_serial: crate::licenses::DrawnSerial,
}

async fn run_once(
    app: &App,
    who: &CaseActor,
    actor: Option<&Actor>,
    case_id: &str,
    cmd: &Command,
    drawn: &mut Drawn,
) -> Result<Ran> {
    let now = app.now();
    let cal = calendar(app);
    let Read {
        found:
            sc::CaseForCommand {
                case: c,
                columns,
                mut tail,
                watch: watch_before,
                stats: stats_before,
                created_at,
                bundle,
            },
        item,
        limits,
        cmd,
    } = read(app, who, actor, case_id, cmd).await?;
    let cmd = &cmd;
    let events = case::decide(&c, &item, cmd, who, now, &cal).map_err(from_case_error)?;
    let payloads = events
        .iter()
        .map(|e| serde_json::to_string(e).map(|p| (e.kind(), p)))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let mut next = case::apply(c, &events);
    next.version += 1;
    // The case number and the license are drawn and signed before the write, so that the
    // command stays one batch (one hand-off on SQLite, grouped with others waiting). Only a
    // revocation needs a transaction around more statements.
    // A deleted draft (withdrawn before filing) never gets a number.
    if next.number.is_empty()
        && next.state != CaseState::Draft
        && !domain::case::is_deleted_draft(&next)
    {
        next.number = match &drawn.case_number {
            Some(n) => n.clone(),
            None => {
                let day = china_date(now);
                let key = CaseNumber::day_key(day);
                let seq = sc::reserve_case_number(&app.store, &next.region, &key).await?;
                let n = CaseNumber::compose(&next.region, day, seq);
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
    let notifications = progress_messages(app, &next, &events);
    let outbox = crate::outbox::for_case(
        app,
        &next,
        &rows,
        issued.as_ref().map(|p| p.row.id.as_str()),
    );
    // 电子监察 watches the deadline the case now runs against.
    let watch = crate::supervision::watch_of(&next, &item, &cal, now, &limits);
    let stats_after = super::stat_of(&next, &item, &cal, created_at, now);
    let write = store::command::CommandWrite {
        case: &next,
        index: &index_of(&next, &item, &cal, now),
        stored: &columns,
        events: &rows,
        watch_before: watch_before.as_ref(),
        watch_after: watch.as_ref(),
        stats_before: stats_before.as_ref(),
        stats_after: stats_after.as_ref(),
        issued: issued.as_ref().map(|p| store::command::Issued {
            license: &p.row,
            replaces_others: p.replaces_others,
            link: p.link.as_ref(),
        }),
        outbox: &outbox,
        notifications: &notifications,
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
        return Ok(Ran {
            case: next,
            item,
            bundle,
        });
    };
    let mut tx = app.store.begin().await?;
    store::command::write_command(&mut tx, &write)
        .await
        .map_err(conflict)?;
    // The revocation follows the decision in the same transaction: both happen or neither.
    let reason = format!("告知承诺核查不通过：{note}");
    crate::licenses::revoke_for_case(&mut tx, app, &next, who, &reason).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(Ran {
        case: next,
        item,
        bundle,
    })
}

/// What a command reads before it decides: the case with what its write compares against
/// (`found`), its item's version, its 电子监察 limits and the command with its materials
/// checked.
struct Read {
    found: sc::CaseForCommand,
    item: std::sync::Arc<ItemDefinition>,
    limits: domain::supervision::Thresholds,
    cmd: Command,
}

/// The reads, on one connection that goes back before the write.
async fn read(
    app: &App,
    who: &CaseActor,
    actor: Option<&Actor>,
    case_id: &str,
    cmd: &Command,
) -> Result<Read> {
    let mut conn = app.store.conn().await?;
    let found = sc::get_for_command(&mut conn, case_id)
        .await?
        .ok_or_else(|| AppError::NotFound("办件".into()))?;
    let c = &found.case;
    if let Some(a) = actor {
        let access = authorize(&mut conn, app, a, c).await?;
        super::relay::check_point_command(access, cmd.kind())?;
    }
    let cmd = checked_materials(&mut conn, app, who, c, found.bundle.as_deref(), cmd).await?;
    let item = item_version(app, &mut conn, c).await?;
    let limits =
        crate::supervision::thresholds_for(app, &mut conn, &c.item_code, &c.region).await?;
    Ok(Read {
        found,
        item,
        limits,
        cmd,
    })
}

/// Inbox messages for what happened to the case (`Event::tells_applicant`), to the applicant
/// and to the agent filing for them.
fn progress_messages(
    app: &App,
    case: &Case,
    events: &[Event],
) -> Vec<store::agents::NotificationRow> {
    let readers: Vec<&str> = std::iter::once(case.applicant_id.as_str())
        .chain(case.agent_id.as_ref().map(|a| a.as_str()))
        .collect();
    let mut out = Vec::new();
    for e in events.iter().filter(|e| e.tells_applicant()) {
        let text = format!(
            "办件 {}（{}）：{}",
            case.number,
            case.item_name,
            e.describe()
        );
        for r in &readers {
            out.push(crate::agents::message(
                app,
                r,
                "case_progress",
                text.clone(),
                Some(case.id.as_str()),
            ));
        }
    }
    out
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

/// Materials in a command must be real and the sender's: an upload must name a file this
/// actor stored (or one the case already holds), with the media type judged when it was
/// stored; a window check records the clerk who did it, whatever was sent.
async fn checked_materials(
    conn: &mut store::Conn,
    app: &App,
    who: &CaseActor,
    c: &Case,
    bundle: Option<&str>,
    cmd: &Command,
) -> Result<Command> {
    use domain::case::Provision;
    use std::collections::BTreeMap;
    let uploader = match who {
        CaseActor::Applicant { id } | CaseActor::Staff { id, .. } => id.as_str(),
        CaseActor::System => "",
    };
    // A bundle member may start days after the bundle was filed (it waits for another
    // member): the uploads the bundle application claimed then are the case's already.
    let mut inherited: Vec<Provision> = Vec::new();
    if matches!(cmd, Command::Edit { .. })
        && let Some(parent) = bundle
        && let Some(row) = store::bundles::get_bundle_case(conn, parent).await?
    {
        let data: serde_json::Value = serde_json::from_str(&row.data)
            .map_err(|e| AppError::Internal(format!("bundle {parent}: {e}")))?;
        if let Some(m) = data.get("materials") {
            let m: BTreeMap<String, Provision> = serde_json::from_value(m.clone())
                .map_err(|e| AppError::Internal(format!("bundle {parent}: {e}")))?;
            inherited.extend(m.into_values());
        }
    }
    let held: Vec<&Provision> = c.materials.values().chain(inherited.iter()).collect();
    let fix = async |conn: &mut store::Conn,
                     materials: &BTreeMap<String, Provision>|
           -> Result<BTreeMap<String, Provision>> {
        let mut out = materials.clone();
        for (name, p) in out.iter_mut() {
            crate::uploads::claim(conn, app, uploader, &held, &format!("materials.{name}"), p)
                .await?;
            if let (Provision::CheckedOriginal { by }, CaseActor::Staff { id, .. }) = (&mut *p, who)
            {
                *by = id.clone();
            }
        }
        Ok(out)
    };
    Ok(match cmd {
        Command::Edit { form, materials } => Command::Edit {
            form: form.clone(),
            materials: fix(conn, materials).await?,
        },
        Command::Supply { form, materials } => Command::Supply {
            form: form.clone(),
            materials: fix(conn, materials).await?,
        },
        Command::SupplyPending { materials } => Command::SupplyPending {
            materials: fix(conn, materials).await?,
        },
        other => other.clone(),
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
