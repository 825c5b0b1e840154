//! Electronic licenses (电子证照): issuing on approval in the decision's write,
//! attaching the holder's licenses to a new application (免提交, trust level A), revoking,
//! the holder's wallet, and public verification of a QR token.

use std::collections::BTreeMap;

use domain::calendar::china_date;
use domain::case::{Case, CaseActor, Provision};
use domain::catalog::ItemDefinition;
use domain::license::{HolderKind, IssueContext, LicenseType};
use license::{Core, IssuerKey, LicenseId, MasterKey, PublicKey, Status, Token};
use store::Connection;
use store::licenses::{self as sl, KeyRow, LicenseRow, UseRow};

use crate::auth::Actor;
use crate::{App, AppError, Result, audit};

/// The master key that seals issuer keys: from configuration, or else a key file created in
/// the data directory on first use (readable by the owner only).
pub fn master_key(app: &App) -> Result<MasterKey> {
    if let Some(hex) = &app.settings.license_master_key {
        return MasterKey::from_hex(hex).map_err(|e| AppError::Internal(e.to_string()));
    }
    let path = app.settings.data_dir.join("license-master.key");
    let hex = match std::fs::read_to_string(&path) {
        Ok(s) => s,
        Err(_) => {
            let hex = MasterKey::generate_hex();
            write_private(&path, &hex)?;
            tracing::warn!(path = %path.display(), "created a license master key; back it up, or set licenses.master_key");
            hex
        }
    };
    // Losing this key makes every issuer key unusable: it is never replaced silently.
    MasterKey::from_hex(&hex).map_err(|e| AppError::Internal(format!("{}: {e}", path.display())))
}

fn write_private(path: &std::path::Path, content: &str) -> Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts
        .open(path)
        .map_err(|e| AppError::Internal(format!("{}: {e}", path.display())))?;
    f.write_all(content.as_bytes())
        .map_err(|e| AppError::Internal(e.to_string()))
}

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(e.to_string())
}

/// The department's signing key, created on first use.
async fn signing_key(conn: &mut Connection, app: &App, department: &str) -> Result<IssuerKey> {
    if let Some(k) = sl::active_key(conn, department).await? {
        return unseal(&k.key_id, &k.sealed_secret, app);
    }
    new_key(conn, app, department, &master_key(app)?).await
}

fn unseal(key_id: &str, sealed_hex: &str, app: &App) -> Result<IssuerKey> {
    let sealed = hex::decode(sealed_hex).map_err(internal)?;
    IssuerKey::unseal(key_id, &sealed, &master_key(app)?).map_err(internal)
}

async fn new_key(
    conn: &mut Connection,
    app: &App,
    department: &str,
    master: &MasterKey,
) -> Result<IssuerKey> {
    let now = app.now_ms();
    // Readable and unique: the department and its key generation (1, 2, ...).
    let generation = sl::keys(conn)
        .await?
        .iter()
        .filter(|k| k.department == department)
        .count()
        + 1;
    let key_id = format!("{department}-k{generation}");
    let key = IssuerKey::generate(&key_id);
    sl::insert_key(
        conn,
        &KeyRow {
            key_id,
            department: department.to_string(),
            public_key: key.public().to_hex(),
            sealed_secret: hex::encode(key.seal(master)),
            created_at: now,
            retired_at: None,
        },
    )
    .await?;
    Ok(key)
}

/// Key rotation: the department signs with a new key from now on; licenses signed with the
/// old one still verify (its public key stays in the register).
pub async fn rotate_key(app: &App, actor: &Actor, department: &str) -> Result<String> {
    require_admin(actor)?;
    rotate(app, department).await
}

/// Rotation from the command line, whose operator holds the server's configuration.
pub async fn rotate_key_cli(app: &App, department: &str) -> Result<String> {
    rotate(app, department).await
}

async fn rotate(app: &App, department: &str) -> Result<String> {
    let mut conn = app.store.conn().await?;
    store::org::get_department(&mut conn, department)
        .await
        .map_err(|_| {
            AppError::field("department", "unknown", format!("部门 {department} 不存在"))
        })?;
    drop(conn);
    let master = master_key(app)?;
    let mut tx = app.store.begin().await?;
    sl::retire_keys(&mut tx, department, app.now_ms()).await?;
    let k = new_key(&mut tx, app, department, &master).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(k.key_id)
}

fn require_admin(actor: &Actor) -> Result<()> {
    match actor {
        Actor::Staff { roles, .. } if roles.contains(&domain::account::Role::SystemAdmin) => Ok(()),
        Actor::Anonymous => Err(AppError::Unauthenticated),
        _ => Err(AppError::Forbidden("只有系统管理员可以管理颁证密钥".into())),
    }
}

/// The holder of a case's result: the applicant's account (login is the ID number or credit
/// code).
async fn holder_of(
    app: &App,
    conn: &mut Connection,
    case: &Case,
) -> Result<std::sync::Arc<store::accounts::AccountRow>> {
    app.account(conn, &case.applicant_id).await
}

/// A license an approval issues, signed before the decision is written: the decision's one
/// batch stores it with its `license_issued` event, so both happen or neither.
pub struct Prepared {
    pub row: LicenseRow,
    /// The holder keeps one valid license of this type (变更/换发 replaces the others).
    pub replaces_others: bool,
    /// The payload of the `license_issued` audit event.
    pub payload: String,
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
    let item = crate::TypeKey::Item(case.item_code.clone());
    let Some(t) = app.license_type(&mut conn, item).await? else {
        return Ok(None);
    };
    let holder = holder_of(app, &mut conn, case).await?;
    let dept = app.department(&mut conn, &t.department).await?;
    let active = sl::active_key(&mut conn, &t.department).await?;
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
        holder_name: &holder.display_name,
        holder_id: &holder.login,
        department_name: &dept.name,
        decided_on: today,
    };
    let fields = t.fill(case, &cx);
    let to = Holder {
        id: &holder.login,
        name: &holder.display_name,
        natural_person: holder.kind != "enterprise",
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
        Some(case.id.clone()),
    )?;
    let payload = serde_json::json!({"event": "license_issued", "license": row.id, "number": row.number, "type": t.name});
    Ok(Some(Prepared {
        row,
        replaces_others: t.single_per_holder,
        payload: payload.to_string(),
    }))
}

/// Who a license is issued to.
struct Holder<'a> {
    /// ID number or unified social credit code.
    id: &'a str,
    name: &'a str,
    natural_person: bool,
}

fn serial_day(d: time::Date) -> String {
    format!("{}{:02}{:02}", d.year(), d.month() as u8, d.day())
}

/// Builds, signs and stores one license without a case, in the caller's transaction.
async fn sign_and_insert(
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
fn signed_row(
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
    let number = format!("{}{}", dept.region, serial);
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

/// Today in China as YYYY-MM-DD, the form dates are stored in.
pub fn today_iso(app: &App) -> String {
    iso(china_date(app.now()))
}

fn iso(d: time::Date) -> String {
    format!("{}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
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

fn status_label(s: &str) -> &'static str {
    match s {
        "revoked" => "注销",
        "replaced" => "被换发",
        _ => "有效",
    }
}

/// Attaches the holder's valid licenses to a new case's materials that name their type, and
/// pre-fills empty form fields from them. Returns each use with its reason, for the caller
/// to log in the write that creates the case.
pub async fn attach(
    conn: &mut Connection,
    app: &App,
    case: &mut Case,
    def: &ItemDefinition,
    actor_id: &str,
) -> Result<Vec<UseRow>> {
    let holder = holder_of(app, conn, case).await?;
    let today = iso(china_date(app.now()));
    let mut attached = Vec::new();
    for m in def.materials.iter().filter(|m| !m.license_type.is_empty()) {
        let name = crate::TypeKey::Name(m.license_type.clone());
        let Some(t) = app.license_type(conn, name).await? else {
            continue;
        };
        let Some(l) = sl::valid_of_type(conn, &holder.login, &t.code, &today)
            .await?
            .into_iter()
            .next()
        else {
            continue;
        };
        case.materials.insert(
            m.name.clone(),
            Provision::License {
                license_id: l.id.clone(),
                type_name: t.name.clone(),
                number: l.number.clone(),
            },
        );
        let fields: BTreeMap<String, String> = serde_json::from_str(&l.fields).map_err(internal)?;
        for (k, v) in t.prefill(&fields) {
            if def.form.iter().any(|f| f.key == k) {
                case.form.entry(k).or_insert(v);
            }
        }
        attached.push(UseRow {
            license_id: l.id.clone(),
            case_id: case.id.clone(),
            material: m.name.clone(),
            department: def.department.clone(),
            actor: actor_id.to_string(),
            reason: domain::license::use_reason(&def.name, &m.name),
            at: app.now_ms(),
        });
    }
    Ok(attached)
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
}

async fn view_of(conn: &mut Connection, app: &App, l: LicenseRow) -> Result<LicenseView> {
    let t = sl::type_by_code(conn, &l.type_code).await?;
    let dept = store::org::get_department(conn, &l.department).await?;
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
        type_name: t.map(|t| t.name).unwrap_or_else(|| l.type_code.clone()),
        issuer: dept.name,
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
    })
}

fn stored_status(l: &LicenseRow) -> Status {
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

fn effective_status(app: &App, l: &LicenseRow) -> (&'static str, &'static str) {
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

/// The holder's licenses (亮证: the wallet).
pub async fn wallet(app: &App, actor: &Actor) -> Result<Vec<LicenseView>> {
    let Actor::Applicant { login, .. } = actor else {
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
    let ok = match actor {
        Actor::Anonymous => return Err(AppError::Unauthenticated),
        Actor::Applicant { login, .. } => *login == l.holder_id,
        Actor::Staff { scope, .. } => {
            let d = store::org::get_department(&mut conn, &l.department).await?;
            scope.covers(&d.region, Some(&d.code))
        }
    };
    if !ok {
        return Err(not_found());
    }
    let mut uses = Vec::new();
    for u in sl::uses_of(&mut conn, id).await? {
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
                    c.number
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
    Ok((view_of(&mut conn, app, l).await?, uses))
}

/// What a public verifier sees: validity and the minimum of the license's data.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Verification {
    /// The signature checks out against the issuer's registered key.
    pub signature_valid: bool,
    /// valid | expired | revoked | replaced | unknown | invalid.
    pub status: &'static str,
    pub status_label: &'static str,
    /// Why it failed, when it did.
    pub reason: Option<String>,
    pub core: Option<Core>,
}

/// Verifies a QR text (or the URL it encodes) against the register: signature with the
/// issuer's public key, then the license's current status.
pub async fn verify(app: &App, text: &str) -> Result<Verification> {
    let fail = |status, label, reason: String, core| Verification {
        signature_valid: false,
        status,
        status_label: label,
        reason: Some(reason),
        core,
    };
    let token = match Token::parse(text) {
        Ok(t) => t,
        Err(e) => return Ok(fail("invalid", "无法核验", e.to_string(), None)),
    };
    let mut conn = app.store.conn().await?;
    let Some(k) = sl::key(&mut conn, &token.core.key).await? else {
        return Ok(fail(
            "invalid",
            "无法核验",
            format!("未知的颁证密钥 {}", token.core.key),
            None,
        ));
    };
    let public = PublicKey::from_hex(&k.key_id, &k.public_key).map_err(internal)?;
    if let Err(e) = token.verify(&public) {
        return Ok(fail("invalid", "验证失败", e.to_string(), None));
    }
    let Some(l) = sl::get_license(&mut conn, &token.core.id).await? else {
        return Ok(fail(
            "unknown",
            "未登记",
            "签名有效，但登记簿中没有该证照".into(),
            Some(token.core),
        ));
    };
    if l.token != token.encode() {
        return Ok(fail(
            "invalid",
            "验证失败",
            "该二维码不是这张证照的现行版本".into(),
            None,
        ));
    }
    let (status, label) = effective_status(app, &l);
    Ok(Verification {
        signature_valid: true,
        status,
        status_label: label,
        reason: (status != "valid").then(|| match status {
            "revoked" => format!("证照已注销：{}", l.status_note),
            "replaced" => "证照已换发，请出示新证".to_string(),
            _ => "证照已超过有效期".to_string(),
        }),
        core: Some(token.core),
    })
}

/// Public keys of every issuer, current and retired, for offline verifiers.
pub async fn public_keys(app: &App) -> Result<Vec<serde_json::Value>> {
    let mut conn = app.store.conn().await?;
    Ok(sl::keys(&mut conn)
        .await?
        .into_iter()
        .map(|k| {
            serde_json::json!({
                "key_id": k.key_id, "department": k.department, "public_key": k.public_key,
                "algorithm": "SM2 (GB/T 32918) over SM3, signer ID 1234567812345678",
                "retired": k.retired_at.is_some(),
            })
        })
        .collect())
}

/// Offline verification (no database): the token's signature against a public key given as
/// hex. Returns the signed record, or why it fails.
pub fn verify_offline(
    text: &str,
    key_id: Option<&str>,
    public_key_hex: &str,
) -> std::result::Result<Core, license::LicenseError> {
    let token = Token::parse(text)?;
    let id = key_id.unwrap_or(&token.core.key).to_string();
    let key = PublicKey::from_hex(&id, public_key_hex)?;
    token.verify(&key)?;
    Ok(token.core)
}

/// Loads license types (demo data or an administrator's file) after checking each one.
pub async fn save_types(app: &App, types: &[LicenseType]) -> Result<()> {
    let mut tx = app.store.begin().await?;
    for (i, t) in types.iter().enumerate() {
        t.validate().map_err(|errs| {
            AppError::Validation(
                errs.into_iter()
                    .map(|mut e| {
                        e.field = format!("types[{i}].{}", e.field);
                        e
                    })
                    .collect(),
            )
        })?;
        store::org::get_department(&mut tx, &t.department)
            .await
            .map_err(|_| {
                AppError::field(
                    &format!("types[{i}].department"),
                    "unknown",
                    format!("颁证部门 {} 不存在", t.department),
                )
            })?;
        sl::upsert_type(&mut tx, t).await?;
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    app.license_types.clear();
    Ok(())
}

/// Registers an existing (paper-era) license of a holder without a case, as a bulk import
/// does. The holder must be a registered applicant or a valid identifier.
pub async fn register_existing(
    conn: &mut Connection,
    app: &App,
    type_code: &str,
    holder_id: &str,
    holder_name: &str,
    fields: BTreeMap<String, String>,
    issued: time::Date,
) -> Result<LicenseRow> {
    let t = sl::type_by_code(conn, type_code).await?.ok_or_else(|| {
        AppError::field("type", "unknown", format!("证照类型 {type_code} 不存在"))
    })?;
    let natural = domain::ids::IdNumber::parse(holder_id).is_ok();
    let organisation = domain::ids::CreditCode::parse_lenient(holder_id).is_ok();
    let fits = match t.holder {
        HolderKind::NaturalPerson => natural,
        HolderKind::Organization => organisation,
        HolderKind::Any => natural || organisation,
    };
    if !fits {
        return Err(AppError::field(
            "holder_id",
            "invalid",
            format!("“{holder_id}”不是该证照持证主体的有效证件号码"),
        ));
    }
    let dept = store::org::get_department(conn, &t.department).await?;
    // Fields the register knows itself need not be in the import.
    let mut fields = fields;
    for f in &t.fields {
        let known = match f.from.as_str() {
            "holder_name" => holder_name,
            "holder_id" => holder_id,
            "department" => dept.name.as_str(),
            _ => continue,
        };
        fields
            .entry(f.label.clone())
            .or_insert_with(|| known.to_string());
    }
    let holder = Holder {
        id: holder_id,
        name: holder_name,
        natural_person: natural,
    };
    sign_and_insert(conn, app, &t, &dept, &holder, fields, issued).await
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

/// Materials a shared-data source confirms for the holder, and the sources that failed (the
/// application goes on without them; those materials stay to be provided).
pub async fn shared_provisions(
    app: &App,
    def: &ItemDefinition,
    holder_id: &str,
) -> (BTreeMap<String, Provision>, Vec<String>) {
    let mut found = BTreeMap::new();
    let mut failed = Vec::new();
    for m in def
        .materials
        .iter()
        .filter(|m| !m.shared_data_source.is_empty())
    {
        match app.shared.lookup(&m.shared_data_source, holder_id).await {
            Ok(Some(r)) => {
                found.insert(
                    m.name.clone(),
                    Provision::Shared {
                        source: r.source,
                        summary: r.summary,
                    },
                );
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!("shared data: {e}");
                failed.push(e.to_string());
            }
        }
    }
    (found, failed)
}

/// One material of an item as the window sees it for a holder (一证通办).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Coverage {
    pub material: String,
    pub mandatory: bool,
    /// How the government already provides it, or None when it must be submitted.
    pub provided_by: Option<String>,
}

/// 一证通办 at the window: from an ID number, a credit code or a scanned license QR, which
/// materials of the item the register and shared data already satisfy and which remain.
/// Only window clerks of the item's region may ask; each lookup is logged.
pub async fn coverage(
    app: &App,
    actor: &Actor,
    item_code: &str,
    who: &str,
) -> Result<(String, Vec<Coverage>)> {
    let Actor::Staff {
        roles, scope, id, ..
    } = actor
    else {
        return Err(match actor {
            Actor::Anonymous => AppError::Unauthenticated,
            _ => AppError::Forbidden("只有窗口工作人员可以查询".into()),
        });
    };
    if !roles.contains(&domain::account::Role::Clerk) {
        return Err(AppError::Forbidden("只有综窗受理人员可以查询".into()));
    }
    let mut conn = app.store.conn().await?;
    let item = store::catalog::find_item(&mut conn, item_code.trim())
        .await?
        .and_then(|i| i.current_version)
        .ok_or_else(|| {
            AppError::field(
                "item",
                "unknown",
                format!("事项 {} 不存在或未发布", item_code.trim()),
            )
        })?;
    let def = store::catalog::get_version(&mut conn, item_code.trim(), item)
        .await?
        .definition;
    if !scope.covers(&def.region, None) {
        return Err(AppError::Forbidden("只能查询本区划的事项".into()));
    }
    let holder = resolve_holder(&mut conn, app, who).await?;
    let today = iso(china_date(app.now()));
    let mut rows = Vec::new();
    for m in &def.materials {
        let mut provided_by = None;
        if !m.license_type.is_empty()
            && let Some(t) = sl::type_by_name(&mut conn, &m.license_type).await?
            && let Some(l) = sl::valid_of_type(&mut conn, &holder, &t.code, &today)
                .await?
                .into_iter()
                .next()
        {
            provided_by = Some(format!("电子证照：{} {}", t.name, l.number));
        }
        rows.push(Coverage {
            material: m.name.clone(),
            mandatory: m.mandatory,
            provided_by,
        });
    }
    drop(conn);
    let (shared, failed) = shared_provisions(app, &def, &holder).await;
    for r in rows.iter_mut().filter(|r| r.provided_by.is_none()) {
        if let Some(Provision::Shared { source, summary }) = shared.get(&r.material) {
            r.provided_by = Some(format!("共享数据（{source}）：{summary}"));
        }
    }
    if !failed.is_empty() {
        tracing::warn!(clerk = %id, "coverage lookup with unavailable sources: {}", failed.join("；"));
    }
    tracing::info!(clerk = %id, item = %def.code, "一证通办 lookup");
    Ok((def.name, rows))
}

/// The holder identifier from what the clerk entered: an ID number or credit code as is,
/// or a license QR text, whose license names its holder in the register.
async fn resolve_holder(conn: &mut Connection, app: &App, who: &str) -> Result<String> {
    let who = who.trim();
    if who.contains("OWL1.") {
        let v = verify(app, who).await?;
        let core = match (v.status, v.core) {
            ("valid", Some(core)) => core,
            (_, _) => {
                return Err(AppError::field(
                    "who",
                    "invalid",
                    format!("证照二维码无效：{}", v.reason.unwrap_or_default()),
                ));
            }
        };
        let l = sl::get_license(conn, &core.id)
            .await?
            .ok_or_else(|| AppError::field("who", "unknown", "登记簿中没有该证照"))?;
        return Ok(l.holder_id);
    }
    let upper = who.to_uppercase();
    if domain::ids::IdNumber::parse(&upper).is_ok()
        || domain::ids::CreditCode::parse_lenient(&upper).is_ok()
    {
        return Ok(upper);
    }
    Err(AppError::field(
        "who",
        "invalid",
        "请输入有效的公民身份号码、统一社会信用代码，或扫描亮证二维码",
    ))
}

/// 免提交 statistics: materials avoided per department, item and way (license or shared
/// data) over a period of at most a year. Staff see their own department, or their whole
/// region when they are not bound to one.
pub async fn avoided_stats(
    app: &App,
    actor: &Actor,
    from: &str,
    to: &str,
) -> Result<Vec<serde_json::Value>> {
    let Actor::Staff { scope, .. } = actor else {
        return Err(match actor {
            Actor::Anonymous => AppError::Unauthenticated,
            _ => AppError::Forbidden("统计只对工作人员开放".into()),
        });
    };
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let day = |field: &str, v: &str| {
        time::Date::parse(v.trim(), fmt).map_err(|_| {
            AppError::field(field, "invalid", format!("“{v}”不是 YYYY-MM-DD 格式的日期"))
        })
    };
    let (from, to) = (day("from", from)?, day("to", to)?);
    if to <= from {
        return Err(AppError::field("to", "invalid", "结束日期应晚于开始日期"));
    }
    if (to - from).whole_days() > 366 {
        return Err(AppError::field("to", "too_long", "统计区间最长一年"));
    }
    let ms = |d: time::Date| {
        store::millis(
            d.with_time(time::Time::MIDNIGHT)
                .assume_offset(domain::calendar::CHINA_OFFSET),
        )
    };
    let mut conn = app.store.conn().await?;
    let rows = sl::avoided_counts(&mut conn, scope.department.as_deref(), ms(from), ms(to)).await?;
    let mut out = Vec::new();
    for r in rows {
        let dept = store::org::get_department(&mut conn, &r.department).await?;
        if !scope.covers(&dept.region, Some(&dept.code)) {
            continue;
        }
        let item = store::catalog::find_item(&mut conn, &r.item_code).await?;
        out.push(serde_json::json!({
            "department": dept.code, "department_name": dept.name, "item_code": r.item_code,
            "item_name": item.map(|i| i.name).unwrap_or_default(), "via": r.via, "count": r.count,
        }));
    }
    Ok(out)
}
