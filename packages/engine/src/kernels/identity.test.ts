import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerFastKernels, restoreStockKernels } from "../fast-kernels.js";
import { prepareWasmBackend } from "../wasm-backend.js";

describe("wasm Identity shares buffers", () => {
  beforeAll(async () => {
    await prepareWasmBackend();
    registerFastKernels();
    await tf.setBackend("wasm");
  });
  afterAll(() => restoreStockKernels());

  it("a clone outlives its source, keeps its values, and frees the buffer with the last owner", () => {
    const before = tf.memory();
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const y = tf.clone(x);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4]);
    const variable = tf.variable(y);
    y.dispose();
    const doubled = tf.mul(variable, 2) as tf.Tensor2D;
    variable.assign(doubled);
    doubled.dispose();
    expect(Array.from(variable.dataSync())).toEqual([2, 4, 6, 8]);
    variable.dispose();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
  });
});
