import * as tf from "@tensorflow/tfjs-core";
import { DataError } from "@tml/core";
import { loadOrtRuntime } from "@tml/engine";
import { setupTestBackend } from "@tml/engine/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OnnxScorer } from "./onnx-scorer.js";
import { disposeBatch, randomRecapBatch, recapModel } from "./onnx-test-models.test-helper.js";
import { rankCandidates } from "./rank-candidates.js";

const loaded = loadOrtRuntime(1);
const runtime = loaded.ok ? loaded.runtime : undefined;

beforeAll(setupTestBackend);
afterAll(() => runtime?.dispose());

describe.skipIf(!runtime)("OnnxScorer (onnxruntime-node present)", () => {
  const ort = runtime as NonNullable<typeof runtime>;

  it("ranks candidates like the tfjs model", async () => {
    const model = recapModel("local_small.yaml", 8);
    const batch = randomRecapBatch(model, 16, 9);
    const scorer = await OnnxScorer.create(model, { runtime: ort });
    try {
      const fromTfjs = await rankCandidates(model, batch);
      const fromOnnx = await rankCandidates(scorer, batch);
      expect(fromOnnx.map((candidate) => candidate.index)).toEqual(
        fromTfjs.map((candidate) => candidate.index),
      );
      fromOnnx.forEach((candidate, rank) => {
        const reference = fromTfjs[rank]?.score as number;
        expect(Math.abs(candidate.score - reference)).toBeLessThan(
          1e-4 * (1 + Math.abs(reference)),
        );
      });
    } finally {
      scorer.dispose();
      model.dispose();
      disposeBatch(batch);
    }
  });

  it("takes any batch size in one session and leaves no tensors behind", async () => {
    const model = recapModel("movielens-multitask.yaml", 2);
    const scorer = await OnnxScorer.create(model, { runtime: ort, precision: "int8" });
    const batches = [1, 7, 64].map((rows) => randomRecapBatch(model, rows, rows));
    try {
      const before = tf.memory().numTensors;
      for (let round = 0; round < 5; round++) {
        for (const batch of batches) {
          await rankCandidates(scorer, batch, { liked: 1, loved: 2 });
          const scores = await scorer.apply(batch, { training: false });
          expect(scores.calibratedProbabilities.shape).toEqual([batch.size, 3]);
          tf.dispose(Object.values(scores));
        }
      }
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      scorer.dispose();
      model.dispose();
      for (const batch of batches) disposeBatch(batch);
    }
  });

  it("checks its inputs with DataErrors naming the feature", async () => {
    const model = recapModel("local_small.yaml", 8);
    const scorer = await OnnxScorer.create(model, { runtime: ort });
    try {
      expect([...scorer.inputs]).toEqual([
        ["continuous", 512],
        ["binary", 59],
        ["user_embedding", 200],
        ["user_eng_embedding", 200],
        ["author_embedding", 200],
      ]);
      expect(() => scorer.score({}, 2)).toThrow(DataError);
      expect(() => scorer.score({}, 2)).toThrow(/no continuous/);
      const continuous = new Float32Array(2 * 512);
      const embedding = new Float32Array(2 * 200);
      const embeddings = {
        user_embedding: embedding,
        user_eng_embedding: embedding,
        author_embedding: embedding,
      };
      expect(() =>
        scorer.score({ continuous, binary: new Float32Array(3), ...embeddings }, 2),
      ).toThrow(/binary has 3 values; 2 rows of 59 columns/);
      expect(() =>
        scorer.score({ continuous, binary: new Int32Array(2 * 59), ...embeddings }, 2),
      ).toThrow(/binary must be a Float32Array/);
      const scores = scorer.score(
        { continuous, binary: new Float32Array(2 * 59), ...embeddings },
        2,
      );
      expect(scores.probabilities).toHaveLength(2 * 4);
      expect(Array.from(scores.probabilities).every((p) => p > 0 && p < 1)).toBe(true);
      const wide = tf.zeros([2, 600]);
      const batch = randomRecapBatch(model, 2, 1);
      await expect(
        scorer.apply({ ...batch, continuous: wide as tf.Tensor2D }, { training: false }),
      ).rejects.toThrow(/600 continuous columns; the model was built for 512/);
      wide.dispose();
      disposeBatch(batch);
    } finally {
      scorer.dispose();
      model.dispose();
    }
  });
});
