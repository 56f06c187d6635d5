import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@tml/core";
import { registerGradients } from "@tml/engine";
import { setupTestBackend } from "@tml/engine/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { loadRecapConfig } from "../config/load-recap-config.js";
import { recapModelConfigSchema } from "../config/model-config.js";
import { buildRankingModel, truncatedWidths } from "./build-model.js";
import { calibrateProbabilities } from "./calibration.js";
import {
  expectGradientsMatchFiniteDifferences,
  fixedTensor,
  randomizeVariables,
} from "./gradient-check.test-helper.js";
import { MultiTaskRankingModel } from "./ranking-model.js";

beforeAll(async () => {
  await setupTestBackend();
  await registerGradients();
});

const configs = fileURLToPath(new URL("../../configs/", import.meta.url));

describe("local_prod model (projects/home/recap/model/entrypoint.py)", () => {
  it("has 48,115,108 trainable parameters and the original's state_dict keys", () => {
    const config = loadRecapConfig(`${configs}local_prod.yaml`, { env: { HOME: "/home/u" } });
    const { continuousWidth, binaryWidth } = truncatedWidths(config);
    expect([continuousWidth, binaryWidth]).toEqual([2117, 59]);
    const model = buildRankingModel(config, { continuousWidth: 2117, binaryWidth: 59 });
    try {
      expect(model.inputWidth).toBe(2776);
      expect(model.parameterCount()).toBe(48_115_108);
      const named = model.namedWeights();
      const keys = [...named.keys()];
      expect(keys).toHaveLength(179);
      const buffers = [...named.values()].filter((v) => !v.trainable);
      expect(buffers).toHaveLength(75);
      expect(buffers.reduce((total, v) => total + v.size, 0)).toBe(11_947);
      const shape = (key: string) => named.get(key)?.shape;
      expect(shape("_preprocessor._before_concat_layers.2.layer.running_var")).toEqual([2117]);
      expect(shape("_preprocessor._before_concat_layers.3.min_value")).toEqual([]);
      expect(named.get("_preprocessor._before_concat_layers.3.max_value")?.dataSync()[0]).toBe(5);
      expect(shape("_preprocessor.layer_norm.layer.weight")).toEqual([2176]);
      expect(shape("_user_eng_embedding_layer_norm.bias")).toEqual([200]);
      expect(shape("_backbone._mask_blocks.3._mask_layer.0.weight")).toEqual([1024, 2776]);
      expect(shape("_backbone._mask_blocks.0._mask_layer.2.weight")).toEqual([2776, 1024]);
      expect(shape("_backbone._dense_layers.layers.0.weight")).toEqual([2048, 4096]);
      expect(shape("_towers.recap__engagement__is_favorited.layers.6.weight")).toEqual([1, 128]);
      expect(
        shape("_towers.recap__engagement__is_negative_feedback_v2.layers.5.running_mean"),
      ).toEqual([128]);
      expect(shape("_towers.recap__engagement__is_report_tweet_clicked.layers.8.weight")).toEqual([
        1, 128,
      ]);
      expect(
        named.get("_towers.recap__engagement__is_favorited.layers.1.num_batches_tracked")?.dtype,
      ).toBe("int32");
      expect(keys.at(-1)).toBe("_calibrators.recap__engagement__is_video_playback_50.ratio");
      expect(keys.some((key) => key.startsWith("_affine_maps"))).toBe(false);
    } finally {
      model.dispose();
    }
  });
});

describe("calibration", () => {
  it("multiplies the odds by neg_rate / pos_rate (numeric_calibration.py)", () => {
    const ratio = 0.01 / 0.8387;
    const calibrated = calibrateProbabilities(tf.tensor2d([[0.5]]), tf.tensor1d([ratio]));
    expect(calibrated.dataSync()[0]).toBeCloseTo(0.011783, 5);
  });
});

describe("MultiTaskRankingModel (tiny)", () => {
  const features = (rows: number) => ({
    continuous: fixedTensor(rows, 3, 0, 10),
    binary: tf.tensor2d(
      Array.from({ length: rows * 2 }, (_, i) => i % 2),
      [rows, 2],
    ),
    discrete: tf.tensor2d(
      Array.from({ length: rows * 2 }, (_, i) => i % 5),
      [rows, 2],
      "int32",
    ),
    userEmbedding: fixedTensor(rows, 4, 3),
  });
  const tower = {
    mlp_config: { layer_sizes: [3, 1], batch_norm: { affine: false } },
    affine_map: { scale: 2, bias: 0.5 },
  };

  for (const multiTaskType of ["share_all", "share_partial", "share_none"] as const) {
    it(`${multiTaskType}: outputs [B, T], calibrates, and its gradients match finite differences`, () => {
      const config = recapModelConfigSchema.parse({
        tasks: {
          "a.x": tower,
          b: {
            mask_net_config: {
              mask_blocks: [{ output_size: 2, aggregation_size: 2, input_layer_norm: true }],
              mlp: { layer_sizes: [1] },
            },
          },
        },
        multi_task_type: multiTaskType,
        ...(multiTaskType === "share_none"
          ? {}
          : {
              backbone: {
                dcn_config: {
                  poly_degree: 1,
                  projection_dim: 2,
                  parallel_mlp: { layer_sizes: [3] },
                },
              },
            }),
        featurization_config: {
          double_norm_log_config: {
            batch_norm_config: { momentum: 0.1 },
            layer_norm_config: { epsilon: 1e-3 },
          },
        },
        small_embeddings: {
          tables: [{ name: "d0", num_embeddings: 5, embedding_dim: 2, index: 1 }],
        },
        position_debias_config: {
          max_position: 4,
          num_dims: 2,
          position_feature_index: 0,
          drop_probability: 0,
        },
      });
      const model = new MultiTaskRankingModel({
        config,
        continuousWidth: 3,
        binaryWidth: 2,
        embeddingNames: ["user_embedding"],
        embeddingWidth: 4,
        calibrationRatios: { b: 0.25 },
        seed: 1,
      });
      try {
        expect(model.inputWidth).toBe(5 + 4 + 2 + 2);
        const keys = [...model.namedWeights().keys()];
        expect(keys).toContain("_affine_maps.a__x.weight");
        expect(keys).toContain("_small_embeddings.d0.weight");
        expect(keys).toContain("_towers.b._mask_blocks.0._input_layer_norm.weight");
        const batch = features(6);
        const out = model.apply(batch, { training: false });
        expect(out.logits.shape).toEqual([6, 2]);
        const p = out.probabilities.arraySync() as number[][];
        const pCal = out.calibratedProbabilities.arraySync() as number[][];
        const row = p[0] as number[];
        expect(pCal[0]?.[0]).toBeCloseTo(row[0] as number, 6);
        expect(pCal[0]?.[1]).toBeCloseTo(
          (0.25 * (row[1] as number)) / (1 - (row[1] as number) + 0.25 * (row[1] as number)),
          6,
        );
        // Calibration reads the `_calibrators.<task>.ratio` buffer, so loaded weights take effect.
        model.namedWeights().get("_calibrators.b.ratio")!.assign(tf.scalar(4));
        const reloaded = model.apply(batch, { training: false });
        const q = (reloaded.probabilities.arraySync() as number[][])[0]![1]!;
        expect((reloaded.calibratedProbabilities.arraySync() as number[][])[0]![1]).toBeCloseTo(
          (4 * q) / (1 - q + 4 * q),
          6,
        );
        tf.dispose([reloaded.logits, reloaded.probabilities, reloaded.calibratedProbabilities]);
        randomizeVariables(model.trainableVariables(), 0.4);
        const rng = new Rng(3);
        const weights = fixedTensor(6, 2, 11);
        const before = tf.memory().numTensors;
        expectGradientsMatchFiniteDifferences(
          () =>
            tf.tidy(() =>
              tf.sum(tf.mul(model.apply(batch, { training: true, rng }).logits, weights)),
            ),
          model.trainableVariables(),
          { step: 3e-3, samples: 2, tolerance: 3e-2 },
        );
        expect(tf.memory().numTensors).toBe(before);
      } finally {
        model.dispose();
      }
    });
  }
});
