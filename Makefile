# The two commands of the README: `make gen` and `make test`.
CARGO ?= cargo
CFJWT := target/release/cfjwt
DEMO := --config examples/seed.json --key-file examples/demo.key

.PHONY: gen test deps deps-issuers build check-generated lint package

# Builds cfjwt and writes the example function into generated/.
gen: build
	$(CFJWT) gen $(DEMO) --test-key -o generated/viewer-request.js

build:
	$(CARGO) build --release --locked

# Installs what the tests need: njs, the engine CloudFront Functions is built on; the tools
# install.sh may use (curl, wget, shasum from perl, openssl), each of which tests/it/install.rs runs;
# and the issuer examples' packages (deps-issuers).
deps: deps-issuers
	@missing=; for t in njs:njs curl:curl wget:wget shasum:perl openssl:openssl; do \
	  command -v $${t%%:*} >/dev/null 2>&1 || missing="$$missing $${t#*:}"; done; \
	[ -z "$$missing" ] || { \
	  echo "installing$$missing (Debian packages) for the tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; }

# The packages the issuer examples (examples/issuers/) mint with, for the tests that run them:
# jsonwebtoken and jose from the Node example's lock file (npm ci), PyJWT into a virtual
# environment under target/. Node.js and npm, or Python's venv module, come from Debian when
# missing. Each step runs again only when its package list changes.
ISSUERS := examples/issuers
ISSUERS_VENV := target/issuers-venv

deps-issuers: $(ISSUERS)/node/node_modules/.installed $(ISSUERS_VENV)/.installed

$(ISSUERS)/node/node_modules/.installed: $(ISSUERS)/node/package.json $(ISSUERS)/node/package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
	  echo "installing Node.js and npm (Debian packages) for the issuer examples"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; }
	cd $(ISSUERS)/node && npm ci --no-audit --no-fund
	touch $@

$(ISSUERS_VENV)/.installed: $(ISSUERS)/python/requirements.txt
	@python3 -c 'import ensurepip, venv' 2>/dev/null || { \
	  echo "installing Python's venv module (Debian packages) for the issuer examples"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv; }
	test -x $(ISSUERS_VENV)/bin/python3 || python3 -m venv $(ISSUERS_VENV)
	$(ISSUERS_VENV)/bin/pip install --quiet --disable-pip-version-check -r $<
	touch $@

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
