//! HTTPS against a real TLS server (tests/sims/webhook_receiver.py with the test certificate,
//! its own process): refused while its CA is unknown, with the reason in the error; taken
//! once the CA's bundle is trusted.

use std::process::{Command, Stdio};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};

fn sims() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/sims")
}

#[tokio::test]
async fn a_server_is_trusted_only_once_its_ca_is() {
    let python = std::env::var("ONEWINDOW_SIM_PYTHON").unwrap_or_else(|_| "python3".into());
    let log = std::env::temp_dir().join(format!("net-tls-{}.jsonl", std::process::id()));
    let mut child = Command::new(python)
        .arg(sims().join("webhook_receiver.py"))
        .args(["a-secret-of-sixteen+", "hmac-sha256"])
        .arg(&log)
        .arg("--tls")
        .arg(sims().join("tls/server.pem"))
        .arg(sims().join("tls/server-key.pem"))
        .stdout(Stdio::piped())
        .spawn()
        .expect("python runs the receiver");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let port: u16 = line
        .trim()
        .strip_prefix("LISTENING ")
        .unwrap()
        .parse()
        .unwrap();
    let url = format!("https://127.0.0.1:{port}/events");
    let post = || {
        let req = hyper::Request::post(&url)
            .body(Full::new(Bytes::from_static(b"{}")))
            .unwrap();
        net::client::<Full<Bytes>>().request(req)
    };

    let refused = post().await.expect_err("an unknown CA");
    let why = net::causes(&refused);
    assert!(why.contains("UnknownIssuer"), "{why}");

    let n = net::trust_pem_file(&sims().join("tls/ca.pem")).unwrap();
    assert_eq!(n, 1);
    let answer = post().await.expect("trusted now");
    // The receiver judged the (unsigned) request: the TLS connection itself was made.
    assert_eq!(answer.status(), 401);
    let _ = answer.into_body().collect().await;

    assert!(net::trust_pem_file(&sims().join("tls/README.md")).is_err());
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_file(log);
}
