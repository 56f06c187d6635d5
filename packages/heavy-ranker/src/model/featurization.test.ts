import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@tml/core";
import { registerGradients, signedLog1p } from "@tml/engine";
import { setupTestBackend } from "@tml/engine/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { featurizationConfigSchema } from "../config/model-config.js";
import { computeZScoreStatistics, Featurization } from "./featurization.js";
import {
  expectGradientsMatchFiniteDifferences,
  fixedTensor,
} from "./gradient-check.test-helper.js";

beforeAll(async () => {
  await setupTestBackend();
  await registerGradients();
});

const train = { training: true, rng: new Rng(1) } as const;
const evaluate = { training: false } as const;

describe("signedLog1p", () => {
  it("zeroes non-finite values and takes the signed log", () => {
    const y = signedLog1p(tf.tensor2d([[Number.NaN, Number.POSITIVE_INFINITY, -Math.E + 1, 0, 3]]));
    const expected = [0, 0, -1, 0, Math.log(4)];
    Array.from(y.dataSync()).forEach((value, index) => {
      expect(value).toBeCloseTo(expected[index] as number, 5);
    });
  });
});

describe("Featurization", () => {
  it("double_norm_log: BN (eval = identity at init), clamp, ⊕ binary, names", () => {
    const config = featurizationConfigSchema.parse({
      double_norm_log_config: {
        batch_norm_config: { affine: true, momentum: 0.01 },
        clip_magnitude: 1.0,
      },
    });
    const featurize = new Featurization(config, 2, 1);
    const y = featurize.apply(tf.tensor2d([[Math.E - 1, -1e6]]), tf.tensor2d([[1]]), evaluate);
    // eval BN: x / sqrt(1 + 1e-5); clamp to ±1
    expect(Array.from(y.dataSync()).map((v) => Number(v.toFixed(4)))).toEqual([1, -1, 1]);
    expect(featurize.namedTensors().map((t) => t.name)).toEqual([
      "_before_concat_layers.2.layer.weight",
      "_before_concat_layers.2.layer.bias",
      "_before_concat_layers.2.layer.running_mean",
      "_before_concat_layers.2.layer.running_var",
      "_before_concat_layers.2.layer.num_batches_tracked",
      "_before_concat_layers.3.min_value",
      "_before_concat_layers.3.max_value",
    ]);
  });

  it("double_norm_log gradients (BN + layer norm, train mode) match finite differences", () => {
    const config = featurizationConfigSchema.parse({
      double_norm_log_config: {
        batch_norm_config: { affine: true, momentum: 0.1 },
        clip_magnitude: 5,
        layer_norm_config: { epsilon: 1e-3 },
      },
    });
    const featurize = new Featurization(config, 3, 2);
    expect(featurize.outFeatures).toBe(5);
    expect(featurize.namedTensors().at(-1)?.name).toBe("layer_norm.layer.bias");
    const continuous = fixedTensor(6, 3, 0, 4);
    const binary = tf.tensor2d([1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 0, 1], [6, 2]);
    const params = featurize
      .namedTensors()
      .map((t) => t.variable)
      .filter((v) => v.trainable);
    const weights = fixedTensor(6, 5, 9);
    const before = tf.memory().numTensors;
    expectGradientsMatchFiniteDifferences(
      () => tf.tidy(() => tf.sum(tf.mul(featurize.apply(continuous, binary, train), weights))),
      params,
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it("log1p_abs and clip_log1p_abs; binary concat can be switched off", () => {
    const plain = new Featurization(
      featurizationConfigSchema.parse({ log1p_abs_config: {} }),
      1,
      1,
    );
    expect(
      Array.from(plain.apply(tf.tensor2d([[-3]]), tf.tensor2d([[1]]), evaluate).dataSync()),
    ).toEqual([-Math.fround(Math.log(4)), 1]);
    const clipped = new Featurization(
      featurizationConfigSchema.parse({
        clip_log1p_abs_config: { clip_magnitude: 1 },
        feature_names_to_concat: [],
      }),
      1,
      1,
    );
    expect(
      Array.from(clipped.apply(tf.tensor2d([[-3]]), tf.tensor2d([[1]]), evaluate).dataSync()),
    ).toEqual([-1]);
  });

  it("z_score_log standardises with statistics computed from data", () => {
    const values = new Float32Array([0, 1, Math.E - 1, 3, Number.NaN, 7]); // 3 rows x 2 cols
    const statistics = computeZScoreStatistics(values, 3, 2);
    // column 0: signed logs [0, 1, 0] → mean 1/3, std sqrt(2/9)
    expect(statistics.mean[0]).toBeCloseTo(1 / 3, 6);
    expect(statistics.std[0]).toBeCloseTo(Math.sqrt(2 / 9), 6);
    const config = featurizationConfigSchema.parse({
      z_score_log_config: { analysis_path: "stats.json" },
    });
    const featurize = new Featurization(config, 2, 0, statistics);
    const y = featurize.apply(
      tf.tensor2d(values, [3, 2]),
      tf.zeros([3, 0]) as tf.Tensor2D,
      evaluate,
    );
    const column = [0, 2, 4].map((index) => y.dataSync()[index] as number);
    expect(column.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 5);
    expect(column[1]).toBeCloseTo((1 - 1 / 3) / Math.sqrt(2 / 9), 4);
    expect(() => new Featurization(config, 3, 0, statistics)).toThrow(/statistics of length 3/);
  });
});
