#!/usr/bin/env bash
# The project's test command (named in the README and run by CI):
#   lint (rustfmt, clippy with warnings denied), every Rust test — store and app tests on
#   SQLite and, when ONEWINDOW_TEST_DATABASE_URL is set, on PostgreSQL — and the browser
#   tests in headless Chromium (skipped with SKIP_BROWSER=1). The API contract test needs
#   python3 (with venv) to install schemathesis from PyPI on first use, the relay's tests
#   aiosmtpd for their SMTP server, the file-store tests moto for their S3 server, and the
#   login tests Node.js with oidc-provider (npm) for their identity provider.
set -euo pipefail
cd "$(dirname "$0")/.."

# The script's own files (lists, logs) go under target/, which cargo may not have made: CI
# builds elsewhere (CARGO_TARGET_DIR, see .ci/run).
mkdir -p target

# Each stage says when it starts and how long the run has taken so far (CI has 40 minutes).
stage() { echo "== $* ($(date +%T), ${SECONDS}s in)"; }

# Coverage-guided fuzzing of the parsers, five seconds a target (longer: scripts/fuzz.sh 600),
# run in the background beside the three-node stage (or on its own without PostgreSQL).
fuzz_log=target/fuzz-stage.log
start_fuzzing() {
  stage "fuzzing (in the background)"
  # The fuzz targets are their own workspace, built with cargo-fuzz's flags only.
  env -u RUSTC_WORKSPACE_WRAPPER -u RUSTFLAGS scripts/fuzz.sh 5 >"$fuzz_log" 2>&1 &
  fuzz_pid=$!
}
finish_fuzzing() {
  if [ -z "${fuzz_pid:-}" ]; then start_fuzzing; fi
  local ok=0
  wait "$fuzz_pid" || ok=$?
  echo "== fuzzing log"
  cat "$fuzz_log"
  if [ "$ok" -ne 0 ]; then echo "== fuzzing FAILED" >&2; exit "$ok"; fi
  stage "fuzzing done"
}

stage "rustfmt"
cargo fmt --all -- --check
# Clippy lints the workspace's crates as the test build compiles them (cargo clippy itself
# runs clippy-driver this way), with warnings denied: one compilation instead of a separate
# check of every dependency (four minutes). Every cargo command below shares these settings,
# so none rebuilds what another built.
export RUSTC_WORKSPACE_WRAPPER="${RUSTC_WORKSPACE_WRAPPER:-clippy-driver}"
export RUSTFLAGS="${RUSTFLAGS:-} -D warnings"

# The peers in Python: the SMTP server needs aiosmtpd and the S3 server moto (PyPI),
# installed once per machine (outside the checkout, like the fuzzing tools) into a virtualenv
# whose interpreter the tests are given (by its absolute path: they run from their crates).
simvenv="$(realpath -m "${ONEWINDOW_TOOLS:-$HOME/.cache/onewindow-tools}")/sims-venv"
if ! "$simvenv/bin/python" -c '
import importlib.metadata as m, moto.server
assert (m.version("aiosmtpd"), m.version("moto")) == ("1.4.6", "5.1.18")' 2>/dev/null; then
  echo "installing aiosmtpd and moto into $simvenv" >&2
  python3 -m venv "$simvenv"
  "$simvenv/bin/pip" install --quiet --disable-pip-version-check "aiosmtpd==1.4.6" "moto[server]==5.1.18"
fi
export ONEWINDOW_SIM_PYTHON="$simvenv/bin/python"
# The identity provider is Node.js: oidc-provider from npm, pinned by tests/sims/package-lock.json.
npm ci --prefix tests/sims --no-audit --no-fund --loglevel=error

if [ -n "${ONEWINDOW_TEST_DATABASE_URL:-}" ]; then pg="on"; else pg="NOT SET: PostgreSQL halves skipped"; fi
stage "clippy and the Rust tests (SQLite always; PostgreSQL: $pg)"
# Every test target built once; its binaries are listed (target, kind, package directory,
# executable) for this stage and the three-node one.
tests_list=target/test-binaries.txt
cargo test --workspace --locked --no-run --message-format=json-render-diagnostics | python3 -c '
import json, os, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["profile"]["test"] and m.get("executable"):
        t = m["target"]
        print(t["name"], t["kind"][0], os.path.dirname(m["manifest_path"]), m["executable"])' >"$tests_list"
# Each binary runs from its package's directory, as cargo runs it, one after the other (the run
# is CPU-bound: the app suite beside the others was no faster); every one runs even when one
# fails. A test reads nothing from the list it is run from.
# With PostgreSQL the app suite runs its SQLite half here and its PostgreSQL half on three
# nodes below, which covers what one node would (and more), instead of both halves twice.
failed=()
while read -r name kind dir exe; do
  echo "     Running $name ($kind) $exe"
  only=""
  if [ "$name $kind" = "app test" ] && [ -n "${ONEWINDOW_TEST_DATABASE_URL:-}" ]; then
    only=sqlite
  fi
  (cd "$dir" && ONEWINDOW_TEST_BACKEND="$only" "$exe" </dev/null) || failed+=("$name ($kind)")
done <"$tests_list"
# Doc tests only when a doc comment holds a code block: rustdoc reads every crate to find
# none (twenty seconds).
if grep -rqE '^\s*//[/!]\s*```' crates/*/src; then
  cargo test --workspace --locked --doc
fi
if [ "${#failed[@]}" -gt 0 ]; then
  echo "== Rust tests FAILED: ${failed[*]}" >&2
  exit 1
fi

# The schemas the tests made and dropped leave dead catalog rows behind (PostgreSQL here runs
# without autovacuum): clear them before the next stages.
if [ -n "${ONEWINDOW_TEST_DATABASE_URL:-}" ]; then
  psql "$ONEWINDOW_TEST_DATABASE_URL" -q -c "VACUUM"
fi

# The web suite again with every site on three nodes sharing one PostgreSQL: requests go round
# robin, each node keeps its own caches, search index and board hub, and hears the others'
# changes through LISTEN/NOTIFY. Then the app suite the same way (each use case on the next
# node once every node has heard every change), without the 20 000-row import (minutes in a
# debug build, nothing a second node copies). A database of their own, dropped afterwards.
if [ -n "${ONEWINDOW_TEST_DATABASE_URL:-}" ]; then
  stage "web and app tests on three nodes sharing PostgreSQL"
  pool_url="${ONEWINDOW_TEST_DATABASE_URL%/*}/onewindow_pool"
  psql "$ONEWINDOW_TEST_DATABASE_URL" -q -c "DROP DATABASE IF EXISTS onewindow_pool" -c "CREATE DATABASE onewindow_pool"
  # The test binaries the first stage built, run as they are: `cargo test --test web` selects
  # other targets, so cargo unifies other features and rebuilds half the workspace (two minutes).
  web_bin=$(awk '$1 == "web" && $2 == "test" {print $4}' "$tests_list")
  app_bin=$(awk '$1 == "app" && $2 == "test" {print $4}' "$tests_list")
  if [ -z "$web_bin" ] || [ -z "$app_bin" ]; then
    echo "error: the web and app test binaries were not found" >&2
    exit 1
  fi
  # The fuzzing stage builds and runs meanwhile: these tests wait on the database more than
  # on the cores, so the two overlap (its log is shown when it is done).
  start_fuzzing
  # Four at a time: a test here waits on the database more than on the cores. Each binary
  # runs from its package's directory, as cargo runs it.
  (cd crates/web && ONEWINDOW_TEST_NODES=3 ONEWINDOW_TEST_DATABASE_URL="$pool_url" "$web_bin" --test-threads 4)
  (cd crates/app && ONEWINDOW_TEST_NODES=3 ONEWINDOW_TEST_DATABASE_URL="$pool_url" "$app_bin" \
    --test-threads 4 --skip catalog::twenty_thousand)
  # The import on one node (the first stage ran only its SQLite half).
  (cd crates/app && ONEWINDOW_TEST_BACKEND=postgres "$app_bin" catalog::twenty_thousand)
  psql "$ONEWINDOW_TEST_DATABASE_URL" -q -c "DROP DATABASE onewindow_pool"
fi

finish_fuzzing

# Short runs of every benchmark so none of them rots. They assert no time: they fail only when
# a benchmark breaks (a request error, a broken audit chain, a case without its license).
stage "benchmark smoke runs, and the API contract test beside them"
# The server the test build made for the integration tests (the same code as `cargo build -p
# onewindow`, plus the unused test fixtures of the `testing` features): building it again
# without them would recompile eight crates (two minutes).
bin="${CARGO_TARGET_DIR:-target}/debug/onewindow"
# The JSON API against its generated OpenAPI document (schemathesis, about five minutes),
# beside the benchmarks: they assert no time, and the contract test's server is its own.
# A subshell, so that its status is the script's (pipefail), not the prefixing sed's.
(ONEWINDOW_BIN="$bin" scripts/contract-test.sh 2>&1 | sed -u 's/^/[contract] /') &
contract=$!
cargo test -p license --benches --locked
"$bin" bench search --items 2000 --queries 200 --json
"$bin" bench import --items 200 --json
"$bin" bench supervision --cases 5000 --dashboard-cases 200 --year-cases 2000 --json
"$bin" bench search-load --items 200 --clients 4 --seconds 3 --json
"$bin" bench search-load --items 200 --clients 4 --seconds 3 --page --json
scripts/nats.sh
"$bin" bench lifecycle --cases 30 --concurrency 4 --preload 300 --events nats --json
"$bin" bench hall --seconds 5 --kiosks 4 --windows 8 --boards 20 --json
"$bin" bench hotline --seconds 5 --workers 8 --typists 2 --tickets 2000 --articles 200 --json
"$bin" bench projects --projects 20 --concurrency 4 --json
"$bin" bench policy --subjects 20000 --json
if [ -n "${ONEWINDOW_TEST_DATABASE_URL:-}" ]; then
  "$bin" bench lifecycle --backend postgres --pg-url "$ONEWINDOW_TEST_DATABASE_URL" \
    --cases 30 --concurrency 4 --preload 300 --json
  # One and three nodes behind HAProxy, then a node killed mid-run and a rolling restart.
  "$bin" bench cluster --pg-url "$ONEWINDOW_TEST_DATABASE_URL" --nodes 1,3 --seconds 5 \
    --concurrency 8 --json
fi

# The browser tests start while the contract test's last runs go on (the benchmarks leave it
# a minute or two, on one core).
if [ "${SKIP_BROWSER:-0}" = "1" ]; then
  echo "== browser tests skipped (SKIP_BROWSER=1)"
else
  stage "browser tests (the contract test beside them until it ends)"
  ONEWINDOW_BIN="$bin" scripts/browser-test.sh
fi
wait "$contract" || { echo "== API contract test FAILED (log above)"; exit 1; }
stage "done"
