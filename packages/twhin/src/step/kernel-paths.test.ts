import { Rng } from "@tml/core";
import { describe, expect, it } from "vitest";
import { createStepKernels } from "../kernels/simd-kernels.js";
import { TwhinModel } from "../model/twhin-model.js";
import { ModelOptimizers } from "../optim/model-optimizers.js";
import { referenceKernels } from "../testing/reference-kernels.js";
import { randomBatch, type TinyConfigOptions, tinyConfig } from "../testing/tiny-graph.js";
import { stepArenaFloats } from "./step-buffers.js";
import { stepSettings } from "./step-settings.js";
import { TwhinStep } from "./twhin-step.js";

// Trains the same model on the same batches with the JS reference kernels and the SIMD kernels
// (production's): losses and trained weights (tables, operators, optimizer state) agree to float
// tolerance.
async function compareKernelPaths(options: TinyConfigOptions, steps = 3): Promise<void> {
  const config = tinyConfig(options);
  const run = async (kernelSet: "reference" | "simd") => {
    const model = new TwhinModel(config.model).initialize(3);
    for (const table of model.tables)
      for (let i = 0; i < table.stored.length; i++) table.stored[i]! *= 3;
    const settings = stepSettings(config);
    const kernels =
      kernelSet === "reference"
        ? referenceKernels()
        : createStepKernels(stepArenaFloats(model, settings));
    const step = new TwhinStep(model, settings, kernels);
    const optimizers = new ModelOptimizers(model, config);
    const rng = new Rng(5);
    const losses: number[] = [];
    for (let update = 1; update <= steps; update++) {
      const batch = randomBatch(config, config.train_data.per_replica_batch_size, 9 + update);
      losses.push(await step.computeGradients(batch, rng));
      optimizers.apply(step.buffers, step.kernels, update);
    }
    const state = optimizers.tableOptimizers.flatMap((o) => Object.values(o.state()));
    return { model, losses, state };
  };
  const reference = await run("reference");
  const simd = await run("simd");
  simd.losses.forEach((loss, step) => {
    expect(Math.abs(loss - reference.losses[step]!), `loss at step ${step}`).toBeLessThan(
      1e-5 * (1 + Math.abs(reference.losses[step]!)),
    );
  });
  const arrays = (r: typeof reference) => [
    ...r.model.tables.map((t) => t.stored),
    r.model.relationParams,
    ...r.state,
  ];
  const expected = arrays(reference);
  arrays(simd).forEach((actual, index) => {
    let worst = 0;
    for (let i = 0; i < actual.length; i++)
      worst = Math.max(worst, Math.abs(actual[i]! - expected[index]![i]!));
    expect(worst, `array ${index}`).toBeLessThan(2e-5);
  });
  // Training moved the weights, so the comparison is not between two untouched inits.
  const fresh = new TwhinModel(config.model).initialize(3);
  expect(simd.model.tables[0]!.stored[0]).not.toBe(3 * fresh.tables[0]!.stored[0]!);
}

describe("SIMD and reference kernels train the same model", () => {
  for (const operator of ["none", "translation", "diagonal", "complex_diagonal"] as const) {
    for (const comparator of ["dot", "cos", "l2"] as const) {
      it(`${operator} / ${comparator} / bce, in-batch + global negatives`, async () => {
        await compareKernelPaths({ operator, model: { comparator }, inBatch: 3, global: 4 });
      });
    }
  }
  for (const type of ["softmax", "margin"] as const) {
    for (const reciprocal of [false, true]) {
      it(`translation / dot / ${type}, reciprocal ${reciprocal}`, async () => {
        await compareKernelPaths({
          model: { loss: { type, margin: 1 }, reciprocal_relations: reciprocal },
          inBatch: 2,
          global: 5,
        });
      });
    }
  }
  it("parity original", async () => {
    await compareKernelPaths({ model: { parity: "original" }, inBatch: 3 });
  });
  it("reciprocal complex_diagonal, cosine, regularization, width 40 (SIMD main loops)", async () => {
    await compareKernelPaths({
      dim: 40,
      operator: "complex_diagonal",
      model: { comparator: "cos", reciprocal_relations: true, regularization: 0.1 },
      inBatch: 5,
      global: 3,
      batchSize: 24,
    });
  });
  const optimizers = {
    sgd: { sgd: { lr: 0.1 } },
    "sgd momentum": { sgd: { lr: 0.1, momentum: 0.9 } },
    "row-wise adagrad": { adagrad: { lr: 0.1, rowwise: true } },
    "element-wise adagrad": { adagrad: { lr: 0.1 } },
    adam: { adam: { lr: 0.01 } },
  };
  for (const [name, optimizer] of Object.entries(optimizers)) {
    it(`${name}, width 200 and batch 64 (the bench shape, small tables)`, async () => {
      await compareKernelPaths({ dim: 200, optimizer, inBatch: 10, batchSize: 64 }, 4);
    });
  }
});
