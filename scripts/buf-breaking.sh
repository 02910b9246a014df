#!/usr/bin/env bash
# `buf breaking` against the API as it was before the change being checked: on a branch, where it
# left main (or origin/main in a clone of the branch alone); on main, the commit before. Comparing
# main with itself checked nothing, and a clone of a branch has no local main to compare with.
# A clone without that history (a shallow one) says so and checks nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
branch=$(git rev-parse --abbrev-ref HEAD 2>/dev/null || true)
ref=""
if [ "$branch" != "main" ]; then
  for base in main origin/main; do
    if ref=$(git merge-base HEAD "$base" 2>/dev/null); then break; fi
    ref=""
  done
fi
if [ -z "$ref" ] && git rev-parse -q --verify 'HEAD~1^{commit}' >/dev/null; then ref=$(git rev-parse 'HEAD~1'); fi
if [ -z "$ref" ]; then
  echo "buf breaking: this clone has no earlier commit to compare the API with (shallow?): not checked" >&2
  exit 0
fi
echo "buf breaking: against ${ref:0:12}"
exec npx buf breaking --against ".git#ref=$ref"
