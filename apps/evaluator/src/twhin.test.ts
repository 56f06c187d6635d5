import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { capture, FIXTURES, trainTinyTwhinRun } from "@tml/cli-kit/testing";
import { edgeTable, writeParquetFile } from "@tml/data-io";
import { describe, expect, it } from "vitest";
import { main } from "./cli.js";

describe("evaluator twhin", () => {
  it("prints link prediction with neighbours; a TwHIN run is no Heavy Ranker checkpoint", async () => {
    const run = await trainTinyTwhinRun();
    // A converter's name dictionary for the user table (graph.json's dictionary_file).
    const graph = process.env.TML_TINY_GRAPH as string;
    const descriptor = JSON.parse(readFileSync(join(graph, "graph.json"), "utf8"));
    descriptor.tables[0].dictionary_file = "users.json";
    writeFileSync(join(graph, "graph.json"), JSON.stringify(descriptor));
    const names = Array.from({ length: 64 }, (_, id) => `@user${id}`);
    writeFileSync(join(graph, "users.json"), JSON.stringify(names));
    const evaluated = capture();
    expect(await main(["twhin", "--checkpoint", run, "--neighbours", "3"], evaluated.io)).toBe(0);
    expect(evaluated.out()).toMatch(/^all\s+0\.\d{4}\s+\d+\.\d{4}/m);
    expect(evaluated.out()).toMatch(/^warm \(seen in training\)\s+0\.\d{4}/m);
    expect(evaluated.out()).toMatch(/^cold \(an endpoint unseen\)\s/m);
    expect(evaluated.out()).toMatch(/^fav\s+0\.\d{4}/m);
    expect(evaluated.out()).toMatch(/^ {2}user @user0 \(#0\): @user\d+ \(#\d+\) \(/m);
    expect(evaluated.out()).toMatch(/^ {2}tweet 0: \d+ \(/m);
    expect(evaluated.err()).toMatch(/^twhin evaluation \d+\/\d+ 100% /m);
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
