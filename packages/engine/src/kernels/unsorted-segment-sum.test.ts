import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerFastKernels, restoreStockKernels } from "../fast-kernels.js";
import { prepareWasmBackend } from "../wasm-backend.js";

describe("UnsortedSegmentSum on wasm", () => {
  beforeAll(async () => {
    await prepareWasmBackend();
    registerFastKernels();
    await tf.setBackend("wasm");
  });
  afterAll(() => restoreStockKernels());

  it("sums rows by segment and drops ids out of range (hand-worked)", () => {
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
    ]);
    const ids = tf.tensor1d([2, 0, 2, 5], "int32");
    const out = tf.unsortedSegmentSum(x, ids, 3);
    expect(out.shape).toEqual([3, 2]);
    // segment 0: row 1; segment 1: nothing; segment 2: rows 0 and 2; id 5 is dropped.
    expect(Array.from(out.dataSync())).toEqual([3, 4, 0, 0, 6, 8]);
    tf.dispose([x, ids, out]);
  });

  it("sums int32 rows of a rank-3 tensor", () => {
    const x = tf.tensor3d(
      [
        [[1], [2]],
        [[3], [4]],
        [[5], [6]],
      ],
      undefined,
      "int32",
    );
    const ids = tf.tensor1d([1, 0, 1], "int32");
    const out = tf.unsortedSegmentSum(x, ids, 2);
    expect(out.dtype).toBe("int32");
    expect(out.shape).toEqual([2, 2, 1]);
    // segment 0: row 1; segment 1: rows 0 and 2.
    expect(Array.from(out.dataSync())).toEqual([3, 4, 6, 8]);
    tf.dispose([x, ids, out]);
  });

  it("gives gather its gradient, equal to the cpu backend's, without leaking tensors", async () => {
    const table = Array.from({ length: 40 }, (_, index) => Math.sin(index));
    const indices = [3, 1, 3, 7, 0, 3];
    const gradient = () =>
      tf.tidy(() => {
        const f = (t: tf.Tensor) => tf.sum(tf.square(tf.gather(t, tf.tensor1d(indices, "int32"))));
        return tf
          .grad(f)(tf.tensor2d(table, [10, 4]))
          .dataSync();
      });
    await tf.setBackend("cpu");
    const expected = gradient();
    await tf.setBackend("wasm");
    const before = tf.memory().numTensors;
    let actual = gradient();
    for (let step = 0; step < 10; step++) actual = gradient();
    expect(tf.memory().numTensors).toBe(before);
    // d/dt Σ t[i]² over repeated rows = 2·count·t: row 3 appears three times.
    expect(actual[3 * 4]).toBeCloseTo(2 * 3 * table[3 * 4]!, 5);
    expect(Array.from(actual)).toEqual(Array.from(expected));
  });
});
