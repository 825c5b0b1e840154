//! Starting a case: online by the applicant, by an agent with a signed authorization
//! (帮办代办), or at the comprehensive window (无差别受理). Licenses the applicant holds and
//! shared data fill the materials they stand for (免提交) before the one write.

use std::collections::BTreeMap;

use domain::account::{AccountKind, Role};
use domain::case::{Case, CaseActor, Channel, Provision};
use domain::catalog::{FiledFor, NodeKind};
use domain::keys::{AccountId, CaseId};
use domain::subject::Subject;

use super::{calendar, case_actor, index_of};
use crate::audit;
use crate::auth::Actor;
use crate::{App, AppError, Result};

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

/// Whom an applicant names as the subject of an item filed on its own (not in a bundle):
/// themself unless the item may be filed for a minor in their care or a deceased relative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForWhom {
    pub kind: FiledFor,
    pub name: String,
    pub id_number: String,
}

impl Default for ForWhom {
    fn default() -> Self {
        ForWhom {
            kind: FiledFor::Oneself,
            name: String::new(),
            id_number: String::new(),
        }
    }
}

/// 在线申请 on a guide: the applicant's own draft of the item for the same subject if they
/// have one (so clicking again does not pile up drafts), else a new one.
pub async fn start_or_resume(
    app: &App,
    actor: &Actor,
    item_code: &str,
    for_whom: &ForWhom,
) -> Result<Case> {
    if let Actor::Applicant { id, login, .. } = actor {
        // An invalid subject matches no draft; the new case reports what is wrong with it.
        let wanted = domain::subject::named_person(
            for_whom.kind,
            &for_whom.name,
            &for_whom.id_number,
            login,
            app.now().date(),
        );
        let mut conn = app.store.conn().await?;
        if let Ok(subject) = wanted
            && let Some(draft) =
                store::cases::open_draft(&mut conn, id, item_code, &subject).await?
        {
            return Ok(draft);
        }
    }
    start_for(app, actor, item_code, for_whom).await
}

/// An online application for someone the applicant names (see [`ForWhom`]).
pub async fn start_for(
    app: &App,
    actor: &Actor,
    item_code: &str,
    for_whom: &ForWhom,
) -> Result<Case> {
    let Actor::Applicant { id, .. } = actor else {
        return start(app, actor, item_code).await;
    };
    let opts = Options {
        for_whom: Some(for_whom.clone()),
        ..Options::default()
    };
    create_with(app, id, item_code, Channel::Online, actor, opts).await
}

/// An applicant starts a bundle member's application, about the bundle's subject (themself,
/// a newborn, the enterprise being established): licenses go to the subject, and 免提交 reads
/// the subject's wallet.
///
/// `carried`: materials (by name) an earlier stage of the applicant's project produced, as
/// the platform confirms them from those cases' records (see `projects::carried`).
pub async fn start_in_bundle(
    app: &App,
    actor: &Actor,
    item_code: &str,
    subject: Subject,
    carried: BTreeMap<String, Provision>,
) -> Result<Case> {
    let Actor::Applicant { id, .. } = actor else {
        return Err(AppError::Forbidden(
            "只有申请人可以为他人或新设企业申请".into(),
        ));
    };
    let opts = Options {
        subject,
        bundle_member: true,
        carried,
        ..Options::default()
    };
    create_with(app, id, item_code, Channel::Online, actor, opts).await
}

/// 帮办代办: a registered person files for another registered applicant who granted them
/// that right (see `crate::agents`) and has not revoked it. A signed letter may come with the
/// filing and is then recorded in the case's audit trail. The principal is notified in the
/// same write; the agent gets the case back as an agent may see it.
pub async fn start_as_agent(
    app: &App,
    actor: &Actor,
    item_code: &str,
    applicant_login: &str,
    letter: Option<Provision>,
) -> Result<Case> {
    let Actor::Applicant { id: agent_id, .. } = actor else {
        return match actor {
            Actor::Anonymous => Err(AppError::Unauthenticated),
            _ => Err(AppError::Forbidden("工作人员请使用窗口受理".into())),
        };
    };
    let mut conn = app.store.conn().await?;
    // Unknown, staff, self and not granted all get one answer: an agent cannot learn from it
    // whether an ID number is registered.
    let no_grant = || {
        AppError::field(
            "applicant",
            "no_grant",
            "该委托人没有在平台授权您代办（或授权已撤销、已过期）。请委托人在“我的 → 代办授权”中授权，或一同到窗口登记",
        )
    };
    let principal = store::accounts::find_by_login(&mut conn, applicant_login.trim())
        .await?
        .filter(|a| a.kind != AccountKind::Staff && &a.id != agent_id)
        .ok_or_else(no_grant)?;
    let grant = crate::agents::in_force(&mut conn, app, agent_id, &principal.id)
        .await?
        .ok_or_else(no_grant)?;
    let letter = match letter {
        Some(mut l) => {
            crate::uploads::claim(&mut conn, app, agent_id, &[], "letter", &mut l).await?;
            Some(l)
        }
        None => None,
    };
    drop(conn);
    let auth = Authorization {
        agent_id: agent_id.clone(),
        agent_name: actor.display_name().to_string(),
        grant_id: grant.id,
        letter,
    };
    let opts = Options {
        agent: Some(auth),
        ..Options::default()
    };
    let c = create_with(app, &principal.id, item_code, Channel::Online, actor, opts).await?;
    Ok(domain::agent::redacted_for_agent(c))
}

/// A comprehensive-window clerk starts a case for a registered applicant (无差别受理: any
/// item of the clerk's region).
pub async fn start_at_window(
    app: &App,
    actor: &Actor,
    item_code: &str,
    applicant_login: &str,
) -> Result<Case> {
    start_at_window_for(app, actor, item_code, applicant_login, &ForWhom::default()).await
}

/// [`start_at_window`] for whom the applicant names (a child, a deceased relative).
pub(super) async fn start_at_window_for(
    app: &App,
    actor: &Actor,
    item_code: &str,
    applicant_login: &str,
    for_whom: &ForWhom,
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
    let opts = Options {
        for_whom: Some(for_whom.clone()),
        ..Options::default()
    };
    create_with(app, &applicant, item_code, Channel::Window, actor, opts).await
}

/// The account id of a registered applicant (not staff) by ID number or credit code.
pub(super) async fn registered_applicant(app: &App, login: &str, unknown: &str) -> Result<String> {
    let mut c = app.store.conn().await?;
    store::accounts::find_by_login(&mut c, login.trim())
        .await?
        .filter(|a| a.kind != AccountKind::Staff)
        .map(|a| a.id)
        .ok_or_else(|| AppError::field("applicant", "unknown", unknown))
}

/// An agent's authority to file for an applicant (帮办代办): the grant in force, and the
/// signed letter when one was uploaded with the filing.
#[derive(Debug, Clone)]
pub struct Authorization {
    pub agent_id: String,
    pub agent_name: String,
    pub grant_id: String,
    pub letter: Option<Provision>,
}

async fn create(
    app: &App,
    applicant_id: &str,
    item_code: &str,
    channel: Channel,
    actor: &Actor,
) -> Result<Case> {
    create_with(
        app,
        applicant_id,
        item_code,
        channel,
        actor,
        Options::default(),
    )
    .await
}

/// Who else a new case involves: the agent filing it, the subject it is about.
#[derive(Debug, Clone, Default)]
pub(super) struct Options {
    pub agent: Option<Authorization>,
    pub subject: Subject,
    /// Filed as a member of a bundle (一件事), whose merged form feeds it.
    pub bundle_member: bool,
    /// The account of a walk-in without one, written with the case (无账号办理).
    pub walk_in: Option<store::accounts::AccountRow>,
    /// Whom an item filed on its own is for; None is the applicant themself.
    pub for_whom: Option<ForWhom>,
    /// Results of earlier stages of a project, by material name (trust level A); a
    /// partner's forward: what its window checked and scanned.
    pub carried: BTreeMap<String, Provision>,
    /// 跨市通办: forwarded by another city's platform, whose window received it; the case is
    /// filed by the system with the partner's form.
    pub forwarded: Option<Forwarded>,
}

/// A partner's forward: the relay, its form, and the record the case is written with.
#[derive(Debug, Clone)]
pub(crate) struct Forwarded {
    pub relay: domain::case::relay::Relay,
    pub form: BTreeMap<String, String>,
    /// The record (`case_id` filled in here), so that a retry finds this case.
    pub record: store::tongban::InRow,
}

/// 跨市通办: files the case a partner's window received, as the system, for the person
/// (`walk_in` when they have no account here), with the partner's form and materials.
pub(crate) async fn file_forwarded(
    app: &App,
    applicant_id: &str,
    walk_in: Option<store::accounts::AccountRow>,
    item_code: &str,
    forwarded: Forwarded,
    carried: BTreeMap<String, Provision>,
) -> Result<Case> {
    let opts = Options {
        walk_in,
        carried,
        forwarded: Some(forwarded),
        ..Default::default()
    };
    create_with(
        app,
        applicant_id,
        item_code,
        Channel::Window,
        &Actor::Anonymous,
        opts,
    )
    .await
}

pub(super) async fn create_with(
    app: &App,
    applicant_id: &str,
    item_code: &str,
    channel: Channel,
    actor: &Actor,
    opts: Options,
) -> Result<Case> {
    let Options {
        agent,
        mut subject,
        bundle_member,
        walk_in,
        for_whom,
        carried,
        forwarded,
    } = opts;
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
    let holder = match &walk_in {
        Some(a) => std::sync::Arc::new(a.clone()),
        None => app.account(&mut conn, applicant_id).await?,
    };
    if def.node == NodeKind::Main {
        return Err(AppError::State("请选择具体的业务办理项申请".into()));
    }
    // Bundle members are fed by the bundle's merged form; an item on its own needs its own.
    if channel == Channel::Online && !bundle_member && !def.applies_online() {
        return Err(AppError::State(
            "该事项暂不支持在线申请，请按办事指南到窗口办理".into(),
        ));
    }
    // A clerk whose region does not cover the item receives it at their point for the
    // item's department (收件与办结分离), when the point may.
    let relay = match actor {
        Actor::Staff { scope, .. } if !scope.covers(&def.region, None) => {
            if bundle_member || channel != Channel::Window {
                return Err(AppError::Forbidden("只能受理本区划的事项".into()));
            }
            Some(super::relay::receive_at(app, &mut conn, scope, &def).await?)
        }
        _ => None,
    };
    // A bundle names its members' subject from the merged form; an item on its own is for
    // whom the applicant names, within what the item allows.
    if !bundle_member {
        let fw = for_whom.unwrap_or_default();
        subject = subject_for(&def, &holder, &fw, now.date())?;
    }
    let mut c = Case::draft(
        CaseId::new(uuid::Uuid::now_v7().to_string()),
        &def,
        version,
        AccountId::new(applicant_id),
        channel,
        now,
    );
    c.version = 1;
    c.agent_id = agent.as_ref().map(|a| AccountId::new(a.agent_id.as_str()));
    c.subject = subject;
    c.relay = relay;
    let (who, inbound) = match forwarded {
        Some(f) => {
            c.relay = Some(f.relay);
            c.form = f.form;
            let record = store::tongban::InRow {
                case_id: c.id.as_str().into(),
                ..f.record
            };
            (CaseActor::System, Some(record))
        }
        None => (case_actor(actor)?, None),
    };
    let actor_id = match &who {
        CaseActor::Applicant { id } | CaseActor::Staff { id, .. } => id.clone(),
        CaseActor::System => "system".to_string(),
    };
    // 免提交: what the government already issued to the applicant fills the materials. A
    // license revoked between this read and the write below is as one revoked just after.
    let uses =
        crate::licenses::attach(&mut conn, app, &mut c, &def, &actor_id, &holder.login).await?;
    let wallet =
        crate::licenses::readable_subject(&mut conn, &c.subject, applicant_id, &holder.login)
            .await?;
    drop(conn);
    let (shared, unavailable) =
        crate::licenses::shared_provisions(app, &def, wallet.as_deref(), &holder.login).await;
    let licensed: Vec<&str> = uses.iter().map(|u| u.material.as_str()).collect();
    let mut confirmed = Vec::new();
    for (name, p) in shared.into_iter().chain(carried) {
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
        "agent": agent.as_ref().map(|a| &a.agent_id), "agent_grant": agent.as_ref().map(|a| &a.grant_id),
        "authorization_letter": agent.as_ref().and_then(|a| a.letter.as_ref()),
        "subject": c.subject, "licenses_attached": licensed, "shared_data_confirmed": confirmed,
        "shared_data_unavailable": unavailable, "walk_in": walk_in.is_some(),
        "received_at": c.relay.as_ref().map(|r| (&r.received_at.code, r.basis)),
    });
    let event = audit::chain(&mut None, &c.id, &who, "created", &payload.to_string(), at);
    let cal = calendar(app);
    let notification = agent.as_ref().map(|a| {
        crate::agents::message(
            app,
            applicant_id,
            "agent_filed",
            format!(
                "{} 代您申请了“{}”。如非您授权，请在“代办授权”中撤销授权，并联系窗口",
                a.agent_name, def.name
            ),
            Some(&c.id),
        )
    });
    // One batch, so that it waits for the writer like a command and is grouped with others.
    store::command::commit_creation(
        &app.store,
        &store::command::Creation {
            case: &c,
            index: &index_of(&c, &def, &cal, now),
            uses: &uses,
            avoided: &avoided,
            event: &event,
            notification: notification.as_ref(),
            walk_in: walk_in.as_ref(),
            // A new case is a draft: nothing is published until it is submitted.
            outbox: &[],
            inbound: inbound.as_ref(),
            stats: super::stat_of(&c, &def, &cal, at, now).as_ref(),
            now: at,
        },
    )
    .await?;
    Ok(c)
}

/// The subject of an item filed on its own, every problem named by its field (`subject.*`).
fn subject_for(
    def: &domain::catalog::ItemDefinition,
    applicant: &store::accounts::AccountRow,
    fw: &ForWhom,
    today: time::Date,
) -> Result<Subject> {
    let allowed = def.filed_for();
    if !allowed.contains(&fw.kind) {
        let list: Vec<&str> = allowed.iter().map(|f| f.label()).collect();
        return Err(AppError::field(
            "subject.kind",
            "not_allowed",
            format!("“{}”的办理对象只能是：{}", def.name, list.join("、")),
        ));
    }
    if fw.kind != FiledFor::Oneself && applicant.kind != AccountKind::NaturalPerson {
        return Err(AppError::field(
            "subject.kind",
            "not_a_person",
            "只有个人账号可以为未成年子女或已故亲属申请",
        ));
    }
    domain::subject::named_person(fw.kind, &fw.name, &fw.id_number, &applicant.login, today)
        .map_err(AppError::Validation)
}
