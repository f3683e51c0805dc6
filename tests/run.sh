#!/usr/bin/env bash
# The test command (`deno task test`): installs what the integration tests need when it is
# missing (MariaDB and librdkafka from Debian, as root), runs every test against real servers,
# and ends with `N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/.."

need=()
command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || need+=(mariadb-server)
[ -f /usr/include/librdkafka/rdkafka_mock.h ] || need+=(librdkafka-dev)
command -v gcc >/dev/null 2>&1 || need+=(gcc)
if ((${#need[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "tests need: ${need[*]} (apt-get install -y ${need[*]}, as root)" >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
  echo "installing ${need[*]}" >&2
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

DENO="${DENO:-deno}"
log="$(mktemp)"
NO_COLOR=1 "$DENO" test --allow-all tests/ "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# Deno's summary reads "ok | 12 passed (3 steps) | 0 failed (5s)"; CI wants the plain form.
summary="$(grep -E '^(ok|FAILED) \| [0-9]+ passed' "$log" | tail -n 1)"
rm -f "$log"
passed="$(sed -E 's/.*\| ([0-9]+) passed.*/\1/' <<<"$summary")"
failed="$(sed -E 's/.*\| ([0-9]+) failed.*/\1/' <<<"$summary")"
if [ -z "$summary" ]; then
  echo "0 passed, 1 failed"
  exit 1
fi
echo "${passed} passed, ${failed} failed"
exit "$status"
