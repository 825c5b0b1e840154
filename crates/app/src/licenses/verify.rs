//! Public verification of a QR token (扫码核验, least information shown) and offline
//! verification with the public keys only.

use license::{Core, PublicKey, Token};
use store::licenses as sl;

use super::*;
use crate::{App, Result};

/// What a public verifier sees: validity and the minimum of the license's data.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Verification {
    /// The signature checks out against the issuer's registered key.
    pub signature_valid: bool,
    /// valid | expired | revoked | replaced | unknown | invalid | expired_code (a dynamic
    /// code past its time).
    pub status: &'static str,
    pub status_label: &'static str,
    /// Why it failed, when it did.
    pub reason: Option<String>,
    pub core: Option<Core>,
}

/// Verifies a QR text (or the URL it encodes) against the register: signature with the
/// issuer's public key, then the license's current status.
pub async fn verify(app: &App, text: &str) -> Result<Verification> {
    if license::Presentation::is_presentation(text) {
        return Box::pin(super::present::verify_presentation(app, text)).await;
    }
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
