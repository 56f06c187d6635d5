import * as tf from "@tensorflow/tfjs-core";
import { setFlag } from "@tml/core";
import { beforeAll, describe, expect, it } from "vitest";
import { registerEngineKernels } from "../engine-kernels.js";
import { registerGradients } from "../gradients.js";
import { webAssembly } from "../optimizer-update/simd-update-module.js";
import { prepareWasmBackend } from "../wasm-backend.js";
import { fusedSimdActive } from "./fused-kernel.js";
import {
  batchNormInference,
  batchNormTrain,
  layerNorm,
  type NormalizeOptions,
} from "./normalize.js";
import { signedLog1p } from "./signed-log.js";
import { simdNormalizeModuleBytes } from "./simd-normalize-module.js";

// Deterministic values with an offset (so the moments are not centred) and spread.
function fixed(shape: number[], seed: number, scale = 1, offset = 0): tf.Tensor {
  const size = shape.reduce((total, dim) => total * dim, 1);
  const values = new Float32Array(size);
  for (let index = 0; index < size; index++)
    values[index] = Math.sin(index * 1.7 + seed * 3.1 + 0.3) * scale + offset;
  return tf.tensor(values, shape);
}

type Norm = (x: tf.Tensor2D, options: NormalizeOptions) => tf.Tensor2D;

// Output, moments-free gradients (x, γ?, β?) of Σ y ⊙ probe, with the SIMD loops on or off.
function run(
  norm: Norm,
  simd: boolean,
  shape: [number, number],
  affine: boolean,
  bounds: Pick<NormalizeOptions, "relu" | "clip">,
): Float32Array[] {
  const previous = setFlag("TML_FUSED_SIMD", simd);
  try {
    const tensors = tf.tidy(() => {
      const x = fixed(shape, 1, 2, 0.5) as tf.Tensor2D;
      const gamma = fixed([shape[1]], 2, 1, 0.2) as tf.Tensor1D;
      const beta = fixed([shape[1]], 3, 0.3) as tf.Tensor1D;
      const probe = fixed(shape, 4);
      const options = { epsilon: 1e-3, ...bounds };
      const f = (...inputs: tf.Tensor[]) => {
        const [input, g, b] = inputs as [tf.Tensor2D, tf.Tensor1D?, tf.Tensor1D?];
        const y = norm(input, {
          ...options,
          ...(g ? { gamma: g } : {}),
          ...(b ? { beta: b } : {}),
        });
        return tf.sum(tf.mul(y, probe));
      };
      const inputs = affine ? [x, gamma, beta] : [x];
      const y = norm(x, { ...options, ...(affine ? { gamma, beta } : {}) });
      return [y, ...tf.grads(f)(inputs)];
    });
    const values = tensors.map((tensor) => tensor.dataSync() as Float32Array);
    tf.dispose(tensors);
    return values;
  } finally {
    setFlag("TML_FUSED_SIMD", previous);
  }
}

function expectClose(actual: Float32Array, expected: Float32Array, label: string): void {
  expect(actual.length, label).toBe(expected.length);
  let worst = 0;
  for (let index = 0; index < actual.length; index++) {
    const scale = Math.max(1, Math.abs(expected[index]!));
    worst = Math.max(worst, Math.abs(actual[index]! - expected[index]!) / scale);
  }
  expect(worst, label).toBeLessThan(2e-5);
}

describe("SIMD loops of the fused normalisation kernels (wasm)", () => {
  beforeAll(async () => {
    await prepareWasmBackend();
    registerEngineKernels();
    await tf.setBackend("wasm");
    await registerGradients();
  });

  it("assembles a valid module and uses it on the wasm backend", () => {
    expect(webAssembly?.validate(simdNormalizeModuleBytes())).toBe(true);
    expect(fusedSimdActive()).toBe(true);
    const previous = setFlag("TML_FUSED_SIMD", false);
    expect(fusedSimdActive()).toBe(false);
    setFlag("TML_FUSED_SIMD", previous);
  });

  const inference: Norm = (x, options) =>
    batchNormInference(
      x,
      {
        mean: fixed([x.shape[1]], 7, 0.5) as tf.Tensor1D,
        variance: tf.add(tf.square(fixed([x.shape[1]], 8)), 0.1) as tf.Tensor1D,
      },
      options,
    );
  const norms: Array<[string, Norm]> = [
    ["layerNorm", layerNorm],
    ["batchNormTrain", (x, options) => batchNormTrain(x, options)],
    ["batchNormInference", inference],
  ];
  // Column counts below, at and above a multiple of 4 (tails of 0-3 columns).
  const shapes: Array<[number, number]> = [
    [5, 3],
    [7, 4],
    [6, 13],
    [33, 38],
  ];
  const boundsCases: Array<Pick<NormalizeOptions, "relu" | "clip">> = [
    {},
    { relu: true },
    { clip: 0.8 },
    { relu: true, clip: 0.8 },
  ];
  for (const [name, norm] of norms) {
    for (const shape of shapes) {
      it(`${name} [${shape}]: SIMD equals the JS loops (affine or not, relu, clip)`, () => {
        const before = tf.memory().numTensors;
        for (const affine of [true, false]) {
          for (const bounds of boundsCases) {
            const label = `${name} [${shape}] affine ${affine} ${JSON.stringify(bounds)}`;
            const fast = run(norm, true, shape, affine, bounds);
            const plain = run(norm, false, shape, affine, bounds);
            expect(fast).toHaveLength(affine ? 4 : 2);
            fast.forEach((values, index) => {
              expectClose(values, plain[index]!, `${label} output ${index}`);
            });
          }
        }
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  }

  it("layerNorm's SIMD moments stay exact for an offset far from zero", () => {
    // Rows around 1000 with unit spread: the pivot shift keeps the variance free of cancellation.
    const fast = setFlag("TML_FUSED_SIMD", true);
    const y = tf.tidy(() => layerNorm(fixed([3, 21], 5, 1, 1000) as tf.Tensor2D, { epsilon: 0 }));
    setFlag("TML_FUSED_SIMD", fast);
    const values = y.dataSync() as Float32Array;
    for (let row = 0; row < 3; row++) {
      const slice = values.subarray(row * 21, row * 21 + 21);
      const mean = slice.reduce((total, value) => total + value, 0) / 21;
      const second = slice.reduce((total, value) => total + value * value, 0) / 21;
      expect(Math.abs(mean)).toBeLessThan(1e-3);
      expect(second).toBeCloseTo(1, 3);
    }
    y.dispose();
  });

  it("signedLog1p's SIMD loop matches Math.log1p within 3 ulps, specials exactly", () => {
    const specials = [
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      0,
      -0,
      1e-30,
      -1e-8,
      1e-3,
      Math.SQRT2 - 1,
      Math.SQRT2 - 1 + 1e-7,
      0.5,
      -1,
      3,
      1e3,
      -3e38,
      2 ** 24,
      1.5e-45,
    ];
    const values = new Float32Array(4003);
    values.set(specials);
    // Magnitudes from 1e-12 to 1e12, both signs, past the specials.
    for (let index = specials.length; index < values.length; index++) {
      const exponent = -12 + (24 * index) / values.length;
      values[index] = (index % 2 === 0 ? 1 : -1) * 10 ** exponent * (1 + 0.37 * Math.sin(index));
    }
    const x = tf.tensor1d(values);
    const previous = setFlag("TML_FUSED_SIMD", true);
    const y = signedLog1p(x);
    setFlag("TML_FUSED_SIMD", previous);
    const got = y.dataSync() as Float32Array;
    let worst = 0;
    for (let index = 0; index < values.length; index++) {
      const value = values[index]!;
      const expected = Number.isFinite(value) ? Math.sign(value) * Math.log1p(Math.abs(value)) : 0;
      if (index < specials.length && !(Math.abs(expected) > 1e-6)) {
        expect(got[index], `signedLog1p(${value})`).toBe(Math.fround(expected));
        continue;
      }
      const ulp = 2 ** (Math.floor(Math.log2(Math.abs(expected))) - 23);
      const error = Math.abs(got[index]! - expected) / ulp;
      worst = Math.max(worst, error);
    }
    expect(worst).toBeLessThan(3);
    expect(worst).toBeGreaterThan(0);
    tf.dispose([x, y]);
  });
});
