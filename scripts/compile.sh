#!/usr/bin/env bash
# `deno task compile`: builds dist/edgecep with only the permissions the job needs. deno compile
# downloads its runtime (denort) unless DENORT_BIN names a local one; offline, that download fails
# with a DNS error, so this says what is needed instead.
set -uo pipefail
cd "$(dirname "$0")/.."
DENO="${DENO:-deno}"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if "$DENO" compile --allow-net --allow-env --allow-sys --allow-read \
  --allow-write=/tmp,/var/lib/edgecep --include samples --output dist/edgecep main.ts 2>"$log"; then
  cat "$log" >&2
  echo "built dist/edgecep"
  exit 0
fi
cat "$log" >&2
if [ -z "${DENORT_BIN:-}" ] && grep -qE "dl\.deno\.land|error sending request|dns error" "$log"; then
  version="$("$DENO" --version | head -n 1 | cut -d ' ' -f 2)"
  echo "deno compile needs its runtime, denort $version: run it with internet access, or set" \
    "DENORT_BIN to a local denort $version binary (from denort-x86_64-unknown-linux-gnu.zip of" \
    "that release). No binary was built." >&2
fi
exit 1
