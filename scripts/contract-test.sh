#!/usr/bin/env bash
# Contract test of the JSON API: start the demo server, then let schemathesis (PyPI) generate
# requests from the served OpenAPI document (/api/openapi.json) and check that no answer is a
# server error and that every answer matches the schema the document gives for its status.
# Runs unauthenticated: the 401/403 answers are part of the contract too.
#
# It does NOT build the server: build it first (cargo build), or point ONEWINDOW_BIN at a binary.
#   ONEWINDOW_BIN          server binary (default: target/debug/onewindow)
#   CONTRACT_MAX_EXAMPLES  generated requests per operation and phase (default 20)
# schemathesis is installed once into target/contract-venv and reused.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bin="${ONEWINDOW_BIN:-target/debug/onewindow}"
case "$bin" in /*) ;; *) bin="$root/$bin" ;; esac
if [ ! -x "$bin" ]; then
  echo "error: server binary $bin not found; build it first (cargo build) or set ONEWINDOW_BIN" >&2
  exit 1
fi

# The tested schemathesis major version; its check names are used below.
venv="$root/target/contract-venv"
if [ ! -x "$venv/bin/schemathesis" ]; then
  echo "installing schemathesis into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis>=4,<5"
fi

data="$(mktemp -d)"
log="$data/server.log"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$bin" --data-dir "$data" serve --demo --listen "127.0.0.1:$port" >"$log" 2>&1 &
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
  echo "== schemathesis as $who"
  # From the temporary folder, where schemathesis leaves its cache.
  (cd "$data" && "$venv/bin/schemathesis" run "$base/api/openapi.json" "${auth[@]}" \
    --checks not_a_server_error,response_schema_conformance \
    --phases examples,coverage,fuzzing \
    --max-examples "${CONTRACT_MAX_EXAMPLES:-20}" \
    --workers 1 \
    --seed 1 \
    --request-timeout 10 \
    --suppress-health-check all \
    --warnings off) || status=$?
done
if [ "$status" -ne 0 ]; then
  echo "== server log (last 50 lines)" >&2
  tail -n 50 "$log" >&2
fi
exit "$status"
