import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@tml/core";
import { setupTestBackend } from "@tml/engine/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { meanRowNorm, WEIGHT_REDUCTIONS, weightsToLog } from "./weight-logging.js";

beforeAll(setupTestBackend);

describe("weight logging", () => {
  it("reduces each parameter under model/<reduction>/<name>", () => {
    const kernel = tf.tensor2d([
      [3, -4],
      [0, 0],
    ]);
    const bias = tf.tensor1d([-1, 1]);
    const before = tf.memory().numTensors;
    const logged = weightsToLog(
      new Map<string, tf.Tensor>([
        ["mlp.0.weight", kernel],
        ["mlp.0.bias", bias],
      ]),
      {
        norm: WEIGHT_REDUCTIONS["norm"]!,
        mean: WEIGHT_REDUCTIONS["mean"]!,
        max_abs: WEIGHT_REDUCTIONS["max_abs"]!,
      },
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(logged["model/norm/mlp.0.weight"]).toBeCloseTo(5, 6);
    expect(logged["model/mean/mlp.0.weight"]).toBeCloseTo(-0.25, 6);
    expect(logged["model/max_abs/mlp.0.weight"]).toBe(4);
    expect(logged["model/norm/mlp.0.bias"]).toBeCloseTo(Math.SQRT2, 6);
    expect(Object.keys(logged)).toHaveLength(6);
    tf.dispose([kernel, bias]);
  });

  it("mean row norm of a typed-array table, exact or sampled", () => {
    // Rows (3, 4) and (0, 1): norms 5 and 1.
    const table = Float32Array.from([3, 4, 0, 1]);
    expect(meanRowNorm(table, 2)).toBe(3);
    const sampled = meanRowNorm(table, 2, { sampleSize: 1000, rng: new Rng(1) });
    expect(sampled).toBe(3); // 2 rows ≤ sample size: exact
    const big = new Float32Array(2 * 10_000).fill(1);
    expect(meanRowNorm(big, 2, { sampleSize: 100, rng: new Rng(2) })).toBeCloseTo(Math.SQRT2, 6);
  });
});
