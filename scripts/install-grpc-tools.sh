#!/usr/bin/env bash
# Installs the stock gRPC tools the tests drive the server with, as a gRPC user would: grpcurl,
# protoc-gen-go and protoc-gen-go-grpc (Go module proxy, `go install`), and grpcio + grpcio-tools
# (PyPI, in a venv). They go to a cache outside the repository, keyed by version, so a machine
# builds them once: $CHAT_TOOLS_DIR, default ~/.cache/chat-tools. Prints the directory on stdout.
# Needs Python 3 with venv (scripts/install-system-deps.sh); Go comes from scripts/ensure-go.sh.
set -euo pipefail

GRPCURL_VERSION=v1.9.4
PROTOC_GEN_GO_VERSION=v1.36.12
PROTOC_GEN_GO_GRPC_VERSION=v1.6.2
GRPCIO_VERSION=1.85.1

dir="${CHAT_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/chat-tools}"
mkdir -p "$dir/bin"
# Several test files call this at once on a fresh machine: one installs, the others wait for it.
exec 9>"$dir/.install.lock"
flock 9
source "$(dirname "$0")/ensure-go.sh"

go_tool() { bash "$(dirname "$0")/install-go-tool.sh" "$@"; } # name module version
go_tool grpcurl github.com/fullstorydev/grpcurl/cmd/grpcurl "$GRPCURL_VERSION"
go_tool protoc-gen-go google.golang.org/protobuf/cmd/protoc-gen-go "$PROTOC_GEN_GO_VERSION"
go_tool protoc-gen-go-grpc google.golang.org/grpc/cmd/protoc-gen-go-grpc "$PROTOC_GEN_GO_GRPC_VERSION"

venv="$dir/venv-grpcio-$GRPCIO_VERSION"
if [ ! -x "$venv/bin/python" ] || [ ! -f "$venv/.complete" ]; then
  echo "install-grpc-tools: grpcio $GRPCIO_VERSION in $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check "grpcio==$GRPCIO_VERSION" "grpcio-tools==$GRPCIO_VERSION" >&2
  touch "$venv/.complete"
fi
ln -sfn "$venv" "$dir/venv"
echo "$dir"
