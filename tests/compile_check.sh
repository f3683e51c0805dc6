#!/usr/bin/env bash
# Checks that `deno task compile` would get everything it needs: the entry point type-checks, the
# module graph holds no remote or dynamic imports that compile could miss, and, when DENORT_BIN
# points at a local denort (deno compile cannot download one offline), builds the binary and runs
# its check-rule command. The last line says whether a binary was built.
set -euo pipefail
cd "$(dirname "$0")/.."
DENO="${DENO:-deno}"
"$DENO" check main.ts
graph="$("$DENO" info --json main.ts)"
remote="$(grep -Eo '"specifier": *"https?://[^"]*"' <<<"$graph" || true)"
if [ -n "$remote" ]; then echo "remote imports in the compile input: $remote" >&2; exit 1; fi
if grep -rnE '\bimport\(' main.ts cli engine io job rules --include='*.ts' | grep -v '^\s*//' ; then
  echo "dynamic imports would be missed by deno compile" >&2; exit 1
fi
if [ -n "${DENORT_BIN:-}" ]; then
  DENO="$DENO" bash scripts/compile.sh
  ./dist/edgecep check-rule samples/rules/rule1.json >/dev/null
  echo "compile input complete; built dist/edgecep and ran its check-rule"
else
  echo "compile input complete; no binary built (DENORT_BIN is not set: deno compile would" \
    "download its runtime)"
fi
