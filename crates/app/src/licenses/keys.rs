//! Key custody: one SM2 key per issuing department, sealed with SM4-GCM under the master
//! key; rotation signs with a new key from then on, and the old public keys keep verifying.

use license::{IssuerKey, MasterKey};
use store::Connection;
use store::licenses::{self as sl, KeyRow};

use super::*;
use crate::auth::Actor;
use crate::{App, AppError, Result};

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

pub(super) fn write_private(path: &std::path::Path, content: &str) -> Result<()> {
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

/// A platform key kept like an issuer's (the audit checkpoint key, under `name`), created on
/// first use.
pub(crate) async fn platform_key(
    conn: &mut Connection,
    app: &App,
    name: &str,
) -> Result<IssuerKey> {
    signing_key(conn, app, name).await
}

/// Writes a file readable by its owner only (0600), refusing to replace one.
pub(crate) fn write_private_file(path: &std::path::Path, content: &str) -> Result<()> {
    write_private(path, content)
}

/// The department's signing key, created on first use.
pub(super) async fn signing_key(
    conn: &mut Connection,
    app: &App,
    department: &str,
) -> Result<IssuerKey> {
    if let Some(k) = sl::active_key(conn, department).await? {
        return unseal(&k.key_id, &k.sealed_secret, app);
    }
    new_key(conn, app, department, &master_key(app)?).await
}

pub(super) fn unseal(key_id: &str, sealed_hex: &str, app: &App) -> Result<IssuerKey> {
    let sealed = hex::decode(sealed_hex).map_err(internal)?;
    IssuerKey::unseal(key_id, &sealed, &master_key(app)?).map_err(internal)
}

pub(super) async fn new_key(
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
    let who = match actor {
        Actor::Staff { id, .. } => id.as_str(),
        _ => "",
    };
    rotate(app, department, who).await
}

/// Rotation from the command line, whose operator holds the server's configuration.
pub async fn rotate_key_cli(app: &App, department: &str) -> Result<String> {
    rotate(app, department, "cli").await
}

/// Retires the department's keys and makes a new one, recorded on the administration chain
/// as done by `actor` (`cli` from the command line).
pub(super) async fn rotate(app: &App, department: &str, actor: &str) -> Result<String> {
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
    let detail = serde_json::json!({ "department": department });
    crate::audit::admin(&mut tx, app, actor, "issuer_key_rotated", &k.key_id, detail).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(k.key_id)
}

pub(super) fn require_admin(actor: &Actor) -> Result<()> {
    match actor {
        Actor::Staff { roles, .. } if roles.contains(&domain::account::Role::SystemAdmin) => Ok(()),
        Actor::Anonymous => Err(AppError::Unauthenticated),
        _ => Err(AppError::Forbidden("只有系统管理员可以管理颁证密钥".into())),
    }
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
