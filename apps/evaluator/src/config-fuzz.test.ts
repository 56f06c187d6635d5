import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  capture,
  configMutations,
  snapshotDirectory,
  trainTinyRun,
  trainTinyTwhinRun,
  writeTinyRankerData,
} from "@tml/cli-kit/testing";
import { describe, expect, it } from "vitest";
import { main } from "./cli.js";

describe("config fuzz: evaluator commands check their config before writing anything", () => {
  it("every key, type and numeric mutation of a run's config.yaml: exit 3, the run untouched", async () => {
    const twhinRun = await trainTinyTwhinRun();
    const rankerRun = await trainTinyRun(
      await writeTinyRankerData(),
      join(mkdtempSync(join(tmpdir(), "tml-evaluator-fuzz-")), "run"),
    );
    const failures: string[] = [];
    for (const [command, run] of [
      ["twhin", twhinRun],
      ["heavy-ranker", rankerRun],
    ] as const) {
      const before = snapshotDirectory(run);
      for (const mutation of configMutations(readFileSync(join(run, "config.yaml"), "utf8"))) {
        const cli = capture();
        const argv = [command, "--checkpoint", run, "--device", "cpu", "--set", mutation.override];
        const code = await main(argv, cli.io);
        const untouched = JSON.stringify(snapshotDirectory(run)) === JSON.stringify(before);
        if (code !== 3 || !untouched)
          failures.push(`${command} ${mutation.label}: exit ${code}, untouched ${untouched}`);
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
