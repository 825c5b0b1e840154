//! The signed license record (the 证照目录 fields of GB/T 36903 that a verifier needs), its
//! canonical encoding, the QR token, and the effective status on a day.
//!
//! Canonical encoding: `serde_json` of [`Core`] — fields in declaration order, no whitespace,
//! strings escaped the one way serde_json does — so issuer and verifier hash the same bytes.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::{Deserialize, Serialize};
use sm3::{Digest, Sm3};
use time::Date;

use crate::{LicenseError, PublicKey};

/// Token format marker and version.
const TOKEN_PREFIX: &str = "OWL1.";
/// A real token is well under 1 KB; anything longer is refused before decoding.
const TOKEN_MAX: usize = 4096;

/// What the signature covers: the catalog record with the holder's identifier masked, and
/// the SM3 digest of the full data (all license fields and the unmasked identifier).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Core {
    /// 电子证照标识.
    pub id: String,
    /// 证照编号.
    pub number: String,
    pub type_code: String,
    pub type_name: String,
    pub issuer: String,
    pub issuer_code: String,
    pub holder: String,
    /// Masked for natural persons (5116**********1236), in full for organisations.
    pub holder_id: String,
    pub issued: Date,
    /// None: 长期有效.
    pub valid_until: Option<Date>,
    /// 行政区划代码 of the jurisdiction.
    pub region: String,
    /// SM3 (hex) of the canonical full data, see [`fields_digest`].
    pub data_sm3: String,
    /// The issuer key that signed it.
    pub key: String,
}

impl Core {
    pub fn canonical(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a struct of strings and dates serialises")
    }
}

/// SM3 over the canonical JSON of the holder's full identifier and every field (sorted keys).
pub fn fields_digest(holder_id: &str, fields: &BTreeMap<String, String>) -> String {
    #[derive(Serialize)]
    struct Full<'a> {
        holder_id: &'a str,
        fields: &'a BTreeMap<String, String>,
    }
    let bytes = serde_json::to_vec(&Full { holder_id, fields }).expect("serialises");
    hex::encode(Sm3::digest(&bytes))
}

/// The holder identifier as shown to others: natural persons' ID numbers keep the first 4
/// and last 4 characters; organisations' credit codes are public and stay whole.
pub fn mask_holder(id: &str, natural_person: bool) -> String {
    let n = id.chars().count();
    if !natural_person || n <= 8 {
        return id.to_string();
    }
    id.chars()
        .enumerate()
        .map(|(i, c)| if i < 4 || i >= n - 4 { c } else { '*' })
        .collect()
}

/// The text of the QR code: `OWL1.` + base64url(canonical core) + `.` + base64url(signature).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub core: Core,
    pub signature: Vec<u8>,
}

impl Token {
    pub fn encode(&self) -> String {
        format!(
            "{TOKEN_PREFIX}{}.{}",
            B64.encode(self.core.canonical()),
            B64.encode(&self.signature)
        )
    }

    /// Reads a token, or a verification URL that ends in one (`…/v/TOKEN` or `…?t=TOKEN`).
    pub fn parse(text: &str) -> Result<Self, LicenseError> {
        let (core, signature) = read_signed(text, TOKEN_PREFIX, TOKEN_MAX, "证照二维码")?;
        let core: Core = serde_json::from_slice(&core)
            .map_err(|e| LicenseError::Token(format!("证照内容格式有误：{e}")))?;
        Ok(Token { core, signature })
    }

    /// Checks the signature with the issuer's public key (offline: no database needed).
    pub fn verify(&self, key: &PublicKey) -> Result<(), LicenseError> {
        if key.key_id != self.core.key {
            return Err(LicenseError::Signature(format!(
                "证照由密钥 {} 签发，提供的公钥是 {}",
                self.core.key, key.key_id
            )));
        }
        key.verify(&self.core.canonical(), &self.signature)
    }
}

/// The lifecycle state kept in the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    Valid,
    /// 注销/吊销, with the reason (e.g. a failed 告知承诺 verification).
    Revoked {
        reason: String,
    },
    /// Superseded by a renewal or change (变更/延续); `by` is the new identifier.
    Replaced {
        by: String,
    },
}

/// The status a verifier reports on `today`: the register's state, or expired by date.
pub fn status_on(
    stored: &Status,
    valid_until: Option<Date>,
    today: Date,
) -> (&'static str, &'static str) {
    match stored {
        Status::Revoked { .. } => ("revoked", "已注销"),
        Status::Replaced { .. } => ("replaced", "已被换发"),
        Status::Valid if valid_until.is_some_and(|d| d < today) => ("expired", "已过期"),
        Status::Valid => ("valid", "有效"),
    }
}

/// Reads `PREFIX` + base64url(data) + `.` + base64url(64-byte signature), alone or at the end
/// of a URL, into the data and the signature; `what` names the kind in the messages (a QR
/// token, a dynamic code). Text longer than `max` is refused before decoding.
pub(crate) fn read_signed(
    text: &str,
    prefix: &str,
    max: usize,
    what: &str,
) -> Result<(Vec<u8>, Vec<u8>), LicenseError> {
    let text = text.trim();
    if text.len() > max {
        return Err(LicenseError::Token(format!(
            "{what}内容过长（{} 字节，最多 {max}）",
            text.len()
        )));
    }
    let start = text
        .find(prefix)
        .ok_or_else(|| LicenseError::Token(format!("不是本平台的{what}（应以 {prefix} 开头）")))?;
    let body = text[start + prefix.len()..]
        .split(['&', '#', '?'])
        .next()
        .unwrap_or("");
    let (data, sig) = body
        .split_once('.')
        .ok_or_else(|| LicenseError::Token("缺少签名部分（内容可能被截断）".into()))?;
    let data = B64
        .decode(data)
        .map_err(|_| LicenseError::Token(format!("{what}内容无法解码（可能被截断或改动）")))?;
    let signature = B64
        .decode(sig)
        .map_err(|_| LicenseError::Token("签名无法解码（可能被截断或改动）".into()))?;
    if signature.len() != 64 {
        return Err(LicenseError::Token(format!(
            "签名应为 64 字节，实为 {} 字节（可能被截断）",
            signature.len()
        )));
    }
    Ok((data, signature))
}
