//! Electronic licenses (电子证照): identifiers (GB/T 36904), the signed record and its QR
//! token, SM2 signatures over SM3 digests (GB/T 32918, GB/T 32905), issuer keys sealed at rest
//! with SM4-GCM, and the lifecycle rules (valid, expired, revoked, replaced).
//!
//! Pure: no I/O beyond what the caller hands in. The store keeps keys and licenses; the app
//! decides when to issue.

mod ident;
mod keys;
mod presentation;
mod record;

pub use ident::{LicenseId, PREFIX, mod37_36};
pub use keys::{IssuerKey, MasterKey, PublicKey, SIGNER_ID};
pub use presentation::{Presentation, Presented, token_digest};
pub use record::{Core, Status, Token, fields_digest, mask_holder, status_on};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LicenseError {
    #[error("证照标识有误：{0}")]
    Identifier(String),
    #[error("二维码内容有误：{0}")]
    Token(String),
    #[error("签名无效：{0}")]
    Signature(String),
    #[error("密钥有误：{0}")]
    Key(String),
}

#[cfg(test)]
mod tests;
