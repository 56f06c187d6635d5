import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { setFlag } from "@tml/core";
import { beforeAll, describe, expect, it } from "vitest";
import { registerEngineKernels } from "../engine-kernels.js";
import { registerGradients } from "../gradients.js";
import { prepareWasmBackend } from "../wasm-backend.js";
import {
  batchNormInference,
  batchNormTrain,
  layerNorm,
  type NormalizeOptions,
  runningMoments,
} from "./normalize.js";
import { signedLog1p } from "./signed-log.js";

function fixed(shape: number[], offset: number, scale = 1): tf.Tensor {
  const size = shape.reduce((total, dim) => total * dim, 1);
  const values = new Float32Array(size);
  for (let index = 0; index < size; index++)
    values[index] = Math.sin(index * 1.7 + offset * 3.1 + 0.3) * scale + offset * 0.1;
  return tf.tensor(values, shape);
}

function expectClose(actual: tf.Tensor, expected: tf.Tensor, tolerance: number, label: string) {
  expect(actual.shape, label).toEqual(expected.shape);
  const a = actual.dataSync();
  const b = expected.dataSync();
  for (let index = 0; index < a.length; index++) {
    const scale = Math.max(1, Math.abs(b[index]!));
    expect(Math.abs(a[index]! - b[index]!) / scale, `${label}[${index}]`).toBeLessThan(tolerance);
  }
}

type Norm = (x: tf.Tensor2D, options: NormalizeOptions) => tf.Tensor2D;

// Value and gradients (x, gamma, beta) of Σ y ⊙ w through `norm`, fused or stock.
function valueAndGrads(
  norm: Norm,
  fused: boolean,
  affine: boolean,
  epsilon: number,
  bounds: Pick<NormalizeOptions, "relu" | "clip"> = {},
) {
  const previous = setFlag("TML_FUSED_OPS", fused);
  try {
    return tf.tidy(() => {
      const x = fixed([6, 5], 1, 2) as tf.Tensor2D;
      const gamma = fixed([5], 2) as tf.Tensor1D;
      const beta = fixed([5], 3) as tf.Tensor1D;
      const probe = fixed([6, 5], 4);
      const f = (...inputs: tf.Tensor[]) => {
        const [input, g, b] = inputs as [tf.Tensor2D, tf.Tensor1D?, tf.Tensor1D?];
        const y = norm(input, {
          epsilon,
          ...bounds,
          ...(g ? { gamma: g } : {}),
          ...(b ? { beta: b } : {}),
        });
        return tf.sum(tf.mul(y, probe));
      };
      const inputs = affine ? [x, gamma, beta] : [x];
      const y = norm(x, { epsilon, ...bounds, ...(affine ? { gamma, beta } : {}) });
      const grads = tf.grads(f)(inputs);
      return [y, ...grads];
    });
  } finally {
    setFlag("TML_FUSED_OPS", previous);
  }
}

for (const backendName of ["cpu", "wasm"]) {
  describe(`fused normalisation kernels on ${backendName}`, () => {
    beforeAll(async () => {
      if (backendName === "wasm") await prepareWasmBackend();
      registerEngineKernels();
      await tf.setBackend(backendName);
      await registerGradients();
    });

    it("layerNorm normalises a row (hand-worked) and leaves no tensors behind", () => {
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const y = layerNorm(tf.tensor2d([[1, 2, 3]]), { epsilon: 0 });
        const expected = [-1, 0, 1].map((value) => value / Math.sqrt(2 / 3));
        expectClose(y, tf.tensor2d([expected]), 1e-6, "y");
      });
      expect(tf.memory().numTensors).toBe(before);
    });

    it("batchNormTrain normalises columns (hand-worked) and reports the batch moments", () => {
      tf.tidy(() => {
        let seen: number[][] = [];
        const y = batchNormTrain(
          tf.tensor2d([
            [1, 10],
            [3, 10],
          ]),
          { epsilon: 1, gamma: tf.tensor1d([2, 1]), beta: tf.tensor1d([0, 5]) },
          ({ mean, variance }) => {
            seen = [Array.from(mean.dataSync()), Array.from(variance.dataSync())];
          },
        );
        expect(seen).toEqual([
          [2, 10],
          [1, 0],
        ]);
        // Column 0: (±1)/sqrt(2)·2; column 1: 0·1 + 5.
        const root = Math.SQRT2;
        expectClose(
          y,
          tf.tensor2d([
            [-root, 5],
            [root, 5],
          ]),
          1e-6,
          "y",
        );
      });
    });

    const inference: Norm = (x, options) =>
      batchNormInference(
        x,
        { mean: fixed([5], 7) as tf.Tensor1D, variance: tf.square(fixed([5], 8)) as tf.Tensor1D },
        options,
      );
    for (const [name, norm] of [
      ["layerNorm", layerNorm],
      ["batchNormTrain", (x: tf.Tensor2D, options: NormalizeOptions) => batchNormTrain(x, options)],
      ["batchNormInference", inference],
    ] as Array<[string, Norm]>) {
      for (const affine of [true, false]) {
        it(`${name} (affine ${affine}) matches the stock-op chain in value and gradients`, () => {
          const before = tf.memory().numTensors;
          const fused = valueAndGrads(norm, true, affine, 1e-3);
          const stock = valueAndGrads(norm, false, affine, 1e-3);
          expect(fused).toHaveLength(affine ? 4 : 2);
          fused.forEach((tensor, index) => {
            expectClose(tensor, stock[index] as tf.Tensor, 2e-5, `${name} output ${index}`);
          });
          tf.dispose([...fused, ...stock]);
          expect(tf.memory().numTensors).toBe(before);
        });
      }
    }

    for (const [name, norm] of [
      ["layerNorm", layerNorm],
      ["batchNormTrain", (x: tf.Tensor2D, options: NormalizeOptions) => batchNormTrain(x, options)],
      ["batchNormInference", inference],
    ] as Array<[string, Norm]>) {
      for (const bounds of [{ relu: true }, { clip: 0.8 }, { relu: true, clip: 0.8 }]) {
        it(`${name} with ${JSON.stringify(bounds)} matches the stock ops (relu, clipByValue)`, () => {
          const fused = valueAndGrads(norm, true, true, 1e-3, bounds);
          const stock = valueAndGrads(norm, false, true, 1e-3, bounds);
          // The bounds cut some entries but not all.
          const y = fused[0]!.dataSync();
          const cut = y.filter(
            (value) => value === 0 || Math.abs(value) === Math.fround(0.8),
          ).length;
          expect(cut).toBeGreaterThan(0);
          expect(cut).toBeLessThan(y.length);
          fused.forEach((tensor, index) => {
            expectClose(tensor, stock[index] as tf.Tensor, 2e-5, `${name} output ${index}`);
          });
          tf.dispose([...fused, ...stock]);
        });
      }
    }

    it("batchNormTrain's fused gradient under variableGrads keeps memory flat", () => {
      const gamma = tf.variable(fixed([4], 5) as tf.Tensor1D);
      const x = fixed([8, 4], 6) as tf.Tensor2D;
      const step = () => {
        const { value, grads } = tf.variableGrads(
          () => tf.sum(tf.square(batchNormTrain(x, { epsilon: 1e-5, gamma }))),
          [gamma],
        );
        tf.dispose([value, ...Object.values(grads)]);
      };
      step();
      const before = tf.memory().numTensors;
      for (let index = 0; index < 3; index++) step();
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([gamma, x]);
    });

    it("batchNormInference uses the given statistics (hand-worked)", () => {
      tf.tidy(() => {
        const y = batchNormInference(
          tf.tensor2d([
            [1, 10],
            [3, 12],
          ]),
          { mean: tf.tensor1d([1, 11]), variance: tf.tensor1d([3, 0]) },
          { epsilon: 1, gamma: tf.tensor1d([2, 1]), beta: tf.tensor1d([0, 5]), clip: 1.5 },
        );
        // Column 0: (x − 1)/2·2 = 0, 2 → clamp 1.5; column 1: (x − 11)/1 + 5 = 4, 6 → clamp 1.5.
        expectClose(
          y,
          tf.tensor2d([
            [0, 1.5],
            [1.5, 1.5],
          ]),
          1e-6,
          "y",
        );
      });
    });

    it("runningMoments moves toward the batch with the unbiased variance", () => {
      tf.tidy(() => {
        const next = runningMoments(
          { mean: tf.tensor1d([0, 1]), variance: tf.tensor1d([1, 1]) },
          { mean: tf.tensor1d([2, 3]), variance: tf.tensor1d([0.5, 2]) },
          0.1,
          4,
        );
        expectClose(next.mean, tf.tensor1d([0.2, 1.2]), 1e-6, "mean");
        // 0.9·1 + 0.1·v·4/3.
        expectClose(next.variance, tf.tensor1d([0.9 + 0.2 / 3, 0.9 + 0.8 / 3]), 1e-6, "var");
      });
    });

    it("signedLog1p maps non-finite to 0 and has gradient 1 / (1 + |x|)", () => {
      tf.tidy(() => {
        const x = tf.tensor1d([Number.NaN, Number.POSITIVE_INFINITY, -(Math.E - 1), 0, 3]);
        expectClose(signedLog1p(x), tf.tensor1d([0, 0, -1, 0, Math.log(4)]), 1e-6, "y");
        const gradient = tf.grad((input: tf.Tensor) => tf.sum(signedLog1p(input)))(x);
        expectClose(gradient, tf.tensor1d([0, 0, 1 / Math.E, 1, 0.25]), 1e-6, "dx");
        // Above 2^17 entries the stock chain runs: same values.
        const large = tf.concat([x, tf.fill([1 << 17], -3)]);
        const values = signedLog1p(large).dataSync();
        expect(values[2]).toBeCloseTo(-1, 6);
        expect(values[0]).toBe(0);
        expect(values[large.size - 1]).toBeCloseTo(-Math.log(4), 6);
      });
    });
  });
}
