import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["server/**/*.spec.ts", "cli/**/*.spec.ts", "desktop/**/*.spec.ts", "bench/**/*.spec.ts"],
    exclude: ["**/node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
