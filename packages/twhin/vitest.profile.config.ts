import { defineConfig } from "vitest/config";
import { sharedTestConfig } from "../../vitest.shared.js";

export default defineConfig({
  ...sharedTestConfig,
  test: {
    ...sharedTestConfig.test,
    include: ["scripts/**/*.run.ts"],
    testTimeout: 4 * 3600_000,
    execArgv: ["--cpu-prof", "--cpu-prof-dir=/tmp/tw/prof"],
  },
});
