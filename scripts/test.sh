#!/usr/bin/env bash
# Runs every test of mamori on SQLite and PostgreSQL, with a real headless
# Chromium for the browser tests. Installs what is missing (as root, from
# Debian's packages) and starts a throw-away PostgreSQL on loopback, removed
# again when the tests end.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

need_packages
start_pg
if [ -n "$pgurl" ]; then
  export MAMORI_TEST_POSTGRES="$pgurl"
else
  echo "== PostgreSQL is not installed: its half of the tests will skip (and fail under CI)" >&2
fi

export MAMORI_CHROMIUM="${MAMORI_CHROMIUM:-$(command -v chromium || true)}"
echo "== go vet"
go vet ./...
echo "== go test (SQLite and PostgreSQL; fuzz seed corpora included)"
go test -count=1 -timeout 15m ./... 2>&1 | tee "$pgdir/test.log"
status=${PIPESTATUS[0]}
passed=$(grep -c '^ok ' "$pgdir/test.log" || true)
failed=$(grep -c -E '^FAIL[[:space:]]' "$pgdir/test.log" || true)
echo "packages: $passed passed, $failed failed"
exit "$status"
