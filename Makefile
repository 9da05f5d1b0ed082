# The two commands a newcomer needs are in the README: `go run ./cmd/mamori serve`
# and `make test`.
.PHONY: test build bench

test:
	./scripts/test.sh

build:
	CGO_ENABLED=0 go build -trimpath -o bin/mamori ./cmd/mamori

# The load benchmark of docs/benchmarks.md (a few minutes): SQLite, then
# PostgreSQL, with 100,000 demo assets. ARGS passes flags to mamori-bench.
bench:
	./scripts/bench.sh $(ARGS)
