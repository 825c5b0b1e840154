//! Sign and verify throughput of one core: `cargo bench -p license`.
//!
//! A plain timing loop (no criterion: it would double this workspace's dev-dependency
//! compile time for two numbers). Each measurement runs for about two seconds after warm-up.

use std::time::{Duration, Instant};

use license::{Core, IssuerKey, Token};

fn sample_core() -> Core {
    Core {
        id: "1.2.156.3005.2.11100000000013338W001.11511600MB1234567X.20261127000001.001.0".into(),
        number: "JY15116020000123".into(),
        type_code: "11100000000013338W001".into(),
        type_name: "营业执照".into(),
        issuer: "广安市市场监督管理局".into(),
        issuer_code: "11511600MB1234567X".into(),
        holder: "广安市示例餐饮有限公司".into(),
        holder_id: "91511600MA6XXXXXXX".into(),
        issued: time::macros::date!(2026 - 11 - 27),
        valid_until: None,
        region: "511600".into(),
        data_sm3: "00".repeat(32),
        key: "511600-SCJG-1".into(),
    }
}

fn rate(name: &str, mut f: impl FnMut()) {
    for _ in 0..50 {
        f();
    }
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < Duration::from_secs(2) {
        f();
        n += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{name:<28} {:>9.0} per second per core ({:.1} µs each, {n} runs)",
        n as f64 / secs,
        secs * 1e6 / n as f64
    );
}

fn main() {
    let key = IssuerKey::generate("511600-SCJG-1");
    let public = key.public();
    let core = sample_core();
    let token = Token {
        signature: key.sign(&core.canonical()).to_vec(),
        core: core.clone(),
    };
    let text = token.encode();
    rate("sign (SM3 + SM2)", || {
        std::hint::black_box(key.sign(&core.canonical()));
    });
    rate("verify signature", || {
        token.verify(&public).expect("valid");
    });
    rate("parse + verify QR token", || {
        Token::parse(&text)
            .and_then(|t| t.verify(&public))
            .expect("valid");
    });
}
