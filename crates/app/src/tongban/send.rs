//! The receiving side of 跨市通办: a clerk here takes an application for an item another
//! city's platform concludes, forwards it with what was checked and scanned, follows the
//! progress the partner reports back and hands the result over when it arrives.

use std::collections::BTreeMap;

use base64::Engine;
use domain::account::{Role, StaffScope};
use domain::case::relay::PointRef;
use domain::tongban::{self as tb, Forward, Handover, OfferedItem, Person, Progress, Receipt};
use store::tongban::OutRow;

use super::{call, check_person, partner, verified};
use crate::auth::Actor;
use crate::{App, AppError, Result};

/// What the clerk entered to forward an application.
#[derive(Debug, Clone, Default)]
pub struct Forwarding {
    pub partner: String,
    /// Made when the form was shown: sending the same form twice forwards once.
    pub reference: String,
    pub item_code: String,
    pub applicant: Person,
    pub form: BTreeMap<String, String>,
    /// Materials whose paper original the clerk checked.
    pub originals: Vec<String>,
    /// Scanned files: (material, file name, bytes).
    pub files: Vec<(String, String, Vec<u8>)>,
    pub note: String,
}

/// A forward as the receiving window follows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Outgoing {
    pub row: OutRow,
    pub partner_name: String,
    /// The ID number as shown to staff (masked).
    pub id_masked: String,
    pub progress: Vec<Progress>,
    pub status: String,
    /// The result has arrived and has not been handed over yet.
    pub ready: bool,
}

fn clerk(actor: &Actor) -> Result<(&StaffScope, &str, &str)> {
    match actor {
        Actor::Staff {
            scope, id, name, ..
        } if actor.has_role(Role::Clerk) => Ok((scope, id, name)),
        Actor::Anonymous => Err(AppError::Unauthenticated),
        _ => Err(AppError::Forbidden(
            "只有综窗受理人员可以办理跨市通办".into(),
        )),
    }
}

/// The items a partner lets windows here receive, as it lists them now.
pub async fn offered_items(
    app: &App,
    actor: &Actor,
    partner_code: &str,
) -> Result<Vec<OfferedItem>> {
    clerk(actor)?;
    let p = partner(app, partner_code)?;
    let key = uuid::Uuid::now_v7().to_string();
    call(app, p, hyper::Method::GET, "items", &key, Vec::new()).await
}

/// Forwards an application to the partner that concludes the item and records it here.
/// Everything is checked before the partner hears of it; the record is written once the
/// partner has taken it, so a refused forward leaves nothing behind.
pub async fn forward(app: &App, actor: &Actor, f: Forwarding) -> Result<OutRow> {
    let (scope, clerk_id, clerk_name) = clerk(actor)?;
    let p = partner(app, &f.partner)?;
    {
        let mut c = app.store.conn().await?;
        if let Some(done) = store::tongban::find_out(&mut c, &f.reference).await? {
            return Ok(done);
        }
    }
    check_person(app, &f.applicant)?;
    let items = offered_items(app, actor, &p.code).await?;
    let item = items
        .iter()
        .find(|i| i.code == f.item_code)
        .ok_or_else(|| {
            AppError::field(
                "item",
                "unknown",
                format!("{}的跨市通办清单中没有这个事项", p.name),
            )
        })?;
    let point = window_point(app, scope).await?;
    let mut files = Vec::new();
    for (material, file_name, bytes) in &f.files {
        let media_type = crate::uploads::sniff(bytes).ok_or_else(|| {
            AppError::field(
                &format!("files.{material}"),
                "bad_type",
                "只能上传 PDF、JPEG、PNG 或 OFD 文件（按文件内容判断）",
            )
        })?;
        files.push(tb::File {
            material: material.clone(),
            file_name: file_name.clone(),
            media_type: media_type.into(),
            content: base64::engine::general_purpose::STANDARD.encode(bytes),
        });
    }
    let now = app.now();
    let msg = Forward {
        protocol: tb::PROTOCOL.into(),
        reference: f.reference.clone(),
        item_code: item.code.clone(),
        applicant: Person {
            id_number: f.applicant.id_number.trim().to_uppercase(),
            name: f.applicant.name.trim().into(),
            phone: f.applicant.phone.trim().into(),
        },
        point: point.clone(),
        clerk: clerk_name.into(),
        received_at: now,
        form: f.form,
        originals: f.originals,
        files,
        note: f.note.trim().into(),
    };
    let names: Vec<&str> = item.materials.iter().map(|m| m.name.as_str()).collect();
    tb::check_forward(&msg, &names).map_err(AppError::Validation)?;
    // Mandatory materials: checked here too, so the clerk hears it before the person leaves.
    tb::check_mandatory(&msg, &item.materials).map_err(AppError::Validation)?;
    let body = serde_json::to_vec(&msg).map_err(|e| AppError::Internal(e.to_string()))?;
    let receipt: Receipt = call(
        app,
        p,
        hyper::Method::POST,
        "forwards",
        &msg.reference,
        body,
    )
    .await?;
    let row = OutRow {
        id: msg.reference.clone(),
        partner: p.code.clone(),
        item_code: item.code.clone(),
        item_name: item.name.clone(),
        applicant_name: msg.applicant.name.clone(),
        applicant_id_number: msg.applicant.id_number.clone(),
        applicant_phone: msg.applicant.phone.clone(),
        point_code: point.code,
        point_name: point.name,
        region: scope.region.clone(),
        clerk_id: clerk_id.into(),
        clerk_name: clerk_name.into(),
        sent_at: store::millis(now),
        case_number: receipt.case_number,
        version: None,
        progress: "[]".into(),
        handed_over_at: None,
        handed_over_by: None,
    };
    let mut tx = app.store.begin().await?;
    // A second click that raced the first: the partner answered the same case, keep one row.
    if store::tongban::find_out(&mut tx, &row.id).await?.is_none() {
        store::tongban::insert_out(&mut tx, &row).await?;
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(row)
}

/// Where the clerk receives: their region's first service point, or the region itself.
async fn window_point(app: &App, scope: &StaffScope) -> Result<PointRef> {
    let mut c = app.store.conn().await?;
    if let Some(p) = crate::cases::relay::home_points(app, &mut c, scope)
        .await?
        .into_iter()
        .next()
    {
        return Ok(PointRef {
            code: p.code,
            name: p.name,
            region: p.region,
        });
    }
    let region = store::org::get_region(&mut c, &scope.region).await?;
    Ok(PointRef {
        code: scope.region.clone(),
        name: format!("{}政务服务窗口", region.name),
        region: scope.region.clone(),
    })
}

fn outgoing(app: &App, row: OutRow) -> Outgoing {
    let progress: Vec<Progress> = serde_json::from_str(&row.progress).unwrap_or_default();
    let partner_name = app
        .settings
        .tongban
        .as_ref()
        .and_then(|c| c.partners.iter().find(|p| p.code == row.partner))
        .map(|p| p.name.clone())
        .unwrap_or_else(|| row.partner.clone());
    let handed = row.handed_over_at.is_some();
    let last = progress.last();
    let status = tb::status_label(last, handed);
    let ready = !handed && last.is_some_and(|p| p.ready_for_pickup);
    // Review steps report the same state again: the page lists each change once.
    let mut progress = progress;
    progress.dedup_by(|later, earlier| later.label == earlier.label);
    Outgoing {
        id_masked: domain::ids::mask_personal(&row.applicant_id_number),
        status,
        ready,
        partner_name,
        progress,
        row,
    }
}

/// The forwards of the clerk's region (and below), newest first.
pub async fn list(app: &App, actor: &Actor) -> Result<Vec<Outgoing>> {
    let (scope, ..) = clerk(actor)?;
    let mut c = app.store.conn().await?;
    let prefix = scope.region.trim_end_matches("00");
    let rows = store::tongban::list_out(&mut c, prefix, 200).await?;
    Ok(rows
        .into_iter()
        .filter(|r| scope.covers_region(&r.region))
        .map(|r| outgoing(app, r))
        .collect())
}

/// One forward, for a clerk of its region.
pub async fn view(app: &App, actor: &Actor, id: &str) -> Result<Outgoing> {
    let (scope, ..) = clerk(actor)?;
    let mut c = app.store.conn().await?;
    match store::tongban::find_out(&mut c, id).await? {
        Some(r) if scope.covers_region(&r.region) => Ok(outgoing(app, r)),
        _ => Err(AppError::NotFound("跨市通办转办记录".into())),
    }
}

/// A progress report from the partner that concludes a forward: kept when newer than what
/// is known. True when it was new.
pub async fn receive_progress(
    app: &App,
    sender: Option<&str>,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
) -> Result<bool> {
    let p = verified(app, sender, timestamp, signature, body)?;
    let report: Progress = serde_json::from_slice(body)
        .map_err(|e| AppError::field("body", "invalid", format!("进度报文无法解析：{e}")))?;
    if report.protocol != tb::PROTOCOL {
        return Err(AppError::field(
            "protocol",
            "unsupported",
            format!("协议版本应为 {}", tb::PROTOCOL),
        ));
    }
    let mut tx = app.store.begin().await?;
    let row = match store::tongban::find_out(&mut tx, &report.reference).await? {
        Some(r) if r.partner == p.code => r,
        _ => return Err(AppError::NotFound(format!("转办 {}", report.reference))),
    };
    if !tb::newer(row.version, report.version) {
        return Ok(false);
    }
    let mut progress: Vec<Progress> = serde_json::from_str(&row.progress).unwrap_or_default();
    progress.push(report.clone());
    let text = serde_json::to_string(&progress).map_err(|e| AppError::Internal(e.to_string()))?;
    let done = store::tongban::record_progress(&mut tx, &row.id, report.version, &text).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(done)
}

/// The window hands the result over to the person and tells the concluding partner, whose
/// case then completes. Only once the partner has reported the result sent here.
pub async fn hand_over(app: &App, actor: &Actor, id: &str) -> Result<Outgoing> {
    let (_, _, clerk_name) = clerk(actor)?;
    let o = view(app, actor, id).await?;
    if o.row.handed_over_at.is_some() {
        return Err(AppError::State("结果已交付申请人".into()));
    }
    if !o.ready {
        return Err(AppError::State("对方平台尚未送达办理结果，不能交付".into()));
    }
    let p = partner(app, &o.row.partner)?;
    let now = app.now();
    let msg = Handover {
        protocol: tb::PROTOCOL.into(),
        reference: o.row.id.clone(),
        by: clerk_name.into(),
        at: now,
    };
    let body = serde_json::to_vec(&msg).map_err(|e| AppError::Internal(e.to_string()))?;
    let key = format!("{}-handover", o.row.id);
    let _: serde_json::Value = call(app, p, hyper::Method::POST, "handovers", &key, body).await?;
    let mut tx = app.store.begin().await?;
    store::tongban::hand_over(&mut tx, id, clerk_name, store::millis(now)).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    view(app, actor, id).await
}
