import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { capture, FIXTURES } from "@tml/cli-kit/testing";
import { readMetricsLog } from "@tml/reports";
import { describe, expect, it } from "vitest";
import { main } from "./cli.js";

describe("trainer twhin", () => {
  it("generates a graph, trains with evaluations, exports the tables", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tml-twhin-cli-"));
    const graph = join(dir, "graph");
    const generated = capture();
    expect(
      await main(
        [
          "generate",
          "graph",
          "--out",
          graph,
          "--users",
          "64",
          "--tweets",
          "32",
          "--edges",
          "2000",
          "--communities",
          "4",
        ],
        generated.io,
      ),
    ).toBe(0);
    process.env.TML_TINY_GRAPH = graph;

    const run = join(dir, "run");
    const trained = capture();
    const code = await main(
      ["twhin", "--config", join(FIXTURES, "tiny-twhin.yaml"), "--out", run, "--device", "cpu"],
      trained.io,
    );
    expect(trained.err()).not.toMatch(/^trainer: /m);
    expect(code).toBe(0);
    expect(trained.out()).toMatch(/twhin completed at step 12/);
    expect(readdirSync(join(run, "checkpoints")).sort()).toEqual(["12", "6"]);
    expect(
      readdirSync(join(run, "export")).filter((f) => f.endsWith(".parquet")).length,
    ).toBeGreaterThan(0);
    const log = readMetricsLog(join(run, "metrics.jsonl"));
    expect(log.filter((r) => r.kind === "train").map((r) => r.step)).toEqual([3, 6, 9, 12]);
    expect(log.filter((r) => r.kind === "eval").map((r) => r.step)).toEqual([6, 12]);
    expect(readdirSync(join(run, "events", "twhin"))[0]).toMatch(/^events\.out\.tfevents\./);
  });
});
