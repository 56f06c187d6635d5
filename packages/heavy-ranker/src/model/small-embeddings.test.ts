import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@tml/core";
import { registerGradients } from "@tml/engine";
import { setupTestBackend } from "@tml/engine/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { recapModelConfigSchema, smallEmbeddingsConfigSchema } from "../config/model-config.js";
import { recapOptimizerConfigSchema } from "../config/optimizer-config.js";
import type { RecapBatch } from "../features/recap-batch.js";
import { RecapTrainTask } from "../task/recap-train-task.js";
import { MultiTaskRankingModel } from "./ranking-model.js";
import { SmallEmbeddings } from "./small-embeddings.js";

beforeAll(async () => {
  await setupTestBackend();
  await registerGradients();
});

function embeddings(l2: number | undefined): SmallEmbeddings {
  const config = smallEmbeddingsConfigSchema.parse({
    tables: [
      { name: "a", num_embeddings: 2, embedding_dim: 2, index: 0 },
      { name: "b", num_embeddings: 1, embedding_dim: 1, index: 1 },
    ],
    ...(l2 === undefined ? {} : { l2_regularization: l2 }),
  });
  const module = new SmallEmbeddings(config, new Rng(1));
  const [a, b] = module.namedTensors();
  a?.variable.assign(tf.tensor2d([1, 2, 3, -1], [2, 2]));
  b?.variable.assign(tf.tensor2d([0.5], [1, 1]));
  return module;
}

describe("SmallEmbeddings init_stddev", () => {
  it("draws the tables from N(0, init_stddev²) (default 1/√dim)", () => {
    const spread = (init?: number) => {
      const config = smallEmbeddingsConfigSchema.parse({
        tables: [{ name: "t", num_embeddings: 4000, embedding_dim: 4, index: 0 }],
        ...(init === undefined ? {} : { init_stddev: init }),
      });
      const [table] = new SmallEmbeddings(config, new Rng(5)).namedTensors();
      const values = Array.from(table?.variable.dataSync() ?? []);
      const mean = values.reduce((sum, x) => sum + x, 0) / values.length;
      const variance = values.reduce((sum, x) => sum + (x - mean) ** 2, 0) / values.length;
      table?.variable.dispose();
      return Math.sqrt(variance);
    };
    // 16,000 draws: the sample spread is within 2% of the configured one.
    expect(spread(1e-4) / 1e-4).toBeCloseTo(1, 1);
    expect(spread() / 0.5).toBeCloseTo(1, 1);
  });
});

describe("SmallEmbeddings l2_regularization", () => {
  it("is off by default", () => {
    expect(embeddings(undefined).regularizationLoss()).toBeNull();
    expect(embeddings(0).regularizationLoss()).toBeNull();
  });

  it("adds (λ/2)·Σ‖W‖² with gradient λ·W (hand-computed)", () => {
    const module = embeddings(0.1);
    const variables = module.namedTensors().map(({ variable }) => variable);
    const { value, grads } = tf.variableGrads(
      () => module.regularizationLoss() as tf.Scalar,
      variables,
    );
    // Σ squares = 1 + 4 + 9 + 1 + 0.25 = 15.25; × 0.1 / 2 = 0.7625.
    expect(value.dataSync()[0]).toBeCloseTo(0.7625, 6);
    const [a, b] = variables;
    expect(Array.from(grads[a?.name ?? ""]?.dataSync() ?? [])).toEqual(
      [0.1, 0.2, 0.3, -0.1].map((x) => expect.closeTo(x, 6)),
    );
    expect(grads[b?.name ?? ""]?.dataSync()[0]).toBeCloseTo(0.05, 6);
  });

  it("its gradient matches central finite differences", () => {
    const module = embeddings(0.1);
    const variables = module.namedTensors().map(({ variable }) => variable);
    const loss = () => {
      const value = module.regularizationLoss() as tf.Scalar;
      const number = value.dataSync()[0] as number;
      value.dispose();
      return number;
    };
    const { value, grads } = tf.variableGrads(
      () => module.regularizationLoss() as tf.Scalar,
      variables,
    );
    value.dispose();
    const step = 1e-2; // the loss is quadratic: central differences are exact up to rounding
    for (const variable of variables) {
      const analytic = Array.from(grads[variable.name]?.dataSync() ?? []);
      const start = Array.from(variable.dataSync());
      start.forEach((entry, index) => {
        const at = (x: number) => {
          const values = [...start];
          values[index] = x;
          tf.tidy(() => variable.assign(tf.tensor(values, variable.shape)));
          return loss();
        };
        const numeric = (at(entry + step) - at(entry - step)) / (2 * step);
        tf.tidy(() => variable.assign(tf.tensor(start, variable.shape)));
        expect(analytic[index]).toBeCloseTo(numeric, 3);
      });
    }
    for (const gradient of Object.values(grads)) gradient.dispose();
  });

  it("is part of RecapTrainTask's training loss", async () => {
    const rows = 4;
    const batch = (): RecapBatch => ({
      size: rows,
      continuous: tf.tensor2d([0.5, -1, 2, 0], [rows, 1]),
      binary: tf.zeros([rows, 0]) as tf.Tensor2D,
      discrete: tf.tensor2d([0, 1, 2, 1], [rows, 1], "int32"),
      labels: tf.tensor2d([1, 0, 1, 0], [rows, 1]),
      weights: tf.ones([rows, 1]) as tf.Tensor2D,
      taskNames: ["click"],
    });
    const losses = [];
    for (const l2 of [0, 0.2]) {
      const config = recapModelConfigSchema.parse({
        tasks: { click: { mlp_config: { layer_sizes: [1] } } },
        featurization_config: { log1p_abs_config: {}, feature_names_to_concat: [] },
        small_embeddings: {
          tables: [{ name: "id", num_embeddings: 3, embedding_dim: 2, index: 0 }],
          l2_regularization: l2,
        },
      });
      const model = new MultiTaskRankingModel({
        config,
        continuousWidth: 1,
        binaryWidth: 0,
        seed: 3,
      });
      const table = model.namedWeights().get("_small_embeddings.id.weight");
      if (!table) throw new Error("no small embedding table");
      const squares = tf.sum(tf.square(table)).dataSync()[0] as number;
      const optimizer = recapOptimizerConfigSchema.parse({
        adam: { beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7 },
        single_task_learning_rate: { constant: 1e-3 },
      });
      const task = new RecapTrainTask({
        model,
        config: { optimizer, training: { gradient_accumulation: null } as never },
      });
      const input = batch();
      const { loss } = await task.trainStep(input);
      for (const tensor of [input.continuous, input.binary, input.discrete, input.labels])
        tensor.dispose();
      input.weights.dispose();
      task.dispose();
      losses.push({ loss, squares });
    }
    const [plain, regularised] = losses;
    expect(regularised?.squares).toBeCloseTo(plain?.squares ?? Number.NaN, 6);
    expect(regularised?.loss).toBeCloseTo((plain?.loss ?? 0) + 0.1 * (plain?.squares ?? 0), 5);
  });
});
