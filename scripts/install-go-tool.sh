#!/usr/bin/env bash
# Installs one Go tool from the Go module proxy (`go install MODULE@VERSION`) into the tools cache
# outside the repository, keyed by version, so that a machine builds it once:
# $CHAT_TOOLS_DIR (default ~/.cache/chat-tools)/bin/NAME. Used by install-grpc-tools.sh and
# install-deploy-tools.sh.   usage: install-go-tool.sh NAME MODULE VERSION
set -euo pipefail
name="$1" module="$2" version="$3"
dir="${CHAT_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/chat-tools}"
mkdir -p "$dir/bin"
source "$(dirname "$0")/ensure-go.sh"
stamp="$dir/bin/.$name-$version"
[ -x "$dir/bin/$name" ] && [ -f "$stamp" ] && exit 0
command -v go >/dev/null || { echo "install-go-tool: Go is needed for $name (https://go.dev/dl)" >&2; exit 1; }
echo "install-go-tool: go install $module@$version" >&2
GOBIN="$dir/bin" GOFLAGS=-mod=mod go install "$module@$version" >&2
touch "$stamp"
