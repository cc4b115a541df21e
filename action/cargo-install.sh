#!/usr/bin/env bash
# The action's fallback when the release has no binary for the runner: `cargo install --locked
# cfjwt --version X` into CFJWT_HOME, which the step before restores from, and saves to,
# actions/cache, so a runner builds each version once. Nothing to do when the first step installed
# cfjwt.
set -euo pipefail
: "${CFJWT_VERSION:?}" "${CFJWT_HOME:?}" "${GITHUB_PATH:?}"
want="cfjwt $CFJWT_VERSION"
if [ "${CFJWT_INSTALLED:-}" = true ]; then
  echo "$want is installed: nothing to build"
  exit 0
fi

bin=$CFJWT_HOME/bin/cfjwt
if [ -x "$bin" ] && [ "$("$bin" --version 2>/dev/null)" = "$want" ]; then
  echo "$want from the cache: $bin"
else
  if ! command -v cargo >/dev/null 2>&1; then
    echo "::error::no prebuilt $want for this runner, and no cargo to build it with: add a Rust toolchain step before this action"
    exit 1
  fi
  echo "building $want with cargo install (several minutes, once per runner: the result is cached)"
  cargo install --locked cfjwt --version "$CFJWT_VERSION" --root "$CFJWT_HOME"
  said=$("$bin" --version 2>&1) || true
  if [ "$said" != "$want" ]; then
    echo "::error::cargo install left $bin saying '$said', not '$want'"
    exit 1
  fi
fi
echo "$CFJWT_HOME/bin" >>"$GITHUB_PATH"
