#!/usr/bin/env bash
# `make package`: the crate as `cargo install cfjwt` gets it. Packs it (`cargo package --locked`),
# checks what the package holds, builds and installs the packaged files, and runs the installed
# binary. The build reuses the release dependencies already in target/ (see below), so only cfjwt
# itself is compiled, and only when its sources changed since the last run.
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO=${CARGO:-cargo}

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
crate=target/package/cfjwt-$version.crate
check=target/package/check
fail() { echo "make package: $*" >&2; exit 1; }

# --allow-dirty: the files as they are on disk, committed or not. `cargo package`'s own
# verification is left out (--no-verify): it would build every dependency again, in debug, in a
# directory of its own; the build below is the same check on the same files.
"$CARGO" package --locked --no-verify --allow-dirty --quiet

# What the package holds: the build's inputs, and nothing of the repository's tests or examples.
list=$(tar -tzf "$crate" | sed "s|^cfjwt-$version/||")
for wanted in Cargo.toml Cargo.lock README.md LICENSE-MIT LICENSE-APACHE src/main.rs src/lib.rs \
  templates/function.js templates/steps.js templates/init/video-cookie.json; do
  grep -qx "$wanted" <<<"$list" || fail "$crate lacks $wanted"
done
if stray=$(grep -E '^(tests|benches|examples|generated|target|action|\.ci)/|node_modules' <<<"$list"); then
  fail "$crate holds files cargo install does not need:"$'\n'"$stray"
fi

# The packaged files, unpacked where the previous run left them: a file is replaced only when its
# bytes changed, so cargo sees the rest as unchanged and recompiles only what must be.
rm -rf "$check/unpacked"
mkdir -p "$check/unpacked" "$check/cfjwt-$version"
tar -xzf "$crate" -C "$check/unpacked"
(
  cd "$check/unpacked/cfjwt-$version"
  find . -type f | while IFS= read -r f; do
    dest=../../cfjwt-$version/$f
    if ! cmp -s "$f" "$dest"; then
      mkdir -p "$(dirname "$dest")"
      cp "$f" "$dest"
    fi
  done
)
(
  cd "$check/cfjwt-$version"
  find . -type f | while IFS= read -r f; do
    [ -e "../unpacked/cfjwt-$version/$f" ] || rm "$f"
  done
)

# The packaged crate as the one member of a workspace of its own, with the package's lock file.
# cargo names what it compiles for a local package by the package's path relative to its
# workspace's root: from this workspace, cfjwt's artifacts are named apart from the repository's
# own, and the two builds share target/ without invalidating each other. The registry
# dependencies are the same units (same versions, features and profile) and are not rebuilt.
cp "$check/cfjwt-$version/Cargo.lock" "$check/Cargo.lock"
{
  echo "# Written by tests/package.sh: the packaged cfjwt built as cargo install builds it."
  echo '[workspace]'
  echo "members = [\"cfjwt-$version\"]"
  echo 'resolver = "2"'
  echo
  # The package's own profiles, which a workspace takes from its root.
  awk '/^\[/ { keep = ($0 ~ /^\[profile\./) } keep' "$check/cfjwt-$version/Cargo.toml"
} >"$check/Cargo.toml"

started=$(date +%s)
"$CARGO" install --locked --force --quiet --path "$check/cfjwt-$version" --root "$check/root" \
  --target-dir target
echo "make package: built and installed the packaged crate in $(($(date +%s) - started)) s"

# The installed binary is this version and writes what the repository's build writes.
installed=$check/root/bin/cfjwt
[ "$("$installed" --version)" = "cfjwt $version" ] || fail "the installed cfjwt says $("$installed" --version)"
"$installed" gen --config examples/seed.json --key-file examples/demo.key --test-key \
  -o generated/viewer-request.js --check
"$installed" check generated/viewer-request.js
echo "make package: $crate installs, and the installed cfjwt $version writes generated/ as it is"
