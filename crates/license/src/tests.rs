use std::collections::BTreeMap;

use proptest::prelude::*;
use sm3::{Digest, Sm3};

use super::*;

// ---- ISO 7064 MOD 37,36 and GB/T 36904 identifiers ----

#[test]
fn check_characters_match_published_and_independent_values() {
    // The ISO 7064 example used by python-stdnum's mod_37_36 documentation.
    assert_eq!(mod37_36("A12425GABC1234002").unwrap(), 'M');
    // Computed independently with python-stdnum 1.20 (stdnum.iso7064.mod_37_36).
    assert_eq!(
        mod37_36("11100000000013338W00111511600MB1234567X20261127000001001").unwrap(),
        'F'
    );
    assert_eq!(mod37_36("0").unwrap(), '2');
    assert_eq!(mod37_36("Z").unwrap(), '4');
    assert_eq!(mod37_36("ZZZZZZZZZZ").unwrap(), '0');
    assert!(mod37_36("a1").is_err(), "lower case is not in the alphabet");
}

#[test]
fn an_identifier_renders_and_parses_and_names_what_is_wrong() {
    let id = LicenseId::new(
        "11100000000013338W001",
        "11511600MB1234567X",
        "20261127000001",
        1,
    )
    .unwrap();
    let s = id.render();
    assert_eq!(
        s,
        "1.2.156.3005.2.11100000000013338W001.11511600MB1234567X.20261127000001.001.F"
    );
    assert_eq!(LicenseId::parse(&s).unwrap(), id);
    let wrong = s.replace(".F", ".G");
    assert!(
        LicenseId::parse(&wrong)
            .unwrap_err()
            .to_string()
            .contains("校验位应为 F")
    );
    assert!(
        LicenseId::parse("1.2.3")
            .unwrap_err()
            .to_string()
            .contains("开头")
    );
    assert!(
        LicenseId::new("abc", "X", "1", 1)
            .unwrap_err()
            .to_string()
            .contains("证照类型代码")
    );
}

proptest! {
    /// Every identifier round-trips, and changing any one character of its body is caught.
    #[test]
    fn single_substitutions_are_detected(
        t in "[0-9A-Z]{6,21}", i in "[0-9A-Z]{18}", s in "[0-9]{14}", v in 1u16..999,
        pos in 0usize..40, to in 0usize..36,
    ) {
        let id = LicenseId::new(&t, &i, &s, v).unwrap();
        let text = id.render();
        prop_assert_eq!(LicenseId::parse(&text).unwrap(), id);
        let body_start = PREFIX.len() + 1;
        let body_end = text.len() - 2;
        let candidates: Vec<usize> = (body_start..body_end).filter(|k| text.as_bytes()[*k] != b'.').collect();
        let k = candidates[pos % candidates.len()];
        let c = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[to];
        prop_assume!(text.as_bytes()[k] != c);
        let mut bytes = text.clone().into_bytes();
        bytes[k] = c;
        let changed = String::from_utf8(bytes).unwrap();
        prop_assert!(LicenseId::parse(&changed).is_err(), "{} accepted", changed);
    }
}

// ---- SM3 and SM2 ----

#[test]
fn sm3_matches_the_standard_example() {
    // GB/T 32905-2016 Appendix A.1: SM3("abc").
    assert_eq!(
        hex::encode(Sm3::digest(b"abc")),
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    );
}

/// A key pair and signature made by OpenSSL 3.0 (independent of the RustCrypto code):
/// `openssl genpkey -algorithm SM2`, then
/// `openssl pkeyutl -sign -rawin -digest sm3 -pkeyopt distid:1234567812345678`.
const OPENSSL_SECRET: &str = "83bb917a2dcb14d41ae27d8fc891a6205e1dcad4d1891b8e1406ea3f8e6ff714";
const OPENSSL_PUBLIC: &str = "04bd6f501d6749f635a04771a65606eac57b95b7a842c216a5d158d3fcc718a6ae7ce3341c710fa3eba39b6f2cfedc10b2368a928575286d0c0731327f498ca886";
const OPENSSL_MSG: &[u8] = b"OneWindow license KAT";
const OPENSSL_SIG: &str = "e5c56869a26a1e01a26a611e30c6a211d1e55910e2abaaf29d944a981809535e9968d8c32df6b310323e0571715e75a8f1da998c342c55dda3fc13e55cb6d781";

#[test]
fn an_openssl_sm2_signature_verifies_and_a_changed_message_does_not() {
    let key = PublicKey::from_hex("k", OPENSSL_PUBLIC).unwrap();
    let sig = hex::decode(OPENSSL_SIG).unwrap();
    key.verify(OPENSSL_MSG, &sig).unwrap();
    assert!(key.verify(b"OneWindow license KAT!", &sig).is_err());
    // The same secret gives the same public key as OpenSSL derived.
    let ours = IssuerKey::from_secret("k", &hex::decode(OPENSSL_SECRET).unwrap()).unwrap();
    assert_eq!(ours.public().to_hex(), OPENSSL_PUBLIC);
    // Our signature of the message verifies under OpenSSL's public key.
    key.verify(OPENSSL_MSG, &ours.sign(OPENSSL_MSG)).unwrap();
}

#[test]
fn sealed_keys_open_only_with_the_master_key_and_their_own_label() {
    let master = MasterKey::from_hex(&MasterKey::generate_hex()).unwrap();
    let key = IssuerKey::generate("511600-SCJG-1");
    let sealed = key.seal(&master);
    let back = IssuerKey::unseal("511600-SCJG-1", &sealed, &master).unwrap();
    assert_eq!(back.public().to_hex(), key.public().to_hex());
    assert!(IssuerKey::unseal("511600-SCJG-2", &sealed, &master).is_err());
    let other = MasterKey::from_hex(&MasterKey::generate_hex()).unwrap();
    assert!(IssuerKey::unseal("511600-SCJG-1", &sealed, &other).is_err());
    assert!(MasterKey::from_hex("xyz").is_err());
}

// ---- Tokens ----

fn core() -> Core {
    let mut fields = BTreeMap::new();
    fields.insert("经营范围".to_string(), "餐饮服务".to_string());
    Core {
        id: LicenseId::new(
            "11100000000013338W001",
            "11511600MB1234567X",
            "20261127000001",
            1,
        )
        .unwrap()
        .render(),
        number: "JY15116020000123".into(),
        type_code: "11100000000013338W001".into(),
        type_name: "营业执照".into(),
        issuer: "广安市市场监督管理局".into(),
        issuer_code: "11511600MB1234567X".into(),
        holder: "张三".into(),
        holder_id: mask_holder("511602199001011236", true),
        issued: time::macros::date!(2026 - 11 - 27),
        valid_until: Some(time::macros::date!(2031 - 11 - 26)),
        region: "511600".into(),
        data_sm3: fields_digest("511602199001011236", &fields),
        key: "511600-SCJG-1".into(),
    }
}

fn signed(key: &IssuerKey) -> Token {
    let core = core();
    Token {
        signature: key.sign(&core.canonical()).to_vec(),
        core,
    }
}

#[test]
fn a_token_round_trips_through_text_and_a_verification_url() {
    let key = IssuerKey::generate("511600-SCJG-1");
    let t = signed(&key);
    let text = t.encode();
    assert!(
        text.len() < 1200,
        "fits a QR code comfortably: {}",
        text.len()
    );
    assert_eq!(Token::parse(&text).unwrap(), t);
    let url = format!("https://zwfw.example.gov.cn/v/{text}");
    Token::parse(&url).unwrap().verify(&key.public()).unwrap();
    assert_eq!(t.core.holder_id, "5116**********1236");
}

#[test]
fn tampered_truncated_resigned_and_oversized_tokens_fail_with_a_reason() {
    let key = IssuerKey::generate("511600-SCJG-1");
    let t = signed(&key);
    // Tampered payload: same signature, different holder.
    let mut forged = t.clone();
    forged.core.holder = "李四".into();
    let e = Token::parse(&forged.encode())
        .unwrap()
        .verify(&key.public())
        .unwrap_err();
    assert!(e.to_string().contains("签名与内容不符"), "{e}");
    // Truncated.
    let text = t.encode();
    let e = Token::parse(&text[..text.len() - 10]).unwrap_err();
    assert!(e.to_string().contains("截断"), "{e}");
    let e = Token::parse(&text[..40]).unwrap_err();
    assert!(e.to_string().contains("截断"), "{e}");
    // Re-signed by another key that claims the same id.
    let impostor = IssuerKey::generate("511600-SCJG-1");
    let e = signed(&impostor).verify(&key.public()).unwrap_err();
    assert!(matches!(e, LicenseError::Signature(_)));
    // Signed by a different key id than the one offered.
    let other = IssuerKey::generate("511600-SCJG-2");
    assert!(
        t.verify(&other.public())
            .unwrap_err()
            .to_string()
            .contains("511600-SCJG-2")
    );
    // 100 KB.
    let e = Token::parse(&"A".repeat(100 * 1024)).unwrap_err();
    assert!(e.to_string().contains("过长"), "{e}");
    assert!(
        Token::parse("hello")
            .unwrap_err()
            .to_string()
            .contains("OWL1.")
    );
}

#[test]
fn status_on_a_day_reports_expiry_revocation_and_replacement() {
    let d = time::macros::date!(2026 - 11 - 27);
    assert_eq!(status_on(&Status::Valid, None, d).0, "valid");
    assert_eq!(
        status_on(&Status::Valid, Some(d), d).0,
        "valid",
        "valid through its last day"
    );
    assert_eq!(
        status_on(&Status::Valid, Some(d.previous_day().unwrap()), d).0,
        "expired"
    );
    let revoked = Status::Revoked {
        reason: "核查不通过".into(),
    };
    assert_eq!(status_on(&revoked, None, d).1, "已注销");
    assert_eq!(
        status_on(&Status::Replaced { by: "x".into() }, None, d).0,
        "replaced"
    );
}

#[test]
fn the_data_digest_changes_with_any_field_or_the_holder() {
    let mut f = BTreeMap::new();
    f.insert("a".to_string(), "1".to_string());
    let base = fields_digest("X", &f);
    assert_ne!(base, fields_digest("Y", &f));
    f.insert("a".to_string(), "2".to_string());
    assert_ne!(base, fields_digest("X", &f));
    assert_eq!(
        mask_holder("91511600MA6XXXXXXX", false),
        "91511600MA6XXXXXXX"
    );
}

mod presentation {
    use crate::{IssuerKey, Presentation};
    use proptest::prelude::*;

    #[test]
    fn a_presentation_verifies_until_it_expires_and_only_for_its_token() {
        let key = IssuerKey::generate("K1");
        let p = Presentation::sign(&key, "L1", "OWL1.token", 1_000);
        let read = Presentation::parse(&format!("https://x/v/{}", p.encode())).unwrap();
        assert_eq!(read, p);
        read.verify(&key.public()).unwrap();
        assert!(!read.expired_at(1_000));
        assert!(read.expired_at(1_001));
        assert_eq!(read.presented.token_sm3, crate::token_digest("OWL1.token"));
        assert_ne!(read.presented.token_sm3, crate::token_digest("OWL1.other"));
        let other = IssuerKey::generate("K1");
        assert!(
            read.verify(&other.public()).is_err(),
            "another key's signature"
        );
    }

    proptest! {
        /// A later expiry cannot be written into a screenshot: any change to the signed part
        /// breaks the signature (or the parse).
        #[test]
        fn a_changed_expiry_never_verifies(later in 1i64..1_000_000) {
            let key = IssuerKey::generate("K1");
            let p = Presentation::sign(&key, "L1", "OWL1.token", 1_000);
            let mut forged = p.clone();
            forged.presented.expires += later;
            let text = forged.encode();
            let read = Presentation::parse(&text).unwrap();
            prop_assert!(read.verify(&key.public()).is_err());
        }
    }
}
