#!/usr/bin/env bash
# Installs the stock gRPC tools the tests drive the server with, as a gRPC user would: grpcurl,
# protoc-gen-go and protoc-gen-go-grpc (Go module proxy, `go install`), and grpcio + grpcio-tools
# (PyPI, in a venv). They go to a cache outside the repository, keyed by version, so a machine
# builds them once: $CHAT_TOOLS_DIR, default ~/.cache/chat-tools. Prints the directory on stdout.
# Needs Python 3 with venv (scripts/install-system-deps.sh). Go: the one on PATH (or /usr/local/go)
# when it is 1.21 or newer (it fetches newer toolchains itself); otherwise the Go toolchain module
# from the Go module proxy goes to the cache, and `go` is linked at DIR/go/bin/go.
set -euo pipefail

GRPCURL_VERSION=v1.9.4
PROTOC_GEN_GO_VERSION=v1.36.12
PROTOC_GEN_GO_GRPC_VERSION=v1.6.2
GRPCIO_VERSION=1.85.1
GO_TOOLCHAIN=go1.26.8

dir="${CHAT_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/chat-tools}"
mkdir -p "$dir/bin"
# Several test files call this at once on a fresh machine: one installs, the others wait for it.
exec 9>"$dir/.install.lock"
flock 9
export PATH="$PATH:/usr/local/go/bin"

# A Go that can build the tools and bots/go (1.21+ switches to the toolchain go.mod asks for by itself).
go_minor() { go version 2>/dev/null | sed -n 's/.* go1\.\([0-9][0-9]*\).*/\1/p'; }
if [ -x "$dir/go/bin/go" ]; then
  export PATH="$dir/go/bin:$PATH"
elif [ "$(go_minor)" = "" ] || [ "$(go_minor)" -lt 21 ]; then
  case "$(uname -m)" in x86_64) arch=amd64 ;; aarch64 | arm64) arch=arm64 ;; *) arch="$(uname -m)" ;; esac
  zip="$dir/$GO_TOOLCHAIN.zip"
  echo "install-grpc-tools: no Go 1.21+ here; fetching the $GO_TOOLCHAIN toolchain module from the Go module proxy" >&2
  curl -fsSL "https://proxy.golang.org/golang.org/toolchain/@v/v0.0.1-$GO_TOOLCHAIN.linux-$arch.zip" -o "$zip"
  rm -rf "$dir/.go-unpack" && mkdir -p "$dir/.go-unpack"
  python3 -m zipfile -e "$zip" "$dir/.go-unpack"
  root="$dir/.go-unpack/golang.org/toolchain@v0.0.1-$GO_TOOLCHAIN.linux-$arch"
  chmod +x "$root"/bin/* "$root"/pkg/tool/*/* # module zips keep no file modes
  rm -rf "$dir/$GO_TOOLCHAIN" && mv "$root" "$dir/$GO_TOOLCHAIN" && rm -rf "$dir/.go-unpack" "$zip"
  ln -sfn "$dir/$GO_TOOLCHAIN" "$dir/go"
  export PATH="$dir/go/bin:$PATH"
fi

go_tool() { # name module version
  local stamp="$dir/bin/.$1-$3"
  [ -x "$dir/bin/$1" ] && [ -f "$stamp" ] && return 0
  command -v go >/dev/null || { echo "install-grpc-tools: Go is needed for $1 (https://go.dev/dl)" >&2; exit 1; }
  echo "install-grpc-tools: go install $2@$3" >&2
  GOBIN="$dir/bin" GOFLAGS=-mod=mod go install "$2@$3" >&2
  touch "$stamp"
}
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
