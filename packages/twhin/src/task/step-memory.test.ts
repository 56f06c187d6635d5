import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@tml/core";
import { setupTestBackend } from "@tml/engine/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { createTfProducts } from "../model/dense-products.js";
import { TwhinModel } from "../model/twhin-model.js";
import { randomBatch, tinyConfig } from "../testing/tiny-graph.js";
import { TwhinTrainer } from "./twhin-trainer.js";

beforeAll(async () => {
  await setupTestBackend();
});

describe("training memory is flat over many steps", () => {
  it("no tfjs tensors left behind (shared negatives through tfjs), scratch views stay attached", () => {
    const config = tinyConfig({ dim: 16, inBatch: 4, global: 8, batchSize: 32 });
    const model = new TwhinModel(config.model).initialize(1);
    // minWork 0: every shared-negative block goes through tfjs.
    const trainer = new TwhinTrainer(model, config, createTfProducts(0));
    const rng = new Rng(2);
    const batch = randomBatch(config, 32, 3);
    trainer.trainBatch(batch, rng);
    const tensors = tf.memory().numTensors;
    const firstRows = trainer.step.tableRows[0]!;
    for (let step = 0; step < 200; step++) trainer.trainBatch(batch, rng);
    expect(tf.memory().numTensors).toBe(tensors);
    // A grown wasm memory would have detached every view (byteLength 0): it never grows.
    expect(firstRows.byteLength).toBeGreaterThan(0);
    expect(trainer.step.tableRows[0]).toBe(firstRows);
  });
});
