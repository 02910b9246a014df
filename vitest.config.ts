import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["protocol/**/*.spec.ts", "server/**/*.spec.ts", "client/**/*.spec.ts", "cli/**/*.spec.ts", "desktop/**/*.spec.ts", "bench/**/*.spec.ts", "bots/**/*.spec.ts"],
    exclude: ["**/node_modules/**"],
    // Real Redis and Cassandra, started once per run and shared by every suite that needs them.
    globalSetup: ["server/test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
