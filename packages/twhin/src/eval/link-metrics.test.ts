import { describe, expect, it } from "vitest";
import type { EdgeSet } from "../data/edge-set.js";
import { TwhinModel } from "../model/twhin-model.js";
import { tinyConfig } from "../testing/tiny-graph.js";
import { evaluationRuntime } from "./block-ranker.js";
import { FilterIndex } from "./filter-index.js";
import { trainingEntities } from "./link-metrics.js";
import { rankLinks } from "./link-prediction.js";

const edges = (rows: [number, number, number][]): EdgeSet => ({
  lhs: Int32Array.from(rows.map((row) => row[0])),
  rel: Int32Array.from(rows.map((row) => row[1])),
  rhs: Int32Array.from(rows.map((row) => row[2])),
  size: rows.length,
});

const mrr = (ranks: number[]) => ranks.reduce((sum, rank) => sum + 1 / rank, 0) / ranks.length;

// Five users in 2-d, scored by the dot product (translations are zero): the dot products are
//        e0 e1 e2 e3 e4
//   e0    1  0  1  2  1
//   e1    0  1  1  1  3
//   e2    1  1  2  3  4
//   e3    2  1  3  5  5
//   e4    1  3  4  5 10
// Training edges (0 r0 1), (2 r0 3): user 4 never occurs. Evaluated edges, filtered by both sets:
//   (0 r0 3) warm: tail rank 1; head: e3·e2 = 3 is filtered, e3 and e4 score 5 > 2: rank 3
//   (4 r0 2) cold: tail: e3 (5) and e4 (10) beat 4: rank 3; head: e2·e4 = 4 is the best: rank 1
//   (1 r1 2) warm: tail: e4 beats 1, e1 and e3 tie: rank 1 + 1 + 2/2 = 3;
//                  head: e2, e3, e4 beat 1, e0 ties: rank 1 + 3 + 1/2 = 4.5
describe("warm / cold and per-relation link metrics", () => {
  for (const runtime of [evaluationRuntime(), null]) {
    it(`split a hand-made graph as computed by hand (${runtime ? "onnxruntime" : "JS loops"})`, async () => {
      const config = tinyConfig({
        dim: 2,
        tables: [{ name: "user", rows: 5 }],
        relations: [
          { name: "r0", lhs: "user", rhs: "user" },
          { name: "r1", lhs: "user", rhs: "user" },
        ],
      });
      const model = new TwhinModel(config.model); // zero translations
      model.tables[0]!.stored.set([1, 0, 0, 1, 1, 1, 2, 1, 1, 3]);
      const train = edges([
        [0, 0, 1],
        [2, 0, 3],
      ]);
      const test = edges([
        [0, 0, 3],
        [4, 0, 2],
        [1, 1, 2],
      ]);
      const seen = trainingEntities(model, train);
      expect([...seen[0]!]).toEqual([1, 1, 1, 1, 0]);
      const filter = new FilterIndex(2, [train, test]);
      const result = await rankLinks(model, test, { filter, trainingEntities: seen }, runtime);
      expect(result.both.count).toBe(6);
      expect(result.both.mrr).toBeCloseTo(mrr([1, 3, 3, 1, 3, 4.5]), 6);
      expect(result.warm!.tail.mrr).toBeCloseTo(mrr([1, 3]), 6);
      expect(result.warm!.head.mrr).toBeCloseTo(mrr([3, 4.5]), 6);
      expect(result.warm!.both.count).toBe(4);
      expect(result.cold!.tail.mr).toBeCloseTo(3, 6);
      expect(result.cold!.head.mr).toBeCloseTo(1, 6);
      expect(result.cold!.both.count).toBe(2);
      expect(Object.keys(result.perRelation)).toEqual(["r0", "r1"]);
      expect(result.perRelation["r0"]!.tail.mrr).toBeCloseTo(mrr([1, 3]), 6);
      expect(result.perRelation["r0"]!.head.mrr).toBeCloseTo(mrr([3, 1]), 6);
      expect(result.perRelation["r1"]!.both.mr).toBeCloseTo((3 + 4.5) / 2, 6);
      expect((await rankLinks(model, test, { filter }, runtime)).warm).toBeUndefined();
    });
  }
});
