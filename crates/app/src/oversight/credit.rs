//! The credit record: what feeds it (a failed 告知承诺 verification, heard from committed
//! cases; findings and penalties, from `inspections` and `penalties`), who reads it (the
//! subject and staff), the rule that bars 告知承诺 at the window, and 信用修复: the subject
//! applies once the matter is put right, a supervisor of the region decides.

use domain::account::Role;
use domain::case::{Case, CaseState};
use domain::credit::{self, Kind, Record};
use store::oversight::CreditRow;

use super::today;
use crate::auth::Actor;
use crate::{App, AppError, Result};

/// A record as pages show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CreditView {
    pub id: String,
    pub subject_id: String,
    pub subject_name: String,
    #[serde(skip)]
    pub kind: Kind,
    pub note: String,
    pub on_day: String,
    pub expires: String,
    pub live: bool,
    /// '' | applied | repaired | refused.
    pub repair: String,
    pub repair_reason: String,
    pub repair_note: String,
}

fn record_of(r: &CreditRow) -> Option<Record> {
    Some(Record {
        kind: Kind::parse(&r.kind)?,
        on: domain::calendar::parse_iso_date(&r.on_day).ok()?,
        repaired: r.repair == "repaired",
    })
}

fn view(r: &CreditRow, today: time::Date) -> Result<CreditView> {
    let rec = record_of(r).ok_or_else(|| AppError::Internal(format!("credit record {}", r.id)))?;
    Ok(CreditView {
        id: r.id.clone(),
        subject_id: r.subject_id.clone(),
        subject_name: r.subject_name.clone(),
        kind: rec.kind,
        note: r.note.clone(),
        on_day: r.on_day.clone(),
        expires: rec.expires().to_string(),
        live: rec.live(today),
        repair: r.repair.clone(),
        repair_reason: r.repair_reason.clone(),
        repair_note: r.repair_note.clone(),
    })
}

/// Adds a record in the caller's transaction (idempotent by `id`).
pub(crate) async fn add(
    c: &mut store::Connection,
    app: &App,
    id: String,
    subject: (&str, &str),
    kind: Kind,
    (region, source): (&str, &str),
    note: String,
) -> Result<()> {
    store::oversight::add_credit(
        c,
        &CreditRow {
            id,
            subject_id: subject.0.to_string(),
            subject_name: subject.1.to_string(),
            kind: kind.as_str().into(),
            region: region.to_string(),
            source: source.to_string(),
            note,
            on_day: today(app).to_string(),
            at: app.now_ms(),
            ..CreditRow::default()
        },
    )
    .await?;
    Ok(())
}

/// Heard from committed cases: a 告知承诺 approval revoked on verification goes on the
/// applicant's record (once per case).
pub(crate) async fn on_case_committed(app: &App, case: &Case) -> Result<()> {
    if case.state != CaseState::Revoked {
        return Ok(());
    }
    // The verification's note is kept as the reason the case closed.
    let note = case.close_reason.clone();
    let mut tx = app.store.begin().await?;
    let account = store::accounts::get_account(&mut tx, case.applicant_id.as_str()).await?;
    add(
        &mut tx,
        app,
        format!("commitment:{}", case.id),
        (&account.login, &account.display_name),
        Kind::CommitmentBreach,
        (&case.region, case.id.as_str()),
        format!(
            "{}（{}）告知承诺核查不实：{note}",
            case.item_name, case.number
        ),
    )
    .await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(())
}

/// Refuses a 告知承诺 to a subject with a live breach or penalty on record.
pub(crate) async fn check_commitment(
    c: &mut store::Connection,
    app: &App,
    subjects: &[&str],
) -> Result<()> {
    for s in subjects {
        let rows = store::oversight::credit_of(c, s).await?;
        let records: Vec<(Record, &CreditRow)> = rows
            .iter()
            .filter_map(|r| Some((record_of(r)?, r)))
            .collect();
        let plain: Vec<Record> = records.iter().map(|(r, _)| r.clone()).collect();
        if let Some(bar) = credit::bars_commitment(&plain, today(app)) {
            let row = records
                .iter()
                .find(|(r, _)| r == bar)
                .map(|(_, row)| row.note.clone())
                .unwrap_or_default();
            return Err(AppError::State(format!(
                "申请人有尚在公示期的{}记录（{row}，{} 前有效），不适用告知承诺，请按一般程序提交全部材料；信用修复后可再适用",
                bar.kind.label(),
                bar.expires()
            )));
        }
    }
    Ok(())
}

/// The subjects an applicant answers for: its own and those linked to it.
async fn own(c: &mut store::Connection, actor: &Actor) -> Result<Vec<String>> {
    match actor {
        Actor::Applicant { id, login, .. } => {
            let mut out = vec![login.clone()];
            for (h, _) in store::subjects::linked_holders(c, id).await? {
                out.push(h);
            }
            Ok(out)
        }
        Actor::Anonymous => Err(AppError::Unauthenticated),
        Actor::Staff { .. } => Ok(vec![]),
    }
}

/// The actor's own records (and those of the subjects linked to it).
pub async fn mine(app: &App, actor: &Actor) -> Result<Vec<CreditView>> {
    let mut c = app.store.conn().await?;
    let today = today(app);
    let mut out = Vec::new();
    for s in own(&mut c, actor).await? {
        for r in store::oversight::credit_of(&mut c, &s).await? {
            out.push(view(&r, today)?);
        }
    }
    Ok(out)
}

/// Whether what a record records has been put right: a penalty executed; anything else is
/// put right by the applicant's statement, which the supervisor weighs.
async fn put_right(c: &mut store::Connection, r: &CreditRow) -> Result<bool> {
    if r.kind != Kind::Penalty.as_str() {
        return Ok(true);
    }
    Ok(store::oversight::penalty(c, &r.source)
        .await?
        .is_some_and(|p| p.executed_at > 0))
}

/// The subject applies for 信用修复 with what it did to put the matter right.
pub async fn apply_repair(app: &App, actor: &Actor, id: &str, reason: &str) -> Result<()> {
    let mut tx = app.store.begin().await?;
    let row = store::oversight::credit(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::NotFound("信用记录".into()))?;
    if !own(&mut tx, actor).await?.contains(&row.subject_id) {
        return Err(AppError::NotFound("信用记录".into()));
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 1000 {
        return Err(AppError::field(
            "reason",
            "required",
            "请在 1000 字以内说明已如何纠正失信行为",
        ));
    }
    let rec = record_of(&row).ok_or_else(|| AppError::Internal(format!("credit record {id}")))?;
    credit::may_repair(&rec, today(app), put_right(&mut tx, &row).await?)
        .map_err(|e| AppError::State(e.to_string()))?;
    if row.repair == "applied" {
        return Err(AppError::State("已提交修复申请，请等待审核".into()));
    }
    let from = row.repair.clone();
    let next = CreditRow {
        repair: "applied".into(),
        repair_reason: reason.to_string(),
        repair_note: String::new(),
        repair_by: String::new(),
        repair_at: app.now_ms(),
        ..row
    };
    if !store::oversight::set_repair(&mut tx, &next, &from).await? {
        return Err(AppError::State("该记录刚被更新，请刷新后再试".into()));
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(())
}

/// The repairs waiting, for supervisors.
pub async fn repairs_waiting(app: &App, actor: &Actor) -> Result<Vec<CreditView>> {
    let (_, _, scope) = supervisor(actor)?;
    let mut c = app.store.conn().await?;
    let today = today(app);
    store::oversight::repairs_waiting(&mut c)
        .await?
        .iter()
        .filter(|r| scope.covers_region(&r.region))
        .map(|r| view(r, today))
        .collect()
}

fn supervisor(actor: &Actor) -> Result<(&str, &str, &domain::account::StaffScope)> {
    match actor {
        Actor::Staff {
            id,
            login,
            roles,
            scope,
            ..
        } if roles.contains(&Role::Supervisor) => Ok((id, login, scope)),
        Actor::Anonymous => Err(AppError::Unauthenticated),
        _ => Err(AppError::Forbidden("只有监督人员可以审核信用修复".into())),
    }
}

/// A supervisor repairs the record or refuses, with a note.
pub async fn decide_repair(
    app: &App,
    actor: &Actor,
    id: &str,
    approve: bool,
    note: &str,
) -> Result<()> {
    let (sup_id, sup_login, scope) = supervisor(actor)?;
    let note = note.trim();
    let mut tx = app.store.begin().await?;
    let row = store::oversight::credit(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::NotFound("信用记录".into()))?;
    if !scope.covers_region(&row.region) {
        return Err(AppError::NotFound("信用记录".into()));
    }
    if row.repair != "applied" {
        return Err(AppError::State("该记录没有待审核的修复申请".into()));
    }
    if !approve && note.is_empty() {
        return Err(AppError::field("note", "required", "不予修复须说明理由"));
    }
    let next = CreditRow {
        repair: if approve { "repaired" } else { "refused" }.into(),
        repair_note: note.to_string(),
        repair_by: sup_login.to_string(),
        repair_at: app.now_ms(),
        ..row.clone()
    };
    if !store::oversight::set_repair(&mut tx, &next, "applied").await? {
        return Err(AppError::State("该记录刚被更新，请刷新后再试".into()));
    }
    crate::audit::admin(
        &mut tx,
        app,
        sup_id,
        "credit_repair",
        id,
        serde_json::json!({"approve": approve, "note": note}),
    )
    .await?;
    if let Some(a) = store::accounts::find_by_login(&mut tx, &row.subject_id).await? {
        let text = if approve {
            format!("您的信用记录“{}”已完成信用修复", row.note)
        } else {
            format!("您的信用修复申请未通过：{note}")
        };
        crate::agents::notify(&mut tx, app, &a.id, "credit", text, None).await?;
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(())
}
