import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import type { TaskState } from "@tml/core";
import { setupWebGpuTestBackend } from "@tml/engine/testing";
import { describe, expect, it } from "vitest";
import { loadRecapConfig } from "../config/load-recap-config.js";
import { recapOptimizerConfigSchema } from "../config/optimizer-config.js";
import type { RecapBatch } from "../features/recap-batch.js";
import { fixedTensor } from "../model/gradient-check.test-helper.js";
import { buildLocalSmall } from "../model/local-small.test-helper.js";
import type { MultiTaskRankingModel } from "../model/ranking-model.js";
import { RecapTrainTask } from "./recap-train-task.js";

// The Heavy Ranker's training step, evaluation and checkpoint state on tfjs's webgpu backend
// (Mesa's lavapipe in CI) against the cpu backend: local_small's architecture (double-norm-log
// featurization, embedding layer norms, parallel MaskNet, batch-norm towers with dropout), Adam
// with per-group rates, a few steps. Skipped, with a notice, where Dawn finds no adapter.
const adapter = await setupWebGpuTestBackend();

const STEPS = 3;
const config = loadRecapConfig(
  fileURLToPath(new URL("../../configs/local_small.yaml", import.meta.url)),
  { env: { HOME: "/tmp" } },
);
// Constant rates (local_small ramps from 0, so its first steps would barely move a weight); an ε
// of 1e-3 keeps Adam's step of a bias feeding a batch norm (gradient 0 up to float noise, whose
// sign differs between backends) near zero instead of ±lr.
const optimizer = recapOptimizerConfigSchema.parse({
  adam: { beta_1: 0.9, beta_2: 0.999, epsilon: 1e-3 },
  multi_task_learning_rates: {
    backbone_learning_rate: { constant: 0.01 },
    tower_learning_rates: Object.fromEntries(
      Object.keys(config.model.tasks).map((task) => [task, { constant: 0.02 }]),
    ),
  },
});

/** A fixed batch of `rows` rows for local_small's inputs (64 continuous, 59 binary, embeddings). */
function batchOf(model: MultiTaskRankingModel, rows: number, seed: number): RecapBatch {
  const tasks = model.taskNames.length;
  const flags = (cols: number, offset: number, threshold: number) =>
    tf.tidy(() => tf.cast(tf.greater(fixedTensor(rows, cols, offset), threshold), "float32"));
  return {
    size: rows,
    continuous: fixedTensor(rows, 64, seed, 20),
    binary: flags(59, seed + 1, 0.3) as tf.Tensor2D,
    discrete: tf.zeros([rows, 1], "int32") as tf.Tensor2D,
    userEmbedding: fixedTensor(rows, 200, seed + 2),
    userEngEmbedding: fixedTensor(rows, 200, seed + 3),
    authorEmbedding: fixedTensor(rows, 200, seed + 4),
    labels: flags(tasks, seed + 5, 0) as tf.Tensor2D,
    weights: tf.ones([rows, tasks]) as tf.Tensor2D,
    taskNames: model.taskNames,
  };
}

interface Trained {
  losses: number[];
  metrics: Record<string, number>;
  state: TaskState;
}

async function trainOn(backend: string): Promise<Trained> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const model = buildLocalSmall();
  const task = new RecapTrainTask({
    model,
    config: { optimizer, training: { ...config.training, gradient_accumulation: null } },
    seed: 1,
    disposeBatches: true,
  });
  const losses: number[] = [];
  for (let step = 0; step < STEPS; step++) {
    losses.push((await task.trainStep(batchOf(model, 32, step))).loss);
  }
  const metrics = await task.evaluateOn([batchOf(model, 64, 99)]);
  const state = await task.getState();
  task.dispose();
  model.dispose();
  expect(tf.memory().numTensors, `tensors leaked on ${backend}`).toBe(before);
  return { losses, metrics, state };
}

function maxDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let worst = 0;
  for (let index = 0; index < expected.length; index++) {
    const scale = Math.max(1, Math.abs(expected[index]!));
    worst = Math.max(worst, Math.abs(actual[index]! - expected[index]!) / scale);
  }
  return worst;
}

describe.skipIf(adapter === undefined)(`Heavy Ranker on webgpu (${adapter})`, () => {
  it("trains, evaluates and saves state like the cpu backend", async () => {
    const cpu = await trainOn("cpu");
    const webgpu = await trainOn("webgpu");
    expect(maxDifference(webgpu.losses, cpu.losses)).toBeLessThan(1e-4);
    // The losses moved: the weights were updated between steps.
    expect(new Set(cpu.losses).size).toBe(STEPS);
    // Metrics over 64 rows (RCE in percent): close, not equal, after float32 differences.
    expect(Object.keys(webgpu.metrics)).toEqual(Object.keys(cpu.metrics));
    for (const [key, value] of Object.entries(cpu.metrics)) {
      expect(maxDifference([webgpu.metrics[key]!], [value]), key).toBeLessThan(1e-3);
    }
    expect(Object.keys(webgpu.state.arrays)).toEqual(Object.keys(cpu.state.arrays));
    for (const [key, array] of Object.entries(cpu.state.arrays)) {
      const actual = webgpu.state.arrays[key]!;
      expect(actual.shape, key).toEqual(array.shape);
      expect(maxDifference(actual.data, array.data), key).toBeLessThan(1e-4);
    }
    expect(webgpu.state.json).toEqual(cpu.state.json);
  });
});
