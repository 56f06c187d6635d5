import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@tml/core";
import { setupTestBackend } from "@tml/engine/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { kernelProducts, tfjsProducts } from "../kernels/dense-products.js";
import { createStepKernels } from "../kernels/simd-kernels.js";
import { TwhinModel } from "../model/twhin-model.js";
import { ModelOptimizers } from "../optim/model-optimizers.js";
import { randomBatch, tinyConfig } from "../testing/tiny-graph.js";
import { stepArenaFloats } from "./step-buffers.js";
import { stepSettings } from "./step-settings.js";
import { TwhinStep } from "./twhin-step.js";

beforeAll(async () => {
  await setupTestBackend();
});

describe("training memory is flat over many steps", () => {
  it("no tfjs tensors left behind (shared negatives through tfjs), scratch views stay attached", async () => {
    const config = tinyConfig({ dim: 16, inBatch: 4, global: 8, batchSize: 32 });
    const model = new TwhinModel(config.model).initialize(1);
    const settings = stepSettings(config);
    const kernels = createStepKernels(stepArenaFloats(model, settings));
    // minWork 0: every shared-negative block goes through tfjs.
    const step = new TwhinStep(model, settings, kernels, tfjsProducts(kernelProducts(kernels), 0));
    const optimizers = new ModelOptimizers(model, config);
    const rng = new Rng(2);
    const batch = randomBatch(config, 32, 3);
    const train = async (update: number) => {
      await step.computeGradients(batch, rng);
      optimizers.apply(step.buffers, kernels, update);
    };
    await train(1);
    const tensors = tf.memory().numTensors;
    const firstRows = step.buffers.tableRows[0]!;
    for (let update = 2; update <= 201; update++) await train(update);
    expect(tf.memory().numTensors).toBe(tensors);
    // A grown wasm memory would have detached every view (byteLength 0): it never grows.
    expect(firstRows.byteLength).toBeGreaterThan(0);
    expect(step.buffers.tableRows[0]).toBe(firstRows);
  });
});
