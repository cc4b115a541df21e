# The two commands of the README: `make gen` and `make test`.
CARGO ?= cargo
CFJWT := target/release/cfjwt
DEMO := --config examples/seed.json --key-file examples/demo.key
PLAYER_MODULES := examples/player/node_modules/.package-lock.json
PLAYER := target/player

.PHONY: gen test deps deps-issuers deps-browser deps-cdk deps-cfn-lint build check-generated lint package player

# Builds cfjwt and writes the example function into generated/.
gen: build
	$(CFJWT) gen $(DEMO) --test-key -o generated/viewer-request.js

build:
	$(CARGO) build --release --locked

# Installs what the tests need: njs, the engine CloudFront Functions is built on; the tools
# install.sh may use (curl, wget, shasum from perl, openssl), each of which tests/it/install.rs runs;
# the issuer examples' packages (deps-issuers); what the browser test needs (deps-browser); and the
# tools the deploy snippets are tested with (deps-cdk, deps-cfn-lint). terraform, or tofu, is used
# where it is installed (it is no Debian package); tests/it/deploy.rs says when it is not.
deps: deps-issuers deps-browser deps-cdk deps-cfn-lint
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

# The browser test (tests/it/browser.rs): Debian's chromium when /usr/bin/chromium is missing,
# and the npm packages of examples/player (hls.js, and playwright-core, which drives that
# Chromium and downloads no browser), as its package-lock.json pins them.
deps-browser: $(PLAYER_MODULES)
	@test -x /usr/bin/chromium || { \
	  echo "installing chromium (Debian package) for the browser test"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# npm ci again only when the lock file changes. Node.js and npm from Debian when missing.
$(PLAYER_MODULES): examples/player/package.json examples/player/package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
	  echo "installing Node.js and npm (Debian packages) for the browser test"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; }
	cd examples/player && npm ci --no-audit --no-fund
	@touch $@

# The CDK example's packages (examples/deploy/cdk: aws-cdk-lib, constructs, TypeScript), as its
# package-lock.json pins them, for the tests that compile and synthesize CDK apps; and cfn-lint,
# pinned by examples/deploy/cloudformation/requirements.txt, in a virtual environment under
# target/, for the tests that lint the templates. Node.js and npm, or Python's venv module, come
# from Debian when missing. Each step runs again only when its package list changes.
CDK := examples/deploy/cdk
CFN_LINT_VENV := target/cfn-lint-venv

deps-cdk: $(CDK)/node_modules/.installed

$(CDK)/node_modules/.installed: $(CDK)/package.json $(CDK)/package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
	  echo "installing Node.js and npm (Debian packages) for the CDK example"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; }
	cd $(CDK) && npm ci --no-audit --no-fund
	touch $@

deps-cfn-lint: $(CFN_LINT_VENV)/.installed

$(CFN_LINT_VENV)/.installed: examples/deploy/cloudformation/requirements.txt
	@python3 -c 'import ensurepip, venv' 2>/dev/null || { \
	  echo "installing Python's venv module (Debian packages) for cfn-lint"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv; }
	test -x $(CFN_LINT_VENV)/bin/python3 || python3 -m venv $(CFN_LINT_VENV)
	$(CFN_LINT_VENV)/bin/pip install --quiet --disable-pip-version-check -r $<
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

# The player example (examples/player/README.md) on http://127.0.0.1:8787/: its page and the test
# stream of tests/fixtures/hls/ in target/player/root, behind the player's function built with the
# demo key; prints a link with a token valid for an hour. Ctrl-C stops it.
player: build $(PLAYER_MODULES)
	rm -rf $(PLAYER) && mkdir -p $(PLAYER)/root/player $(PLAYER)/root/courses/c1
	cp examples/player/index.html examples/player/player.js examples/player/node_modules/hls.js/dist/hls.min.js $(PLAYER)/root/player/
	cp tests/fixtures/hls/* $(PLAYER)/root/courses/c1/
	$(CFJWT) gen --config examples/player/policy.json --key-file examples/demo.key --test-key -o $(PLAYER)/viewer-request.js
	@echo "open http://127.0.0.1:8787/player/?src=/courses/c1/master.m3u8%3Fjwt%3D$$($(CFJWT) token \
	  --key-file examples/demo.key --ttl 3600 --claims '{"sub":"u1","paths":["/courses/c1/*"]}')"
	$(CFJWT) serve $(PLAYER)/viewer-request.js --root $(PLAYER)/root
