//! 数据汇聚 end to end: the demo county's cases and ratings reach an upper-level platform (the
//! simulator tests/sims/upper_platform.py, its own process, checking every signature) that was
//! down when the server started and then refused its first requests; `onewindow push verify`
//! names nothing missing once it caught up, every case when the platform lost its records, and
//! says so when the secret is wrong. The records name the right people: the applicant's name
//! and ID number, staff by name. (Ratings and the record contents on both backends:
//! crates/relay/tests/relay/push.rs.)

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod support;
use support::onewindow;

const SECRET: &str = "upper-platform-secret-0123";

fn simulator() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/sims/upper_platform.py")
}

/// Starts the upper platform on `port` (0: any); returns it and its port.
fn upper(state: &Path, secret: &str, port: u16, fail_first: u32) -> (Kill, u16) {
    let mut child = Command::new("python3")
        .arg(simulator())
        .args([secret, "hmac-sm3"])
        .arg(state)
        .args(["--port", &port.to_string()])
        .args(["--fail-first", &fail_first.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs the upper-platform simulator");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .trim()
        .strip_prefix("LISTENING ")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("the simulator said: {line}"));
    (Kill(child), port)
}

struct Kill(Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The simulator's unsigned inspection endpoint. A plain HTTP/1.0 GET: the one test-only
/// client in this crate, not worth a dependency.
fn inspect(port: u16, path: &str) -> serde_json::Value {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn the_county_reports_every_case_to_the_upper_platform_and_verify_finds_no_gap() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let port = free_port();
    std::fs::write(
        dir.join("onewindow.toml"),
        format!(
            "[events]\npoll_ms = 50\n[events.retry]\nbase_ms = 100\ncap_ms = 400\n\
             [[events.push]]\nname = \"province\"\nurl = \"http://127.0.0.1:{port}\"\n\
             secret = \"{SECRET}\"\nalgorithm = \"hmac-sm3\"\nsource = \"guang-an\"\n"
        ),
    )
    .unwrap();
    let (code, out) = onewindow(dir, &["demo"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("张三"), "{out}");

    // A platform with another secret is told nothing and says why (before the server runs:
    // its deliveries would be refused too, and end as dead letters).
    let wrong = dir.join("wrong.json");
    {
        let (_w, _) = upper(&wrong, "another-secret-0123456789", port, 0);
        let (code, out) = onewindow(dir, &["push", "verify", "--since", "2020-01-01"]);
        assert_ne!(code, 0);
        assert!(out.contains("HTTP 401"), "{out}");
    }

    // The server starts while the upper platform is down: its events wait.
    let listen = format!("127.0.0.1:{}", free_port());
    let server = Kill(
        Command::new(env!("CARGO_BIN_EXE_onewindow"))
            .arg("--data-dir")
            .arg(dir)
            .arg("--config")
            .arg(dir.join("onewindow.toml"))
            .args(["serve", "--demo", "--listen", &listen])
            .env("ONEWINDOW_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    std::thread::sleep(Duration::from_secs(2));

    // Up again, refusing its first requests (an outage seen as 503): the relay retries.
    let state = dir.join("upper.json");
    let (_upper, _) = upper(&state, SECRET, port, 3);
    let started = Instant::now();
    let out = loop {
        let (code, out) = onewindow(dir, &["push", "verify", "--since", "2020-01-01"]);
        if code == 0 {
            break out;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the upper platform never caught up:\n{out}"
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    assert!(out.contains("上级平台不缺任何记录"), "{out}");
    drop(server);

    // Every case names its applicant by name and ID number, each step its handler by name;
    // a concluded case has its result.
    let all = inspect(port, "/records");
    let numbers: Vec<String> = serde_json::from_value(all["cases"].clone()).unwrap();
    assert!(numbers.len() >= 5, "{all}");
    let (mut citizen, mut concluded) = (false, 0);
    for number in &numbers {
        let c = inspect(port, &format!("/records?case={number}"));
        let basic = &c["basic"];
        assert_eq!(basic["case_number"], number.as_str());
        assert_eq!(basic["applicant_id"].as_str().unwrap().len(), 18, "{basic}");
        if basic["applicant_name"] == "张三" {
            citizen = true;
            assert_eq!(basic["applicant_type"], "1");
            assert_eq!(basic["applicant_id_type"], "居民身份证");
        }
        let steps = c["process"].as_array().unwrap();
        let seqs: Vec<i64> = steps.iter().map(|s| s["seq"].as_i64().unwrap()).collect();
        assert!(
            !seqs.is_empty() && seqs.windows(2).all(|w| w[0] < w[1]),
            "{seqs:?}"
        );
        for s in steps {
            let who = s["handler"].as_str().unwrap();
            assert!(
                !who.is_empty() && !who.contains('-'),
                "a handler is named, not an account id: {s}"
            );
        }
        if !c["result"].is_null() {
            concluded += 1;
            assert!(
                c["result"]["concluded_at"]
                    .as_str()
                    .unwrap()
                    .ends_with("+08:00")
            );
            assert!(!c["result"]["result_name"].as_str().unwrap().is_empty());
        }
    }
    assert!(citizen, "a case of the demo citizen 张三 was pushed");
    assert!(concluded > 0, "concluded demo cases carry their results");

    // Once verified, a platform that lost its records is found out.
    drop(_upper);
    std::fs::remove_file(&state).unwrap();
    let (_empty, _) = upper(&state, SECRET, port, 0);
    let (code, out) = onewindow(dir, &["push", "verify", "--since", "2020-01-01"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("上级平台无此办件"), "{out}");
}
