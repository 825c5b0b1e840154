//! What the binary's integration tests share: running `onewindow` on a data directory with
//! its `onewindow.toml`.

use std::path::Path;
use std::process::Command;

/// Runs `onewindow --data-dir DIR --config DIR/onewindow.toml ARGS…`; the exit code and
/// everything it printed.
pub fn onewindow(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_onewindow"))
        .arg("--data-dir")
        .arg(dir)
        .arg("--config")
        .arg(dir.join("onewindow.toml"))
        .args(args)
        .env("ONEWINDOW_LOG", "warn")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}
