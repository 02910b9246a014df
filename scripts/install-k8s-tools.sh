#!/usr/bin/env bash
# Installs kubeconform (Go module proxy), which server/test/deploy/k8s.spec.ts lints deploy/k8s/ with
# against the schemas vendored in third_party/kubernetes-schemas/ (no network at test time). Cached
# like the gRPC tools; prints the cache directory on stdout (the binary is in its bin/).
set -euo pipefail
KUBECONFORM_VERSION=v0.8.0
here="$(dirname "$0")"
bash "$here/install-go-tool.sh" kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION"
echo "${CHAT_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/chat-tools}"
