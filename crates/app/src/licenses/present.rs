//! 亮证动态码: the holder's screen shows, beside the static QR code, a code signed by the
//! issuer's key that expires after [`PRESENTATION_TTL`]; verifying it checks the signature,
//! the expiry and that it names the license's current token.

use license::{Presentation, PublicKey, Token};
use store::licenses as sl;

use super::*;
use crate::auth::Actor;
use crate::{App, AppError, Result};

/// How long a dynamic code verifies: long enough to be scanned at a counter, short enough
/// that a screenshot passed on is useless.
pub const PRESENTATION_TTL: time::Duration = time::Duration::minutes(5);

/// A dynamic code to show: the verification URL it encodes and when it expires.
#[derive(Debug, Clone)]
pub struct Presented {
    /// The code itself (the last segment of `url`).
    pub code: String,
    pub url: String,
    pub expires: time::OffsetDateTime,
}

/// A fresh dynamic code for a license the actor holds (or holds through a link, such as a
/// parent for a newborn). Staff never get one: they do not present licenses.
pub async fn present(app: &App, actor: &Actor, id: &str) -> Result<Presented> {
    let Actor::Applicant {
        login, id: account, ..
    } = actor
    else {
        return Err(AppError::Forbidden("亮证由持证人出示".into()));
    };
    // `get` decides who may see the license, and records nothing for a holder.
    let (v, _) = get(app, actor, id).await?;
    let token = Token::parse(&v.token).map_err(internal)?;
    let mut conn = app.store.conn().await?;
    // Who filed for someone may read the result, not present it as theirs.
    let holder = sl::get_license(&mut conn, &v.id)
        .await?
        .map(|l| l.holder_id)
        .unwrap_or_default();
    if holder != *login && !store::subjects::is_linked(&mut conn, &holder, account).await? {
        return Err(AppError::Forbidden(
            "亮证由持证人（或其监护人、法定代表人）出示".into(),
        ));
    }
    let k = sl::key(&mut conn, &token.core.key)
        .await?
        .ok_or_else(|| AppError::Internal(format!("issuer key {} missing", token.core.key)))?;
    let key = keys::unseal(&k.key_id, &k.sealed_secret, app)?;
    let expires = app.now() + PRESENTATION_TTL;
    let code = Presentation::sign(&key, &v.id, &v.token, expires.unix_timestamp()).encode();
    Ok(Presented {
        url: verify_url(app, &code),
        code,
        expires,
    })
}

/// Verifies a dynamic code: signature, expiry, then the license it names as a token would be.
pub(super) async fn verify_presentation(app: &App, text: &str) -> Result<Verification> {
    let fail = |status, label, reason: String| Verification {
        signature_valid: false,
        status,
        status_label: label,
        reason: Some(reason),
        core: None,
    };
    let p = match Presentation::parse(text) {
        Ok(p) => p,
        Err(e) => return Ok(fail("invalid", "无法核验", e.to_string())),
    };
    let mut conn = app.store.conn().await?;
    let Some(k) = sl::key(&mut conn, &p.presented.key).await? else {
        return Ok(fail(
            "invalid",
            "无法核验",
            format!("未知的颁证密钥 {}", p.presented.key),
        ));
    };
    let public = PublicKey::from_hex(&k.key_id, &k.public_key).map_err(internal)?;
    if let Err(e) = p.verify(&public) {
        return Ok(fail("invalid", "验证失败", e.to_string()));
    }
    if p.expired_at(app.now().unix_timestamp()) {
        let at = time::OffsetDateTime::from_unix_timestamp(p.presented.expires)
            .map_err(internal)?
            .to_offset(domain::calendar::CHINA_OFFSET);
        return Ok(fail(
            "expired_code",
            "动态码已过期",
            format!(
                "该动态码已于 {:02}:{:02} 过期，请持证人刷新后重新出示",
                at.hour(),
                at.minute()
            ),
        ));
    }
    let Some(l) = sl::get_license(&mut conn, &p.presented.license).await? else {
        return Ok(fail("unknown", "未登记", "登记簿中没有该证照".into()));
    };
    drop(conn);
    if license::token_digest(&l.token) != p.presented.token_sm3 {
        return Ok(fail(
            "replaced",
            "验证失败",
            "该动态码对应的不是这张证照的现行版本".into(),
        ));
    }
    // The rest is the static token's check: status on today's date, the signed record.
    verify(app, &l.token).await
}
