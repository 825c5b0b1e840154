#!/usr/bin/env bash
# Browser tests: start the demo server, drive headless Chromium through the pages, and write
# screenshots to docs/screenshots/. Run from anywhere; paths are taken from the repository root.
#
# It does NOT build the server: build it first (cargo build), or point ONEWINDOW_BIN at a binary.
#   ONEWINDOW_BIN  server binary (default: target/debug/onewindow)
#   CHROMIUM       browser (default: /usr/bin/chromium; installed with apt-get when missing)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

need_apt=()
if [ -z "${CHROMIUM:-}" ] && [ ! -x /usr/bin/chromium ]; then
  need_apt+=(chromium chromium-driver)
fi
# Without a CJK font the pages still work, but the screenshots show boxes instead of Chinese.
if ! command -v fc-list >/dev/null 2>&1 || [ -z "$(fc-list :lang=zh family 2>/dev/null)" ]; then
  need_apt+=(fonts-noto-cjk)
fi
if [ "${#need_apt[@]}" -gt 0 ]; then
  echo "installing ${need_apt[*]}" >&2
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "${need_apt[@]}"
fi

bin="${ONEWINDOW_BIN:-target/debug/onewindow}"
case "$bin" in /*) ;; *) bin="$root/$bin" ;; esac
if [ ! -x "$bin" ]; then
  echo "error: server binary $bin not found; build it first (cargo build) or set ONEWINDOW_BIN" >&2
  exit 1
fi
export ONEWINDOW_BIN="$bin"

cd tests/browser
npm ci --no-audit --no-fund
npm test
