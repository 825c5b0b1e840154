//! Signed checkpoints of every audit chain's head (SM2 over SM3). Anyone with write access to
//! the database can recompute a keyless hash chain; a checkpoint copied off the server fixes
//! what the chains were when it was taken, so `audit verify --checkpoint FILE` shows a chain
//! rewritten, shortened or removed since.

use sm3::{Digest, Sm3};

use super::verify::digest;
use crate::{App, AppError, Result};

/// One case's head when the checkpoint was taken.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Head {
    pub case: String,
    pub seq: i64,
    pub hash: String,
    pub state: String,
    /// SM3 of the case's stored record.
    pub data: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Checkpoint {
    pub version: u32,
    /// Unix milliseconds.
    pub at: i64,
    pub heads: Vec<Head>,
    /// The administration chain's head (seq, hash).
    pub admin: Option<(i64, String)>,
    /// The platform's audit key that signed it, and its public point (hex).
    pub key_id: String,
    pub public_key: String,
    /// SM2 signature over [`Checkpoint::digest`], hex.
    pub signature: String,
}

/// The department code the platform's audit key is kept under, beside the issuers' keys.
const AUDIT_KEY: &str = "AUDIT";

impl Checkpoint {
    /// SM3 over the canonical text of what it fixes: one line a head, then the admin head
    /// and the time.
    pub fn digest(&self) -> [u8; 32] {
        let mut h = Sm3::new();
        for x in &self.heads {
            h.update(
                format!(
                    "{}\t{}\t{}\t{}\t{}\n",
                    x.case, x.seq, x.hash, x.state, x.data
                )
                .as_bytes(),
            );
        }
        if let Some((s, hash)) = &self.admin {
            h.update(format!("admin\t{s}\t{hash}\n").as_bytes());
        }
        h.update(format!("at\t{}\n", self.at).as_bytes());
        h.finalize().into()
    }

    /// Checks the signature with the key the checkpoint names, which must be one of the
    /// platform's audit keys (a forged file would have to name a key of its own).
    pub async fn check_signature(&self, app: &App) -> Result<()> {
        let known = crate::licenses::public_keys(app).await?;
        let ours = known.iter().any(|k| {
            k["key_id"] == self.key_id.as_str() && k["public_key"] == self.public_key.as_str()
        });
        if !ours || !self.key_id.starts_with(AUDIT_KEY) {
            return Err(AppError::State(format!(
                "检查点的签名密钥 {} 不是本平台的审计密钥",
                self.key_id
            )));
        }
        let key = license::PublicKey::from_hex(&self.key_id, &self.public_key)
            .map_err(|e| AppError::State(format!("检查点公钥无效：{e}")))?;
        let sig = hex::decode(&self.signature)
            .map_err(|_| AppError::State("检查点签名不是十六进制".into()))?;
        key.verify(&self.digest(), &sig)
            .map_err(|_| AppError::State("检查点签名不符（文件被改动）".into()))
    }
}

/// Takes a checkpoint of every chain's head now, signed with the platform's audit key.
pub async fn take(app: &App) -> Result<Checkpoint> {
    let mut c = app.store.conn().await?;
    let mut heads = Vec::new();
    let mut after = String::new();
    loop {
        let page = store::cases::seals_after(&mut c, &after, 1000).await?;
        let Some(last) = page.last() else {
            break;
        };
        after = last.id.clone();
        for s in page {
            if let (Some(seq), Some(hash)) = (s.head_seq, s.head_hash) {
                heads.push(Head {
                    data: digest(&s.data),
                    case: s.id,
                    seq,
                    hash,
                    state: s.state,
                });
            }
        }
    }
    let admin = store::accounts::last_admin_event(&mut c).await?;
    drop(c);
    let mut tx = app.store.begin().await?;
    let key = crate::licenses::platform_key(&mut tx, app, AUDIT_KEY).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    let mut cp = Checkpoint {
        version: 1,
        at: app.now_ms(),
        heads,
        admin,
        key_id: key.key_id.clone(),
        public_key: key.public().to_hex(),
        signature: String::new(),
    };
    cp.signature = hex::encode(key.sign(&cp.digest()));
    Ok(cp)
}

/// Takes a checkpoint and writes it to `path` (or to `checkpoints/` in the data directory),
/// readable by the owner only; returns where it went. Copy it off the server.
pub async fn write_checkpoint(
    app: &App,
    path: Option<&std::path::Path>,
) -> Result<std::path::PathBuf> {
    let cp = take(app).await?;
    let path = match path {
        Some(p) => p.to_path_buf(),
        None => {
            let dir = app.settings.data_dir.join("checkpoints");
            std::fs::create_dir_all(&dir).map_err(|e| AppError::Internal(e.to_string()))?;
            dir.join(format!("audit-checkpoint-{}.json", cp.at))
        }
    };
    let text = serde_json::to_string(&cp).map_err(|e| AppError::Internal(e.to_string()))?;
    crate::licenses::write_private_file(&path, &text)?;
    Ok(path)
}
