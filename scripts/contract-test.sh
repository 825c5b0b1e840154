#!/usr/bin/env bash
# Contract test of the JSON API: start the demo server, then let schemathesis (PyPI) generate
# requests from the served OpenAPI document (/api/openapi.json) and check that no answer is a
# server error and that every answer matches the schema the document gives for its status.
# Runs unauthenticated: the 401/403 answers are part of the contract too.
#
# It does NOT build the server: build it first (cargo build), or point ONEWINDOW_BIN at a binary.
#   ONEWINDOW_BIN          server binary (default: target/debug/onewindow)
#   CONTRACT_MAX_EXAMPLES  generated requests per operation and phase (default 20)
# schemathesis is installed once per machine into ~/.cache/onewindow-tools/contract-venv
# (ONEWINDOW_TOOLS names another place) and reused.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bin="${ONEWINDOW_BIN:-target/debug/onewindow}"
case "$bin" in /*) ;; *) bin="$root/$bin" ;; esac
if [ ! -x "$bin" ]; then
  echo "error: server binary $bin not found; build it first (cargo build) or set ONEWINDOW_BIN" >&2
  exit 1
fi

# The schemathesis this script was written against (its options and check names), pinned so a
# release cannot change what passes.
version="4.32.5"
venv="${ONEWINDOW_TOOLS:-$HOME/.cache/onewindow-tools}/contract-venv"
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "version $version\$"; then
  echo "installing schemathesis $version into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version"
fi

data="$(mktemp -d)"
log="$data/server.log"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
# No load balancer waits on this server: it stops at once instead of draining first.
ONEWINDOW__SERVER__DRAIN_SECONDS=0 "$bin" --data-dir "$data" serve --demo --listen "127.0.0.1:$port" >"$log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT

base="http://127.0.0.1:$port"
for _ in $(seq 1 120); do
  if curl -fsS "$base/readyz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then
    echo "error: the server stopped while starting:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.5
done
curl -fsS "$base/readyz" >/dev/null

# Logs a demo account in; prints the session and CSRF cookies.
login() {
  local jar="$data/cookies-$1" csrf
  curl -fsS -c "$jar" -o /dev/null "$base/login"
  csrf="$(awk '$6 == "ow_csrf" { print $7 }' "$jar")"
  curl -fsS -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf=$csrf" \
    --data-urlencode "login=$1" --data-urlencode "password=$password" "$base/login"
  awk '$6 == "ow_session" { s = $7 } $6 == "ow_csrf" { c = $7 } END { print s, c }' "$jar"
}
password="$(sed -n 's/.*密码均为 \([^，]*\)，.*/\1/p' "$log")"

# One pass without a session, then one as each of these demo accounts (an applicant, a catalog
# administrator, a window clerk, a supervisor), so the answers behind the login are checked
# too. Bounded: at most CONTRACT_MAX_EXAMPLES cases per operation in each phase, one worker
# (the machine has two cores and the server needs one), a fixed seed so a failure reproduces.
# schemathesis 4.32 sometimes cannot generate invalid bodies for a oneOf of objects (a case
# command, a bundle application) and reports "does not support a `not` whose complement is not
# spelled out": a gap of the generator, not of the API. True when the report holds such errors
# only: no failed check and no other error.
generation_gap_only() {
  python3 - "$1" <<'PY'
import sys
import xml.etree.ElementTree as ET

cases = ET.parse(sys.argv[1]).getroot().iter("testcase")
bad = 0
for case in cases:
    if case.find("failure") is not None:
        bad += 1
    for error in case.findall("error"):
        if "does not support a `not`" in (error.text or ""):
            print(f"note: schemathesis could not generate invalid requests for {case.get('name')}")
        else:
            bad += 1
sys.exit(1 if bad else 0)
PY
}

accounts="${CONTRACT_ACCOUNTS:-anonymous 511602199001011236 catalog clerk supervisor}"
status=0
for who in $accounts; do
  auth=()
  if [ "$who" != "anonymous" ]; then
    read -r session csrf < <(login "$who")
    if [ -z "$session" ]; then
      echo "error: could not log in as $who" >&2
      exit 1
    fi
    auth=(-H "Cookie: ow_session=$session; ow_csrf=$csrf" -H "X-CSRF-Token: $csrf")
  fi
  # Valid requests, then invalid ones. Without an example database, so each run stands alone.
  for mode in positive negative; do
    echo "== schemathesis as $who, $mode requests"
    report="$data/junit-$who-$mode.xml"
    if ! (cd "$data" && "$venv/bin/schemathesis" run "$base/api/openapi.json" "${auth[@]}" \
      --checks not_a_server_error,response_schema_conformance \
      --phases examples,coverage,fuzzing \
      --mode "$mode" \
      --max-examples "${CONTRACT_MAX_EXAMPLES:-20}" \
      --workers 1 \
      --seed 1 \
      --request-timeout 10 \
      --suppress-health-check all \
      --generation-database none \
      --report junit --report-junit-path "$report" \
      --warnings off); then
      generation_gap_only "$report" || status=1
    fi
  done
done
if [ "$status" -ne 0 ]; then
  echo "== server log (last 50 lines)" >&2
  tail -n 50 "$log" >&2
fi
exit "$status"
