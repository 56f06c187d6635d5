import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@tml/core";
import { registerGradients } from "@tml/engine";
import { setupTestBackend } from "@tml/engine/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { mlpConfigSchema } from "../config/model-config.js";
import { BatchNorm } from "./batch-norm.js";
import {
  expectGradientsMatchFiniteDifferences,
  fixedTensor,
  randomizeVariables,
} from "./gradient-check.test-helper.js";
import { LayerNorm } from "./layer-norm.js";
import { Linear } from "./linear.js";
import { Mlp } from "./mlp.js";

beforeAll(async () => {
  await setupTestBackend();
  await registerGradients();
});

const train = { training: true, rng: new Rng(1) } as const;
const evaluate = { training: false } as const;

/** Weighted sum of an output so the loss depends on every entry differently. */
function probe(output: tf.Tensor): tf.Scalar {
  const weights = fixedTensor(output.shape[0] as number, output.shape[1] as number, 7);
  return tf.sum(tf.mul(output, weights));
}

describe("Linear", () => {
  it("computes x · Wᵀ + b with torch layout and Xavier bounds", () => {
    const linear = new Linear(3, 2, new Rng(0));
    expect(linear.weight.shape).toEqual([2, 3]);
    const limit = Math.sqrt(6 / 5);
    for (const value of linear.weight.dataSync())
      expect(Math.abs(value)).toBeLessThanOrEqual(limit);
    linear.weight.assign(
      tf.tensor2d([
        [1, 2, 3],
        [4, 5, 6],
      ]),
    );
    linear.bias?.assign(tf.tensor1d([0.5, -1]));
    const y = linear.apply(tf.tensor2d([[1, 0, -1]]));
    expect(Array.from(y.dataSync())).toEqual([-1.5, -3]);
  });

  it("without bias: y = x · Wᵀ (ReLU optional) and no bias tensor", () => {
    const linear = new Linear(3, 2, new Rng(0), { bias: false });
    linear.weight.assign(
      tf.tensor2d([
        [1, 2, 3],
        [-4, 5, 6],
      ]),
    );
    expect(Array.from(linear.apply(tf.tensor2d([[1, 0, -1]])).dataSync())).toEqual([-2, -10]);
    expect(Array.from(linear.apply(tf.tensor2d([[1, 0, 1]]), "relu").dataSync())).toEqual([4, 2]);
    expect(linear.namedTensors().map((t) => t.name)).toEqual(["weight"]);
  });
});

describe("LayerNorm", () => {
  it("normalises rows (hand-worked) and checks gradients", () => {
    const norm = new LayerNorm(3, 0);
    const y = norm.apply(tf.tensor2d([[1, 2, 3]]));
    const expected = [-1, 0, 1].map((value) => value / Math.sqrt(2 / 3));
    Array.from(y.dataSync()).forEach((value, index) => {
      expect(value).toBeCloseTo(expected[index] as number, 5);
    });
    const x = fixedTensor(4, 5);
    const withEps = new LayerNorm(5, 1e-3);
    tf.tidy(() => withEps.weight?.assign(tf.reshape(fixedTensor(1, 5, 2), [5])));
    const before = tf.memory().numTensors;
    expectGradientsMatchFiniteDifferences(
      () => probe(withEps.apply(x)),
      withEps.namedTensors().map((t) => t.variable),
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("BatchNorm", () => {
  it("uses batch statistics in train mode and updates running ones as torch", () => {
    const norm = new BatchNorm(1, 0.1, true);
    const x = tf.tensor2d([[1], [3]]);
    const y = norm.apply(x, train);
    // mean 2, biased var 1 → (x − 2) / sqrt(1 + 1e-5)
    expect(y.dataSync()[0]).toBeCloseTo(-1 / Math.sqrt(1 + 1e-5), 5);
    expect(norm.runningMean.dataSync()[0]).toBeCloseTo(0.2, 6);
    // unbiased var 2: 0.9 · 1 + 0.1 · 2
    expect(norm.runningVar.dataSync()[0]).toBeCloseTo(1.1, 6);
    expect(norm.numBatchesTracked.dataSync()[0]).toBe(1);
    const evaluated = norm.apply(tf.tensor2d([[0.2]]), evaluate);
    expect(evaluated.dataSync()[0]).toBeCloseTo(0, 6);
  });

  it("has gradients matching finite differences (train mode)", () => {
    const norm = new BatchNorm(3, 0.1, true);
    tf.tidy(() => norm.weight?.assign(tf.tensor1d([0.5, 1.5, -1])));
    const x = fixedTensor(5, 3);
    const params = norm
      .namedTensors()
      .filter((t) => t.variable.trainable)
      .map((t) => t.variable);
    const before = tf.memory().numTensors;
    expectGradientsMatchFiniteDifferences(() => probe(norm.apply(x, train)), params);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("Mlp", () => {
  it("names layers by torch Sequential position with batch norm and dropout", () => {
    const config = mlpConfigSchema.parse({
      layer_sizes: [4, 3, 1],
      batch_norm: { affine: false, momentum: 0.1 },
      dropout: { rate: 0.1 },
    });
    const mlp = new Mlp(5, config, new Rng(0));
    expect(mlp.namedTensors().map((t) => t.name)).toEqual([
      "layers.0.weight",
      "layers.0.bias",
      "layers.1.running_mean",
      "layers.1.running_var",
      "layers.1.num_batches_tracked",
      "layers.4.weight",
      "layers.4.bias",
      "layers.5.running_mean",
      "layers.5.running_var",
      "layers.5.num_batches_tracked",
      "layers.8.weight",
      "layers.8.bias",
    ]);
  });

  it("has gradients matching finite differences and frees its tensors", () => {
    const config = mlpConfigSchema.parse({
      layer_sizes: [4, 2],
      batch_norm: { affine: true, momentum: 0.1 },
    });
    const mlp = new Mlp(3, config, new Rng(2));
    const x = fixedTensor(6, 3);
    const params = mlp
      .namedTensors()
      .filter((t) => t.variable.trainable)
      .map((t) => t.variable);
    const before = tf.memory().numTensors;
    expectGradientsMatchFiniteDifferences(
      () => tf.tidy(() => probe(mlp.apply(x, train).output)),
      params,
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it("output() (ReLU fused into the batch norm) equals apply().output, with gradients checked", () => {
    const config = mlpConfigSchema.parse({
      layer_sizes: [4, 4, 2],
      batch_norm: { affine: true, momentum: 0.1 },
    });
    const mlp = new Mlp(3, config, new Rng(4));
    randomizeVariables(
      mlp
        .namedTensors()
        .filter((t) => t.variable.trainable)
        .map((t) => t.variable),
    );
    const x = fixedTensor(6, 3);
    tf.tidy(() => {
      const fused = mlp.output(x, train).dataSync();
      const plain = mlp.apply(x, train).output.dataSync();
      fused.forEach((value, index) => {
        expect(value).toBeCloseTo(plain[index] as number, 5);
      });
    });
    const params = mlp
      .namedTensors()
      .filter((t) => t.variable.trainable)
      .map((t) => t.variable);
    expectGradientsMatchFiniteDifferences(() => tf.tidy(() => probe(mlp.output(x, train))), params);
  });
});
