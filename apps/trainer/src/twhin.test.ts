import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readMetricsLog } from "@tml/reports";
import { describe, expect, it } from "vitest";
import { capture } from "../../evaluator/src/__fixtures__/capture-io.js";
import { FIXTURES } from "../../evaluator/src/__fixtures__/tiny-data.js";
import { main as evaluator } from "../../evaluator/src/cli.js";
import { main } from "./cli.js";

describe("trainer twhin → evaluator twhin", () => {
  it("generates a graph, trains, exports, evaluates link prediction with neighbours", async () => {
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

    const evaluated = capture();
    expect(await evaluator(["twhin", "--checkpoint", run, "--neighbours", "3"], evaluated.io)).toBe(
      0,
    );
    expect(evaluated.out()).toMatch(/^all\s+0\.\d{4}\s+\d+\.\d{4}/m);
    expect(evaluated.out()).toMatch(/^ {2}user 0: \d+ \(/m);
    const metrics = JSON.parse(readFileSync(join(run, "evaluation", "metrics.json"), "utf8"));
    expect(metrics.overall.mrr).toBeGreaterThan(0);
    expect(metrics.overall.mrr).toBeLessThanOrEqual(1);
    expect(metrics.overall["hits@1"]).toBeLessThanOrEqual(metrics.overall["hits@10"]);
    expect(metrics.neighbours[0].neighbours).toHaveLength(3);
    expect(existsSync(join(run, "evaluation", "plots", "twhin-hits.png"))).toBe(true);

    // A Heavy Ranker checkpoint is not a TwHIN checkpoint.
    const wrong = capture();
    expect(
      await evaluator(
        ["heavy-ranker", "--checkpoint", run, "--config", join(FIXTURES, "tiny-heavy-ranker.yaml")],
        wrong.io,
      ),
    ).toBe(6);
  });
});
