import * as tf from "@tensorflow/tfjs-core";
import { parseConfig } from "@tml/core";
import { setupTestBackend } from "@tml/engine/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { createDenseOptimizer } from "./create-optimizer.js";
import {
  learningRateFromConfig,
  optimizerAlgorithmFromConfig,
  optimizerConfigSchema,
} from "./optimizer-config.js";

describe("createDenseOptimizer", () => {
  beforeAll(setupTestBackend);

  it("builds SGD at the config's constant rate for every group", () => {
    const config = parseConfig(optimizerConfigSchema, { sgd: { lr: 0.05, momentum: 0 } });
    const weights = tf.tidy(() => tf.variable(tf.ones([2]), true, "translation_test"));
    const optimizer = createDenseOptimizer(config, { operator_opt: [weights] });
    expect(optimizer.algorithm).toEqual({ kind: "sgd", momentum: 0 });
    const gradient = tf.tensor1d([1, -2]);
    const result = optimizer.step({ [weights.name]: gradient });
    expect(result.learningRates).toEqual({ operator_opt: 0.05 });
    expect([...weights.dataSync()].map((x) => +x.toFixed(6))).toEqual([0.95, 1.1]);
    tf.dispose([gradient, weights]);
    optimizer.dispose();
  });
});

describe("optimizerConfigSchema", () => {
  it("fills the original's defaults", () => {
    const adam = parseConfig(optimizerConfigSchema, { adam: { lr: 0.001 } });
    expect(optimizerAlgorithmFromConfig(adam)).toEqual({
      kind: "adam",
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-7,
    });
    const sgd = parseConfig(optimizerConfigSchema, { sgd: { lr: 0.05 } });
    expect(optimizerAlgorithmFromConfig(sgd)).toEqual({ kind: "sgd", momentum: 0 });
    const adagrad = parseConfig(optimizerConfigSchema, { adagrad: { lr: 0.1 } });
    expect(optimizerAlgorithmFromConfig(adagrad)).toEqual({ kind: "adagrad", epsilon: 0 });
  });

  it("uses the algorithm's lr as a constant schedule unless learning_rate is given", () => {
    const plain = parseConfig(optimizerConfigSchema, { sgd: { lr: 0.01 } });
    expect(learningRateFromConfig(plain)).toEqual({ constant: 0.01 });
    const scheduled = parseConfig(optimizerConfigSchema, {
      sgd: { lr: 0.01 },
      learning_rate: { constant: 0.005 },
    });
    expect(learningRateFromConfig(scheduled).constant).toBe(0.005);
  });

  it("requires exactly one algorithm and known keys", () => {
    expect(() => parseConfig(optimizerConfigSchema, {})).toThrow(/Exactly one of adam, sgd/);
    expect(() => parseConfig(optimizerConfigSchema, { adam: { lr: 1 }, sgd: { lr: 1 } })).toThrow(
      /got adam and sgd/,
    );
    expect(() => parseConfig(optimizerConfigSchema, { sgd: { lr: 1, nesterov: true } })).toThrow(
      /sgd.nesterov: unknown key/,
    );
    expect(() => parseConfig(optimizerConfigSchema, { adam: { lr: 1, betas: [0.9, 1] } })).toThrow(
      /adam.betas/,
    );
  });
});
