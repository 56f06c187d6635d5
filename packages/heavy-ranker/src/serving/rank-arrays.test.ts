import * as tf from "@tensorflow/tfjs-core";
import { TmlError } from "@tml/core";
import { setupTestBackend } from "@tml/engine/testing";
import { beforeAll, describe, expect, it } from "vitest";
import type { RecapBatch } from "../features/recap-batch.js";
import { rankArrays } from "./rank-arrays.js";
import type { ScoringModel } from "./rank-candidates.js";

const FAV = "recap.engagement.is_favorited";

/** Scores each row by its first continuous feature; records the batch shapes it saw. */
function echoModel(seen: number[][]): ScoringModel {
  return {
    taskNames: [FAV],
    apply: (batch: RecapBatch) => {
      seen.push(batch.continuous.shape, batch.binary.shape, batch.labels.shape);
      return {
        calibratedProbabilities: tf.slice(batch.continuous, [0, 0], [-1, 1]),
      };
    },
  };
}

describe("rankArrays", () => {
  beforeAll(setupTestBackend);

  it("ranks plain arrays and frees every tensor it made", async () => {
    const seen: number[][] = [];
    const before = tf.memory().numTensors;
    const ranked = await rankArrays(echoModel(seen), {
      rows: 3,
      continuous: Float32Array.of(0.1, 9, 0.7, 9, 0.4, 9),
      binary: new Float32Array(3),
    });
    expect(ranked.map((row) => row.index)).toEqual([1, 2, 0]);
    expect(ranked[0]!.contributions[FAV]).toBeCloseTo(0.5 * 0.7, 6);
    expect(seen).toEqual([
      [3, 2],
      [3, 1],
      [3, 1],
    ]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("names the field and row of a NaN, and a length that does not fit the rows", async () => {
    const fails = async (run: () => Promise<unknown>, text: string) => {
      let error: unknown;
      try {
        await run();
      } catch (caught) {
        error = caught;
      }
      expect(TmlError.isInstance(error, "DATA"), String(error)).toBe(true);
      expect(String(error)).toContain(text);
    };
    const model = echoModel([]);
    const binary = new Float32Array(2);
    await fails(
      () =>
        rankArrays(model, { rows: 2, continuous: Float32Array.of(1, 2, 3, Number.NaN), binary }),
      "continuous row 1 holds NaN",
    );
    await fails(
      () => rankArrays(model, { rows: 2, continuous: new Float32Array(3), binary }),
      "continuous has 3 values, not a multiple of 2 rows",
    );
  });
});
