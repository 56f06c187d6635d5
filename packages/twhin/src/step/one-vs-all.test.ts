import { Rng } from "@tml/core";
import { describe, expect, it } from "vitest";
import { operatorForward } from "../model/operators.js";
import { TwhinModel } from "../model/twhin-model.js";
import { expectGradientsMatchDifferences } from "../testing/gradient-check.js";
import { randomBatch, type TinyConfigOptions, tinyConfig } from "../testing/tiny-graph.js";
import { globalNegativesLengths } from "./global-negatives-layout.js";
import { TwhinStep } from "./twhin-step.js";

// Independent ComplEx arithmetic: x as complex coordinates (re = x[d], im = x[d + D/2]).
function complex(x: Float32Array, offset: number, dim: number): [number, number][] {
  const half = dim / 2;
  return Array.from({ length: half }, (_, d) => [x[offset + d]!, x[offset + half + d]!]);
}

// Re(sum_d w_d * q_d * conj(c_d)): the ComplEx score of query q under relation w against c.
function complexScore(w: [number, number][], q: [number, number][], c: [number, number][]) {
  let total = 0;
  for (let d = 0; d < w.length; d++) {
    const [wr, wi] = w[d]!;
    const [qr, qi] = q[d]!;
    const yr = wr * qr - wi * qi;
    const yi = wr * qi + wi * qr;
    total += yr * c[d]![0] + yi * c[d]![1];
  }
  return total;
}

const cube = (z: [number, number][]) => z.reduce((s, [a, b]) => s + Math.hypot(a, b) ** 3, 0);

// A knowledge graph's layout: one entity table, both sides of every relation in it (each
// direction's rows then all rank that table: the step's in-place path, no gathering or scatter).
const ONE_TABLE = {
  tables: [{ name: "entity", rows: 9 }],
  relations: [
    { name: "r0", lhs: "entity", rhs: "entity" },
    { name: "r1", lhs: "entity", rhs: "entity" },
  ],
};

function setup(regularization: number, graph: Partial<TinyConfigOptions> = {}) {
  const config = tinyConfig({
    ...graph,
    operator: "complex_diagonal",
    global: "all",
    inBatch: 0,
    batchSize: 6,
    model: {
      loss: { type: "softmax", margin: 1 },
      reciprocal_relations: true,
      regularizer: "n3",
      regularization,
    },
  });
  const model = new TwhinModel(config.model).initialize(4);
  const rng = new Rng(9);
  for (const table of model.tables)
    for (let i = 0; i < table.stored.length; i++) table.stored[i] = rng.next() - 0.5;
  for (let i = 0; i < model.relationParams.length; i++) model.relationParams[i] = rng.next() - 0.5;
  const batch = randomBatch(config, 6, 13);
  return { config, model, batch, step: TwhinStep.create(model, config) };
}

const GRAPHS = [
  ["two tables (7 users, 5 tweets)", {}],
  ["one entity table", ONE_TABLE],
] as const;

describe.each(GRAPHS)(
  "1vsAll (global_negatives: all) with reciprocal ComplEx and N3, %s",
  (_, graph) => {
    it("loss equals the cross-entropy over every row of the target type plus N3, computed independently", async () => {
      const { model, batch, step } = setup(0.05, graph);
      const dim = model.dim;
      const relations = model.relations.length;
      let crossEntropy = 0;
      let n3 = 0;
      for (let i = 0; i < batch.size; i++) {
        const relation = model.relations[batch.rel[i]!]!;
        const lhsTable = model.tables[relation.lhsTable]!;
        const rhsTable = model.tables[relation.rhsTable]!;
        const head = complex(lhsTable.toFloat32(), batch.lhs[i]! * dim, dim);
        const tail = complex(rhsTable.toFloat32(), batch.rhs[i]! * dim, dim);
        const forward = complex(model.relationParams, batch.rel[i]! * dim, dim);
        const backward = complex(model.relationParams, (relations + batch.rel[i]!) * dim, dim);
        // Tail direction: softmax over all rows of the rhs table; head: over the lhs table.
        for (const [w, query, table, positive] of [
          [forward, head, rhsTable, batch.rhs[i]!],
          [backward, tail, lhsTable, batch.lhs[i]!],
        ] as const) {
          const scores = Array.from({ length: table.rows }, (_, row) =>
            complexScore(w, query, complex(table.toFloat32(), row * dim, dim)),
          );
          const max = Math.max(...scores);
          const logSum = max + Math.log(scores.reduce((s, x) => s + Math.exp(x - max), 0));
          crossEntropy += logSum - scores[positive]!;
          n3 += cube(head) + cube(w) + cube(tail);
        }
      }
      const expected = crossEntropy / (2 * batch.size) + (0.05 * n3) / (2 * batch.size);
      expect(await step.computeGradients(batch, new Rng(1))).toBeCloseTo(expected, 5);
    });

    it("gradients match central differences, over two steps (the second reuses the buffers)", async () => {
      const { model, batch, step } = setup(0.1, graph);
      // Every row of every table is a candidate, so every row gets a gradient slot.
      await step.computeGradients(randomBatch(setup(0.1, graph).config, 6, 21), new Rng(2));
      await step.computeGradients(batch, new Rng(1));
      expect(step.tableGrads.map((g) => g.count)).toEqual(model.tables.map((t) => t.rows));
      await expectGradientsMatchDifferences(model, step, batch, {
        tableStride: 2,
        relationStride: 3,
      });
    });
  },
);

describe("1vsAll scratch", () => {
  it("one entity table, dot, reciprocal: no candidate gradient copy, no gathered rows, no op_r block", () => {
    const { model } = setup(0.05, ONE_TABLE);
    const rows = model.tables[0]!.rows;
    const dim = model.dim;
    const sizes = globalNegativesLengths(model, rows, 6, true);
    // ids, raw rows, no cosine copy, norms, no scored-rows gradient, no raw-rows gradient.
    expect(sizes.perTable).toEqual([rows, rows * dim, 0, rows, 0, 0]);
    expect(sizes.shared).toEqual([0, 0, 0, 0, 0]);
    expect(sizes.shared2).toEqual([0, 0, 0, 6, rows]);
    // Sampled (not 1vsAll) candidates keep their own gradient, to scatter.
    expect(globalNegativesLengths(model, 4, 6, false).perTable[4]).toBe(4 * dim);
  });

  it("two tables gather per table; candidates through op_r get their gradient and block", () => {
    const { model } = setup(0.05);
    const dim = model.dim;
    expect(globalNegativesLengths(model, 7, 6, true).shared).toEqual([6, 6 * dim, 6, 6 * dim, 42]);
    const config = tinyConfig({
      operator: "diagonal",
      global: "all",
      inBatch: 0,
      model: { loss: { type: "softmax", margin: 1 } },
    });
    const plain = new TwhinModel(config.model);
    const sizes = globalNegativesLengths(plain, 7, 8, true);
    expect(sizes.perTable.slice(4)).toEqual([7 * plain.dim, 7 * plain.dim]);
    expect(sizes.shared2).toEqual([7 * plain.dim, 7, 7 * plain.dim, 8, 7]);
  });
});

describe("1vsAll operators", () => {
  it.each(["diagonal", "rotation"] as const)(
    "%s without reciprocal relations (candidates transformed per relation): gradients match",
    async (operator) => {
      const config = tinyConfig({
        operator,
        global: "all",
        inBatch: 0,
        model: { loss: { type: "softmax", margin: 1 }, regularizer: "n3", regularization: 0.1 },
      });
      const model = new TwhinModel(config.model).initialize(2);
      const rng = new Rng(3);
      for (const table of model.tables)
        for (let i = 0; i < table.stored.length; i++) table.stored[i] = rng.next() - 0.5;
      const step = TwhinStep.create(model, config);
      const batch = randomBatch(config, 8, 5);
      await expectGradientsMatchDifferences(model, step, batch, {
        tableStride: 5,
        relationStride: 4,
      });
    },
  );

  it("rejects 1vsAll with a loss other than softmax, or with in-batch negatives", () => {
    expect(() => tinyConfig({ global: "all", inBatch: 0 })).toThrow(/softmax/);
    expect(() =>
      tinyConfig({ global: "all", inBatch: 2, model: { loss: { type: "softmax", margin: 1 } } }),
    ).toThrow(/in_batch_negatives/);
  });
});

describe("rotation operator", () => {
  it("rotates each complex coordinate by its phase (hand-worked) and keeps moduli", () => {
    const w = Float32Array.from([Math.PI / 2, 0, 0, 0]); // phases (pi/2, 0); second half unused
    const x = Float32Array.from([1, 3, 2, 4]); // (1 + 2i), (3 + 4i)
    const y = new Float32Array(4);
    operatorForward("rotation", w, 0, x, 0, y, 0, 4);
    // (1 + 2i) * i = -2 + i; (3 + 4i) * 1 = 3 + 4i.
    expect(Array.from(y).map((v) => Math.round(v * 1e6) / 1e6)).toEqual([-2, 3, 1, 4]);
  });
});
