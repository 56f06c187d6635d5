import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const runCli = fileURLToPath(new URL("../../../scripts/run-cli.mjs", import.meta.url));
const built = fileURLToPath(new URL("../dist/main.js", import.meta.url));

describe("root scripts (pnpm trainer / evaluator / tml-data)", () => {
  it.skipIf(!existsSync(built))(
    "run the CLI in the caller's folder (INIT_CWD), so relative paths mean what they say",
    () => {
      const caller = mkdtempSync(join(tmpdir(), "tml-root-scripts-"));
      const options = { encoding: "utf8" as const, env: { ...process.env, INIT_CWD: caller } };
      const generated = spawnSync(
        process.execPath,
        [
          runCli,
          "trainer",
          "generate",
          "graph",
          "--out",
          "graph",
          "--users",
          "64",
          "--tweets",
          "32",
        ],
        options,
      );
      expect(generated.status, generated.stderr).toBe(0);
      expect(existsSync(join(caller, "graph", "graph.json"))).toBe(true);
      const counted = spawnSync(
        process.execPath,
        [runCli, "tml-data", "count", "graph/edges/train", "--json"],
        options,
      );
      expect(counted.status, counted.stderr).toBe(0);
      const unknown = spawnSync(process.execPath, [runCli, "frobnicate"], options);
      expect(unknown.status).toBe(2);
    },
  );
});
