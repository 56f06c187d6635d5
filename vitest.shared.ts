import { fileURLToPath } from "node:url";
import type { ViteUserConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));

/**
 * Tests import sibling packages from their sources, so a package's tests never wait for another
 * package's build. The published packages resolve through their `exports` maps to `dist/`.
 */
export const sharedTestConfig: ViteUserConfig = {
  resolve: {
    alias: [
      { find: /^@tml\/core\/testing$/, replacement: `${root}packages/core/src/testing/index.ts` },
      { find: /^@tml\/core$/, replacement: `${root}packages/core/src/index.ts` },
      { find: /^@tml\/cuda-check$/, replacement: `${root}packages/cuda-check/src/index.ts` },
      {
        find: /^@tml\/engine\/testing$/,
        replacement: `${root}packages/engine/src/testing/index.ts`,
      },
      { find: /^@tml\/engine$/, replacement: `${root}packages/engine/src/index.ts` },
      {
        find: /^@tml\/training\/parallel$/,
        replacement: `${root}packages/training/src/parallel/index.ts`,
      },
      { find: /^@tml\/training$/, replacement: `${root}packages/training/src/index.ts` },
      { find: /^@tml\/reports$/, replacement: `${root}packages/reports/src/index.ts` },
      { find: /^@tml\/data-io$/, replacement: `${root}packages/data-io/src/index.ts` },
      { find: /^@tml\/twhin$/, replacement: `${root}packages/twhin/src/index.ts` },
      { find: /^@tml\/heavy-ranker$/, replacement: `${root}packages/heavy-ranker/src/index.ts` },
      {
        find: /^@tml\/cli-kit\/testing$/,
        replacement: `${root}packages/cli-kit/src/testing/index.ts`,
      },
      { find: /^@tml\/cli-kit$/, replacement: `${root}packages/cli-kit/src/index.ts` },
      { find: /^@tml\/explorer$/, replacement: `${root}packages/explorer/src/index.ts` },
    ],
  },
  test: {
    include: ["src/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Test files already run side by side on every core; tests that exercise several threads
    // (onnxruntime pools, Hogwild workers) ask for them explicitly.
    env: { TML_ENGINE_THREADS: "1" },
  },
};
