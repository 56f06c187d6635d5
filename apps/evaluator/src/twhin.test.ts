import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { capture, FIXTURES, trainTinyTwhinRun } from "@tml/cli-kit/testing";
import { edgeTable, writeParquetFile } from "@tml/data-io";
import { describe, expect, it } from "vitest";
import { main } from "./cli.js";

describe("evaluator twhin", () => {
  it("prints link prediction with neighbours; a TwHIN run is no Heavy Ranker checkpoint", async () => {
    const run = await trainTinyTwhinRun();
    const evaluated = capture();
    expect(await main(["twhin", "--checkpoint", run, "--neighbours", "3"], evaluated.io)).toBe(0);
    expect(evaluated.out()).toMatch(/^all\s+0\.\d{4}\s+\d+\.\d{4}/m);
    expect(evaluated.out()).toMatch(/^ {2}user 0: \d+ \(/m);
    const metrics = JSON.parse(readFileSync(join(run, "evaluation", "metrics.json"), "utf8"));
    expect(metrics.overall.mrr).toBeGreaterThan(0);
    expect(metrics.overall.mrr).toBeLessThanOrEqual(1);
    expect(metrics.overall["hits@1"]).toBeLessThanOrEqual(metrics.overall["hits@10"]);
    expect(metrics.neighbours[0].neighbours).toHaveLength(3);
    expect(existsSync(join(run, "evaluation", "plots", "twhin-hits.png"))).toBe(true);

    // Evaluation edges outside the model's tables or relations: exit 5 naming file and row.
    const bad = join(run, "bad-edges.parquet");
    await writeParquetFile(bad, edgeTable([0, 1, 2], [1, 1, 1], [1, 2, 32]));
    const badEdges = capture();
    expect(await main(["twhin", "--checkpoint", run, "--data", bad], badEdges.io)).toBe(5);
    expect(badEdges.err()).toContain(`${bad} row 2: rhs id 32`);
    await writeParquetFile(bad, edgeTable([0, 1], [0, 99], [1, 2]));
    const badRelation = capture();
    expect(await main(["twhin", "--checkpoint", run, "--data", bad], badRelation.io)).toBe(5);
    expect(badRelation.err()).toContain(`${bad} row 1: relation 99 is not one of`);
    expect(badRelation.err()).not.toMatch(/\n\s+at /);

    const wrong = capture();
    expect(
      await main(
        ["heavy-ranker", "--checkpoint", run, "--config", join(FIXTURES, "tiny-heavy-ranker.yaml")],
        wrong.io,
      ),
    ).toBe(6);
    expect(wrong.err()).toContain("is a twhin run, not a heavy-ranker run");
    const ranked = capture();
    expect(await main(["rank", "--checkpoint", run, "--candidates", run], ranked.io)).toBe(6);
    expect(ranked.err()).toContain("evaluate it with `evaluator twhin`");
  });
});
