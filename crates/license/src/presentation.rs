//! 亮证动态码: a presentation of a license that expires. The holder's screen shows it beside
//! the static QR code; it names the license and the SM3 digest of its current token, carries
//! an expiry instant, and is signed by the issuer's key, so a screenshot stops verifying after
//! a few minutes and a replaced license's old presentation never verifies.
//!
//! Text: `OWP1.` + base64url(canonical JSON) + `.` + base64url(signature).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::{Deserialize, Serialize};
use sm3::{Digest, Sm3};

use crate::{IssuerKey, LicenseError, PublicKey};

const PREFIX: &str = "OWP1.";
const MAX: usize = 1024;

/// What the signature covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Presented {
    /// 电子证照标识.
    pub license: String,
    /// SM3 (hex) of the license's current QR token text.
    pub token_sm3: String,
    /// Unix seconds after which it no longer verifies.
    pub expires: i64,
    /// The issuer key that signed it.
    pub key: String,
}

/// A signed presentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presentation {
    pub presented: Presented,
    pub signature: Vec<u8>,
}

/// SM3 (hex) of a token's text, as a presentation names it.
pub fn token_digest(token: &str) -> String {
    hex::encode(Sm3::digest(token.as_bytes()))
}

impl Presentation {
    /// Signs a presentation of the license whose current token is `token`, valid until
    /// `expires` (unix seconds).
    pub fn sign(key: &IssuerKey, license: &str, token: &str, expires: i64) -> Presentation {
        let presented = Presented {
            license: license.to_string(),
            token_sm3: token_digest(token),
            expires,
            key: key.key_id.clone(),
        };
        let signature = key.sign(&canonical(&presented)).to_vec();
        Presentation {
            presented,
            signature,
        }
    }

    pub fn encode(&self) -> String {
        format!(
            "{PREFIX}{}.{}",
            B64.encode(canonical(&self.presented)),
            B64.encode(&self.signature)
        )
    }

    /// Whether `text` (a code or a URL ending in one) is a presentation rather than a token.
    pub fn is_presentation(text: &str) -> bool {
        text.contains(PREFIX)
    }

    /// Reads a presentation, or a verification URL that ends in one.
    pub fn parse(text: &str) -> Result<Presentation, LicenseError> {
        let (data, signature) = crate::record::read_signed(text, PREFIX, MAX, "亮证动态码")?;
        let presented: Presented = serde_json::from_slice(&data)
            .map_err(|e| LicenseError::Token(format!("动态码格式有误：{e}")))?;
        Ok(Presentation {
            presented,
            signature,
        })
    }

    /// Checks the signature with the issuer's public key (expiry is the caller's: it needs
    /// the time).
    pub fn verify(&self, key: &PublicKey) -> Result<(), LicenseError> {
        if key.key_id != self.presented.key {
            return Err(LicenseError::Signature(format!(
                "动态码由密钥 {} 签发，提供的公钥是 {}",
                self.presented.key, key.key_id
            )));
        }
        key.verify(&canonical(&self.presented), &self.signature)
    }

    /// Whether it has expired at `now` (unix seconds).
    pub fn expired_at(&self, now: i64) -> bool {
        now > self.presented.expires
    }
}

fn canonical(p: &Presented) -> Vec<u8> {
    serde_json::to_vec(p).expect("a struct of strings and integers serialises")
}
