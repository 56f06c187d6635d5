import { Rng } from "@tml/core";
import { describe, expect, it } from "vitest";
import { EdgeBatches } from "../data/edge-batches.js";
import type { EdgeSet } from "../data/edge-set.js";
import { TwhinStep } from "../step/twhin-step.js";
import { TwhinTask } from "../task/twhin-task.js";
import { randomBatch, tinyConfig } from "../testing/tiny-graph.js";
import { TwhinModel } from "./twhin-model.js";

const softplus = (x: number) => Math.log1p(Math.exp(x));

/**
 * Two users, two tweets, one relation (fav: user → tweet), D = 2, B = 2 edges, N = 2 in-batch
 * negatives: each edge's negatives are both edges of its relation (a permutation of the group of 2),
 * so the loss does not depend on which permutation is drawn.
 */
function tinyExample(parity: "fixed" | "original") {
  const config = tinyConfig({
    dim: 2,
    tables: [
      { name: "user", rows: 2 },
      { name: "tweet", rows: 2 },
    ],
    relations: [{ name: "fav", lhs: "user", rhs: "tweet" }],
    batchSize: 2,
    inBatch: 2,
    model: { parity },
  });
  const model = new TwhinModel(config.model).initialize(0);
  model.tables[0]!.setFloat32(Float32Array.of(1, 0, 0, 1)); // u0 = (1, 0), u1 = (0, 1)
  model.tables[1]!.setFloat32(Float32Array.of(0.5, 0.5, 1, -1)); // t0 = (0.5, 0.5), t1 = (1, −1)
  model.relationParams.set([0.2, 0.4]); // w_fav
  const batch = {
    lhs: Int32Array.of(0, 1),
    rel: Int32Array.of(0, 0),
    rhs: Int32Array.of(0, 1),
    size: 2,
  };
  return { config, model, batch };
}

describe("parity: original reproduces projects/twhin/models/models.py", () => {
  it("loss equals the closed form: B positives <e_lhs, e_rhs + w_r> and 2BN plain-dot negatives, all labelled 1, negatives weighing 1/(2N), mean over B + 2BN", async () => {
    const { config, model, batch } = tinyExample("original");
    const step = TwhinStep.create(model, config);
    const loss = await step.computeGradients(batch, new Rng(1));
    // Positives: <u0, t0 + w> = (1, 0)·(0.7, 0.9) = 0.7; <u1, t1 + w> = (0, 1)·(1.2, −0.6) = −0.6.
    // Negatives (no translation): u_i·t_j for every pair, once per direction:
    // {0.5, 1, 0.5, −1} twice. Label 1: each term is softplus(−x).
    const positives = softplus(-0.7) + softplus(0.6);
    const negatives = 2 * (2 * softplus(-0.5) + softplus(-1) + softplus(1));
    const expected = (positives + negatives / 4) / (2 + 8);
    expect(expected).toBeCloseTo(0.2728013, 6);
    expect(loss).toBeCloseTo(expected, 6);
    // The translation is read detached: no operator row gets a gradient.
    expect(step.relationGrads.count).toBe(0);
  });

  it("the fixed model on the same example: translated query, negatives labelled 0, both directions ranked", async () => {
    const { config, model, batch } = tinyExample("fixed");
    const loss = await TwhinStep.create(model, config).computeGradients(batch, new Rng(1));
    // Translated queries u_i + w: (1.2, 0.4), (0.2, 1.4). Positives, each in both directions:
    // (1.2, 0.4)·t0 = 0.8; (0.2, 1.4)·t1 = −1.2. Tail negatives (u_i + w)·t_j: 0.8, 0.8, 0.8, −1.2;
    // head negatives t_i·(u_j + w): 0.8, 0.8, 0.8, −1.2 (the same pairs). 2B = 4 positives,
    // 2BN = 8 negatives weighing 4/8, mean over 12.
    const positives = 2 * (softplus(-0.8) + softplus(1.2));
    const negatives = 2 * (3 * softplus(0.8) + softplus(-1.2));
    expect(loss).toBeCloseTo((positives + negatives / 2) / 12, 6);
  });

  it("relation vectors never change under original parity (they train under fixed)", async () => {
    for (const parity of ["original", "fixed"] as const) {
      const config = tinyConfig({ model: { parity }, optimizer: { adagrad: { lr: 0.1 } } });
      const model = new TwhinModel(config.model).initialize(4);
      const edges: EdgeSet = randomBatch(config, 64, 9);
      const batches = new EdgeBatches(edges, config.train_data.per_replica_batch_size, 1);
      const task = new TwhinTask({ model, config, batches });
      const relations = Float32Array.from(model.relationParams);
      const users = Float32Array.from(model.tables[0]!.toFloat32());
      const rng = new Rng(3);
      for (let update = 0; update < 20; update++) await task.trainBatch(batches.next(), rng);
      expect(model.tables[0]!.toFloat32()).not.toEqual(users);
      if (parity === "original") expect(model.relationParams).toEqual(relations);
      else expect(model.relationParams).not.toEqual(relations);
    }
  });
});
