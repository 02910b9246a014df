#!/usr/bin/env bash
# Installs the tools that check the deploy files (Go module proxy, `go install`), cached like the gRPC
# tools (install-go-tool.sh): kustomize, which server/test/deploy/k8s.spec.ts renders deploy/k8s/
# with, and kubeconform, which it validates the result with against the schemas vendored in
# third_party/kubernetes-schemas/ (no network at test time); and
# Prometheus' promtool, which server/test/deploy/observability.spec.ts checks and unit-tests the alert
# rules and the dashboard's queries with. `./dev test` runs it before the tests (promtool takes a few
# minutes to build the first time). Prints the cache directory on stdout (the binaries are in bin/).
#   usage: install-deploy-tools.sh [kustomize] [kubeconform] [promtool]   (all by default)
set -euo pipefail
KUBECONFORM_VERSION=v0.8.0
KUSTOMIZE_VERSION=v5.7.1 # v5.8 needs Go 1.27
PROMETHEUS_VERSION=v0.316.0 # the Go module version of Prometheus 3.x's promtool
here="$(dirname "$0")"
tools=("$@")
[ ${#tools[@]} -eq 0 ] && tools=(kustomize kubeconform promtool)
for tool in "${tools[@]}"; do
  case "$tool" in
    kustomize) bash "$here/install-go-tool.sh" kustomize sigs.k8s.io/kustomize/kustomize/v5 "$KUSTOMIZE_VERSION" ;;
    kubeconform) bash "$here/install-go-tool.sh" kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION" ;;
    promtool) bash "$here/install-go-tool.sh" promtool github.com/prometheus/prometheus/cmd/promtool "$PROMETHEUS_VERSION" ;;
    *) echo "install-deploy-tools: unknown tool $tool" >&2; exit 2 ;;
  esac
done
echo "${CHAT_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/chat-tools}"
