import * as tf from "@tensorflow/tfjs-core";
import { setupTestBackend } from "@tml/engine/testing";
import { beforeAll, describe, expect, it } from "vitest";
import {
  ROW_NORM_REDUCTIONS,
  rowNormStatistics,
  WEIGHT_REDUCTIONS,
  weightsToLog,
} from "./weight-logging.js";

beforeAll(setupTestBackend);

describe("weight logging", () => {
  it("reduces each parameter under model/<reduction>/<name>", async () => {
    const kernel = tf.tensor2d([
      [3, -4],
      [0, 0],
    ]);
    const bias = tf.tensor1d([-1, 1]);
    const before = tf.memory().numTensors;
    const logged = await weightsToLog(
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

  it("mean and max row norm of a tfjs table", async () => {
    // Rows (3, 4), (0, 1), (0, 0): norms 5, 1, 0.
    const table = tf.tensor2d([
      [3, 4],
      [0, 1],
      [0, 0],
    ]);
    const logged = await weightsToLog(new Map([["emb.weight", table]]), ROW_NORM_REDUCTIONS);
    expect(logged["model/mean_row_norm/emb.weight"]).toBeCloseTo(2, 6);
    expect(logged["model/max_row_norm/emb.weight"]).toBeCloseTo(5, 6);
    table.dispose();
  });

  it("mean and max row norm of a typed-array table, every row or an even stride", () => {
    // Rows (3, 4), (0, 1), (0, 0), (6, 8): norms 5, 1, 0, 10.
    const table = Float32Array.from([3, 4, 0, 1, 0, 0, 6, 8]);
    expect(rowNormStatistics(table, 2)).toEqual({ mean: 4, max: 10 });
    // At most 2 rows read: stride 2 reads rows 0 and 2 (norms 5 and 0).
    expect(rowNormStatistics(table, 2, 2)).toEqual({ mean: 2.5, max: 5 });
    const empty = rowNormStatistics(new Float32Array(0), 4);
    expect(empty.mean).toBeNaN();
    expect(empty.max).toBeNaN();
  });
});
