# pqbank: the two commands are `make run` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
CARGO ?= cargo
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/test
VECTORS ?= $(if $(PQBANK_VECTORS),$(PQBANK_VECTORS),$(wildcard $(CURDIR)/../shared/vectors))

.PHONY: run test web fmt-check clippy test-sqlite test-postgres test-web e2e release

## run: build the web app and the server (release) and serve on https://127.0.0.1:8443
run: web release
	$${CARGO_TARGET_DIR:-target}/release/pqbank serve

release:
	$(CARGO) build --release --bin pqbank

## web: build the web app into web/dist (embedded into the binary); installs npm packages first
web:
	bash scripts/web-build.sh

## test: everything CI checks
test: fmt-check web test-web clippy test-sqlite test-postgres e2e
	@echo "make test: all checks passed"

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test-sqlite:
	$(if $(VECTORS),PQBANK_VECTORS="$(VECTORS)",env -u PQBANK_VECTORS) PQBANK_TEST_DATABASE_URL= $(CARGO) test --workspace

# The whole workspace again (same feature set, so nothing is rebuilt); the database tests now run
# on PostgreSQL. The vectors ran in the SQLite pass already.
test-postgres:
	bash scripts/ensure-postgres.sh
	env -u PQBANK_VECTORS PQBANK_TEST_DATABASE_URL="$(PG_TEST_URL)" $(CARGO) test --workspace

test-web:
	cd web && npm run lint && npm test

e2e:
	bash scripts/e2e.sh
