#!/usr/bin/env bash
# Runs every test of mamori on SQLite and PostgreSQL, with a real headless
# Chromium for the browser tests. Installs what is missing (as root, from
# Debian's packages) and starts a throw-away PostgreSQL on loopback, removed
# again when the tests end.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
pgbin=""
for d in /usr/lib/postgresql/*/bin; do
  [ -x "$d/initdb" ] && pgbin="$d"
done
[ -n "$pgbin" ] || need+=(postgresql)
# Japanese glyphs for browser screenshots; harmless for the tests themselves.
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "== installing: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "missing: ${need[*]} (run as root to install them, or install them with apt-get)" >&2
  fi
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && pgbin="$d"
  done
fi

# A throw-away PostgreSQL cluster on loopback, owned by an unprivileged user
# when we are root (initdb refuses to run as root).
pgdir=$(mktemp -d /tmp/mamori-pg.XXXXXX)
port=$(( 20000 + RANDOM % 20000 ))
runpg() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}
cleanup() {
  if [ -f "$pgdir/data/postmaster.pid" ]; then
    runpg "$pgbin/pg_ctl" -D "$pgdir/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$pgdir"
}
trap cleanup EXIT
if [ -n "$pgbin" ]; then
  [ "$(id -u)" = 0 ] && chown postgres "$pgdir"
  runpg "$pgbin/initdb" -D "$pgdir/data" -U mamori --auth=trust -E UTF8 --locale=C.UTF-8 >"$pgdir/initdb.log" 2>&1 \
    || { cat "$pgdir/initdb.log"; exit 1; }
  runpg "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w \
    -o "-h 127.0.0.1 -p $port -k $pgdir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start >/dev/null
  export MAMORI_TEST_POSTGRES="postgres://mamori@127.0.0.1:$port/postgres?sslmode=disable"
  echo "== PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
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
