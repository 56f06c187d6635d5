import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { sharedTestConfig } from "../../vitest.shared.js";

const evaluator = fileURLToPath(new URL("../evaluator/src/index.ts", import.meta.url));
const aliases = (sharedTestConfig.resolve?.alias ?? []) as { find: RegExp; replacement: string }[];

// The evaluator app is a library of this one (reports, CLI helpers): tests use its sources.
export default defineConfig({
  ...sharedTestConfig,
  resolve: { alias: [...aliases, { find: /^evaluator$/, replacement: evaluator }] },
});
