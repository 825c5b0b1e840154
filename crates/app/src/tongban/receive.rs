//! The concluding side of 跨市通办: a partner's window forwards an application for an item
//! concluded here; it becomes a case filed by the system for the person, received at the
//! partner's window (`RelayBasis::Partner`), whose progress goes back after every change and
//! which completes when the partner reports the result handed over.

use std::collections::BTreeMap;

use base64::Engine;
use domain::account::AccountKind;
use domain::case::relay::{PointRef, Relay, RelayBasis, Stamp};
use domain::case::{Case, CaseState, Command, Provision};
use domain::catalog::{MaterialForm, NodeKind};
use domain::tongban::{
    self as tb, Forward, Handover, OfferedItem, OfferedMaterial, Progress, Receipt,
};
use store::tongban::InRow;

use super::{Partner, call, check_person, verified};
use crate::{App, AppError, Result};

/// The published items partners may forward (the 跨市通办 list: 跨市, 跨省 and 全国通办
/// items), answered to a partner's signed request.
pub async fn answer_items(
    app: &App,
    sender: Option<&str>,
    timestamp: Option<&str>,
    signature: Option<&str>,
) -> Result<Vec<OfferedItem>> {
    verified(app, sender, timestamp, signature, b"")?;
    let mut c = app.store.conn().await?;
    let filter = store::catalog::ItemFilter {
        published_only: true,
        ..Default::default()
    };
    let (rows, _) = store::catalog::list_items(&mut c, &filter, false, 5000, 0).await?;
    let departments: BTreeMap<String, String> = store::org::list_departments(&mut c)
        .await?
        .into_iter()
        .map(|d| (d.code, d.name))
        .collect();
    let mut out = Vec::new();
    for r in rows {
        let Some(v) = r.current_version else { continue };
        let def = app.item_version(&mut c, &r.code, v).await?;
        if def.node == NodeKind::Main || !tb::forwardable(def.scope) {
            continue;
        }
        out.push(OfferedItem {
            code: def.code.clone(),
            name: def.name.clone(),
            department: departments
                .get(&def.department)
                .cloned()
                .unwrap_or_else(|| def.department.clone()),
            form: def.form.clone(),
            materials: def
                .materials
                .iter()
                .map(|m| OfferedMaterial {
                    name: m.name.clone(),
                    original: m.form != MaterialForm::Electronic,
                    mandatory: m.mandatory,
                })
                .collect(),
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// A forward from a partner's window: checked (signature, item on the list, materials, the
/// person), then filed and submitted as one case. The same reference again answers the case
/// it became.
pub async fn receive_forward(
    app: &App,
    sender: Option<&str>,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
) -> Result<Receipt> {
    let p = verified(app, sender, timestamp, signature, body)?;
    let f: Forward = serde_json::from_slice(body)
        .map_err(|e| AppError::field("body", "invalid", format!("转办报文无法解析：{e}")))?;
    let mut c = app.store.conn().await?;
    if let Some(done) = store::tongban::find_in(&mut c, &p.code, &f.reference).await? {
        drop(c);
        return repeated(app, done).await;
    }
    let unknown = || {
        AppError::field(
            "item_code",
            "unknown",
            format!("事项 {} 不在本平台的跨市通办清单中", f.item_code),
        )
    };
    let item = store::catalog::find_item(&mut c, &f.item_code)
        .await?
        .ok_or_else(unknown)?;
    let Some(version) = item.current_version.filter(|_| item.status == "active") else {
        return Err(unknown());
    };
    let def = app.item_version(&mut c, &item.code, version).await?;
    if def.node == NodeKind::Main || !tb::forwardable(def.scope) {
        return Err(unknown());
    }
    let names: Vec<&str> = def.materials.iter().map(|m| m.name.as_str()).collect();
    tb::check_forward(&f, &names).map_err(AppError::Validation)?;
    // The form as the submission will judge it, so a bad one is refused before anything is
    // written (fields named `form.<key>`).
    domain::workflow::validate_form(&def.form, &f.form).map_err(AppError::Validation)?;
    let (applicant_id, walk_in) = person(app, &mut c, &f).await?;
    drop(c);
    // What the partner's window checked and scanned: trust level B and C, as at a window here.
    let by = format!("{}·{}", p.name, f.clerk.trim());
    let mut carried: BTreeMap<String, Provision> = f
        .originals
        .iter()
        .map(|m| (m.clone(), Provision::CheckedOriginal { by: by.clone() }))
        .collect();
    for (i, file) in f.files.iter().enumerate() {
        let field = format!("files[{i}].content");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&file.content)
            .map_err(|_| AppError::field(&field, "invalid", "文件内容应为 base64"))?;
        let media = crate::uploads::sniff(&bytes).ok_or_else(|| {
            AppError::field(&field, "bad_type", "只能转送 PDF、JPEG、PNG 或 OFD 文件")
        })?;
        let owner = format!("partner:{}", p.code);
        let kept = crate::uploads::keep(app, &owner, &bytes, media, &file.file_name).await?;
        carried.insert(file.material.clone(), kept);
    }
    let point = PointRef {
        code: format!("{}:{}", p.code, f.point.code),
        name: format!("{}·{}", p.name, f.point.name.trim()),
        region: f.point.region.clone(),
    };
    let relay = Relay {
        received_at: point.clone(),
        basis: RelayBasis::Partner,
        pickup: point,
        originals: f.originals.clone(),
        // The partner's window posts the originals it checked; the department signs for them.
        originals_sent: (!f.originals.is_empty()).then(|| Stamp {
            by: by.clone(),
            at: f.received_at,
        }),
        originals_received: None,
    };
    // The record is written with the case, so a retry (or a second copy racing this one:
    // the record's key refuses it) never makes a second case.
    let forwarded = crate::cases::Forwarded {
        relay,
        form: f.form.clone(),
        record: InRow {
            partner: p.code.clone(),
            reference: f.reference.clone(),
            received_at: store::millis(app.now()),
            ..InRow::default()
        },
    };
    let case =
        crate::cases::file_forwarded(app, &applicant_id, walk_in, &def.code, forwarded, carried)
            .await;
    let case = match case {
        Ok(c) => c,
        Err(e) => {
            // Lost a race with a copy of this forward: answer as that copy did.
            let mut c = app.store.conn().await?;
            return match store::tongban::find_in(&mut c, &p.code, &f.reference).await? {
                Some(done) => {
                    drop(c);
                    repeated(app, done).await
                }
                None => Err(e),
            };
        }
    };
    let number = submit(app, case.id.as_str()).await?;
    Ok(Receipt {
        reference: f.reference,
        case_number: number,
        repeated: false,
    })
}

/// A forward seen before: its receipt, and the submission finished if it was cut short (the
/// case recorded, the process stopped before it was submitted).
async fn repeated(app: &App, done: InRow) -> Result<Receipt> {
    let number = if done.case_number.is_empty() {
        submit(app, &done.case_id).await?
    } else {
        done.case_number
    };
    Ok(Receipt {
        reference: done.reference,
        case_number: number,
        repeated: true,
    })
}

/// Submits a forwarded case as the system and records its number; a case another copy of the
/// forward submitted meanwhile is read, not submitted twice.
async fn submit(app: &App, case_id: &str) -> Result<String> {
    let submitted = match crate::cases::act_as_system(app, case_id, Command::Submit).await {
        Ok(c) => c,
        Err(AppError::State(_)) => {
            let mut c = app.store.conn().await?;
            let case = store::cases::get_case(&mut c, case_id)
                .await?
                .ok_or_else(|| AppError::NotFound(format!("办件 {case_id}")))?;
            if case.number.as_str().is_empty() {
                return Err(AppError::State("转办的办件未能提交，请稍后重试".into()));
            }
            return Ok(case.number.as_str().into());
        }
        Err(e) => return Err(e),
    };
    // The partner heard of the submission through the committed case (its record was
    // written with the case); the record keeps the number for the receipt of a retry.
    let mut c = app.store.conn().await?;
    store::tongban::set_in_number(&mut c, case_id, submitted.number.as_str()).await?;
    Ok(submitted.number.as_str().into())
}

/// The person's account here: theirs when registered (the name must match), else a walk-in
/// record written with the case (无账号办理).
async fn person(
    app: &App,
    c: &mut store::Connection,
    f: &Forward,
) -> Result<(String, Option<store::accounts::AccountRow>)> {
    let login = f.applicant.id_number.trim().to_uppercase();
    if let Some(a) = store::accounts::find_by_login(c, &login).await? {
        if a.kind == AccountKind::Staff {
            return Err(AppError::field(
                "applicant.id_number",
                "staff",
                "工作人员账号不能作为申请人",
            ));
        }
        if a.display_name != f.applicant.name.trim() {
            return Err(AppError::field(
                "applicant.name",
                "mismatch",
                "姓名与该证件号码登记的不一致，请核对证件",
            ));
        }
        return Ok((a.id, None));
    }
    let row = crate::cases::walk_in_row(app, check_person(app, &f.applicant)?);
    Ok((row.id.clone(), Some(row)))
}

/// The report a partner hears about a forwarded case.
fn report(reference: &str, c: &Case, at: time::OffsetDateTime) -> Progress {
    Progress {
        protocol: tb::PROTOCOL.into(),
        reference: reference.into(),
        case_number: c.number.as_str().into(),
        version: c.version,
        state: c.state.as_str().into(),
        label: c.state_label().into(),
        at,
        outcome: c.decision.as_ref().map(|d| tb::Outcome {
            approved: d.approved,
            summary: if d.approved {
                format!("准予办理：{}", c.item_name)
            } else {
                format!("不予办理：{}", d.reason)
            },
        }),
        ready_for_pickup: matches!(c.state, CaseState::Issuing | CaseState::Completed),
    }
}

/// Pushes one forwarded case's state to its partner; records how far it got.
async fn push(app: &App, row: &InRow) -> Result<()> {
    let Some(p) = partner_of(app, &row.partner) else {
        return Ok(());
    };
    let (case, changed) = {
        let mut c = app.store.conn().await?;
        let case = store::cases::get_case(&mut c, &row.case_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("办件 {}", row.case_id)))?;
        let at = store::cases::last_event_at(&mut c, &row.case_id).await?;
        (
            case,
            at.map(crate::from_millis).unwrap_or_else(|| app.now()),
        )
    };
    // The time of the change, not of this attempt: a retry reports when it happened.
    let msg = report(&row.reference, &case, changed);
    let body = serde_json::to_vec(&msg).map_err(|e| AppError::Internal(e.to_string()))?;
    let key = format!("{}-{}", row.reference, case.version);
    let sent: Result<serde_json::Value> =
        call(app, p, hyper::Method::POST, "progress", &key, body).await;
    let (version, error) = match &sent {
        Ok(_) => (case.version, String::new()),
        Err(e) => (0, format!("{e}")),
    };
    let mut tx = app.store.begin().await?;
    store::tongban::pushed(&mut tx, &row.case_id, version, &error).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    sent.map(|_| ())
}

fn partner_of<'a>(app: &'a App, code: &str) -> Option<&'a Partner> {
    app.settings
        .tongban
        .as_ref()
        .and_then(|c| c.partners.iter().find(|p| p.code == code))
}

/// After every committed change of a forwarded case: its partner hears of it at once (in
/// the background; housekeeping retries what did not go through).
pub async fn on_case_committed(app: &App, case: &Case) -> Result<()> {
    if !domain::case::relay::from_partner(case) {
        return Ok(());
    }
    let row = {
        let mut c = app.store.conn().await?;
        store::tongban::in_by_case(&mut c, case.id.as_str()).await?
    };
    if let Some(row) = row {
        let app = app.clone();
        tokio::spawn(async move {
            if let Err(e) = push(&app, &row).await {
                tracing::warn!(target: "onewindow::tongban", case = %row.case_id, "progress push failed, housekeeping retries: {e:?}");
            }
        });
    }
    Ok(())
}

/// Housekeeping: pushes every forwarded case whose partner has not heard its latest change.
pub async fn push_pending(app: &App) -> Result<usize> {
    if app.settings.tongban.is_none() {
        return Ok(0);
    }
    let rows = {
        let mut c = app.store.conn().await?;
        store::tongban::unpushed(&mut c, 100).await?
    };
    let mut done = 0;
    // A partner that did not answer is not called again this round: its cases wait for the
    // next one instead of each waiting out the timeout.
    let mut down = std::collections::HashSet::new();
    for row in rows {
        if down.contains(&row.partner) {
            continue;
        }
        match push(app, &row).await {
            Ok(()) => done += 1,
            Err(AppError::Unavailable { .. }) => {
                down.insert(row.partner.clone());
            }
            Err(_) => {}
        }
    }
    Ok(done)
}

/// The partner's window handed the result over: the case completes.
pub async fn receive_handover(
    app: &App,
    sender: Option<&str>,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
) -> Result<String> {
    let p = verified(app, sender, timestamp, signature, body)?;
    let h: Handover = serde_json::from_slice(body)
        .map_err(|e| AppError::field("body", "invalid", format!("交付报文无法解析：{e}")))?;
    let row = {
        let mut c = app.store.conn().await?;
        store::tongban::find_in(&mut c, &p.code, &h.reference)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("转办 {}", h.reference)))?
    };
    let case = {
        let mut c = app.store.conn().await?;
        store::cases::get_case(&mut c, &row.case_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("办件 {}", row.case_id)))?
    };
    if case.state == CaseState::Completed {
        return Ok(case.state.as_str().into());
    }
    let done = crate::cases::act_as_system(app, &row.case_id, Command::Complete).await?;
    tracing::info!(target: "onewindow::tongban", case = %done.number, by = %h.by, "result handed over at the partner's window");
    Ok(done.state.as_str().into())
}
