//! Intermediaries: registration by their own enterprise account, review by a system
//! administrator over every region they serve, the public directory and credit list.

use domain::market::{Mark, Registration, Standing};
use serde::Serialize;
use store::market::IntermediaryRow;

use super::{MARK_YEAR_DAYS, enterprise, marks_in_year, registration_of};
use crate::auth::Actor;
use crate::auth::SystemAdmin;
use crate::{App, AppError, Result};

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = MarketMarkView))]
pub struct MarkView {
    pub mark: Mark,
    pub label: &'static str,
    pub job_id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = domain::openapi::DateTime))]
    pub at: time::OffsetDateTime,
    pub note: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = MarketIntermediary))]
pub struct IntermediaryView {
    pub credit_code: String,
    pub name: String,
    pub standing: Standing,
    pub registration: Registration,
    pub review_note: String,
    /// Marks of the past year, newest first.
    pub marks: Vec<MarkView>,
    /// On the credit list: may not bid.
    pub listed: bool,
}

async fn view(
    conn: &mut store::Connection,
    app: &App,
    row: IntermediaryRow,
) -> Result<IntermediaryView> {
    let since = store::millis(app.now() - time::Duration::days(MARK_YEAR_DAYS));
    let marks = store::market::marks(conn, &row.credit_code, since).await?;
    view_with(row, marks)
}

/// The marks of the past year of every intermediary, by credit code, in one query (a
/// directory page reads them all at once).
async fn all_marks(
    conn: &mut store::Connection,
    app: &App,
) -> Result<std::collections::HashMap<String, Vec<store::market::MarkRow>>> {
    let since = store::millis(app.now() - time::Duration::days(MARK_YEAR_DAYS));
    let mut by: std::collections::HashMap<String, Vec<store::market::MarkRow>> =
        std::collections::HashMap::new();
    for m in store::market::marks(conn, "", since).await? {
        by.entry(m.credit_code.clone()).or_default().push(m);
    }
    Ok(by)
}

/// An intermediary with its marks of the past year (newest first).
fn view_with(row: IntermediaryRow, marks: Vec<store::market::MarkRow>) -> Result<IntermediaryView> {
    let marks: Vec<MarkView> = marks
        .into_iter()
        .filter_map(|m| {
            let mark = Mark::parse(&m.mark)?;
            Some(MarkView {
                mark,
                label: mark.label(),
                job_id: m.job_id,
                at: store::from_millis(m.at),
                note: m.note,
            })
        })
        .collect();
    let kinds: Vec<Mark> = marks.iter().map(|m| m.mark).collect();
    Ok(IntermediaryView {
        registration: registration_of(&row)?,
        standing: Standing::parse(&row.standing).ok_or_else(|| {
            AppError::Internal(format!("intermediary {}: standing", row.credit_code))
        })?,
        credit_code: row.credit_code,
        name: row.name,
        review_note: row.review_note,
        listed: domain::market::listed(&kinds),
        marks,
    })
}

/// Whether `actor` may register as an intermediary (an enterprise account); the pages ask it
/// before they judge the form.
pub fn may_register(actor: &Actor) -> Result<()> {
    enterprise(actor).map(|_| ())
}

/// An enterprise registers itself as an intermediary (or corrects a registration still
/// under review); an administrator reviews it before it may bid.
pub async fn register(app: &App, actor: &Actor, r: &Registration) -> Result<IntermediaryView> {
    let (account_id, login, _) = enterprise(actor)?;
    r.validate(app.now().date())?;
    if r.credit_code != login {
        return Err(AppError::field(
            "credit_code",
            "not_yours",
            "只能以本企业的统一社会信用代码入驻",
        ));
    }
    let mut tx = app.store.begin().await?;
    let row = IntermediaryRow {
        credit_code: r.credit_code.clone(),
        name: r.name.trim().to_string(),
        account_id: account_id.to_string(),
        registration: serde_json::to_string(r).map_err(|e| AppError::Internal(e.to_string()))?,
        standing: Standing::Pending.as_str().into(),
        review_note: String::new(),
        reviewed_by: String::new(),
        registered_at: app.now_ms(),
        reviewed_at: 0,
    };
    if !store::market::register(&mut tx, &row).await? {
        return Err(AppError::Conflict {
            field: "credit_code".into(),
            message: "该机构已入驻，资料变更请联系管理员".into(),
        });
    }
    let v = view(&mut tx, app, row).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(v)
}

/// A system administrator approves or rejects a pending registration; they must have
/// authority over every region it serves. A rejection says why.
pub async fn review(
    app: &App,
    actor: &Actor,
    credit_code: &str,
    approve: bool,
    note: &str,
) -> Result<IntermediaryView> {
    let admin = actor.system_admin()?;
    let mut tx = app.store.begin().await?;
    let row = store::market::intermediary(&mut tx, credit_code)
        .await?
        .ok_or_else(|| AppError::NotFound("中介机构".into()))?;
    if !reviews(&admin, &row)? {
        return Err(AppError::Forbidden("机构的服务区域超出您的管辖范围".into()));
    }
    // The reason is judged after the authority: a stranger learns nothing from the answer.
    if !approve && note.trim().is_empty() {
        return Err(AppError::field("note", "required", "不予通过时请写明理由"));
    }
    let standing = if approve {
        Standing::Approved
    } else {
        Standing::Rejected
    };
    if !store::market::review(
        &mut tx,
        credit_code,
        standing.as_str(),
        note.trim(),
        admin.actor_id(),
        app.now_ms(),
    )
    .await?
    {
        return Err(AppError::State("该机构不在待审核状态".into()));
    }
    let row = store::market::intermediary(&mut tx, credit_code)
        .await?
        .ok_or_else(|| AppError::NotFound("中介机构".into()))?;
    let v = view(&mut tx, app, row).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(v)
}

/// Whether `admin` has authority over every region the intermediary serves (and so may
/// review it and see it before approval).
fn reviews(admin: &SystemAdmin, row: &IntermediaryRow) -> Result<bool> {
    let reg = registration_of(row)?;
    Ok(reg.regions.iter().all(|r| admin.covers_region(r)))
}

/// One intermediary: public once approved; before that its own account and the
/// administrators who may review it.
pub async fn intermediary(app: &App, actor: &Actor, credit_code: &str) -> Result<IntermediaryView> {
    let mut c = app.store.conn().await?;
    let row = store::market::intermediary(&mut c, credit_code)
        .await?
        .ok_or_else(|| AppError::NotFound("中介机构".into()))?;
    let own = matches!(actor, Actor::Applicant { id, .. } if *id == row.account_id);
    let reviewer = match actor.system_admin() {
        Ok(admin) => reviews(&admin, &row)?,
        Err(_) => false,
    };
    if row.standing != Standing::Approved.as_str() && !own && !reviewer {
        return Err(AppError::NotFound("中介机构".into()));
    }
    view(&mut c, app, row).await
}

/// The directory: approved intermediaries for everyone; pending or rejected ones for the
/// administrators who may review them.
pub async fn list_intermediaries(
    app: &App,
    actor: &Actor,
    standing: Standing,
) -> Result<Vec<IntermediaryView>> {
    let admin = if standing == Standing::Approved {
        None
    } else {
        Some(actor.system_admin()?)
    };
    let mut c = app.store.conn().await?;
    let mut marks = all_marks(&mut c, app).await?;
    let mut out = Vec::new();
    for row in store::market::intermediaries(&mut c, standing.as_str()).await? {
        if let Some(admin) = &admin
            && !reviews(admin, &row)?
        {
            continue;
        }
        let of = marks.remove(&row.credit_code).unwrap_or_default();
        out.push(view_with(row, of)?);
    }
    Ok(out)
}

/// The public credit list: every intermediary with a mark in the past year, listed ones
/// (barred from bidding) first.
pub async fn credit_list(app: &App) -> Result<Vec<IntermediaryView>> {
    let mut c = app.store.conn().await?;
    let marks = all_marks(&mut c, app).await?;
    let mut out = Vec::new();
    for (code, of) in marks {
        if let Some(row) = store::market::intermediary(&mut c, &code).await? {
            out.push(view_with(row, of)?);
        }
    }
    out.sort_by(|a, b| {
        b.listed
            .cmp(&a.listed)
            .then(b.marks.len().cmp(&a.marks.len()))
            .then(a.credit_code.cmp(&b.credit_code))
    });
    Ok(out)
}

/// Whether the intermediary registered by `credit_code` may bid now, as the domain checks it.
pub(super) async fn bidder_facts(
    conn: &mut store::Connection,
    app: &App,
    credit_code: &str,
) -> Result<(IntermediaryRow, Registration, Standing, Vec<Mark>)> {
    let row = store::market::intermediary(conn, credit_code)
        .await?
        .ok_or_else(|| {
            AppError::field(
                "bidder",
                "not_registered",
                "本企业尚未入驻中介超市，请先申请入驻",
            )
        })?;
    let reg = registration_of(&row)?;
    let standing = Standing::parse(&row.standing).unwrap_or(Standing::Pending);
    let marks = marks_in_year(conn, app, credit_code).await?;
    Ok((row, reg, standing, marks))
}
