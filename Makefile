# The two commands of the README: `make gen` and `make test`.
CARGO ?= cargo
CFJWT := target/release/cfjwt
DEMO := --config examples/seed.json --key-file examples/demo.key

.PHONY: gen test deps build check-generated lint package

# Builds cfjwt and writes the example function into generated/.
gen: build
	$(CFJWT) gen $(DEMO) --test-key -o generated/viewer-request.js

build:
	$(CARGO) build --release --locked

# Installs what the tests need: njs, the engine CloudFront Functions is built on; and the tools
# install.sh may use (curl, wget, shasum from perl, openssl), each of which tests/it/install.rs runs.
deps:
	@missing=; for t in njs:njs curl:curl wget:wget shasum:perl openssl:openssl; do \
	  command -v $${t%%:*} >/dev/null 2>&1 || missing="$$missing $${t#*:}"; done; \
	[ -z "$$missing" ] || { \
	  echo "installing$$missing (Debian packages) for the tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; }

# Every test: the package, unit, integration (one binary, tests/it/, under njs and the bundled
# engine), generated/ being current, formatting and clippy. `package` comes before `build`, which
# puts the repository's own binary back in target/release/.
test: deps package build check-generated lint
	$(CARGO) test --release --locked --tests

# The tree as rustfmt writes it (rustfmt.toml), and clippy without a warning on every target.
lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --release --locked --all-targets -- -D warnings

# The crate as `cargo install cfjwt` gets it: packed, checked for what it holds, built from the
# packed files (reusing the release dependencies in target/) and run (tests/package.sh).
package:
	CARGO=$(CARGO) tests/package.sh

check-generated:
	$(CFJWT) gen $(DEMO) --test-key -o generated/viewer-request.js --check
	$(CFJWT) check generated/viewer-request.js

# The performance numbers in one table: bytes, per-request cost under njs and in the bundled engine
# (against each policy's hand-written baseline and the floor in benches/), `gen` time and
# `cfjwt test` throughput.
.PHONY: bench
bench: deps build
	$(CARGO) bench --locked --bench bench

# The hostile-input property test at a million requests in the bundled engine, a fifth of them
# under njs too (`make test` runs 100,000).
.PHONY: fuzz
fuzz: deps
	CFJWT_PROPTEST_CASES=1000000 $(CARGO) test --release --locked --test it hostile
