#!/usr/bin/env bash
# The project's test command (named in the README and run by CI):
#   lint (rustfmt, clippy with warnings denied), every Rust test — store and app tests on
#   SQLite and, when ONEWINDOW_TEST_DATABASE_URL is set, on PostgreSQL — and the browser
#   tests in headless Chromium (skipped with SKIP_BROWSER=1).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== rustfmt and clippy"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

if [ -n "${ONEWINDOW_TEST_DATABASE_URL:-}" ]; then pg="on"; else pg="NOT SET: PostgreSQL halves skipped"; fi
echo "== Rust tests (SQLite always; PostgreSQL: $pg)"
cargo test --workspace --locked

if [ "${SKIP_BROWSER:-0}" = "1" ]; then
  echo "== browser tests skipped (SKIP_BROWSER=1)"
else
  echo "== browser tests"
  cargo build -p onewindow --locked
  scripts/browser-test.sh
fi
