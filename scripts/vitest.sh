#!/usr/bin/env bash
# The test run of `npm test`: the suite in parallel. Arguments (paths, -t filters) go to vitest; a
# run they select nothing in passes. Latency figures are benchmarks (bench/, docs/benchmarks.md), not tests.
set -euo pipefail
cd "$(dirname "$0")/.."
npx vitest run --passWithNoTests "$@"
