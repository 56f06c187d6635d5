import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@tml/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerFastKernels, restoreStockKernels } from "../fast-kernels.js";
import { loadPlatformBlas } from "../platform-blas.js";
import { prepareWasmBackend } from "../wasm-backend.js";
import { matMulRouteCounts, TRANSPOSE_A_MIN_DIM, transposeInto } from "./mat-mul-kernels.js";

type Activation = "linear" | "relu" | "sigmoid" | "elu" | "leakyrelu" | "prelu";

interface Case {
  aShape: number[];
  bShape: number[];
  transposeA: boolean;
  transposeB: boolean;
  biasShape?: number[];
  activation?: Activation;
  preluShape?: number[];
}

const rng = new Rng(7);
function random(shape: number[]): Float32Array {
  const values = new Float32Array(shape.reduce((product, dim) => product * dim, 1));
  for (let index = 0; index < values.length; index++) values[index] = rng.normal();
  return values;
}

interface Inputs {
  a: Float32Array;
  b: Float32Array;
  bias?: Float32Array;
  prelu?: Float32Array;
}

// Runs the case on the current backend and returns the flat result.
function compute(spec: Case, inputs: Inputs): Float32Array {
  return tf.tidy(() => {
    const a = tf.tensor(inputs.a, spec.aShape);
    const b = tf.tensor(inputs.b, spec.bShape);
    if (spec.biasShape === undefined && spec.activation === undefined) {
      return tf.matMul(a, b, spec.transposeA, spec.transposeB).dataSync() as Float32Array;
    }
    return tf.fused
      .matMul({
        a,
        b,
        transposeA: spec.transposeA,
        transposeB: spec.transposeB,
        ...(inputs.bias ? { bias: tf.tensor(inputs.bias, spec.biasShape) } : {}),
        activation: spec.activation ?? "linear",
        ...(inputs.prelu
          ? { preluActivationWeights: tf.tensor(inputs.prelu, spec.preluShape) }
          : {}),
        leakyreluAlpha: 0.1,
      })
      .dataSync() as Float32Array;
  });
}

async function compare(spec: Case): Promise<void> {
  const inputs: Inputs = { a: random(spec.aShape), b: random(spec.bShape) };
  if (spec.biasShape) inputs.bias = random(spec.biasShape);
  if (spec.preluShape) inputs.prelu = random(spec.preluShape);
  await tf.setBackend("cpu");
  const expected = compute(spec, inputs);
  await tf.setBackend("wasm");
  const actual = compute(spec, inputs);
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let index = 0; index < expected.length; index++) {
    worst = Math.max(
      worst,
      Math.abs(actual[index]! - expected[index]!) / (1 + Math.abs(expected[index]!)),
    );
  }
  expect(worst).toBeLessThan(1e-4);
}

const transposeCombos = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;

function shapesFor(batch: number[], m: number, k: number, n: number, tA: boolean, tB: boolean) {
  return {
    aShape: [...batch, ...(tA ? [k, m] : [m, k])],
    bShape: [...batch, ...(tB ? [n, k] : [k, n])],
  };
}

const plainCases: Case[] = transposeCombos.flatMap(([transposeA, transposeB]) => [
  { ...shapesFor([], 33, 47, 29, transposeA, transposeB), transposeA, transposeB },
  { ...shapesFor([3], 17, 20, 11, transposeA, transposeB), transposeA, transposeB },
]);

const broadcastCases: Case[] = [
  { aShape: [1, 9, 8], bShape: [3, 8, 5], transposeA: false, transposeB: false },
  { aShape: [4, 9, 8], bShape: [5, 8], transposeA: false, transposeB: true },
];

const activations: Activation[] = ["linear", "relu", "sigmoid", "elu", "leakyrelu", "prelu"];
const fusedCases: Case[] = [
  ...activations.map((activation) => ({
    ...shapesFor([], 31, 40, 23, true, false),
    transposeA: true,
    transposeB: false,
    biasShape: [23],
    activation,
    ...(activation === "prelu" ? { preluShape: [23] } : {}),
  })),
  {
    ...shapesFor([], 16, 12, 10, false, true),
    transposeA: false,
    transposeB: true,
    biasShape: [16, 10],
    activation: "relu",
  },
  {
    ...shapesFor([2], 7, 9, 6, false, false),
    transposeA: false,
    transposeB: false,
    biasShape: [6],
    activation: "sigmoid",
  },
  {
    ...shapesFor([], 8, 6, 5, false, false),
    transposeA: false,
    transposeB: false,
    activation: "relu",
  },
  // tfjs passes products as rank 3 with a batch of one: these run as a plain Gemm.
  {
    ...shapesFor([1], 12, 9, 7, true, false),
    transposeA: true,
    transposeB: false,
    biasShape: [1, 1, 7],
    activation: "leakyrelu",
  },
  {
    ...shapesFor([1], 12, 9, 7, false, true),
    transposeA: false,
    transposeB: true,
    biasShape: [7],
    activation: "prelu",
    preluShape: [1, 7],
  },
];

// Linear products with a bias (the BLAS route writes the broadcast bias into C first).
const biasCases: Case[] = [
  {
    ...shapesFor([], 13, 10, 9, false, false),
    transposeA: false,
    transposeB: false,
    biasShape: [9],
  },
  {
    ...shapesFor([], 13, 10, 9, true, true),
    transposeA: true,
    transposeB: true,
    biasShape: [13, 9],
  },
  {
    ...shapesFor([], 13, 10, 9, false, true),
    transposeA: false,
    transposeB: true,
    biasShape: [13, 1],
  },
  {
    ...shapesFor([1], 13, 10, 9, true, false),
    transposeA: true,
    transposeB: false,
    biasShape: [1, 1, 9],
  },
  {
    ...shapesFor([], 13, 10, 9, false, false),
    transposeA: false,
    transposeB: false,
    biasShape: [1],
  },
];

const allCases = [...plainCases, ...broadcastCases, ...fusedCases, ...biasCases];
const label = (spec: Case) =>
  `${spec.aShape}${spec.transposeA ? "ᵀ" : ""} × ${spec.bShape}${spec.transposeB ? "ᵀ" : ""}` +
  (spec.biasShape ? ` + bias[${spec.biasShape}]` : "") +
  (spec.activation ? ` ${spec.activation}` : "");

// The BLAS route takes products without an activation: a bias only on plain matrices.
function blasTakes(spec: Case): boolean {
  if ((spec.activation ?? "linear") !== "linear") return false;
  const batched = spec.aShape.length > 2 && spec.aShape.slice(0, -2).some((dim) => dim > 1);
  return !(batched && spec.biasShape !== undefined);
}

const blasLoads = loadPlatformBlas(2).ok;

describe.each([
  ["onnxruntime", true, false],
  ["xnnpack", false, false],
  ["platform BLAS and onnxruntime", true, true],
] as const)("wasm matrix products on %s", (name, onnxruntime, platformBlas) => {
  const skip = platformBlas && !blasLoads;
  beforeAll(async () => {
    if (skip) return;
    await prepareWasmBackend();
    const info = registerFastKernels({ onnxruntime, platformBlas, minOrtFlops: 0, threads: 2 });
    expect(info.matMul).toBe(onnxruntime ? "onnxruntime" : "xnnpack");
    expect(info.blas !== undefined).toBe(platformBlas);
    await tf.setBackend("wasm");
  });
  afterAll(() => restoreStockKernels());

  it.skipIf(skip).each(allCases.map((spec) => [label(spec), spec] as const))(
    "%s matches the cpu backend",
    async (_, spec) => {
      const route = !onnxruntime
        ? "xnnpack"
        : platformBlas && blasTakes(spec)
          ? "blas"
          : "onnxruntime";
      const before = matMulRouteCounts()[route];
      await compare(spec);
      expect(matMulRouteCounts()[route], `${name}: ${route}`).toBe(before + 1);
    },
  );

  it.skipIf(skip)(
    "gradients of a fused dense layer match the cpu backend and leak no tensors",
    async () => {
      const x = random([12, 10]);
      const w = random([10, 6]);
      const bias = random([6]);
      const gradients = () =>
        tf.tidy(() => {
          const loss = (wTensor: tf.Tensor, xTensor: tf.Tensor) =>
            tf.sum(
              tf.square(
                tf.fused.matMul({
                  a: xTensor as tf.Tensor2D,
                  b: wTensor as tf.Tensor2D,
                  bias: tf.tensor(bias),
                  activation: "relu",
                }),
              ),
            );
          const [dw, dx] = tf.grads(loss)([tf.tensor(w, [10, 6]), tf.tensor(x, [12, 10])]);
          return [dw!.dataSync(), dx!.dataSync()] as const;
        });
      await tf.setBackend("cpu");
      const [expectedW, expectedX] = gradients();
      await tf.setBackend("wasm");
      const tensorsBefore = tf.memory().numTensors;
      let actual = gradients();
      for (let step = 0; step < 20; step++) actual = gradients();
      expect(tf.memory().numTensors).toBe(tensorsBefore);
      for (const [got, want] of [
        [actual[0], expectedW],
        [actual[1], expectedX],
      ] as const) {
        for (let index = 0; index < want.length; index++)
          expect(got[index]).toBeCloseTo(want[index]!, 3);
      }
    },
  );
});

describe("small products on one thread", () => {
  afterAll(() => restoreStockKernels());

  it.each([
    ["onnxruntime", false],
    ["platform BLAS", true],
  ] as const)(
    "%s: under minParallelFlops a product runs serially, above it on the pool",
    async (_, platformBlas) => {
      if (platformBlas && !blasLoads) return;
      await prepareWasmBackend();
      const spec: Case = {
        ...shapesFor([], 40, 30, 20, false, false),
        transposeA: false,
        transposeB: false,
      };
      const flops = 2 * 40 * 30 * 20;
      for (const [minParallelFlops, serial] of [
        [flops + 1, 1],
        [flops, 0],
      ] as const) {
        registerFastKernels({ platformBlas, minOrtFlops: 0, threads: 2, minParallelFlops });
        await tf.setBackend("wasm");
        const before = matMulRouteCounts().serial;
        await compare(spec);
        expect(matMulRouteCounts().serial).toBe(before + serial);
      }
    },
  );
});

describe("transposeInto", () => {
  it.each([
    [1, 5],
    [5, 1],
    [4, 4],
    [37, 53],
    [64, 130],
    [131, 67],
  ])("transposes a [%i, %i] matrix exactly", (rows, columns) => {
    const source = random([rows, columns]);
    const target = transposeInto(source, rows, columns);
    expect(target.length).toBe(rows * columns);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < columns; j++) expect(target[j * rows + i]).toBe(source[i * columns + j]);
    }
  });
});

describe("onnxruntime products with transposeA around the copy threshold", () => {
  beforeAll(async () => {
    await prepareWasmBackend();
    const info = registerFastKernels({ onnxruntime: true, minOrtFlops: 0 });
    expect(info.matMul).toBe("onnxruntime");
    await tf.setBackend("wasm");
  });
  afterAll(() => restoreStockKernels());

  const edge = TRANSPOSE_A_MIN_DIM;
  it.each([
    ["copies A first when the output is large", [], edge, edge, true],
    ["copies A first for tfjs's rank-3 batch of one", [1], edge + 3, edge + 1, true],
    ["keeps transA when the output has too few columns", [], edge + 2, edge - 1, false],
    ["keeps transA when the output has too few rows", [], edge - 1, edge + 2, false],
    ["keeps transA for a real batch", [2], edge, edge, false],
  ] as const)("%s", async (_, batch, m, n, copies) => {
    const spec: Case = {
      ...shapesFor([...batch], m, 5, n, true, false),
      transposeA: true,
      transposeB: false,
      biasShape: [n],
      activation: "relu",
    };
    const before = matMulRouteCounts();
    await compare(spec);
    const after = matMulRouteCounts();
    expect(after.onnxruntime).toBe(before.onnxruntime + 1);
    expect(after.transposedA).toBe(before.transposedA + (copies ? 1 : 0));
  });
});
