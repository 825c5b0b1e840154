#!/usr/bin/env bash
# Coverage-guided fuzzing (cargo-fuzz, libFuzzer) of the identifier parsers, the license QR
# token, application form data and catalog items as JSON. The machines have the stable
# toolchain only, so the targets build without a sanitizer (`-s none`): libFuzzer still
# follows coverage and catches panics, but memory errors in unsafe code would go unseen (this
# project forbids unsafe code).
#   scripts/fuzz.sh            every target for 10 seconds (what the test command runs)
#   scripts/fuzz.sh 600        every target for ten minutes
#   scripts/fuzz.sh 3600 qr_token
# A crash is saved under fuzz/artifacts/TARGET/; rerun it with
#   ~/.cache/onewindow-tools/bin/cargo-fuzz run -s none -O \
#     --target-dir ~/.cache/onewindow-tools/fuzz-target TARGET fuzz/artifacts/TARGET/crash-…
# and turn it into a unit test beside the code it broke.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(identifiers qr_token form_data catalog_item)
fi
# cargo-fuzz is built once per machine (half a minute of both cores), outside the checkout, as
# the Debian packages the tests need are installed once.
tools="${ONEWINDOW_TOOLS:-$HOME/.cache/onewindow-tools}"
fuzz="$tools/bin/cargo-fuzz"
if ! "$fuzz" --version 2>/dev/null | grep -q " 0\.13\.2\b"; then
  cargo install cargo-fuzz --version 0.13.2 --locked --force --root "$tools"
fi
# The targets' build is kept beside it too: from nothing it took two minutes of both cores
# alone and six beside CI's three-node tests (CI has forty); a later run, from another
# checkout, rebuilds only the workspace crates it fuzzes (under a minute).
target_dir="$tools/fuzz-target"
"$fuzz" build -s none -O --target-dir "$target_dir"
for t in "${targets[@]}"; do
  echo "-- fuzz $t for ${seconds}s"
  "$fuzz" run -s none -O --target-dir "$target_dir" "$t" -- -max_total_time="$seconds" -max_len=4096 -print_final_stats=0 2>&1 \
    | grep -E "^(Done|==|INFO: Running)|panicked|ERROR" || true
  if [ -d "fuzz/artifacts/$t" ] && [ -n "$(ls -A "fuzz/artifacts/$t" 2>/dev/null)" ]; then
    echo "fuzz target $t found a crash: see fuzz/artifacts/$t" >&2
    exit 1
  fi
done
