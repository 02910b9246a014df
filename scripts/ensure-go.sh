#!/usr/bin/env bash
# Sourced by the tool installers: puts a Go that can build the tools and bots/go on PATH.
# The one on PATH (or /usr/local/go) when it is 1.21 or newer (it fetches newer toolchains itself);
# otherwise (Debian has 1.19) the Go toolchain module from the Go module proxy goes to the tools
# cache and `go` is linked at $dir/go/bin/go. Expects $dir (the tools cache) to be set.
GO_TOOLCHAIN=go1.26.8
export PATH="$PATH:/usr/local/go/bin"
go_minor() { go version 2>/dev/null | sed -n 's/.* go1\.\([0-9][0-9]*\).*/\1/p'; }
if [ ! -x "$dir/go/bin/go" ] && { [ "$(go_minor)" = "" ] || [ "$(go_minor)" -lt 21 ]; }; then
  exec 8>"$dir/.go.lock" # installers run side by side on a fresh machine: one fetches, the others wait
  flock 8
fi
if [ -x "$dir/go/bin/go" ]; then
  export PATH="$dir/go/bin:$PATH"
elif [ "$(go_minor)" = "" ] || [ "$(go_minor)" -lt 21 ]; then
  case "$(uname -m)" in x86_64) arch=amd64 ;; aarch64 | arm64) arch=arm64 ;; *) arch="$(uname -m)" ;; esac
  zip="$dir/$GO_TOOLCHAIN.zip"
  echo "ensure-go: no Go 1.21+ here; fetching the $GO_TOOLCHAIN toolchain module from the Go module proxy" >&2
  curl -fsSL "https://proxy.golang.org/golang.org/toolchain/@v/v0.0.1-$GO_TOOLCHAIN.linux-$arch.zip" -o "$zip"
  rm -rf "$dir/.go-unpack" && mkdir -p "$dir/.go-unpack"
  python3 -m zipfile -e "$zip" "$dir/.go-unpack"
  root="$dir/.go-unpack/golang.org/toolchain@v0.0.1-$GO_TOOLCHAIN.linux-$arch"
  chmod +x "$root"/bin/* "$root"/pkg/tool/*/* # module zips keep no file modes
  rm -rf "${dir:?}/$GO_TOOLCHAIN" && mv "$root" "$dir/$GO_TOOLCHAIN" && rm -rf "$dir/.go-unpack" "$zip"
  ln -sfn "$dir/$GO_TOOLCHAIN" "$dir/go"
  export PATH="$dir/go/bin:$PATH"
fi
