#!/bin/sh
# Installs a prebuilt cfjwt from the project's releases: picks the build for this platform, checks
# it against the release's SHA256SUMS, and puts the binary into a directory.
#
#   curl -fsSL https://raw.githubusercontent.com/cfjwt/cfjwt/v0.2.0/install.sh | sh
#   curl -fsSL https://raw.githubusercontent.com/cfjwt/cfjwt/v0.2.0/install.sh | sh -s -- --to /usr/local/bin
#
# Options (or the environment variable after each):
#   --version X.Y.Z   the release to install (CFJWT_VERSION; default 0.2.0, this script's release)
#   --to DIR          where the binary goes (CFJWT_INSTALL_DIR; default ~/.local/bin)
#   --target TRIPLE   the build to take instead of this platform's (CFJWT_TARGET)
#   --base-url URL    where the releases are, a mirror say (CFJWT_BASE_URL; default
#                     https://github.com/cfjwt/cfjwt/releases/download); the files are
#                     URL/vX.Y.Z/cfjwt-X.Y.Z-TRIPLE.tar.gz and URL/vX.Y.Z/SHA256SUMS
# Builds: Linux x86_64 and aarch64 (static, musl: any distribution), macOS x86_64 and arm64.
# Needs curl or wget, tar, and sha256sum, shasum or openssl.
#
# Exit: 0 installed; 1 no build for this platform, or a download or tool failed (build it instead:
# cargo install --locked cfjwt); 2 bad usage; 3 the download does not match its checksum, or has
# none (nothing is installed).
set -eu

version=${CFJWT_VERSION:-0.2.0}
dir=${CFJWT_INSTALL_DIR:-${HOME:-}/.local/bin}
target=${CFJWT_TARGET:-}
base_url=${CFJWT_BASE_URL:-https://github.com/cfjwt/cfjwt/releases/download}

say() { printf 'install.sh: %s\n' "$*" >&2; }
die() {
  code=$1
  shift
  say "$*"
  exit "$code"
}

while [ $# -gt 0 ]; do
  case $1 in
    --version | --to | --target | --base-url)
      [ $# -ge 2 ] || die 2 "$1 needs a value"
      case $1 in
        --version) version=$2 ;;
        --to) dir=$2 ;;
        --target) target=$2 ;;
        --base-url) base_url=$2 ;;
      esac
      shift 2
      ;;
    -h | --help)
      echo 'usage: install.sh [--version X.Y.Z] [--to DIR] [--target TRIPLE] [--base-url URL]'
      exit 0
      ;;
    *) die 2 "unknown option $1 (see the top of install.sh)" ;;
  esac
done
version=${version#v}
case $version in
  '' | *[!0-9A-Za-z.+-]*) die 2 "--version: '$version' is not a version such as 0.2.0" ;;
esac
[ -n "$dir" ] || die 2 "--to: no directory (and HOME is not set)"
base_url=${base_url%/}

build_it="build it instead: cargo install --locked cfjwt --version $version"

# The build for this machine. Under Rosetta, a shell on an Apple silicon Mac reports x86_64:
# the arm64 build is the native one.
if [ -z "$target" ]; then
  os=$(uname -s)
  arch=$(uname -m)
  if [ "$os" = Darwin ] && [ "$arch" = x86_64 ] &&
    [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || true)" = 1 ]; then
    arch=arm64
  fi
  case "$os/$arch" in
    Linux/x86_64 | Linux/amd64) target=x86_64-unknown-linux-musl ;;
    Linux/aarch64 | Linux/arm64) target=aarch64-unknown-linux-musl ;;
    Darwin/x86_64) target=x86_64-apple-darwin ;;
    Darwin/arm64 | Darwin/aarch64) target=aarch64-apple-darwin ;;
    *) die 1 "no prebuilt cfjwt for $os on $arch; $build_it" ;;
  esac
fi

asset=cfjwt-$version-$target.tar.gz
release=$base_url/v$version

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cfjwt-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

fetch() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 3 -o "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$2" "$1"
  else
    die 1 "neither curl nor wget is installed"
  fi
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | awk '{ print $1 }'
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | awk '{ print $1 }'
  elif command -v openssl >/dev/null 2>&1; then
    openssl dgst -sha256 -r "$1" | awk '{ print $1 }'
  else
    die 1 "no SHA-256 tool (sha256sum, shasum or openssl) to check the download with"
  fi
}

say "downloading $release/$asset"
fetch "$release/SHA256SUMS" "$tmp/SHA256SUMS" ||
  die 1 "could not download $release/SHA256SUMS (is there a release v$version?); $build_it"
fetch "$release/$asset" "$tmp/$asset" ||
  die 1 "could not download $release/$asset (no build for $target in v$version?); $build_it"

expected=$(awk -v f="$asset" '$2 == f || $2 == "*" f { print tolower($1); exit }' "$tmp/SHA256SUMS")
[ -n "$expected" ] || die 3 "$release/SHA256SUMS has no checksum for $asset: nothing installed"
actual=$(sha256 "$tmp/$asset")
[ "$actual" = "$expected" ] ||
  die 3 "checksum mismatch for $asset: SHA256SUMS says $expected, the download is $actual; nothing installed"

mkdir "$tmp/unpacked"
tar -xzf "$tmp/$asset" -C "$tmp/unpacked" || die 1 "could not unpack $asset"
binary=$tmp/unpacked/cfjwt-$version-$target/cfjwt
[ -f "$binary" ] || die 1 "$asset holds no cfjwt-$version-$target/cfjwt"
chmod 755 "$binary"
said=$("$binary" --version 2>&1) || die 1 "the $target build does not run here: $said"
[ "$said" = "cfjwt $version" ] || die 1 "the downloaded binary says '$said', not 'cfjwt $version'"

# Into place in one step: a cfjwt already in DIR is replaced whole or left as it was.
mkdir -p "$dir" || die 1 "could not create $dir"
cp "$binary" "$dir/.cfjwt.install.$$" || die 1 "could not write into $dir"
chmod 755 "$dir/.cfjwt.install.$$"
mv -f "$dir/.cfjwt.install.$$" "$dir/cfjwt" || {
  rm -f "$dir/.cfjwt.install.$$"
  die 1 "could not write $dir/cfjwt"
}
say "installed cfjwt $version ($target) as $dir/cfjwt"
case ":${PATH:-}:" in
  *":$dir:"*) ;;
  *) say "$dir is not on your PATH: add it, or run $dir/cfjwt" ;;
esac
