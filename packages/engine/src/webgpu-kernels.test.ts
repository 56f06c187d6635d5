import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { meanBceWithLogits } from "./fused/bce-with-logits-mean.js";
import { dropoutWithDraws } from "./fused/dropout.js";
import { linear } from "./fused/linear.js";
import { multiply } from "./fused/multiply.js";
import {
  batchNormInference,
  batchNormTrain,
  layerNorm,
  runningMoments,
} from "./fused/normalize.js";
import { signedLog1p } from "./fused/signed-log.js";
import {
  accumulateGradients,
  applyOptimizerUpdate,
  globalNorm,
} from "./optimizer-update/optimizer-update.js";
import type { OptimizerAlgorithm } from "./optimizer-update/update-algorithm.js";
import { slotNamesOf } from "./optimizer-update/update-algorithm.js";
import { setupWebGpuTestBackend, valuesOn } from "./testing/webgpu-test-backend.js";

// Every engine op on tfjs's webgpu backend (Mesa's lavapipe in CI) against the cpu backend, where
// the op runs its own fused kernel: values and gradients agree and no tensor leaks.
const adapter = await setupWebGpuTestBackend();

function fixed(shape: number[], offset: number, scale = 1): tf.Tensor {
  const size = shape.reduce((total, dim) => total * dim, 1);
  const values = new Float32Array(size);
  for (let index = 0; index < size; index++)
    values[index] = Math.sin(index * 1.7 + offset * 3.1 + 0.3) * scale + offset * 0.1;
  return tf.tensor(values, shape);
}

// Runs `compute` on cpu and on webgpu and compares every output; checks webgpu leaks nothing.
async function expectSameOnWebGpu(
  label: string,
  compute: () => tf.Tensor[],
  tolerance = 2e-4,
): Promise<void> {
  const expected = await valuesOn("cpu", () => tf.tidy(compute));
  await tf.setBackend("webgpu");
  const before = tf.memory().numTensors;
  const actual = await valuesOn("webgpu", () => tf.tidy(compute));
  expect(tf.memory().numTensors, `${label}: tensors leaked on webgpu`).toBe(before);
  expect(actual.length, label).toBe(expected.length);
  for (const [output, values] of actual.entries()) {
    const reference = expected[output]!;
    expect(values.length, `${label} output ${output}`).toBe(reference.length);
    for (let index = 0; index < values.length; index++) {
      const scale = Math.max(1, Math.abs(reference[index]!));
      expect(
        Math.abs(values[index]! - reference[index]!) / scale,
        `${label} output ${output}[${index}]`,
      ).toBeLessThan(tolerance);
    }
  }
}

// The value of Σ f(inputs) ⊙ probe and its gradient with respect to every input.
function valueAndGradients(
  f: (...inputs: tf.Tensor[]) => tf.Tensor,
  inputs: tf.Tensor[],
): tf.Tensor[] {
  const { value, grads } = tf.valueAndGrads((...xs: tf.Tensor[]) => {
    const y = f(...xs);
    return tf.sum(tf.mul(y, fixed(y.shape, 9)));
  })(inputs);
  return [value, ...grads];
}

describe.skipIf(adapter === undefined)(`engine ops on webgpu (${adapter}) equal cpu`, () => {
  it("linear, with and without ReLU", async () => {
    for (const activation of ["linear", "relu"] as const) {
      await expectSameOnWebGpu(`linear ${activation}`, () =>
        valueAndGradients(
          (x, w, b) => linear(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D, activation),
          [fixed([6, 5], 1), fixed([4, 5], 2), fixed([4], 3)],
        ),
      );
    }
  });

  it("layerNorm, batchNormTrain (with ReLU and clip), batchNormInference, runningMoments", async () => {
    const options = (gamma: tf.Tensor, beta: tf.Tensor) => ({
      epsilon: 1e-3,
      gamma: gamma as tf.Tensor1D,
      beta: beta as tf.Tensor1D,
    });
    const inputs = () => [fixed([6, 5], 1, 2), fixed([5], 2), fixed([5], 3)];
    await expectSameOnWebGpu("layerNorm", () =>
      valueAndGradients((x, g, b) => layerNorm(x as tf.Tensor2D, options(g!, b!)), inputs()),
    );
    await expectSameOnWebGpu("batchNormTrain", () =>
      valueAndGradients(
        (x, g, b) =>
          batchNormTrain(x as tf.Tensor2D, { ...options(g!, b!), relu: true, clip: 1.5 }),
        inputs(),
      ),
    );
    await expectSameOnWebGpu("batchNormInference", () => {
      const statistics = {
        mean: fixed([5], 4) as tf.Tensor1D,
        variance: tf.add(tf.abs(fixed([5], 5)), 0.5) as tf.Tensor1D,
      };
      return valueAndGradients(
        (x, g, b) => batchNormInference(x as tf.Tensor2D, statistics, options(g!, b!)),
        inputs(),
      );
    });
    await expectSameOnWebGpu("runningMoments", () => {
      const running = {
        mean: fixed([5], 1) as tf.Tensor1D,
        variance: fixed([5], 2) as tf.Tensor1D,
      };
      const batch = { mean: fixed([5], 3) as tf.Tensor1D, variance: fixed([5], 4) as tf.Tensor1D };
      const next = runningMoments(running, batch, 0.9, 8);
      return [next.mean, next.variance];
    });
  });

  it("signedLog1p, dropoutWithDraws and multiply", async () => {
    await expectSameOnWebGpu("signedLog1p", () =>
      valueAndGradients((x) => signedLog1p(x!), [fixed([7, 3], 1, 4)]),
    );
    await expectSameOnWebGpu("dropoutWithDraws", () => {
      const uniform = tf.abs(fixed([7, 3], 2));
      return valueAndGradients((x) => dropoutWithDraws(x!, uniform, 0.3), [fixed([7, 3], 1)]);
    });
    await expectSameOnWebGpu("multiply", () =>
      valueAndGradients((a, b) => multiply(a!, b!), [fixed([7, 3], 1), fixed([7, 3], 2)]),
    );
  });

  it("meanBceWithLogits", async () => {
    await expectSameOnWebGpu("meanBceWithLogits", () => {
      const labels = tf.cast(tf.greater(fixed([8, 3], 2), 0), "float32") as tf.Tensor2D;
      const weights = tf.abs(fixed([8, 3], 3)) as tf.Tensor2D;
      return valueAndGradients(
        (logits) => meanBceWithLogits(logits as tf.Tensor2D, labels, weights, [1, 2.5, 0.5]),
        [fixed([8, 3], 1, 3)],
      );
    });
  });

  it("the optimizer update (Adam, SGD with momentum, Adagrad) with global-norm clipping, accumulation and global norm", async () => {
    const algorithms: OptimizerAlgorithm[] = [
      { kind: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
      { kind: "sgd", momentum: 0.9 },
      { kind: "adagrad", epsilon: 1e-7 },
    ];
    // Clipping at 0.5 scales the gradient (global norm ≈ 2.46) on the device; at 100 it leaves it.
    for (const [algorithm, clipGlobalNorm] of algorithms.flatMap((algorithm) =>
      [0.5, 100].map((clip) => [algorithm, clip] as const),
    )) {
      await expectSameOnWebGpu(`update ${algorithm.kind}, clip ${clipGlobalNorm}`, () => {
        const variable = tf.variable(fixed([4, 3], 1));
        const slots = slotNamesOf(algorithm).map((_, index) =>
          tf.variable(tf.abs(fixed([4, 3], 5 + index))),
        );
        const gradient = fixed([4, 3], 2);
        for (const count of [1, 2]) {
          applyOptimizerUpdate(
            algorithm,
            [{ variable, gradient, slots, learningRate: 0.05, count }],
            clipGlobalNorm,
          );
        }
        const outputs = [variable, ...slots].map((target) => tf.clone(target));
        tf.dispose([variable, ...slots]);
        return outputs;
      });
    }
    await expectSameOnWebGpu("accumulateGradients and globalNorm", () => {
      const [first, second] = [fixed([4, 3], 1), fixed([4, 3], 2)];
      const [sum] = accumulateGradients([{ gradient: second!, previous: first! }], 0.5);
      return [sum!, globalNorm([first!, second!])];
    });
  });

  it("the stock ops the engine replaces on wasm: segment sums, tiles, splits, leading sums", async () => {
    await expectSameOnWebGpu("stock ops", () => {
      const x = fixed([6, 4], 1);
      const segments = tf.tensor1d([0, 2, 0, 1, 2, 2], "int32");
      return [
        tf.unsortedSegmentSum(x, segments, 3),
        tf.tile(x, [2, 1]),
        ...tf.split(x, [1, 3], 1),
        tf.sum(x, 0),
        tf.matMul(x, fixed([5, 4], 2), false, true),
      ];
    });
  });
});
