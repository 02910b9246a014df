import { defineConfig } from "vitest/config";

/**
 * The timed specs (*.timed.spec.ts): they compare latencies (a p99 under load against idle), so they
 * run after the parallel suite, one file at a time, with nothing else of the suite on the cores.
 * `scripts/vitest.sh` runs this config after the main one.
 */
export default defineConfig({
  test: {
    include: ["**/*.timed.spec.ts"],
    exclude: ["**/node_modules/**"],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
