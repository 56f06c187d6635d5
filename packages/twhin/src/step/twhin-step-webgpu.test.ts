import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@tml/core";
import { setupWebGpuTestBackend } from "@tml/engine/testing";
import { describe, expect, it } from "vitest";
import { FilterIndex } from "../eval/filter-index.js";
import { rankLinks } from "../eval/link-prediction.js";
import { TwhinModel } from "../model/twhin-model.js";
import { ModelOptimizers } from "../optim/model-optimizers.js";
import { randomBatch, tinyConfig } from "../testing/tiny-graph.js";
import { TwhinStep } from "./twhin-step.js";

// TwHIN's dense part on tfjs's webgpu backend (Mesa's lavapipe in CI): with webgpu active, the
// step sends its shared-negative score blocks (S = A Cᵀ and both gradients) to the GPU, and a few
// training steps give the losses, tables, operators and optimizer state of the cpu backend's run
// (where the same blocks run on the platform BLAS or the SIMD kernels). Skipped, with a notice,
// where Dawn finds no adapter.
const adapter = await setupWebGpuTestBackend();

const STEPS = 3;
// Blocks of up to 128 edges x 128 global negatives x 64 dims: above 2^18 multiply-adds, the size
// from which the step hands blocks to tfjs.
const config = tinyConfig({
  dim: 64,
  batchSize: 128,
  inBatch: 4,
  global: 128,
  tables: [
    { name: "user", rows: 300 },
    { name: "tweet", rows: 200 },
  ],
  model: { comparator: "cos" },
  optimizer: { adagrad: { lr: 0.1 } },
});

interface Trained {
  losses: number[];
  arrays: Float32Array[];
  products: number;
}

async function trainOn(backend: string): Promise<Trained> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const model = new TwhinModel(config.model).initialize(1);
  const step = TwhinStep.create(model, config);
  const optimizers = new ModelOptimizers(model, config);
  const rng = new Rng(2);
  const losses: number[] = [];
  let products = 0;
  for (let update = 1; update <= STEPS; update++) {
    const batch = randomBatch(config, 128, 10 + update);
    const profile = await tf.profile(async () => {
      losses.push(await step.computeGradients(batch, rng));
    });
    products += profile.kernels.filter((kernel) => kernel.name === "BatchMatMul").length;
    optimizers.apply(step.buffers, step.kernels, update);
  }
  expect(tf.memory().numTensors, `tensors left on ${backend}`).toBe(before);
  const state = [
    ...optimizers.tableOptimizers.flatMap((optimizer) => Object.values(optimizer.state())),
    ...Object.values(optimizers.relationOptimizer.state()),
  ];
  return {
    losses,
    arrays: [...model.tables.map((table) => table.toFloat32()), model.relationParams, ...state],
    products,
  };
}

describe.skipIf(adapter === undefined)(`TwHIN step on webgpu (${adapter})`, () => {
  it("trains like the cpu backend with its score blocks on the GPU", async () => {
    const cpu = await trainOn("cpu");
    const webgpu = await trainOn("webgpu");
    // Per step and direction, each table's block: scores and two gradients.
    expect(webgpu.products).toBeGreaterThanOrEqual(STEPS * 2 * 3);
    expect(cpu.products).toBe(0);
    for (const [index, loss] of cpu.losses.entries()) {
      expect(Math.abs(webgpu.losses[index]! - loss), `loss at step ${index}`).toBeLessThan(
        1e-5 * (1 + Math.abs(loss)),
      );
    }
    expect(webgpu.arrays.length).toBe(cpu.arrays.length);
    for (const [index, expected] of cpu.arrays.entries()) {
      const actual = webgpu.arrays[index]!;
      let worst = 0;
      for (let i = 0; i < expected.length; i++)
        worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / (1 + Math.abs(expected[i]!)));
      expect(worst, `array ${index}`).toBeLessThan(1e-5);
    }
  });

  it("ranks links with the candidate products on the GPU, read back asynchronously", async () => {
    const model = new TwhinModel(config.model).initialize(3);
    const edges = randomBatch(config, 40, 21);
    const filter = new FilterIndex(model.relations.length, [edges, randomBatch(config, 200, 22)]);
    // runtime null: the CandidateScorer path (tfjs products, which webgpu can only read async).
    const rank = async (backend: string) => {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      let products = 0;
      let result: Awaited<ReturnType<typeof rankLinks>> | undefined;
      const profile = await tf.profile(async () => {
        result = await rankLinks(model, edges, { filter, seed: 4 }, null);
      });
      products += profile.kernels.filter((kernel) => kernel.name === "BatchMatMul").length;
      expect(tf.memory().numTensors, `tensors left on ${backend}`).toBe(before);
      return { result: result!, products };
    };
    const cpu = await rank("cpu");
    const webgpu = await rank("webgpu");
    expect(cpu.products).toBe(0);
    expect(webgpu.products).toBeGreaterThan(0);
    expect(webgpu.result.both.count).toBe(cpu.result.both.count);
    expect(webgpu.result.both.mrr).toBeCloseTo(cpu.result.both.mrr, 6);
    expect(webgpu.result.both.mr).toBeCloseTo(cpu.result.both.mr, 4);
  });
});
