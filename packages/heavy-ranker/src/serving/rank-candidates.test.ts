import * as tf from "@tensorflow/tfjs-core";
import { ConfigError } from "@tml/core";
import { setupTestBackend } from "@tml/engine/testing";
import { beforeAll, describe, expect, it } from "vitest";
import type { RecapBatch } from "../features/recap-batch.js";
import { rankCandidates, type ScoringModel, scoreCandidates } from "./rank-candidates.js";
import { PUBLISHED_SERVING_WEIGHTS, servingWeightVector } from "./serving-weights.js";

const FAV = "recap.engagement.is_favorited";
const REPLY = "recap.engagement.is_replied";
const REPORT = "recap.engagement.is_report_tweet_clicked";

/** A model whose calibrated probabilities are fixed rows (the batch only sets B). */
function fakeModel(taskNames: string[], rows: number[][]): ScoringModel {
  return {
    taskNames,
    apply: () => ({
      calibratedProbabilities: tf.tensor2d(rows),
      logits: tf.tensor2d(rows),
      probabilities: tf.tensor2d(rows),
    }),
  };
}
const batch = {} as RecapBatch;

describe("serving", () => {
  beforeAll(setupTestBackend);

  it("has the ten published weights", () => {
    expect(Object.keys(PUBLISHED_SERVING_WEIGHTS)).toHaveLength(10);
    expect(PUBLISHED_SERVING_WEIGHTS[REPORT]).toBe(-369);
    expect(PUBLISHED_SERVING_WEIGHTS["recap.engagement.is_replied_reply_engaged_by_author"]).toBe(
      75,
    );
  });

  it("scores Σ weight × p, explains it per task and ranks best first", async () => {
    const model = fakeModel(
      [FAV, REPLY, REPORT],
      [
        [0.5, 0.01, 0.001], // 0.25 + 0.135 − 0.369 = 0.016
        [0.2, 0.02, 0], // 0.1 + 0.27 = 0.37
        [0.9, 0, 0.01], // 0.45 − 3.69 = −3.24
      ],
    );
    const before = tf.memory().numTensors;
    const ranked = await rankCandidates(model, batch);
    expect(tf.memory().numTensors).toBe(before);
    expect(ranked.map((candidate) => candidate.index)).toEqual([1, 0, 2]);
    expect(ranked[0]?.score).toBeCloseTo(0.37, 6);
    expect(ranked[1]?.score).toBeCloseTo(0.016, 6);
    expect(ranked[2]?.score).toBeCloseTo(-3.24, 6);
    expect(ranked[2]?.contributions[REPORT]).toBeCloseTo(-3.69, 6);
    expect(ranked[2]?.contributions[FAV]).toBeCloseTo(0.45, 6);
    for (const candidate of ranked) {
      const sum = Object.values(candidate.contributions).reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(candidate.score, 9);
    }
  });

  it("uses custom weights, skipping zero weights and rejecting unknown tasks", async () => {
    const model = fakeModel([FAV, REPLY], [[0.5, 0.25]]);
    const [only] = await rankCandidates(model, batch, { [REPLY]: 4 });
    expect(only?.score).toBe(1);
    expect(only?.contributions).toEqual({ [REPLY]: 1 });
    await expect(rankCandidates(model, batch, { nope: 1 })).rejects.toThrow(ConfigError);
  });

  it("keeps batch order on ties", () => {
    const ranked = scoreCandidates(
      Float32Array.from([0.5, 0.5, 0.5]),
      [FAV],
      servingWeightVector([FAV], { [FAV]: 2 }),
    );
    expect(ranked.map((candidate) => candidate.index)).toEqual([0, 1, 2]);
    expect(ranked[0]?.score).toBe(1);
  });
});
