import * as tf from "@tensorflow/tfjs-core";
import { setupWebGpuTestBackend, valuesOn } from "@tml/engine/testing";
import { describe, expect, it } from "vitest";
import { multiTaskBceWithLogits } from "./losses/multi-task-bce.js";
import { DenseOptimizer } from "./optim/dense-optimizer.js";

// The training-package computations that once read a value back synchronously (the clipping norm,
// the median task) on tfjs's webgpu backend (Mesa's lavapipe in CI), which has no synchronous read
// in Node, against the cpu backend. Skipped, with a notice, where Dawn finds no adapter.
const adapter = await setupWebGpuTestBackend();

function fixed(shape: number[], offset: number): tf.Tensor {
  const size = shape.reduce((total, dim) => total * dim, 1);
  return tf.tensor(
    Float32Array.from({ length: size }, (_, index) => Math.sin(index * 1.3 + offset) * 2),
    shape,
  );
}

async function expectSameOnWebGpu(compute: () => tf.Tensor[], tolerance: number): Promise<void> {
  const expected = await valuesOn("cpu", compute);
  await tf.setBackend("webgpu");
  const before = tf.memory().numTensors;
  const actual = await valuesOn("webgpu", compute);
  expect(tf.memory().numTensors, "tensors leaked on webgpu").toBe(before);
  actual.forEach((values, output) => {
    const reference = expected[output]!;
    expect(values.length).toBe(reference.length);
    values.forEach((value, index) => {
      expect(Math.abs(value - reference[index]!), `output ${output}[${index}]`).toBeLessThan(
        tolerance * Math.max(1, Math.abs(reference[index]!)),
      );
    });
  });
}

describe.skipIf(adapter === undefined)(`training on webgpu (${adapter}) equals cpu`, () => {
  it("clips the global norm on the device", async () => {
    await expectSameOnWebGpu(() => {
      const variables = [[3, 4], [5]].map((shape, index) =>
        tf.tidy(() => tf.variable(fixed(shape, index), true, `clip_${tf.getBackend()}_${index}`)),
      );
      const optimizer = new DenseOptimizer({
        algorithm: { kind: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
        groups: [{ name: "all", variables, learningRate: { constant: 0.1 } }],
        clipGlobalNorm: 1,
      });
      for (let step = 0; step < 3; step++) {
        tf.tidy(() => {
          const gradients = new Map(
            variables.map((variable, index) => [
              variable.name,
              fixed(variable.shape, step + index),
            ]),
          );
          optimizer.step(gradients);
        });
      }
      const outputs = variables.map((variable) => tf.clone(variable));
      optimizer.dispose();
      tf.dispose(variables);
      return outputs;
    }, 1e-4);
  });

  it("reduces tasks by their median, value and gradient", async () => {
    const taskNames = ["a", "b", "c", "d", "e"];
    await expectSameOnWebGpu(
      () =>
        tf.tidy(() => {
          const labels = tf.tensor2d([1, 0, 1, 0, 1, 0, 0, 1, 1, 0], [2, 5]);
          const weights = tf.onesLike(labels) as tf.Tensor2D;
          const { value, grad } = tf.valueAndGrad(
            (logits: tf.Tensor) =>
              multiTaskBceWithLogits(logits as tf.Tensor2D, labels, weights, {
                taskNames,
                globalReduction: "median",
              }).loss,
          )(fixed([2, 5], 3));
          return [value, grad];
        }),
      1e-5,
    );
  });
});
