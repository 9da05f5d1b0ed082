# Shared by test.sh and bench.sh: install what is missing (as root, from
# Debian's packages) and start a throw-away PostgreSQL on loopback, removed
# again when the calling script exits. Sets pgbin, pgdir and pgurl.

need_packages() {
  local need=()
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
}

runpg() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_cleanup() {
  if [ -f "$pgdir/data/postmaster.pid" ]; then
    runpg "$pgbin/pg_ctl" -D "$pgdir/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$pgdir"
}

# start_pg [durable]: a cluster owned by an unprivileged user when we are
# root (initdb refuses to run as root). Tests run it without fsync; the
# benchmark passes "durable" to measure PostgreSQL as it would run.
start_pg() {
  pgdir=$(mktemp -d /tmp/mamori-pg.XXXXXX)
  trap pg_cleanup EXIT
  pgurl=""
  [ -n "$pgbin" ] || return 0
  local port=$(( 20000 + RANDOM % 20000 ))
  local opts="-h 127.0.0.1 -p $port -k $pgdir -c max_connections=300"
  [ "${1:-}" = durable ] || opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  [ "$(id -u)" = 0 ] && chown postgres "$pgdir"
  runpg "$pgbin/initdb" -D "$pgdir/data" -U mamori --auth=trust -E UTF8 --locale=C.UTF-8 >"$pgdir/initdb.log" 2>&1 \
    || { cat "$pgdir/initdb.log"; exit 1; }
  runpg "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w -o "$opts" start >/dev/null
  pgurl="postgres://mamori@127.0.0.1:$port/postgres?sslmode=disable"
  echo "== PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
}
