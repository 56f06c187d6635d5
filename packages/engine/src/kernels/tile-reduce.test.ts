import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@tml/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerFastKernels, restoreStockKernels } from "../fast-kernels.js";
import { prepareWasmBackend } from "../wasm-backend.js";

const rng = new Rng(11);
const random = (size: number) => Float32Array.from({ length: size }, () => rng.normal());

// Runs `op` on the cpu backend and on wasm with the fast kernels; returns both results.
async function both(
  op: () => tf.Tensor,
): Promise<[Float32Array | Int32Array, Float32Array | Int32Array, number[]]> {
  await tf.setBackend("cpu");
  const expected = tf.tidy(() => op().dataSync() as Float32Array);
  await tf.setBackend("wasm");
  const result = tf.tidy(() => {
    const tensor = op();
    return [tensor.dataSync() as Float32Array, tensor.shape] as const;
  });
  return [result[0], expected, result[1]];
}

describe("wasm Tile, leading-axis Sum/Mean and SplitV", () => {
  beforeAll(async () => {
    await prepareWasmBackend();
    registerFastKernels();
    await tf.setBackend("wasm");
  });
  afterAll(() => restoreStockKernels());

  it("tiles a hand-worked 2x2 as [[1,2,1,2],[3,4,3,4]] ×2 rows", async () => {
    const [actual, , shape] = await both(() =>
      tf.tile(
        tf.tensor2d([
          [1, 2],
          [3, 4],
        ]),
        [2, 2],
      ),
    );
    expect(shape).toEqual([4, 4]);
    expect(Array.from(actual)).toEqual([1, 2, 1, 2, 3, 4, 3, 4, 1, 2, 1, 2, 3, 4, 3, 4]);
  });

  it.each([
    [
      [1, 1, 1, 7],
      [1, 1, 5, 1],
    ],
    [
      [3, 2, 4],
      [2, 3, 1],
    ],
    [
      [2, 3],
      [1, 1],
    ],
    [[5], [3]],
    [
      [2, 1, 3],
      [1, 4, 2],
    ],
  ])("tile of %j by %j matches the cpu backend", async (shape, reps) => {
    const values = random(shape.reduce((a, b) => a * b, 1));
    const [actual, expected] = await both(() => tf.tile(tf.tensor(values, shape), reps));
    expect(Array.from(actual)).toEqual(Array.from(expected));
  });

  it("tiles int32 values", async () => {
    const [actual, expected] = await both(() => tf.tile(tf.tensor1d([1, -2, 3], "int32"), [2]));
    expect(Array.from(actual)).toEqual([1, -2, 3, 1, -2, 3]);
    expect(Array.from(actual)).toEqual(Array.from(expected));
  });

  it("sums and averages over leading axes like the cpu backend (hand-worked first)", async () => {
    const [sum] = await both(() =>
      tf.sum(
        tf.tensor2d([
          [1, 2],
          [3, 4],
          [5, 6],
        ]),
        0,
      ),
    );
    expect(Array.from(sum)).toEqual([9, 12]);
    const [mean, , meanShape] = await both(() =>
      tf.mean(
        tf.tensor2d([
          [1, 2],
          [3, 4],
          [5, 6],
        ]),
        0,
        true,
      ),
    );
    expect(meanShape).toEqual([1, 2]);
    expect(Array.from(mean)).toEqual([3, 4]);
  });

  it.each([
    [[64, 33], [0], false],
    [[1, 1, 40, 9], [0, 1, 2], false],
    [[6, 5, 4], [1, 0], true],
    [[6, 5, 4], [2], false],
    [[6, 5, 4], [0, 2], false],
    [[6, 5], [0, 1], false],
  ])(
    "sum and mean of %j over %j (keepDims %s) match the cpu backend",
    async (shape, axes, keepDims) => {
      const values = random(shape.reduce((a, b) => a * b, 1));
      for (const op of [tf.sum, tf.mean]) {
        const [actual, expected] = await both(() => op(tf.tensor(values, shape), axes, keepDims));
        expect(actual.length).toBe(expected.length);
        actual.forEach((value, index) => {
          expect(value).toBeCloseTo(expected[index]!, 4);
        });
      }
    },
  );

  it.each([
    [[4, 10], [3, 7], 1],
    [[4, 10], 2, 1],
    [[6, 3, 2], [1, 5], 0],
    [[2, 6, 5], [2, -1, 1], 1],
  ])("split of %j into %j along axis %i matches the cpu backend", async (shape, sizes, axis) => {
    const values = random(shape.reduce((a, b) => a * b, 1));
    await tf.setBackend("cpu");
    const expected = tf.tidy(() =>
      tf
        .split(tf.tensor(values, shape), sizes, axis)
        .map((t) => [t.shape, Array.from(t.dataSync())]),
    );
    await tf.setBackend("wasm");
    const actual = tf.tidy(() =>
      tf
        .split(tf.tensor(values, shape), sizes, axis)
        .map((t) => [t.shape, Array.from(t.dataSync())]),
    );
    expect(actual).toEqual(expected);
  });

  it("split of a hand-worked [[1,2,3],[4,5,6]] into widths 1 and 2", () => {
    const [left, right] = tf.split(
      tf.tensor2d([
        [1, 2, 3],
        [4, 5, 6],
      ]),
      [1, 2],
      1,
    );
    expect(Array.from(left!.dataSync())).toEqual([1, 4]);
    expect(Array.from(right!.dataSync())).toEqual([2, 3, 5, 6]);
    tf.dispose([left!, right!]);
  });

  it("leaks no tensors over repeated calls", () => {
    const x = tf.tensor2d(random(32 * 8), [32, 8]);
    const before = tf.memory().numTensors;
    for (let step = 0; step < 50; step++) {
      tf.dispose(tf.tidy(() => tf.add(tf.sum(tf.tile(x, [2, 1]), 0), tf.mean(x, 0))));
    }
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
