//! Who qualifies, asked from the other side: the public check page (an enterprise's credit
//! code against every published enterprise policy, reasons clause by clause) and, for a
//! logged-in applicant, the policies they likely qualify for, ranked, with what is missing.
//! What the platform holds about an enterprise (its size, its staff) is shown only to that
//! enterprise and those linked to it; others see which conditions held, not the values.

use domain::ids::CreditCode;
use domain::policy::{self, Decision, PolicyState, Target};

use super::grants::GrantView;
use super::run::{facts, held};
use super::{PolicyView, terms_of, view_of};
use crate::auth::Actor;
use crate::{App, AppError, Result};

/// One policy judged for one subject.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Checked {
    pub policy: PolicyView,
    pub decision: Decision,
    /// The grant already made under it, if any.
    pub granted: bool,
}

/// The public check of one enterprise.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PublicCheck {
    pub credit_code: String,
    /// The name the platform knows, empty when it knows none.
    pub name: String,
    /// The values behind each clause are shown (the enterprise itself is asking).
    pub own: bool,
    pub results: Vec<Checked>,
}

/// Every published policy in force for `target`, judged for `subject`: eligible first, then
/// by how many clauses held.
async fn judge(
    app: &App,
    actor: &Actor,
    subject: &str,
    target: Target,
) -> Result<(String, Vec<Checked>)> {
    let today = domain::calendar::china_date(app.now());
    let mut c = app.store.conn().await?;
    let row = store::policies::subject(&mut c, subject).await?;
    let held = held(&mut c, subject, today).await?;
    let row = row.unwrap_or_else(|| store::policies::SubjectRow {
        subject_id: subject.to_string(),
        target: target.as_str().to_string(),
        employees: -1,
        ..Default::default()
    });
    let facts = facts(&row, &held, today);
    let granted: Vec<String> = store::policies::grants_to(&mut c, subject)
        .await?
        .into_iter()
        .map(|g| g.policy_id)
        .collect();
    let mut out = Vec::new();
    for p in store::policies::policies(&mut c, PolicyState::Published.as_str()).await? {
        let t = terms_of(&p)?;
        if t.rule.target != target || !t.in_force(today) {
            continue;
        }
        out.push(Checked {
            decision: policy::decide(&t.rule, &facts),
            granted: granted.contains(&p.id),
            policy: view_of(app, &mut c, actor, &p).await?,
        });
    }
    out.sort_by(|a, b| {
        (b.decision.eligible, b.decision.closeness())
            .partial_cmp(&(a.decision.eligible, a.decision.closeness()))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    Ok((row.name, out))
}

/// Anyone checks an enterprise by its credit code.
pub async fn check_public(app: &App, actor: &Actor, code: &str) -> Result<PublicCheck> {
    let code = CreditCode::parse(code.trim())
        .map_err(|e| AppError::field("code", "invalid", format!("统一社会信用代码有误：{e}")))?;
    let code = code.as_str().to_string();
    let own = match actor {
        Actor::Applicant { id, login, .. } => {
            *login == code || {
                let mut c = app.store.conn().await?;
                store::subjects::is_linked(&mut c, &code, id).await?
            }
        }
        _ => false,
    };
    let (name, mut results) = judge(app, actor, &code, Target::Enterprise).await?;
    if !own {
        for r in &mut results {
            for clause in &mut r.decision.clauses {
                clause.actual = "（仅该企业登录后可见）".into();
            }
        }
    }
    Ok(PublicCheck {
        credit_code: code,
        name,
        own,
        results,
    })
}

/// The policies a logged-in applicant likely qualifies for, with their grants.
pub async fn matches(app: &App, actor: &Actor) -> Result<(Vec<Checked>, Vec<GrantView>)> {
    let (login, kind) = match actor {
        Actor::Applicant { login, kind, .. } => (login.clone(), *kind),
        Actor::Anonymous => return Err(AppError::Unauthenticated),
        _ => {
            return Err(AppError::Forbidden(
                "政策匹配面向企业和群众的申请人账号".into(),
            ));
        }
    };
    let target = match kind {
        domain::account::ApplicantKind::Enterprise => Target::Enterprise,
        _ => Target::Person,
    };
    let (_, results) = judge(app, actor, &login, target).await?;
    let grants = super::my_grants(app, actor).await?;
    Ok((results, grants))
}

/// The platform's verdict on each policy a 秒批 rule names, for the subject a case is for
/// (its holder, else the applicant): eligible when the policy is a published 申报 policy in
/// force, applied for through the case's item, for the subject's kind, and its rule holds on
/// what the platform knows of the subject. The verdict travels with the system's command, so
/// the domain decides on it without reading storage.
pub(crate) async fn verdicts(
    app: &App,
    case: &domain::case::Case,
    names: &[&str],
) -> Result<std::collections::BTreeMap<String, bool>> {
    let mut out = std::collections::BTreeMap::new();
    if names.is_empty() {
        return Ok(out);
    }
    let today = domain::calendar::china_date(app.now());
    let mut c = app.store.conn().await?;
    let subject = match case.subject.holder_id() {
        Some(h) => h.to_string(),
        None => {
            store::accounts::get_account(&mut c, case.applicant_id.as_str())
                .await?
                .login
        }
    };
    let target = if CreditCode::parse(&subject).is_ok() {
        Target::Enterprise
    } else {
        Target::Person
    };
    let row = store::policies::subject(&mut c, &subject).await?;
    let held = held(&mut c, &subject, today).await?;
    let row = row.unwrap_or_else(|| store::policies::SubjectRow {
        subject_id: subject.clone(),
        target: target.as_str().to_string(),
        employees: -1,
        ..Default::default()
    });
    let facts = facts(&row, &held, today);
    for name in names {
        let Some(p) = store::policies::policy(&mut c, name).await? else {
            out.insert(name.to_string(), false);
            continue;
        };
        let t = terms_of(&p)?;
        let applies = p.state == PolicyState::Published.as_str()
            && t.mode == domain::policy::Mode::Apply
            && t.item_code.trim() == case.item_code.as_str()
            && t.rule.target == target
            && t.in_force(today);
        out.insert(
            name.to_string(),
            applies && policy::decide(&t.rule, &facts).eligible,
        );
    }
    Ok(out)
}
