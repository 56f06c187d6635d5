import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { trainTinyTwhinRun } from "../testing/tiny-twhin.js";
import { evaluateTwhinRun } from "./twhin-evaluation.js";

describe("evaluateTwhinRun", () => {
  it("ranks held-out edges of a trained run and finds neighbours, writing metrics only when asked", async () => {
    const root = await trainTinyTwhinRun();

    const result = await evaluateTwhinRun({
      checkpoint: root,
      report: false,
      neighbours: 2,
      device: "cpu",
    });
    expect(result.report).toBeUndefined();
    expect(existsSync(join(root, "evaluation", "report.html"))).toBe(false);
    expect(existsSync(result.metricsJson)).toBe(true);
    expect(result.edges).toBeGreaterThan(0);
    const { mrr, mr, auc } = result.summary.overall as Record<string, number>;
    // MRR ≤ 1 / (harmonic mean rank) bounds: 1/MR ≤ MRR (Jensen), and both lie in (0, 1].
    expect(mrr).toBeGreaterThan(0);
    expect(mrr).toBeLessThanOrEqual(1);
    expect(mrr).toBeGreaterThanOrEqual(1 / (mr as number) - 1e-12);
    expect(auc).toBeGreaterThan(0);
    // perRelation holds relations (as the config names them), each with both directions.
    const relations = Object.keys(result.summary.perRelation ?? {});
    expect(relations.length).toBeGreaterThan(1);
    for (const name of relations)
      expect(["follow", "fav", "reply", "retweet", "magic_recs"]).toContain(name);
    const queries = (slice: { overall: Record<string, number> } | undefined) =>
      slice?.overall["queries"] ?? 0;
    const perRelationQueries = Object.values(result.summary.perRelation ?? {}).map(queries);
    expect(perRelationQueries.reduce((sum, n) => sum + n, 0)).toBe(2 * result.edges);
    expect(result.summary.tail?.["queries"]).toBe(result.edges);
    expect(queries(result.summary.warm) + queries(result.summary.cold)).toBe(2 * result.edges);
    const written = JSON.parse(readFileSync(result.metricsJson, "utf8"));
    expect(Object.keys(written)).toEqual(
      expect.arrayContaining(["overall", "tail", "head", "warm", "cold", "perRelation"]),
    );
    expect(Object.keys(written.perRelation.fav)).toEqual(["overall", "tail", "head"]);
    expect(result.neighbours.map((list) => `${list.table} ${list.id}`)).toEqual([
      "user 0",
      "user 1",
      "tweet 0",
      "tweet 1",
    ]);
    for (const list of result.neighbours) {
      expect(list.neighbours).toHaveLength(2);
      expect(list.neighbours.some((n) => n.id === list.id)).toBe(false);
      expect(list.neighbours[0]?.score).toBeGreaterThanOrEqual(list.neighbours[1]?.score as number);
    }
  });
});
