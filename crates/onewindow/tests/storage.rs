//! Object storage from the configuration file: with `[storage] files = "s3"` the demo's
//! uploaded materials land in the bucket (moto's S3 server, its own process) and none in the
//! data directory; a configuration that names no bucket, or a bucket the server refuses, stops
//! with a clear message. (Uploads, notices and the orphan sweep against the bucket on both
//! databases: crates/app/tests/app/files.rs.)

use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;

mod support;
use support::onewindow;

/// tests/sims/s3_server.py with the bucket `county` (moto, from scripts/test.sh's virtualenv).
fn s3_server() -> (store::testing::Peer, u16) {
    let peer = store::testing::python_peer("s3_server.py", &["county".as_ref()]);
    let port = peer.port;
    (peer, port)
}

/// The keys under `prefix` in the bucket, by S3's ListObjectsV2 (moto answers unsigned
/// requests). A plain HTTP/1.0 GET: the one test-only client here, not worth a dependency.
fn keys(port: u16, prefix: &str) -> Vec<String> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET /county?list-type=2&prefix={prefix} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    text.split("<Key>")
        .skip(1)
        .filter_map(|k| k.split_once("</Key>").map(|(k, _)| k.to_string()))
        .collect()
}

fn config(dir: &Path, port: u16, bucket: &str) {
    std::fs::write(
        dir.join("onewindow.toml"),
        format!(
            "[storage]\nfiles = \"s3\"\n[storage.s3]\nendpoint = \"http://127.0.0.1:{port}\"\n\
             bucket = \"{bucket}\"\naccess_key_id = \"onewindow\"\nprefix = \"guang-an\"\n"
        ),
    )
    .unwrap();
}

#[test]
fn the_demo_keeps_its_materials_in_the_bucket_named_in_the_configuration() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (_s3, port) = s3_server();

    // The secret comes from a file beside the configuration, as a deployment keeps it.
    config(dir, port, "county");
    let (code, out) = onewindow(dir, &["demo"]);
    assert_ne!(code, 0, "no secret key: {out}");
    assert!(out.contains("[storage.s3] 缺少 secret_access_key"), "{out}");
    std::fs::write(dir.join("s3.secret"), "onewindow-secret\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_onewindow"))
        .arg("--data-dir")
        .arg(dir)
        .arg("--config")
        .arg(dir.join("onewindow.toml"))
        .arg("demo")
        .env("ONEWINDOW_LOG", "warn")
        .env(
            "ONEWINDOW__STORAGE__S3__SECRET_ACCESS_KEY_FILE",
            dir.join("s3.secret"),
        )
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");

    let files = keys(port, "guang-an/files/");
    // The demo's materials are one sample PDF, kept once by its digest.
    assert_eq!(files.len(), 1, "the demo cases' materials: {files:?}");
    assert!(
        files
            .iter()
            .all(|k| k.len() == "guang-an/files/ab/".len() + 64),
        "{files:?}"
    );
    let on_disk = std::fs::read_dir(dir.join("files"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(on_disk, 0, "nothing under the data directory's files/");
}

#[test]
fn a_configuration_without_a_bucket_or_with_a_refused_one_says_what_is_wrong() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("onewindow.toml"), "[storage]\nfiles = \"s3\"\n").unwrap();
    let (code, out) = onewindow(dir, &["demo"]);
    assert_ne!(code, 0);
    assert!(out.contains("需要 [storage.s3] 一节"), "{out}");

    std::fs::write(dir.join("onewindow.toml"), "[storage]\nfiles = \"ftp\"\n").unwrap();
    let (code, out) = onewindow(dir, &["demo"]);
    assert_ne!(code, 0);
    assert!(out.contains("files 只能是 \"local\" 或 \"s3\""), "{out}");

    let (_s3, port) = s3_server();
    config(dir, port, "another-county");
    let mut text = std::fs::read_to_string(dir.join("onewindow.toml")).unwrap();
    text.push_str("secret_access_key = \"onewindow-secret\"\n");
    std::fs::write(dir.join("onewindow.toml"), text).unwrap();
    let (code, out) = onewindow(dir, &["demo"]);
    assert_ne!(code, 0);
    assert!(out.contains("文件存储暂时不可用"), "{out}");
    assert!(
        out.contains("another-county"),
        "the log names the bucket: {out}"
    );
}
