//! The holder's wallet (我的证照): licenses with their status, each use of them, and the PDF
//! with its QR code.

use std::collections::BTreeMap;

use domain::calendar::china_date;
use license::Status;
use store::Connection;
use store::licenses::{self as sl, LicenseRow};

use super::*;
use crate::auth::Actor;
use crate::{App, AppError, Result};

pub(super) fn status_label(s: &str) -> &'static str {
    match s {
        "revoked" => "注销",
        "replaced" => "被换发",
        _ => "有效",
    }
}

/// A license as its holder or staff see it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LicenseView {
    pub id: String,
    pub number: String,
    pub type_name: String,
    pub issuer: String,
    pub holder_name: String,
    pub issued: String,
    pub valid_until: Option<String>,
    /// valid | expired | revoked | replaced.
    pub status: &'static str,
    pub status_label: &'static str,
    pub status_note: String,
    /// (label, value) in the order the license type prints them.
    pub fields: Vec<(String, String)>,
    /// The signed QR text.
    pub token: String,
    /// The address the QR code opens.
    pub verify_url: String,
    pub case_id: Option<String>,
    /// Empty for the reader's own license; else how the reader relates to its holder (the
    /// legal representative of an enterprise, the guardian of a child).
    pub on_behalf: String,
}

pub(super) async fn view_of(
    conn: &mut Connection,
    app: &App,
    l: LicenseRow,
) -> Result<LicenseView> {
    let t = app
        .license_type(conn, crate::TypeKey::Code(l.type_code.clone()))
        .await?;
    let dept = app.department(conn, &l.department).await?;
    let (status, status_label) = effective_status(app, &l);
    let mut stored: BTreeMap<String, String> = serde_json::from_str(&l.fields).map_err(internal)?;
    let mut fields: Vec<(String, String)> = t
        .iter()
        .flat_map(|t| t.fields.iter())
        .filter_map(|f| stored.remove_entry(&f.label))
        .collect();
    fields.extend(stored);
    Ok(LicenseView {
        verify_url: verify_url(app, &l.token),
        fields,
        type_name: t.map_or_else(|| l.type_code.clone(), |t| t.name.clone()),
        issuer: dept.name.clone(),
        id: l.id,
        number: l.number,
        holder_name: l.holder_name,
        issued: l.issued,
        valid_until: l.valid_until,
        status,
        status_label,
        status_note: l.status_note,
        token: l.token,
        case_id: l.case_id,
        on_behalf: String::new(),
    })
}

pub(super) fn stored_status(l: &LicenseRow) -> Status {
    match l.status.as_str() {
        "revoked" => Status::Revoked {
            reason: l.status_note.clone(),
        },
        "replaced" => Status::Replaced {
            by: l.status_note.clone(),
        },
        _ => Status::Valid,
    }
}

pub(super) fn effective_status(app: &App, l: &LicenseRow) -> (&'static str, &'static str) {
    let until = l.valid_until.as_deref().and_then(|d| {
        time::Date::parse(d, time::macros::format_description!("[year]-[month]-[day]")).ok()
    });
    license::status_on(&stored_status(l), until, china_date(app.now()))
}

pub fn verify_url(app: &App, token: &str) -> String {
    format!(
        "{}/v/{token}",
        app.settings.public_url.trim_end_matches('/')
    )
}

/// The holder's licenses (亮证: the wallet), then those of the enterprises they represent and
/// the children in their care, each marked with the relation.
pub async fn wallet(app: &App, actor: &Actor) -> Result<Vec<LicenseView>> {
    let Actor::Applicant { login, id, .. } = actor else {
        return match actor {
            Actor::Anonymous => Err(AppError::Unauthenticated),
            _ => Err(AppError::Forbidden("证照夹属于个人和企业用户".into())),
        };
    };
    let mut conn = app.store.conn().await?;
    let mut out = Vec::new();
    for l in sl::of_holder(&mut conn, login).await? {
        out.push(view_of(&mut conn, app, l).await?);
    }
    for (holder, relation) in store::subjects::linked_holders(&mut conn, id).await? {
        for l in sl::of_holder(&mut conn, &holder).await? {
            let mut v = view_of(&mut conn, app, l).await?;
            v.on_behalf = relation.clone();
            out.push(v);
        }
    }
    Ok(out)
}

/// One license with every use of it (用证记录). Only the holder, or staff whose scope covers
/// the issuing department, may open it; others get "not found" so ids cannot be probed.
/// One use of a license, as its holder reads it: who, when, for which case and why.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UseView {
    pub at: i64,
    pub department: String,
    pub case_id: String,
    pub case_number: String,
    pub material: String,
    pub reason: String,
}

pub async fn get(app: &App, actor: &Actor, id: &str) -> Result<(LicenseView, Vec<UseView>)> {
    let mut conn = app.store.conn().await?;
    let not_found = || AppError::NotFound("该证照".into());
    let l = sl::get_license(&mut conn, id)
        .await?
        .ok_or_else(not_found)?;
    // Who filed the case that issued it (a guardian for a child, a relative for the
    // deceased) may read the licence itself, never the holder's later uses of it.
    let (ok, sees_uses) = match actor {
        Actor::Anonymous => return Err(AppError::Unauthenticated),
        Actor::Applicant { login, id, .. } => {
            if *login == l.holder_id
                || store::subjects::is_linked(&mut conn, &l.holder_id, id).await?
            {
                (true, true)
            } else {
                (filed_by(&mut conn, &l, id).await?, false)
            }
        }
        Actor::Staff { scope, .. } => {
            let d = store::org::get_department(&mut conn, &l.department).await?;
            (scope.covers(&d.region, Some(&d.code)), true)
        }
    };
    if !ok {
        return Err(not_found());
    }
    let mut uses = Vec::new();
    let rows = if sees_uses {
        sl::uses_of(&mut conn, id).await?
    } else {
        Vec::new()
    };
    for u in rows {
        let department = match store::org::get_department(&mut conn, &u.department).await {
            Ok(d) => d.name,
            Err(_) => u.department.clone(),
        };
        let case_number = store::cases::get_case(&mut conn, &u.case_id)
            .await?
            .map(|c| {
                if c.number.is_empty() {
                    "（草稿，尚未提交）".to_string()
                } else {
                    c.number.into_string()
                }
            })
            .unwrap_or_default();
        uses.push(UseView {
            at: u.at,
            department,
            case_id: u.case_id,
            case_number,
            material: u.material,
            reason: u.reason,
        });
    }
    let holder = l.holder_id.clone();
    let mut v = view_of(&mut conn, app, l).await?;
    drop(conn);
    if let Actor::Staff { id: staff, .. } = actor {
        // Staff read a license's personal numbers masked, and every read is logged for the
        // holder to see.
        v = masked_for_staff(v);
        store::cases::log_access(
            &app.store,
            &store::cases::Access {
                at: app.now_ms(),
                actor: staff,
                subject: &holder,
                record: &format!("license:{}", v.id),
                what: &format!("查看电子证照 {} {}", v.type_name, v.number),
            },
        )
        .await?;
    }
    Ok((v, uses))
}

/// A license as staff see it: ID numbers and mobile phone numbers in its fields masked, and
/// no QR token (which would show them in full when scanned).
fn masked_for_staff(mut v: LicenseView) -> LicenseView {
    for (_, value) in v.fields.iter_mut() {
        *value = domain::ids::mask_personal(value);
    }
    v.token = String::new();
    v.verify_url = String::new();
    v
}

/// The license as a PDF certificate, kept in the file store as first handed out (see
/// [`crate::files::Files::rendered`]).
pub async fn pdf_file(app: &App, v: &LicenseView) -> Result<Vec<u8>> {
    app.files.rendered("licenses", &v.id, v, || pdf(v)).await
}

/// The license as a PDF certificate with its verification QR code printed on it.
pub fn pdf(v: &LicenseView) -> Result<Vec<u8>> {
    use paper::Block;
    let mut rows = vec![("证照编号".to_string(), v.number.clone())];
    rows.extend(v.fields.iter().map(|(k, val)| (k.clone(), val.clone())));
    rows.push((
        "有效期".into(),
        match &v.valid_until {
            Some(u) => format!("{} 至 {u}", v.issued),
            None => format!("{} 起长期有效", v.issued),
        },
    ));
    rows.push(("电子证照标识".into(), v.id.clone()));
    let doc = paper::Document {
        title: format!("{} {}", v.type_name, v.number),
        blocks: vec![
            Block::Title(v.type_name.clone()),
            Block::Centered("（电子证照）".into()),
            Block::Gap(18.0),
            Block::Fields(rows),
            Block::Gap(18.0),
            Block::Qr {
                text: v.verify_url.clone(),
                size: 150.0,
                caption: "扫码核验：显示证照是否有效".into(),
            },
            Block::Gap(18.0),
            Block::Right(v.issuer.clone()),
            Block::Right("（电子印章：SM2 签名）".into()),
        ],
    };
    paper::render(&doc).map_err(internal)
}

/// Whether the account filed the case that issued the licence.
async fn filed_by(conn: &mut Connection, l: &LicenseRow, account_id: &str) -> Result<bool> {
    let Some(case_id) = &l.case_id else {
        return Ok(false);
    };
    Ok(store::cases::get_case(conn, case_id)
        .await?
        .is_some_and(|c| c.applicant_id.as_str() == account_id))
}

/// The licences a case issued, for its page: to the applicant who filed it (whoever holds
/// them) and to staff; an agent filing for someone does not see their numbers.
pub async fn of_case(
    conn: &mut store::Conn,
    app: &App,
    actor: &Actor,
    case: &domain::case::Case,
) -> Result<Vec<LicenseView>> {
    let shown = match actor {
        Actor::Applicant { id, .. } => *id == case.applicant_id,
        Actor::Staff { .. } => true,
        Actor::Anonymous => false,
    };
    let mut out = Vec::new();
    // A case issues licences only with a decision (`licenses::prepare_for_case`, on
    // approval): before one there is nothing to look up.
    if shown && case.decision.is_some() {
        for l in sl::read_of_case(conn, case.id.as_str()).await? {
            out.push(view_of(conn, app, l).await?);
        }
    }
    Ok(out)
}
