import { Rng } from "@tml/core";
import { describe, expect, it } from "vitest";
import { TwhinModel } from "../model/twhin-model.js";
import { expectGradientsMatchDifferences } from "../testing/gradient-check.js";
import { randomBatch, type TinyConfigOptions, tinyConfig } from "../testing/tiny-graph.js";
import { TwhinStep } from "./twhin-step.js";

function setup(options: TinyConfigOptions) {
  const config = tinyConfig(options);
  const model = new TwhinModel(config.model).initialize(3);
  // Larger weights than the default init so every term of the loss is exercised.
  for (const table of model.tables)
    for (let i = 0; i < table.stored.length; i++) table.stored[i]! *= 2;
  for (let i = 0; i < model.relationParams.length; i++)
    model.relationParams[i] = 0.8 * model.relationParams[i]! - 0.3;
  const step = TwhinStep.create(model, config);
  const batch = randomBatch(config, config.train_data.per_replica_batch_size, 11);
  return { model, step, batch };
}

async function checkGradients(options: TinyConfigOptions): Promise<void> {
  const { model, step, batch } = setup(options);
  await expectGradientsMatchDifferences(model, step, batch, {
    tableStride: 3,
    relationStride: model.parity.trainOperators ? 2 : 0,
  });
}

describe("TwhinStep gradients match central differences", () => {
  for (const operator of [
    "none",
    "translation",
    "diagonal",
    "complex_diagonal",
    "rotation",
  ] as const) {
    for (const comparator of ["dot", "cos", "l2"] as const) {
      it(`${operator} / ${comparator} / bce, in-batch + global`, async () => {
        await checkGradients({ operator, model: { comparator }, inBatch: 3, global: 4 });
      });
    }
  }
  for (const type of ["softmax", "margin"] as const) {
    for (const reciprocal of [false, true]) {
      it(`translation / dot / ${type}, reciprocal ${reciprocal}`, async () => {
        await checkGradients({
          model: { loss: { type, margin: 1 }, reciprocal_relations: reciprocal },
          inBatch: 2,
          global: 5,
        });
      });
    }
  }
  it("reciprocal complex_diagonal with cosine and regularization", async () => {
    await checkGradients({
      operator: "complex_diagonal",
      model: { comparator: "cos", reciprocal_relations: true, regularization: 0.1 },
      global: 3,
    });
  });
  it("parity original (tables only: translations are detached)", async () => {
    await checkGradients({ model: { parity: "original" }, inBatch: 3 });
  });
});

describe("TwhinStep loss values", () => {
  it("original parity: BCE of B positives and 2BN negatives labelled 1, weight 1/(2N)", async () => {
    const { model, step, batch } = setup({ model: { parity: "original" }, inBatch: 2 });
    const loss = await step.computeGradients(batch, new Rng(1));
    // Every term is softplus(x) - x = log(1 + e^-x); recompute positives independently.
    let positives = 0;
    for (let i = 0; i < batch.size; i++) {
      const x = model.score(batch.lhs[i]!, batch.rel[i]!, batch.rhs[i]!);
      positives += Math.log1p(Math.exp(-x));
    }
    const total = batch.size + 2 * batch.size * 2;
    expect(loss).toBeGreaterThan(positives / total);
    expect(loss).toBeLessThan((positives + 2 * batch.size * 2 * (1 / 4) * 5) / total);
  });
});

describe("TwhinStep edge cases", () => {
  it("relations absent from the batch and a relation with a single edge (negatives cycle)", async () => {
    const { model, step } = setup({ inBatch: 3, global: 2 });
    const batch = {
      lhs: Int32Array.from([1, 2, 3]),
      rel: Int32Array.from([0, 0, 2]),
      rhs: Int32Array.from([4, 0, 6]),
      size: 3,
    };
    const loss = await step.computeGradients(batch, new Rng(1));
    expect(Number.isFinite(loss)).toBe(true);
    // Relation 1 (follow) is absent: its operator row gets no gradient slot.
    expect(
      Array.from(step.relationGrads.rowIds.subarray(0, step.relationGrads.count)).sort(),
    ).toEqual([0, 2]);
    expect(model.relations[1]!.name).toBe("follow");
  });

  it("in_batch_negatives = 0 with no global negatives is a positive-only loss, not a division by zero", async () => {
    const { step, batch } = setup({ inBatch: 0, global: 0 });
    expect(Number.isFinite(await step.computeGradients(batch, new Rng(1)))).toBe(true);
  });
});
