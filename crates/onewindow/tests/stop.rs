//! Stopping in order (a rolling restart): on SIGTERM `/readyz` answers 503 `draining` while
//! requests are still served, then the server exits, even with a hall board's event stream
//! open (an event stream never ends by itself; it is cut after a grace period).

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A GET over HTTP/1.0: the status code and the body.
fn get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    let code = text.split(' ').nth(1)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string())?;
    Some((code, body))
}

#[test]
fn sigterm_drains_then_stops_even_with_a_board_listening() {
    let tmp = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_onewindow"))
        .arg("--data-dir")
        .arg(tmp.path())
        .args(["serve", "--demo", "--listen", &format!("127.0.0.1:{port}")])
        .env("ONEWINDOW__SERVER__DRAIN_SECONDS", "2")
        .env("ONEWINDOW_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while get(port, "/readyz").map(|r| r.0) != Some(200) {
        assert!(started.elapsed() < Duration::from_secs(120), "never ready");
        std::thread::sleep(Duration::from_millis(100));
    }
    // A hall's display board listening.
    let mut board = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        board,
        "GET /api/v1/halls/511602-ZWZX/board/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    )
    .unwrap();
    let mut first = [0u8; 12];
    board.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 200", "the board's stream is open");

    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        get(port, "/readyz"),
        Some((503, "draining".into())),
        "not ready while draining"
    );
    assert_eq!(
        get(port, "/healthz").map(|r| r.0),
        Some(200),
        "still serving while draining"
    );
    let told = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if told.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("still running 30 s after SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "{status:?}");
    assert!(
        told.elapsed() >= Duration::from_millis(1400),
        "stopped before the drain ended"
    );
    assert!(get(port, "/healthz").is_none(), "nothing listens any more");
}
