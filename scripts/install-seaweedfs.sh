#!/usr/bin/env bash
# Builds SeaweedFS's `weed` (Apache-2.0), the S3-compatible server the blob store's S3 tests run
# against, from the Go module proxy into the tools cache outside the repository, keyed by version, so a
# machine builds it once (~3 min on 2 cores). `go install …/weed@version` is refused (the module has
# replace directives), so the module is downloaded and built inside its own directory.
# `./dev test` runs it before the tests; server/test/services/seaweedfs.ts runs the binary.
# Prints the binary's path on stdout.   usage: install-seaweedfs.sh
set -euo pipefail
SEAWEEDFS_VERSION=v0.0.0-20261109003541-7506e5f91cd6
dir="${CHAT_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/chat-tools}"
mkdir -p "$dir/bin"
bin="$dir/bin/weed-$SEAWEEDFS_VERSION"
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
source "$(dirname "$0")/ensure-go.sh"
command -v go >/dev/null || { echo "install-seaweedfs: Go is needed (https://go.dev/dl)" >&2; exit 1; }
exec 9>"$dir/.weed.lock" # two runs side by side on a fresh machine: one builds, the other waits
flock 9
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
echo "install-seaweedfs: building SeaweedFS $SEAWEEDFS_VERSION (a few minutes, once per machine)" >&2
src="$(go mod download -json "github.com/seaweedfs/seaweedfs@$SEAWEEDFS_VERSION" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')"
work="$(mktemp -d)"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
cp -r "$src/." "$work/" && chmod -R u+w "$work" # the module cache is read-only
(cd "$work" && GOFLAGS=-mod=mod go build -o "$bin.tmp" ./weed) >&2
mv "$bin.tmp" "$bin"
echo "$bin"
