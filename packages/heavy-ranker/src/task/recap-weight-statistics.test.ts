import * as tf from "@tensorflow/tfjs-core";
import { setupTestBackend } from "@tml/engine/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { recapModelConfigSchema } from "../config/model-config.js";
import { recapOptimizerConfigSchema } from "../config/optimizer-config.js";
import { MultiTaskRankingModel } from "../model/ranking-model.js";
import { RecapTrainTask } from "./recap-train-task.js";

beforeAll(setupTestBackend);

describe("RecapTrainTask.weightStatistics", () => {
  it("logs every trainable weight's norm and each small table's row norms", async () => {
    const config = recapModelConfigSchema.parse({
      tasks: { click: { mlp_config: { layer_sizes: [1] } } },
      featurization_config: { log1p_abs_config: {}, feature_names_to_concat: [] },
      small_embeddings: {
        tables: [{ name: "id", num_embeddings: 3, embedding_dim: 2, index: 0 }],
      },
    });
    const model = new MultiTaskRankingModel({
      config,
      continuousWidth: 1,
      binaryWidth: 0,
      seed: 3,
    });
    const task = new RecapTrainTask({
      model,
      config: {
        optimizer: recapOptimizerConfigSchema.parse({
          adam: { beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7 },
          single_task_learning_rate: { constant: 1e-3 },
        }),
        training: { gradient_accumulation: null } as never,
      },
    });
    try {
      // Rows (3, 4), (0, 1), (0, 0): row norms 5, 1, 0; the table's norm √26.
      const table = model.namedWeights().get("_small_embeddings.id.weight")!;
      table.assign(tf.tensor2d([3, 4, 0, 1, 0, 0], [3, 2]));
      const before = tf.memory().numTensors;
      const statistics = await task.weightStatistics();
      expect(tf.memory().numTensors).toBe(before);
      expect(statistics["model/norm/_small_embeddings.id.weight"]).toBeCloseTo(Math.sqrt(26), 5);
      expect(statistics["model/mean_row_norm/_small_embeddings.id.weight"]).toBeCloseTo(2, 5);
      expect(statistics["model/max_row_norm/_small_embeddings.id.weight"]).toBeCloseTo(5, 5);
      const trainable = [...model.namedWeights()].filter(([, variable]) => variable.trainable);
      expect(Object.keys(statistics)).toHaveLength(trainable.length + 2);
      for (const [key, variable] of trainable) {
        const norm = tf.tidy(() => tf.norm(variable).dataSync()[0] as number);
        expect(statistics[`model/norm/${key}`]).toBeCloseTo(norm, 5);
      }
    } finally {
      task.dispose();
      model.dispose();
    }
  });
});
