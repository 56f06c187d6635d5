import { Rng } from "@tml/core";
import { describe, expect, it } from "vitest";
import { twhinConfigSchema } from "../config/twhin-config.js";
import { TwhinModel } from "../model/twhin-model.js";
import { expectGradientsMatchDifferences } from "../testing/gradient-check.js";
import { randomBatch, type TinyConfigOptions, tinyConfig } from "../testing/tiny-graph.js";
import { TwhinStep } from "./twhin-step.js";

function setup(options: TinyConfigOptions) {
  const config = tinyConfig(options);
  const model = new TwhinModel(config.model).initialize(3);
  for (const table of model.tables)
    for (let i = 0; i < table.stored.length; i++) table.stored[i]! *= 3;
  const rng = new Rng(9);
  for (let i = 0; i < model.relationParams.length; i++)
    model.relationParams[i] = model.relationParams[i]! + 0.6 * (rng.next() - 0.5);
  const step = TwhinStep.create(model, config);
  const batch = randomBatch(config, config.train_data.per_replica_batch_size, 11);
  return { config, model, step, batch };
}

const ONE_TABLE = {
  tables: [{ name: "entity", rows: 9 }],
  relations: ["r0", "r1", "r2"].map((name) => ({ name, lhs: "entity", rhs: "entity" })),
};

type Form = "diagonal" | "complex_diagonal" | "translation";

// Re(sum_d a_d w_d conj(b_d)) for complex halves, sum a w b for a diagonal, <a + w, b> for a
// translation: the score of operator row `row` for the pair (a, b), written independently of the
// step's feature trick.
function pairScore(form: Form, a: Float32Array, w: Float32Array, b: Float32Array, dim: number) {
  let score = 0;
  if (form === "translation") {
    for (let d = 0; d < dim; d++) score += (a[d]! + w[d]!) * b[d]!;
    return score;
  }
  if (form === "diagonal") {
    for (let d = 0; d < dim; d++) score += a[d]! * w[d]! * b[d]!;
    return score;
  }
  const half = dim / 2;
  for (let d = 0; d < half; d++) {
    const [ar, ai, wr, wi, br, bi] = [
      a[d]!,
      a[half + d]!,
      w[d]!,
      w[half + d]!,
      b[d]!,
      b[half + d]!,
    ];
    // (a w) = (ar wr - ai wi) + i (ar wi + ai wr); times conj(b), real part:
    score += (ar * wr - ai * wi) * br + (ar * wi + ai * wr) * bi;
  }
  return score;
}

describe("relation prediction (model.relation_prediction)", () => {
  for (const operator of ["diagonal", "complex_diagonal", "translation"] as const) {
    for (const reciprocal of [false, true]) {
      it(`${operator}, reciprocal ${reciprocal}: gradients match central differences`, async () => {
        const { model, step, batch } = setup({
          // Without reciprocal rows, each relation of the two-table graph is alone on its tables
          // (nothing to rank): three relations on one table then.
          ...(reciprocal ? {} : ONE_TABLE),
          operator,
          model: {
            reciprocal_relations: reciprocal,
            relation_prediction: 0.7,
            loss: { type: "softmax", margin: 1 },
          },
          inBatch: 2,
          global: 3,
        });
        await expectGradientsMatchDifferences(model, step, batch, {
          tableStride: 2,
          relationStride: 1,
        });
      });
    }
  }

  it("adds weight x the mean cross-entropy over each direction's relations of the same tables", async () => {
    const weight = 0.7;
    for (const operator of ["diagonal", "complex_diagonal", "translation"] as const) {
      const options = {
        operator,
        model: { reciprocal_relations: true, loss: { type: "softmax" as const, margin: 1 } },
        inBatch: 2,
        global: 3,
      };
      const plain = setup(options);
      const withTerm = setup({
        ...options,
        model: { ...options.model, relation_prediction: weight },
      });
      const base = await plain.step.computeGradients(plain.batch, new Rng(5));
      const total = await withTerm.step.computeGradients(withTerm.batch, new Rng(5));
      // Independently: for each edge, rank r among rows of its (lhs, rhs) tables with the pair
      // (lhs, rhs), and R + r among the reciprocal rows with (rhs, lhs).
      const model = plain.model;
      const dim = model.dim;
      const relations = model.relations;
      const R = relations.length;
      const row = (table: number, id: number) => {
        const out = new Float32Array(dim);
        model.tables[table]!.readRow(id, out);
        return out;
      };
      const operatorRow = (k: number) => model.relationParams.subarray(k * dim, (k + 1) * dim);
      let crossEntropy = 0;
      const batch = plain.batch;
      for (let i = 0; i < batch.size; i++) {
        const relation = relations[batch.rel[i]!]!;
        const lhs = row(relation.lhsTable, batch.lhs[i]!);
        const rhs = row(relation.rhsTable, batch.rhs[i]!);
        for (const reverse of [false, true]) {
          const [a, b] = reverse ? [rhs, lhs] : [lhs, rhs];
          const [ta, tb] = reverse
            ? [relation.rhsTable, relation.lhsTable]
            : [relation.lhsTable, relation.rhsTable];
          const target = (reverse ? R : 0) + batch.rel[i]!;
          let logSum = 0;
          const logits: number[] = [];
          for (let k = 0; k < 2 * R; k++) {
            const candidate = relations[k % R]!;
            const [ca, cb] =
              k < R
                ? [candidate.lhsTable, candidate.rhsTable]
                : [candidate.rhsTable, candidate.lhsTable];
            if (ca !== ta || cb !== tb) continue;
            logits.push(pairScore(operator, a, operatorRow(k), b, dim));
          }
          const max = Math.max(...logits);
          for (const logit of logits) logSum += Math.exp(logit - max);
          const positive = pairScore(operator, a, operatorRow(target), b, dim);
          crossEntropy += max + Math.log(logSum) - positive;
        }
      }
      const expected = (weight * crossEntropy) / (2 * batch.size);
      expect(total - base).toBeCloseTo(expected, 4);
      expect(expected).toBeGreaterThan(0.01);
    }
  });

  it("rejects operators and comparators it has no score form for", () => {
    const base = tinyConfig({ operator: "complex_diagonal" });
    for (const model of [
      { ...base.model, relation_prediction: 1, comparator: "cos" },
      {
        ...base.model,
        relation_prediction: 1,
        relations: base.model.relations.map((r) => ({ ...r, operator: "rotation" })),
      },
      {
        ...base.model,
        relation_prediction: 1,
        relations: base.model.relations.map((r, i) => ({
          ...r,
          operator: i === 0 ? "diagonal" : "complex_diagonal",
        })),
      },
    ]) {
      const result = twhinConfigSchema.safeParse({ ...base, model });
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.message).toMatch(/relation_prediction needs/);
    }
    expect(
      twhinConfigSchema.safeParse({ ...base, model: { ...base.model, relation_prediction: 1 } })
        .success,
    ).toBe(true);
  });
});
