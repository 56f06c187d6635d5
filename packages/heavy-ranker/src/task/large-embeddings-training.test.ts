import * as tf from "@tensorflow/tfjs-core";
import { aurocMwu, Rng } from "@tml/core";
import { registerGradients } from "@tml/engine";
import { setupTestBackend } from "@tml/engine/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { recapModelConfigSchema } from "../config/model-config.js";
import { recapOptimizerConfigSchema } from "../config/optimizer-config.js";
import { disposeRecapBatch, type RecapBatch } from "../features/recap-batch.js";
import { MultiTaskRankingModel } from "../model/ranking-model.js";
import { RecapTrainTask } from "./recap-train-task.js";

beforeAll(async () => {
  await setupTestBackend();
  await registerGradients();
});

const USERS = 300;
const BATCH = 128;

/**
 * Rows whose label depends only on the user id: user u engages with probability 0.9 when
 * `likes[u]`, else 0.1. The continuous features are noise.
 */
function idOnlyBatch(rng: Rng, likes: readonly boolean[]): RecapBatch {
  const continuous = new Float32Array(BATCH * 3);
  const ids = new Int32Array(BATCH);
  const labels = new Float32Array(BATCH);
  for (let row = 0; row < BATCH; row++) {
    for (let col = 0; col < 3; col++) continuous[row * 3 + col] = rng.normal();
    const user = rng.int(USERS);
    ids[row] = user;
    labels[row] = rng.next() < (likes[user] ? 0.9 : 0.1) ? 1 : 0;
  }
  return {
    size: BATCH,
    continuous: tf.tensor2d(continuous, [BATCH, 3]),
    binary: tf.zeros([BATCH, 1]) as tf.Tensor2D,
    discrete: tf.zeros([BATCH, 1], "int32") as tf.Tensor2D,
    labels: tf.tensor2d(labels, [BATCH, 1]),
    weights: tf.ones([BATCH, 1]) as tf.Tensor2D,
    taskNames: ["t"],
    ids: { user_id: { values: ids, width: 1 } },
  };
}

const largeEmbeddings = {
  tables: [
    { name: "user_id", num_embeddings: 1000, embedding_dim: 8, feature_name: "meta__user_id" },
  ],
  optimizer: { init_learning_rate: 0.1, rowwise_adagrad: {} },
};

function newTask(
  config: ReturnType<typeof recapModelConfigSchema.parse>,
  training: object = { gradient_accumulation: null },
) {
  const model = new MultiTaskRankingModel({ config, continuousWidth: 3, binaryWidth: 1, seed: 3 });
  const optimizer = recapOptimizerConfigSchema.parse({
    adam: {},
    single_task_learning_rate: { constant: 0.01 },
  });
  return new RecapTrainTask({
    model,
    config: { optimizer, training: training as never },
    disposeBatches: true,
  });
}

/** Trains 120 steps and returns the AUROC on 8 fresh batches. */
async function trainAndScore(withTable: boolean): Promise<number> {
  const config = recapModelConfigSchema.parse({
    tasks: { t: { mlp_config: { layer_sizes: [8, 1] } } },
    ...(withTable ? { large_embeddings: largeEmbeddings } : {}),
  });
  const task = newTask(config);
  const model = task.model;
  const likesRng = new Rng(11);
  const likes = Array.from({ length: USERS }, () => likesRng.next() < 0.5);
  const rng = new Rng(12);
  for (let step = 0; step < 120; step++) await task.trainStep(idOnlyBatch(rng, likes));
  const metric = aurocMwu();
  let state = metric.init();
  for (let k = 0; k < 8; k++) {
    const batch = idOnlyBatch(rng, likes);
    const outputs = model.apply(batch, { training: false });
    state = metric.update(state, {
      predictions: outputs.probabilities.dataSync(),
      labels: batch.labels.dataSync(),
    });
    for (const tensor of Object.values(outputs)) tensor.dispose();
    disposeRecapBatch(batch);
  }
  task.dispose();
  model.dispose();
  return metric.compute(state);
}

describe("large embeddings in training", () => {
  it("learn a label that depends only on the user id (AUROC well above 0.5; ~0.5 without)", async () => {
    const before = tf.memory().numTensors;
    const withTable = await trainAndScore(true);
    const without = await trainAndScore(false);
    expect(withTable).toBeGreaterThan(0.75);
    expect(Math.abs(without - 0.5)).toBeLessThan(0.06);
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it("resume from a checkpoint state continues exactly (tables, accumulators, dense weights)", async () => {
    const config = recapModelConfigSchema.parse({
      tasks: { t: { mlp_config: { layer_sizes: [8, 1] } } },
      large_embeddings: largeEmbeddings,
    });
    const likes = Array.from({ length: USERS }, (_, user) => user % 3 === 0);
    const batchAt = (step: number) => idOnlyBatch(new Rng(100 + step), likes);
    const straight = newTask(config);
    const paused = newTask(config);
    for (let step = 0; step < 3; step++) {
      await straight.trainStep(batchAt(step));
      await paused.trainStep(batchAt(step));
    }
    const resumed = newTask(
      recapModelConfigSchema.parse({ ...config, large_embeddings: largeEmbeddings }),
    );
    const saved = await paused.getState();
    resumed.setState({ arrays: structuredClone(saved.arrays), json: structuredClone(saved.json) });
    for (let step = 3; step < 6; step++) {
      await straight.trainStep(batchAt(step));
      await resumed.trainStep(batchAt(step));
    }
    const a = await straight.getState();
    const b = await resumed.getState();
    expect(Object.keys(b.arrays).sort()).toEqual(Object.keys(a.arrays).sort());
    expect(Object.keys(a.arrays)).toContain(
      "model/large_embeddings.ebc.embedding_bags.user_id.weight",
    );
    expect(Object.keys(a.arrays)).toContain("large_embeddings_optimizer/user_id.accumulator");
    for (const [key, array] of Object.entries(a.arrays))
      expect(b.arrays[key]?.data, key).toEqual(array.data);
    for (const task of [straight, paused, resumed]) {
      task.dispose();
      task.model.dispose();
    }
  });

  it("accumulates the tables' gradients: intended at the window's end, original at once ÷ N", async () => {
    const config = recapModelConfigSchema.parse({
      tasks: { t: { mlp_config: { layer_sizes: [8, 1] } } },
      large_embeddings: { ...largeEmbeddings, optimizer: { init_learning_rate: 0.1 } },
    });
    const likes = Array.from({ length: USERS }, (_, user) => user % 3 === 0);
    const table = (task: RecapTrainTask) => task.model.largeEmbeddings?.tables[0]?.toFloat32();
    const plain = newTask(config);
    const before = table(plain)?.slice() ?? new Float32Array();
    await plain.trainStep(idOnlyBatch(new Rng(100), likes));
    const plainDelta = (table(plain) ?? before).map((value, i) => value - (before[i] as number));
    const intended = newTask(config, { gradient_accumulation: 2 });
    await intended.trainStep(idOnlyBatch(new Rng(100), likes));
    expect(table(intended)).toEqual(before);
    await intended.trainStep(idOnlyBatch(new Rng(101), likes));
    expect(table(intended)).not.toEqual(before);
    // SGD: the original's fused update at micro-batch 0 is lr · g ÷ N, the plain step's ÷ 2.
    const original = newTask(config, {
      gradient_accumulation: 2,
      gradient_accumulation_parity: "original",
    });
    await original.trainStep(idOnlyBatch(new Rng(100), likes));
    const originalDelta = (table(original) ?? before).map((v, i) => v - (before[i] as number));
    expect(plainDelta.some((value) => value !== 0)).toBe(true);
    for (let i = 0; i < before.length; i++)
      expect(originalDelta[i]).toBeCloseTo((plainDelta[i] as number) / 2, 7);
    for (const task of [plain, intended, original]) {
      task.dispose();
      task.model.dispose();
    }
  });

  for (const parity of ["intended", "original"] as const) {
    it(`resumes mid-window exactly under gradient accumulation (${parity})`, async () => {
      const config = recapModelConfigSchema.parse({
        tasks: { t: { mlp_config: { layer_sizes: [8, 1] } } },
        large_embeddings: largeEmbeddings,
      });
      const training = { gradient_accumulation: 3, gradient_accumulation_parity: parity };
      const likes = Array.from({ length: USERS }, (_, user) => user % 3 === 0);
      const batchAt = (step: number) => idOnlyBatch(new Rng(100 + step), likes);
      const straight = newTask(config, training);
      const paused = newTask(config, training);
      for (let step = 0; step < 4; step++) {
        await straight.trainStep(batchAt(step));
        await paused.trainStep(batchAt(step));
      }
      const saved = await paused.getState();
      if (parity === "intended")
        expect(saved.arrays["large_embeddings_accumulated/user_id.rows"]?.shape[0]).toBeGreaterThan(
          0,
        );
      const resumed = newTask(config, training);
      resumed.setState({
        arrays: structuredClone(saved.arrays),
        json: structuredClone(saved.json),
      });
      for (let step = 4; step < 6; step++) {
        await straight.trainStep(batchAt(step));
        await resumed.trainStep(batchAt(step));
      }
      const a = await straight.getState();
      const b = await resumed.getState();
      for (const [key, array] of Object.entries(a.arrays))
        expect(b.arrays[key]?.data, key).toEqual(array.data);
      const other = newTask(config, { gradient_accumulation: 2 });
      expect(() => other.setState(saved)).toThrow(/Cannot resume/);
      for (const task of [straight, paused, resumed, other]) {
        task.dispose();
        task.model.dispose();
      }
    });
  }

  it("logs the row norms of the tables named in tables_to_log", async () => {
    const config = recapModelConfigSchema.parse({
      tasks: { t: { mlp_config: { layer_sizes: [8, 1] } } },
      large_embeddings: { ...largeEmbeddings, tables_to_log: ["user_id"] },
    });
    const task = newTask(config);
    const table = task.model.largeEmbeddings?.tables[0];
    table?.assign(new Float32Array(1000 * 8).fill(0.5)); // every row norm √(8 · 0.25)
    const statistics = await task.weightStatistics();
    const key = "large_embeddings.ebc.embedding_bags.user_id.weight";
    expect(statistics[`model/mean_row_norm/${key}`]).toBeCloseTo(Math.sqrt(2), 6);
    expect(statistics[`model/max_row_norm/${key}`]).toBeCloseTo(Math.sqrt(2), 6);
    task.dispose();
    task.model.dispose();
  });
});
