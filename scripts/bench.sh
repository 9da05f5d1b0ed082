#!/usr/bin/env bash
# The load benchmark (issue 6): builds mamori and mamori-bench, starts a
# throw-away PostgreSQL (with its default durability), and runs the mixed
# load on SQLite and then PostgreSQL with the large demo data. Writes
# docs/benchmarks.json and the load table in docs/benchmarks.md.
# Extra arguments go to mamori-bench (e.g. -scale small -duration 10s).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

need_packages
start_pg durable
mkdir -p bin
CGO_ENABLED=0 go build -trimpath -o bin/mamori ./cmd/mamori
go build -o bin/mamori-bench ./cmd/mamori-bench
bin/mamori-bench -mamori bin/mamori -postgres "$pgurl" "$@"
