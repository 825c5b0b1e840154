//! Signed requests between systems: webhooks and pushes going out, courier callbacks coming
//! in. The signature is an HMAC (SHA-256 or SM3) over `"{timestamp}.{body}"`
//! ([`crate::outbox::signing_input`]), sent as `hmac-sm3=<hex>` beside the timestamp, so a
//! recorded request cannot be replayed later under a new timestamp.

use hmac::{KeyInit, Mac};

use crate::outbox::{SignatureAlgorithm, signing_input};

/// How far a request's timestamp may be from now, either way, in seconds.
pub const MAX_SKEW_SECS: i64 = 300;

/// The signature header's value: `hmac-sha256=<hex>` or `hmac-sm3=<hex>`.
pub fn sign(alg: SignatureAlgorithm, secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    format!(
        "{}={}",
        alg.name(),
        hex::encode(mac(alg, secret, timestamp, body))
    )
}

fn mac(alg: SignatureAlgorithm, secret: &[u8], timestamp: i64, body: &[u8]) -> Vec<u8> {
    let input = signing_input(timestamp, body);
    match alg {
        SignatureAlgorithm::HmacSha256 => {
            let mut m = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret)
                .expect("HMAC takes a key of any length");
            m.update(&input);
            m.finalize().into_bytes().to_vec()
        }
        SignatureAlgorithm::HmacSm3 => {
            let mut m = hmac::Hmac::<sm3::Sm3>::new_from_slice(secret)
                .expect("HMAC takes a key of any length");
            m.update(&input);
            m.finalize().into_bytes().to_vec()
        }
    }
}

/// Why a signed request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("缺少签名或时间戳")]
    Missing,
    #[error("签名算法应为 {expected}")]
    WrongAlgorithm { expected: &'static str },
    #[error("时间戳与当前时间相差超过 {MAX_SKEW_SECS} 秒（可能是重放）")]
    Stale,
    #[error("签名不符")]
    BadSignature,
}

/// Checks a request's signature header against `secret`, and its timestamp against `now`
/// (seconds). The comparison takes the same time whatever the bytes (through `hmac`'s
/// `verify_slice`), so the signature cannot be guessed byte by byte.
pub fn verify(
    alg: SignatureAlgorithm,
    secret: &[u8],
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), Refusal> {
    let (Some(ts), Some(sig)) = (timestamp, signature) else {
        return Err(Refusal::Missing);
    };
    let ts: i64 = ts.trim().parse().map_err(|_| Refusal::Missing)?;
    let Some(hex_mac) = sig.trim().strip_prefix(&format!("{}=", alg.name())) else {
        return Err(Refusal::WrongAlgorithm {
            expected: alg.name(),
        });
    };
    if (now - ts).abs() > MAX_SKEW_SECS {
        return Err(Refusal::Stale);
    }
    let given = hex::decode(hex_mac).map_err(|_| Refusal::BadSignature)?;
    let input = signing_input(ts, body);
    let ok = match alg {
        SignatureAlgorithm::HmacSha256 => {
            let mut m = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret)
                .expect("HMAC takes a key of any length");
            m.update(&input);
            m.verify_slice(&given).is_ok()
        }
        SignatureAlgorithm::HmacSm3 => {
            let mut m = hmac::Hmac::<sm3::Sm3>::new_from_slice(secret)
                .expect("HMAC takes a key of any length");
            m.update(&input);
            m.verify_slice(&given).is_ok()
        }
    };
    if ok {
        Ok(())
    } else {
        Err(Refusal::BadSignature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ALGS: [SignatureAlgorithm; 2] =
        [SignatureAlgorithm::HmacSha256, SignatureAlgorithm::HmacSm3];

    #[test]
    fn a_missing_stale_or_foreign_signature_is_refused_for_its_own_reason() {
        let alg = SignatureAlgorithm::HmacSm3;
        let sig = sign(alg, b"secret", 1000, b"{}");
        assert_eq!(
            verify(alg, b"secret", Some("1000"), Some(&sig), b"{}", 1100),
            Ok(())
        );
        assert_eq!(
            verify(alg, b"secret", None, Some(&sig), b"{}", 1000),
            Err(Refusal::Missing)
        );
        assert_eq!(
            verify(alg, b"secret", Some("x"), Some(&sig), b"{}", 1000),
            Err(Refusal::Missing)
        );
        assert_eq!(
            verify(
                alg,
                b"secret",
                Some("1000"),
                Some(&sig),
                b"{}",
                1000 + MAX_SKEW_SECS + 1
            ),
            Err(Refusal::Stale)
        );
        let sha = sign(SignatureAlgorithm::HmacSha256, b"secret", 1000, b"{}");
        assert_eq!(
            verify(alg, b"secret", Some("1000"), Some(&sha), b"{}", 1000),
            Err(Refusal::WrongAlgorithm {
                expected: "hmac-sm3"
            })
        );
        assert_eq!(
            verify(alg, b"other", Some("1000"), Some(&sig), b"{}", 1000),
            Err(Refusal::BadSignature)
        );
        assert_eq!(
            verify(
                alg,
                b"secret",
                Some("1000"),
                Some("hmac-sm3=zz"),
                b"{}",
                1000
            ),
            Err(Refusal::BadSignature)
        );
    }

    proptest! {
        #[test]
        fn what_is_signed_verifies_and_any_change_does_not(
            secret in proptest::collection::vec(any::<u8>(), 1..40),
            body in proptest::collection::vec(any::<u8>(), 0..200),
            ts in 0i64..4_000_000_000,
            skew in -MAX_SKEW_SECS..=MAX_SKEW_SECS,
            flip in any::<usize>(),
            a in 0usize..2,
        ) {
            let alg = ALGS[a];
            let sig = sign(alg, &secret, ts, &body);
            let t = ts.to_string();
            prop_assert_eq!(verify(alg, &secret, Some(&t), Some(&sig), &body, ts + skew), Ok(()));
            let mut changed = body.clone();
            if changed.is_empty() { changed.push(0) } else { let i = flip % changed.len(); changed[i] ^= 1; }
            prop_assert_eq!(verify(alg, &secret, Some(&t), Some(&sig), &changed, ts), Err(Refusal::BadSignature));
            let later = (ts + 1).to_string();
            prop_assert_eq!(verify(alg, &secret, Some(&later), Some(&sig), &body, ts), Err(Refusal::BadSignature));
        }
    }
}
