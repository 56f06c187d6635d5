import * as tf from "@tensorflow/tfjs-core";
import { Rng, setFlag, silentLogger } from "@tml/core";
import { registerGradients, selectEngine } from "@tml/engine";
import { setupTestBackend } from "@tml/engine/testing";
import { multiTaskBceWithLogits } from "@tml/training";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { fixedTensor } from "./gradient-check.test-helper.js";
import { buildLocalSmall } from "./local-small.test-helper.js";
import type { MultiTaskRankingModel } from "./ranking-model.js";

afterEach(() => {
  setFlag("TML_FUSED_OPS", true);
});

function batch(rows: number) {
  return {
    continuous: fixedTensor(rows, 64, 1, 20),
    binary: tf.tidy(
      () => tf.cast(tf.greater(fixedTensor(rows, 59, 2), 0.3), "float32") as tf.Tensor2D,
    ),
    discrete: tf.zeros([rows, 1], "int32") as tf.Tensor2D,
    userEmbedding: fixedTensor(rows, 200, 3),
    userEngEmbedding: fixedTensor(rows, 200, 4),
    authorEmbedding: fixedTensor(rows, 200, 5),
  };
}

// One training-mode forward and backward: outputs, loss gradients and the buffers after it.
function step(model: MultiTaskRankingModel, fused: boolean) {
  setFlag("TML_FUSED_OPS", fused);
  const features = batch(16);
  const taskNames = model.taskNames;
  const labels = tf.tidy(() =>
    tf.cast(tf.greater(fixedTensor(16, taskNames.length, 6), 0), "float32"),
  );
  const weights = tf.onesLike(labels);
  let logits: tf.Tensor | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const outputs = model.apply(features, { training: true, rng: new Rng(9) });
    logits = tf.keep(outputs.logits);
    return multiTaskBceWithLogits(outputs.logits, labels as tf.Tensor2D, weights as tf.Tensor2D, {
      taskNames,
    }).loss;
  }, model.trainableVariables());
  const evalLogits = tf.tidy(() => model.apply(features, { training: false }).logits.dataSync());
  const buffers = new Map<string, Float32Array>();
  for (const [name, variable] of model.namedWeights())
    if (!variable.trainable) buffers.set(name, variable.dataSync() as Float32Array);
  const result = {
    loss: value.dataSync()[0] as number,
    logits: logits?.dataSync() as Float32Array,
    evalLogits: evalLogits as Float32Array,
    grads: new Map(
      Object.entries(grads).map(([name, grad]) => [name, grad.dataSync() as Float32Array]),
    ),
    buffers,
  };
  tf.dispose([value, logits as tf.Tensor, labels, weights, ...Object.values(grads)]);
  tf.dispose(Object.values(features));
  return result;
}

function expectClose(
  actual: Float32Array,
  expected: Float32Array,
  tolerance: number,
  label: string,
) {
  expect(actual.length, label).toBe(expected.length);
  let scale = 0;
  for (const value of expected) scale = Math.max(scale, Math.abs(value));
  if (scale < 1e-4) {
    // A bias in front of a batch norm has a zero gradient: both paths give rounding noise.
    for (const value of actual) expect(Math.abs(value), label).toBeLessThan(1e-4);
    return;
  }
  for (let index = 0; index < actual.length; index++)
    expect(Math.abs(actual[index]! - expected[index]!) / scale, `${label}[${index}]`).toBeLessThan(
      tolerance,
    );
}

// The pure-JS cpu backend, and the default engine (wasm with onnxruntime products and SIMD loops).
const backends: [string, () => Promise<unknown>][] = [
  ["cpu", () => setupTestBackend()],
  ["default engine", () => selectEngine({ device: "auto", logger: silentLogger })],
];

describe.each(backends)(
  "fused kernels against the stock-op path (local_small architecture, %s)",
  (_, setup) => {
    beforeAll(async () => {
      await setup();
      await registerGradients();
    });

    it("give the same logits (train and eval mode), loss, gradients and running statistics", () => {
      const fusedModel = buildLocalSmall();
      const stockModel = buildLocalSmall();
      try {
        const before = tf.memory().numTensors;
        const fused = step(fusedModel, true);
        const stock = step(stockModel, false);
        expect(tf.memory().numTensors).toBe(before);
        expect(fused.loss).toBeCloseTo(stock.loss, 5);
        expectClose(fused.logits, stock.logits, 1e-4, "logits");
        expectClose(fused.evalLogits, stock.evalLogits, 1e-4, "eval-mode logits");
        const names = new Map(
          [...fusedModel.namedWeights()].map(([key, variable]) => [variable.name, key]),
        );
        const stockNames = new Map(
          [...stockModel.namedWeights()].map(([key, variable]) => [key, variable.name]),
        );
        expect(fused.grads.size).toBe(fusedModel.trainableVariables().length);
        for (const [variableName, gradient] of fused.grads) {
          const key = names.get(variableName) as string;
          const expected = stock.grads.get(stockNames.get(key) as string) as Float32Array;
          // 5e-4: bias gradients are column sums over the batch whose terms cancel, and the two
          // paths' products take different routes (platform BLAS, onnxruntime, XNNPACK), so their
          // summation orders differ; measured up to 2.2e-4 of a tensor's largest value.
          expectClose(gradient, expected, 5e-4, `grad ${key}`);
        }
        for (const [key, values] of fused.buffers)
          expectClose(values, stock.buffers.get(key) as Float32Array, 1e-5, key);
      } finally {
        fusedModel.dispose();
        stockModel.dispose();
      }
    });
  },
);
