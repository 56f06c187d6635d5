import { describe, expect, it } from "vitest";
import { randomBatch, tinyConfig } from "../testing/tiny-graph.js";
import { FilterIndex } from "./filter-index.js";

describe("FilterIndex", () => {
  it("kept to the queries of the evaluated edges, answers them as the full index does", () => {
    const config = tinyConfig();
    const train = randomBatch(config, 200, 1);
    const test = randomBatch(config, 10, 2);
    const full = new FilterIndex(3, [train, test]);
    const kept = new FilterIndex(3, [train, test], test);
    for (let e = 0; e < test.size; e++) {
      const [lhs, rel, rhs] = [test.lhs[e]!, test.rel[e]!, test.rhs[e]!];
      expect([...kept.answers("tail", lhs, rel)]).toEqual([...full.answers("tail", lhs, rel)]);
      expect([...kept.answers("head", rhs, rel)]).toEqual([...full.answers("head", rhs, rel)]);
      expect(kept.answers("tail", lhs, rel).has(rhs)).toBe(true);
    }
    // A training edge no evaluated edge asks about is not kept.
    const asked = new Set(
      Array.from({ length: test.size }, (_, e) => `${test.lhs[e]}:${test.rel[e]}`),
    );
    const other = Array.from({ length: train.size }, (_, e) => e).find(
      (e) => !asked.has(`${train.lhs[e]}:${train.rel[e]}`),
    )!;
    expect(full.answers("tail", train.lhs[other]!, train.rel[other]!).size).toBeGreaterThan(0);
    expect(kept.answers("tail", train.lhs[other]!, train.rel[other]!).size).toBe(0);
  });
});
