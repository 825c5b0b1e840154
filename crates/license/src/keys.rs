//! Issuer keys: an SM2 key pair per issuing department, its secret sealed at rest with
//! SM4-GCM under the master key from configuration. Rotation adds a key; the public halves
//! of old keys stay so that licenses they signed still verify.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use sm2::dsa::signature::{Signer, Verifier};
use sm2::dsa::{Signature, SigningKey, VerifyingKey};
use sm2::elliptic_curve::Generate;

use crate::LicenseError;

/// The SM2 signer identity (ENTL/ID in ZA), the default user ID of GM/T 0009-2012.
pub const SIGNER_ID: &str = "1234567812345678";

/// SM4 in GCM mode: the national block cipher in a standard AEAD construction.
type Sm4Gcm = aes_gcm::AesGcm<sm4::Sm4, aes_gcm::aead::consts::U12>;

/// The key that seals issuer secrets at rest (128 bits, given as 32 hex digits).
#[derive(Clone)]
pub struct MasterKey([u8; 16]);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(…)")
    }
}

impl MasterKey {
    pub fn from_hex(s: &str) -> Result<Self, LicenseError> {
        let bytes = hex::decode(s.trim())
            .map_err(|_| LicenseError::Key("主密钥应为 32 位十六进制数".into()))?;
        let arr: [u8; 16] = bytes
            .try_into()
            .map_err(|_| LicenseError::Key("主密钥应为 32 位十六进制数（128 位）".into()))?;
        Ok(MasterKey(arr))
    }

    /// A fresh random master key, as hex.
    pub fn generate_hex() -> String {
        let mut k = [0u8; 16];
        getrandom::fill(&mut k).expect("the OS random source works");
        hex::encode(k)
    }

    fn cipher(&self) -> Sm4Gcm {
        Sm4Gcm::new_from_slice(&self.0).expect("16-byte key")
    }

    /// Seals `secret`, bound to `label` (the key id) so a sealed key cannot be swapped.
    /// Layout: 12-byte nonce, then ciphertext and tag.
    pub fn seal(&self, label: &str, secret: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).expect("the OS random source works");
        let ct = self
            .cipher()
            .encrypt(
                (&nonce).into(),
                Payload {
                    msg: secret,
                    aad: label.as_bytes(),
                },
            )
            .expect("SM4-GCM encryption of a short secret");
        [nonce.as_slice(), &ct].concat()
    }

    pub fn open(&self, label: &str, sealed: &[u8]) -> Result<Vec<u8>, LicenseError> {
        if sealed.len() < 12 + 16 {
            return Err(LicenseError::Key(format!("密钥 {label} 的密文过短")));
        }
        let (nonce, ct) = sealed.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().expect("split at 12");
        self.cipher()
            .decrypt(
                (&nonce).into(),
                Payload {
                    msg: ct,
                    aad: label.as_bytes(),
                },
            )
            .map_err(|_| LicenseError::Key(format!("无法解开密钥 {label}：主密钥不对或密文被改动")))
    }
}

/// An issuing department's signing key.
pub struct IssuerKey {
    pub key_id: String,
    signing: SigningKey,
}

impl IssuerKey {
    pub fn generate(key_id: &str) -> Self {
        let secret = sm2::SecretKey::generate();
        let signing = SigningKey::new(SIGNER_ID, &secret).expect("a generated key is valid");
        IssuerKey {
            key_id: key_id.to_string(),
            signing,
        }
    }

    /// A key from its 32 secret bytes (tests and known-answer checks).
    pub fn from_secret(key_id: &str, secret: &[u8]) -> Result<Self, LicenseError> {
        let signing = SigningKey::from_slice(SIGNER_ID, secret)
            .map_err(|_| LicenseError::Key(format!("密钥 {key_id} 不是有效的 SM2 私钥")))?;
        Ok(IssuerKey {
            key_id: key_id.to_string(),
            signing,
        })
    }

    pub fn seal(&self, master: &MasterKey) -> Vec<u8> {
        master.seal(&self.key_id, &self.signing.to_bytes())
    }

    pub fn unseal(key_id: &str, sealed: &[u8], master: &MasterKey) -> Result<Self, LicenseError> {
        Self::from_secret(key_id, &master.open(key_id, sealed)?)
    }

    pub fn public(&self) -> PublicKey {
        PublicKey {
            key_id: self.key_id.clone(),
            key: self.signing.verifying_key().clone(),
        }
    }

    /// SM2 signature (r ‖ s, 64 bytes) of `msg`: SM3 over Z_A ‖ msg, deterministic nonce
    /// (RFC 6979 style), as the `sm2` crate implements GB/T 32918.2.
    pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
        let sig: Signature = self.signing.sign(msg);
        sig.to_bytes().into()
    }
}

/// The public half of an issuer key, as published for offline verifiers.
#[derive(Clone, Debug)]
pub struct PublicKey {
    pub key_id: String,
    key: VerifyingKey,
}

impl PublicKey {
    /// From the uncompressed SEC1 point in hex (04 ‖ x ‖ y).
    pub fn from_hex(key_id: &str, hex_point: &str) -> Result<Self, LicenseError> {
        let bytes = hex::decode(hex_point.trim())
            .map_err(|_| LicenseError::Key("公钥应为十六进制".into()))?;
        let key = VerifyingKey::from_sec1_bytes(SIGNER_ID, &bytes)
            .map_err(|_| LicenseError::Key("公钥不是 SM2 曲线上的点".into()))?;
        Ok(PublicKey {
            key_id: key_id.to_string(),
            key,
        })
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.key.to_sec1_bytes())
    }

    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> Result<(), LicenseError> {
        let sig = Signature::from_slice(sig)
            .map_err(|_| LicenseError::Signature("签名格式无效".into()))?;
        self.key.verify(msg, &sig).map_err(|_| {
            LicenseError::Signature("签名与内容不符：内容被改动，或不是该颁证单位的密钥所签".into())
        })
    }
}
