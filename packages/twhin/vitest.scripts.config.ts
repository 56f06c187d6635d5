import { defineConfig } from "vitest/config";
import { sharedTestConfig } from "../../vitest.shared.js";

// Runs the quality scripts in scripts/*.run.ts from sources (no build needed).
export default defineConfig({
  ...sharedTestConfig,
  test: {
    ...sharedTestConfig.test,
    include: ["scripts/**/*.run.ts"],
    testTimeout: 4 * 3600_000,
    silent: false,
  },
});
