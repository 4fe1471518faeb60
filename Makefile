# The two commands a newcomer needs are `go run ./cmd/faqbot` (serve the demo) and `make test`.
GO ?= go
# Tests use DATABASE_URL when it is set, else the local server scripts/ensure-postgres.sh starts.
TEST_DATABASE_URL ?= $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable)
FUZZTIME ?= 5s

.PHONY: all build test vet unit fuzz bench eval run clean

all: build

build:
	$(GO) build -trimpath -o bin/faqbot ./cmd/faqbot

## test: install what is missing (PostgreSQL + pgvector, Chromium for the browser tests), then vet and run every test with the race detector.
test:
	./scripts/ensure-postgres.sh
	./scripts/ensure-chromium.sh
	$(GO) vet ./...
	DATABASE_URL='$(TEST_DATABASE_URL)' $(GO) test -race -count=1 -timeout 8m ./...

## fuzz: run every fuzz target briefly (seeds run in `make test` already).
fuzz:
	GO=$(GO) FUZZTIME=$(FUZZTIME) ./scripts/fuzz.sh

## bench: the benchmarks behind docs/benchmarks.md.
bench:
	./scripts/ensure-postgres.sh
	DATABASE_URL='$(TEST_DATABASE_URL)' $(GO) test -run '^$$' -bench . -benchmem ./...

## eval: retrieval quality on the development sets (docs/quality.md).
eval:
	$(GO) run ./cmd/faqbot eval --dir ../shared/eval

run:
	$(GO) run ./cmd/faqbot

clean:
	rm -rf bin
