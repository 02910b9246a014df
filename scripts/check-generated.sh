#!/usr/bin/env bash
# Fails when gen/ differs from what `buf generate` makes from proto/ now.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
npx --no-install buf generate -o "$tmp"
if ! diff -r "$tmp/gen" gen -x package.json >/dev/null; then
  diff -r "$tmp/gen" gen -x package.json | head -40 >&2
  echo "gen/ is stale: run 'npm run generate' and commit gen/" >&2
  exit 1
fi
echo "gen/ matches buf generate"
