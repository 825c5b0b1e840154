//! Issuing on approval (signed before the decision's write and written in its batch, 换发 of
//! the holder's other license of the type) and revoking (a failed 告知承诺 check, or by hand).

use std::collections::BTreeMap;

use domain::calendar::china_date;
use domain::case::{Case, CaseActor};
use domain::license::{IssueContext, LicenseType};
use license::{Core, IssuerKey, LicenseId, Token};
use store::Connection;
use store::licenses::{self as sl, LicenseRow};

use super::*;
use crate::auth::Actor;
use crate::{App, AppError, Result, audit};

/// A license an approval issues, signed before the decision is written: the decision's one
/// batch stores it with its `license_issued` event, so both happen or neither.
pub struct Prepared {
    pub row: LicenseRow,
    /// The holder keeps one valid license of this type (变更/换发 replaces the others).
    pub replaces_others: bool,
    /// The payload of the `license_issued` audit event.
    pub payload: String,
    /// Issued to someone other than the applicant (a new enterprise, a newborn): the link
    /// that lets the applicant's account see it, written in the same batch.
    pub link: Option<store::subjects::HolderLink>,
}

/// A serial drawn for a license type on a day, kept across a command's retries so that a
/// retried approval does not draw again.
pub type DrawnSerial = Option<((String, String), i64)>;

/// Prepares the license of an approved case, when its item produces one: reads what it needs
/// and draws its serial outside the writer's turn, then signs it.
pub async fn prepare_for_case(
    app: &App,
    case: &Case,
    drawn: &mut DrawnSerial,
) -> Result<Option<Prepared>> {
    let mut conn = app.store.conn().await?;
    let item = crate::TypeKey::Item(case.item_code.to_string());
    let Some(t) = app.license_type(&mut conn, item).await? else {
        return Ok(None);
    };
    let holder = case_holder(app, &mut conn, case).await?;
    let dept = app.department(&mut conn, &t.department).await?;
    let active = sl::read_active_key(&mut conn, &t.department).await?;
    drop(conn);
    let key = match active {
        Some(k) => unseal(&k.key_id, &k.sealed_secret, app)?,
        // The department's first license: its key is made in a transaction of its own.
        None => {
            let mut tx = app.store.begin().await?;
            let key = signing_key(&mut tx, app, &t.department).await?;
            tx.commit().await.map_err(store::StoreError::from)?;
            key
        }
    };
    let today = china_date(app.now());
    let day = serial_day(today);
    let seq = match drawn {
        Some(((code, d), seq)) if *code == t.code && *d == day => *seq,
        _ => {
            let seq = sl::reserve_serial(&app.store, &t.code, &day).await?;
            *drawn = Some(((t.code.clone(), day), seq));
            seq
        }
    };
    let cx = IssueContext {
        holder_name: &holder.name,
        holder_id: &holder.id,
        department_name: &dept.name,
        decided_on: today,
    };
    let fields = t.fill(case, &cx);
    let to = Holder {
        id: &holder.id,
        name: &holder.name,
        natural_person: holder.natural_person,
    };
    let row = signed_row(
        app,
        &t,
        &dept,
        &key,
        seq,
        &to,
        fields,
        today,
        Some(case.id.to_string()),
    )?;
    let payload = serde_json::json!({"event": "license_issued", "license": row.id, "number": row.number, "type": t.name,
        "holder": row.holder_name, "holder_id": row.holder_id});
    Ok(Some(Prepared {
        row,
        replaces_others: t.single_per_holder,
        payload: payload.to_string(),
        link: holder.link,
    }))
}

/// Who a license is issued to.
pub(super) struct Holder<'a> {
    /// ID number or unified social credit code.
    pub(super) id: &'a str,
    pub(super) name: &'a str,
    pub(super) natural_person: bool,
}

pub(super) fn serial_day(d: time::Date) -> String {
    format!("{}{:02}{:02}", d.year(), d.month() as u8, d.day())
}

/// Builds, signs and stores one license without a case, in the caller's transaction.
pub(super) async fn sign_and_insert(
    conn: &mut Connection,
    app: &App,
    t: &LicenseType,
    dept: &domain::org::Department,
    holder: &Holder<'_>,
    fields: BTreeMap<String, String>,
    issued: time::Date,
) -> Result<LicenseRow> {
    let seq = sl::next_serial(conn, &t.code, &serial_day(issued)).await?;
    let key = signing_key(conn, app, &t.department).await?;
    let row = signed_row(app, t, dept, &key, seq, holder, fields, issued, None)?;
    sl::insert_license(conn, &row).await?;
    Ok(row)
}

/// The license with serial `seq` of its type on the day it is issued, signed with `key`.
#[allow(clippy::too_many_arguments)]
pub(super) fn signed_row(
    app: &App,
    t: &LicenseType,
    dept: &domain::org::Department,
    key: &IssuerKey,
    seq: i64,
    holder: &Holder<'_>,
    fields: BTreeMap<String, String>,
    issued: time::Date,
    case_id: Option<String>,
) -> Result<LicenseRow> {
    let serial = format!("{}{seq:06}", serial_day(issued));
    let id = LicenseId::new(&t.code, &dept.credit_code, &serial, 1)
        .map_err(|e| AppError::Internal(format!("{}：{e}", dept.name)))?
        .render();
    // Unique per issuer: a department issues several types, each with its own daily serial,
    // so the number carries the type's ordinal (the last three characters of its code).
    let ordinal = &t.code[t.code.len().saturating_sub(3)..];
    let number = format!("{}{ordinal}{serial}", dept.region);
    let valid_until = t.valid_until(issued);
    let core = Core {
        id: id.clone(),
        number: number.clone(),
        type_code: t.code.clone(),
        type_name: t.name.clone(),
        issuer: dept.name.clone(),
        issuer_code: dept.credit_code.clone(),
        holder: holder.name.to_string(),
        holder_id: license::mask_holder(holder.id, holder.natural_person),
        issued,
        valid_until,
        region: dept.region.clone(),
        data_sm3: license::fields_digest(holder.id, &fields),
        key: key.key_id.clone(),
    };
    let token = Token {
        signature: key.sign(&core.canonical()).to_vec(),
        core,
    };
    let now = app.now_ms();
    Ok(LicenseRow {
        id,
        number,
        type_code: t.code.clone(),
        holder_id: holder.id.to_string(),
        holder_name: holder.name.to_string(),
        department: t.department.clone(),
        issued: iso(issued),
        valid_until: valid_until.map(iso),
        status: "valid".into(),
        status_note: String::new(),
        fields: serde_json::to_string(&fields).map_err(internal)?,
        token: token.encode(),
        case_id,
        created_at: now,
        updated_at: now,
    })
}

/// Revokes the licenses a case issued (a failed 告知承诺 verification), in its transaction.
pub async fn revoke_for_case(
    conn: &mut Connection,
    app: &App,
    case: &Case,
    who: &CaseActor,
    reason: &str,
) -> Result<()> {
    for l in sl::of_case(conn, &case.id).await? {
        if sl::set_status(conn, &l.id, "revoked", reason, app.now_ms()).await? {
            revoked_event(conn, app, &l, reason).await?;
            let payload =
                serde_json::json!({"event": "license_revoked", "license": l.id, "reason": reason});
            audit::append(
                conn,
                &case.id,
                who,
                "license_revoked",
                &payload.to_string(),
                app.now_ms(),
            )
            .await?;
        }
    }
    Ok(())
}

/// Tells systems outside that a license was revoked, in the revocation's transaction.
async fn revoked_event(
    conn: &mut Connection,
    app: &App,
    l: &sl::LicenseRow,
    reason: &str,
) -> Result<()> {
    let change = domain::outbox::LicenseChange {
        license_id: l.id.clone(),
        number: l.number.clone(),
        type_code: l.type_code.clone(),
        department: l.department.clone(),
        case_id: l.case_id.clone(),
        status: "revoked".into(),
        reason: reason.into(),
    };
    let at = app.now_ms();
    if let Some(r) = crate::outbox::other(app, "license.revoked", "license", &l.id, &change, at) {
        store::outbox::insert(conn, &[r]).await?;
    }
    Ok(())
}

/// Staff of the issuing department (approver or administrator) revoke a license.
pub async fn revoke(app: &App, actor: &Actor, id: &str, reason: &str) -> Result<()> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::field("reason", "required", "请填写注销原因"));
    }
    let mut tx = app.store.begin().await?;
    let l = sl::get_license(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::NotFound("该证照".into()))?;
    let dept = store::org::get_department(&mut tx, &l.department).await?;
    match actor {
        Actor::Staff { roles, scope, .. }
            if scope.covers(&dept.region, Some(&dept.code))
                && roles.iter().any(|r| {
                    matches!(
                        r,
                        domain::account::Role::Approver | domain::account::Role::SystemAdmin
                    )
                }) => {}
        Actor::Anonymous => return Err(AppError::Unauthenticated),
        _ => {
            return Err(AppError::Forbidden(
                "只有颁证部门的审批人员可以注销证照".into(),
            ));
        }
    }
    if !sl::set_status(&mut tx, id, "revoked", reason, app.now_ms()).await? {
        return Err(AppError::State(format!(
            "该证照已{}，不能再注销",
            status_label(&l.status)
        )));
    }
    revoked_event(&mut tx, app, &l, reason).await?;
    if let Some(case_id) = &l.case_id {
        let who = crate::auth::case_actor(actor)?;
        let payload =
            serde_json::json!({"event": "license_revoked", "license": id, "reason": reason});
        audit::append(
            &mut tx,
            case_id,
            &who,
            "license_revoked",
            &payload.to_string(),
            app.now_ms(),
        )
        .await?;
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(())
}
