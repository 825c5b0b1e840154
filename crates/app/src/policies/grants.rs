//! Grants after the pass: the holder (or the account linked to it, a 法定代表人 or 监护人)
//! sees why it was granted and confirms the account to pay into; the issuing department
//! records the payment with its voucher; the ledger adds up eligible, granted, paid and the
//! days from publication to payment. Account numbers are shown whole only to the holder and
//! to the officers who pay.

use domain::policy::{self, Decision, GrantState, PolicyState};
use store::policies::GrantRow;

use super::{load, officer, terms_of};
use crate::auth::Actor;
use crate::{App, AppError, Result};

/// A grant as its holder or an officer sees it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct GrantView {
    pub policy_id: String,
    pub policy_title: String,
    pub document: String,
    pub benefit: String,
    pub subject_id: String,
    pub subject_name: String,
    pub amount: i64,
    #[serde(skip)]
    pub state: GrantState,
    pub bank: String,
    /// Whole for the holder and officers, else masked.
    pub account: String,
    pub granted_at: i64,
    pub confirmed_at: i64,
    pub paid_at: i64,
    pub paid_ref: String,
    pub decision: Option<Decision>,
}

fn view(g: &GrantRow, title: &str, document: &str, benefit: &str) -> Result<GrantView> {
    Ok(GrantView {
        policy_id: g.policy_id.clone(),
        policy_title: title.to_string(),
        document: document.to_string(),
        benefit: benefit.to_string(),
        subject_id: g.subject_id.clone(),
        subject_name: g.subject_name.clone(),
        amount: g.amount,
        state: GrantState::parse(&g.state).ok_or_else(|| {
            AppError::Internal(format!("grant {}/{}: state", g.policy_id, g.subject_id))
        })?,
        bank: g.bank.clone(),
        account: g.account.clone(),
        granted_at: g.granted_at,
        confirmed_at: g.confirmed_at,
        paid_at: g.paid_at,
        paid_ref: g.paid_ref.clone(),
        decision: serde_json::from_str(&g.explanation).ok(),
    })
}

/// The subjects an applicant answers for: itself (its login is its identifier) and the
/// holders linked to it.
async fn own_subjects(c: &mut store::Connection, actor: &Actor) -> Result<Vec<String>> {
    let Actor::Applicant { id, login, .. } = actor else {
        return Err(match actor {
            Actor::Anonymous => AppError::Unauthenticated,
            _ => AppError::Forbidden("只有申请人账号可以查看和确认自己的政策兑现".into()),
        });
    };
    let mut out = vec![login.clone()];
    for (holder, _) in store::subjects::linked_holders(c, id).await? {
        if !out.contains(&holder) {
            out.push(holder);
        }
    }
    Ok(out)
}

/// The grants to the actor and those it answers for, newest first.
pub async fn my_grants(app: &App, actor: &Actor) -> Result<Vec<GrantView>> {
    let mut c = app.store.conn().await?;
    let mut out = Vec::new();
    for subject in own_subjects(&mut c, actor).await? {
        for g in store::policies::grants_to(&mut c, &subject).await? {
            let Some(p) = store::policies::policy(&mut c, &g.policy_id).await? else {
                continue;
            };
            let t = terms_of(&p)?;
            out.push(view(&g, &t.title, &t.document, &t.benefit)?);
        }
    }
    out.sort_by_key(|g| std::cmp::Reverse(g.granted_at));
    Ok(out)
}

async fn tell_holder(
    c: &mut store::Connection,
    app: &App,
    subject_id: &str,
    text: String,
) -> Result<()> {
    let mut accounts: Vec<String> = store::accounts::find_by_login(c, subject_id)
        .await?
        .map(|a| a.id)
        .into_iter()
        .collect();
    for a in store::subjects::accounts_linked_to(c, subject_id).await? {
        if !accounts.contains(&a) {
            accounts.push(a);
        }
    }
    for a in accounts {
        crate::agents::notify(c, app, &a, "policy", text.clone(), None).await?;
    }
    Ok(())
}

/// The holder confirms the account a money grant is paid into.
pub async fn confirm(
    app: &App,
    actor: &Actor,
    policy_id: &str,
    subject_id: &str,
    bank: &str,
    account: &str,
) -> Result<GrantView> {
    let mut tx = app.store.begin().await?;
    // Whose grant it is before what was typed: a stranger learns nothing from the answer.
    if !own_subjects(&mut tx, actor)
        .await?
        .iter()
        .any(|s| s == subject_id)
    {
        return Err(AppError::NotFound("政策兑现记录".into()));
    }
    let (bank, account) = policy::bank_account(bank, account).map_err(AppError::Validation)?;
    let g = store::policies::grant(&mut tx, policy_id, subject_id)
        .await?
        .ok_or_else(|| AppError::NotFound("政策兑现记录".into()))?;
    let state = GrantState::parse(&g.state)
        .ok_or_else(|| AppError::Internal(format!("grant {policy_id}: state")))?;
    policy::confirm(state, g.amount).map_err(|e| AppError::State(e.to_string()))?;
    let row = GrantRow {
        state: GrantState::Confirmed.as_str().to_string(),
        bank,
        account,
        confirmed_by: actor_id(actor),
        confirmed_at: app.now_ms(),
        ..g
    };
    if !store::policies::confirm(&mut tx, &row).await? {
        return Err(AppError::State("该记录刚被更新，请刷新后再试".into()));
    }
    let p = load(&mut tx, actor, policy_id).await?;
    let t = terms_of(&p)?;
    tx.commit().await.map_err(store::StoreError::from)?;
    view(&row, &t.title, &t.document, &t.benefit)
}

fn actor_id(actor: &Actor) -> String {
    match actor {
        Actor::Applicant { id, .. } | Actor::Staff { id, .. } => id.clone(),
        Actor::Anonymous => String::new(),
    }
}

/// The issuing department records a payment with its voucher (国库支付凭证号 or 银行回单号).
pub async fn pay(
    app: &App,
    actor: &Actor,
    policy_id: &str,
    subject_id: &str,
    reference: &str,
) -> Result<()> {
    let mut tx = app.store.begin().await?;
    let p = load(&mut tx, actor, policy_id).await?;
    let admin = officer(actor, &p.region, &p.department)?;
    let reference = reference.trim();
    if reference.is_empty() || reference.chars().count() > 64 {
        return Err(AppError::field(
            "reference",
            "required",
            "请填写 64 字以内的支付凭证号或银行回单号",
        ));
    }
    let g = store::policies::grant(&mut tx, policy_id, subject_id)
        .await?
        .ok_or_else(|| AppError::NotFound("政策兑现记录".into()))?;
    let state = GrantState::parse(&g.state)
        .ok_or_else(|| AppError::Internal(format!("grant {policy_id}: state")))?;
    policy::pay(state, g.amount).map_err(|e| AppError::State(e.to_string()))?;
    let row = GrantRow {
        paid_ref: reference.to_string(),
        paid_by: admin.login().to_string(),
        paid_at: app.now_ms(),
        ..g
    };
    if !store::policies::pay(&mut tx, &row).await? {
        return Err(AppError::State("该记录刚被更新，请刷新后再试".into()));
    }
    let t = terms_of(&p)?;
    crate::audit::admin(
        &mut tx,
        app,
        admin.actor_id(),
        "policy_paid",
        &format!("{policy_id}/{subject_id}"),
        serde_json::json!({"amount": row.amount, "reference": reference}),
    )
    .await?;
    let text = format!(
        "“{}”的{}已拨付至您尾号 {} 的账户（凭证号 {reference}）",
        t.title,
        domain::payment::yuan(row.amount),
        policy::mask_account(&row.account).trim_start_matches('*'),
    );
    tell_holder(&mut tx, app, subject_id, text).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(())
}

/// A policy's grants for its officers: those waiting for payment first.
pub async fn grants_of(app: &App, actor: &Actor, policy_id: &str) -> Result<Vec<GrantView>> {
    let mut c = app.store.conn().await?;
    let p = load(&mut c, actor, policy_id).await?;
    officer(actor, &p.region, &p.department)?;
    let t = terms_of(&p)?;
    store::policies::grants_of(&mut c, policy_id, 500)
        .await?
        .iter()
        .map(|g| view(g, &t.title, &t.document, &t.benefit))
        .collect()
}

/// The 兑现 ledger of one policy: public.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Ledger {
    /// Granted (every grant, whatever its state).
    pub granted: i64,
    pub granted_amount: i64,
    /// With an account confirmed (paid or not).
    pub confirmed: i64,
    pub paid: i64,
    pub paid_amount: i64,
    /// Average days from the first publication to payment, over the paid.
    pub days_to_pay: Option<f64>,
}

pub async fn ledger(app: &App, actor: &Actor, policy_id: &str) -> Result<Ledger> {
    let mut c = app.store.conn().await?;
    let p = load(&mut c, actor, policy_id).await?;
    if p.state == PolicyState::Draft.as_str() && p.version == 0 {
        return Ok(Ledger::default());
    }
    let first = store::policies::versions(&mut c, policy_id)
        .await?
        .first()
        .map_or(p.published_at, |v| v.3);
    let mut l = Ledger::default();
    for (state, n, amount, paid_at_sum) in store::policies::ledger(&mut c, policy_id).await? {
        l.granted += n;
        l.granted_amount += amount;
        match GrantState::parse(&state) {
            Some(GrantState::Confirmed) => l.confirmed += n,
            Some(GrantState::Paid) => {
                l.confirmed += n;
                l.paid += n;
                l.paid_amount += amount;
                if n > 0 {
                    let avg = paid_at_sum as f64 / n as f64;
                    l.days_to_pay = Some(((avg - first as f64) / 86_400_000.0).max(0.0));
                }
            }
            _ => {}
        }
    }
    Ok(l)
}
