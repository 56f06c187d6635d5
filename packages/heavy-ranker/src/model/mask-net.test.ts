import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@tml/core";
import { registerGradients } from "@tml/engine";
import { setupTestBackend } from "@tml/engine/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { maskBlockConfigSchema, maskNetConfigSchema } from "../config/model-config.js";
import {
  expectGradientsMatchFiniteDifferences,
  fixedTensor,
  randomizeVariables,
} from "./gradient-check.test-helper.js";
import { MaskBlock } from "./mask-block.js";
import { MaskNet } from "./mask-net.js";

beforeAll(async () => {
  await setupTestBackend();
  await registerGradients();
});

const train = { training: true, rng: new Rng(1) } as const;
const evaluate = { training: false } as const;
const probe = (output: tf.Tensor2D) =>
  tf.sum(tf.mul(output, fixedTensor(output.shape[0], output.shape[1], 5)));
const trainable = (module: { namedTensors(): Array<{ variable: tf.Variable }> }) =>
  module
    .namedTensors()
    .map((t) => t.variable)
    .filter((v) => v.trainable);

/** A 2 → 2 block with hand-set weights (LayerNorm output [−1, 1] on z = [1, 2]) and `extensions`. */
function handBlock(extensions: Record<string, unknown>): MaskBlock {
  const config = maskBlockConfigSchema.parse({
    output_size: 2,
    aggregation_size: 1,
    input_layer_norm: false,
    ...extensions,
  });
  const block = new MaskBlock(config, 2, 2, new Rng(0));
  const tensors = new Map(block.namedTensors().map((t) => [t.name, t.variable]));
  tf.tidy(() => {
    tensors.get("_mask_layer.0.weight")?.assign(tf.tensor2d([[1, 1]]));
    tensors.get("_mask_layer.2.weight")?.assign(tf.tensor2d([[1], [2]]));
    tensors.get("_mask_layer.2.bias")?.assign(tf.tensor1d([0, 1]));
    tensors.get("_hidden_layer.weight")?.assign(tf.eye(2));
  });
  return block;
}

describe("MaskBlock", () => {
  it("matches a hand computation", () => {
    const block = handBlock({});
    // z = [1, 2]: relu(1 + 2) = 3 → mask [3, 7]; net ⊙ mask = [3, 14]; LN over 2 → [−1, 1]
    const out = block.apply(tf.tensor2d([[1, 2]]), tf.tensor2d([[1, 2]]), train);
    expect(out.dataSync()[0]).toBeCloseTo(-1, 3);
    expect(out.dataSync()[1]).toBeCloseTo(1, 3);
    expect(block.namedTensors().map((t) => t.name)).toEqual([
      "_mask_layer.0.weight",
      "_mask_layer.0.bias",
      "_mask_layer.2.weight",
      "_mask_layer.2.bias",
      "_hidden_layer.weight",
      "_hidden_layer.bias",
      "_layer_norm.weight",
      "_layer_norm.bias",
    ]);
  });

  it("uses reduction_factor and input layer norm; gradients match finite differences", () => {
    const config = maskBlockConfigSchema.parse({
      output_size: 3,
      reduction_factor: 0.5,
      input_layer_norm: true,
    });
    const block = new MaskBlock(config, 4, 4, new Rng(3));
    const shapes = Object.fromEntries(block.namedTensors().map((t) => [t.name, t.variable.shape]));
    expect(shapes["_mask_layer.0.weight"]).toEqual([2, 4]);
    expect(shapes["_input_layer_norm.weight"]).toEqual([4]);
    const x = fixedTensor(5, 4);
    randomizeVariables(trainable(block));
    const before = tf.memory().numTensors;
    expectGradientsMatchFiniteDifferences(
      () => tf.tidy(() => probe(block.apply(x, x, train))),
      trainable(block),
      { step: 3e-3 },
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("MaskBlock extensions (activation, dropout, hidden_bias)", () => {
  const rows = (count: number) => tf.tile(tf.tensor2d([[1, 2]]), [count, 1]) as tf.Tensor2D;

  it("relu zeroes the negative LayerNorm output; no hidden bias tensor with hidden_bias false", () => {
    const block = handBlock({ activation: "relu", hidden_bias: false });
    const out = block.apply(rows(1), rows(1), evaluate);
    expect(out.dataSync()[0]).toBe(0); // LayerNorm gave −1
    expect(out.dataSync()[1]).toBeCloseTo(1, 3);
    expect(block.namedTensors().map((t) => t.name)).not.toContain("_hidden_layer.bias");
    expect(block.namedTensors().map((t) => t.name)).toContain("_hidden_layer.weight");
  });

  it("dropout acts in training only (inverted: kept values × 1 / (1 − rate))", () => {
    const block = handBlock({ activation: "relu", dropout: { rate: 0.5 } });
    const x = rows(400);
    const evaluated = block.apply(x, x, evaluate).arraySync();
    for (const row of evaluated) {
      expect(row[0]).toBe(0);
      expect(row[1]).toBeCloseTo(1, 3);
    }
    const trained = block.apply(x, x, { training: true, rng: new Rng(5) }).arraySync();
    const second = trained.map((row) => row[1] as number);
    const dropped = second.filter((value) => value === 0).length;
    for (const value of second) if (value !== 0) expect(value).toBeCloseTo(2, 3);
    expect(dropped).toBeGreaterThan(150); // ~200 of 400 at rate 0.5
    expect(dropped).toBeLessThan(250);
  });

  it("gradients match finite differences through relu, a fixed dropout mask, no hidden bias", () => {
    const config = maskBlockConfigSchema.parse({
      output_size: 3,
      reduction_factor: 0.5,
      input_layer_norm: true,
      activation: "relu",
      dropout: { rate: 0.3 },
      hidden_bias: false,
    });
    const block = new MaskBlock(config, 4, 4, new Rng(3));
    const x = fixedTensor(5, 4);
    randomizeVariables(trainable(block));
    const before = tf.memory().numTensors;
    expectGradientsMatchFiniteDifferences(
      // A fresh Rng per evaluation: the same dropout mask every time.
      () => tf.tidy(() => probe(block.apply(x, x, { training: true, rng: new Rng(8) }))),
      trainable(block),
      { step: 3e-3 },
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("MaskNet", () => {
  const block = { output_size: 3, aggregation_size: 2, input_layer_norm: false };
  it("parallel concatenates blocks then runs the MLP", () => {
    const config = maskNetConfigSchema.parse({
      use_parallel: true,
      mask_blocks: [block, block],
      mlp: { layer_sizes: [2], final_layer_activation: true },
    });
    const net = new MaskNet(config, 4, new Rng(0));
    expect(net.outFeatures).toBe(2);
    const out = net.apply(fixedTensor(3, 4), train);
    expect(out.sharedLayer.shape).toEqual([3, 6]);
    expect(out.output.shape).toEqual([3, 2]);
    expect(net.namedTensors().at(-1)?.name).toBe("_dense_layers.layers.0.bias");
  });

  it("serial with an MLP works (the original crashed) and has correct gradients", () => {
    const config = maskNetConfigSchema.parse({
      use_parallel: false,
      mask_blocks: [block, { ...block, output_size: 2 }],
      mlp: { layer_sizes: [3, 1] },
    });
    const net = new MaskNet(config, 4, new Rng(4));
    expect(net.outFeatures).toBe(1);
    const x = fixedTensor(6, 4);
    expect(net.apply(x, train).sharedLayer.shape).toEqual([6, 2]);
    randomizeVariables(trainable(net));
    const before = tf.memory().numTensors;
    expectGradientsMatchFiniteDifferences(
      () => tf.tidy(() => probe(net.apply(x, train).output)),
      trainable(net),
      {
        step: 3e-3,
        samples: 3,
      },
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});
