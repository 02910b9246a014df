#!/usr/bin/env bash
# Installs the linters of the deploy files (Go module proxy, `go install`), cached like the gRPC tools
# (install-go-tool.sh): kubeconform, which server/test/deploy/k8s.spec.ts validates deploy/k8s/ with
# against the schemas vendored in third_party/kubernetes-schemas/ (no network at test time), and
# Prometheus' promtool, which server/test/deploy/observability.spec.ts checks and unit-tests the alert
# rules and the dashboard's queries with. `./dev test` runs it before the tests (promtool takes a few
# minutes to build the first time). Prints the cache directory on stdout (the binaries are in bin/).
#   usage: install-deploy-tools.sh [kubeconform] [promtool]   (both by default)
set -euo pipefail
KUBECONFORM_VERSION=v0.8.0
PROMETHEUS_VERSION=v0.316.0 # the Go module version of Prometheus 3.x's promtool
here="$(dirname "$0")"
tools=("$@")
[ ${#tools[@]} -eq 0 ] && tools=(kubeconform promtool)
for tool in "${tools[@]}"; do
  case "$tool" in
    kubeconform) bash "$here/install-go-tool.sh" kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION" ;;
    promtool) bash "$here/install-go-tool.sh" promtool github.com/prometheus/prometheus/cmd/promtool "$PROMETHEUS_VERSION" ;;
    *) echo "install-deploy-tools: unknown tool $tool" >&2; exit 2 ;;
  esac
done
echo "${CHAT_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/chat-tools}"
