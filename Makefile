# The two commands a newcomer needs are in the README: `go run ./cmd/mamori serve`
# and `make test`.
.PHONY: test build bench

test:
	./scripts/test.sh

build:
	CGO_ENABLED=0 go build -trimpath -o bin/mamori ./cmd/mamori
