#!/usr/bin/env bash
# The test run of `npm test`: the suite in parallel, then the timed specs (*.timed.spec.ts) alone,
# since they compare latencies that other files on the same cores would decide. Arguments (paths,
# -t filters) go to both runs; a run they select nothing in passes.
set -euo pipefail
cd "$(dirname "$0")/.."
npx vitest run --passWithNoTests "$@"
npx vitest run --config vitest.timed.config.ts --passWithNoTests "$@"
