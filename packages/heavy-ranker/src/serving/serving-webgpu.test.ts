import * as tf from "@tensorflow/tfjs-core";
import { encodeOnnxModel, loadOrtRuntime } from "@tml/engine";
import { setupWebGpuTestBackend } from "@tml/engine/testing";
import { afterAll, describe, expect, it } from "vitest";
import { graphModelArtifacts } from "../export/graph-model-export.js";
import { rankingModelOnnx } from "../export/onnx-export.js";
import { disposeRecapBatch, type RecapBatch } from "../features/recap-batch.js";
import { fixedTensor } from "../model/gradient-check.test-helper.js";
import { buildLocalSmall } from "../model/local-small.test-helper.js";
import { OnnxScorer } from "./onnx-scorer.js";
import { rankArrays } from "./rank-arrays.js";
import { type RankedCandidate, rankCandidates } from "./rank-candidates.js";

// What the trainer does after training, on tfjs's webgpu backend (Mesa's lavapipe in CI) against
// the cpu backend: the tfjs graph export and the ONNX compilation read every weight, rankArrays
// reads the calibrated probabilities, the ONNX scorer reads its feature tensors (computed ones). tfjs's webgpu
// backend has no synchronous read in Node, so each of these fails there unless it reads with
// `data()`. Skipped, with a notice, where Dawn finds no adapter.
const adapter = await setupWebGpuTestBackend();
const loaded = loadOrtRuntime(1);
const runtime = loaded.ok ? loaded.runtime : undefined;
afterAll(() => runtime?.dispose());

const ROWS = 24;

/** Fixed candidate features for local_small's inputs (64 continuous, 59 binary, embeddings). */
function candidates(): Parameters<typeof rankArrays>[1] {
  const values = (cols: number, offset: number, scale = 1) =>
    tf.tidy(() => fixedTensor(ROWS, cols, offset, scale).dataSync() as Float32Array);
  return {
    rows: ROWS,
    continuous: values(64, 1, 20),
    binary: values(59, 2).map((value) => (value > 0.3 ? 1 : 0)),
    userEmbedding: values(200, 3),
    userEngEmbedding: values(200, 4),
    authorEmbedding: values(200, 5),
  };
}

/**
 * The candidates as a batch computed on the active backend (x + 0), as a data pipeline's tensors
 * are: on webgpu their values then live only on the GPU (a freshly uploaded tensor would still
 * have a host copy that a synchronous read returns).
 */
function computedBatch(
  features: Parameters<typeof rankArrays>[1],
  taskNames: readonly string[],
): RecapBatch {
  const computed = (values: Float32Array | undefined) =>
    values &&
    (tf.tidy(() => tf.add(tf.tensor2d(values, [ROWS, values.length / ROWS]), 0)) as tf.Tensor2D);
  return {
    size: ROWS,
    continuous: computed(features.continuous) as tf.Tensor2D,
    binary: computed(features.binary) as tf.Tensor2D,
    discrete: tf.zeros([ROWS, 1], "int32") as tf.Tensor2D,
    userEmbedding: computed(features.userEmbedding),
    userEngEmbedding: computed(features.userEngEmbedding),
    authorEmbedding: computed(features.authorEmbedding),
    labels: tf.zeros([ROWS, taskNames.length]) as tf.Tensor2D,
    weights: tf.zeros([ROWS, taskNames.length]) as tf.Tensor2D,
    taskNames,
  };
}

interface Served {
  graphWeights: Uint8Array;
  onnxBytes: Uint8Array;
  ranked: RankedCandidate[];
  rankedByOnnx: RankedCandidate[] | undefined;
}

async function serveOn(
  backend: string,
  features: Parameters<typeof rankArrays>[1],
): Promise<Served> {
  // The features are made on the cpu backend (host arrays), before the backend switch.
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  // Built on `backend`, so every weight lives there.
  const model = buildLocalSmall();
  let served: Served;
  try {
    const artifacts = await graphModelArtifacts(model);
    served = {
      graphWeights: new Uint8Array(artifacts.weightData as ArrayBuffer),
      onnxBytes: encodeOnnxModel(await rankingModelOnnx(model)),
      ranked: await rankArrays(model, features),
      rankedByOnnx: undefined,
    };
    if (runtime) {
      const scorer = await OnnxScorer.create(model, { runtime });
      const batch = computedBatch(features, model.taskNames);
      try {
        served.rankedByOnnx = await rankCandidates(scorer, batch);
      } finally {
        scorer.dispose();
        disposeRecapBatch(batch);
      }
    }
  } finally {
    model.dispose();
  }
  expect(tf.memory().numTensors, `tensors leaked on ${backend}`).toBe(before);
  return served;
}

/** Scores by candidate index, so a near-tie ordered differently by float noise still compares. */
function expectSameScores(actual: RankedCandidate[], expected: RankedCandidate[]): void {
  expect(actual).toHaveLength(expected.length);
  const byIndex = new Map(actual.map((candidate) => [candidate.index, candidate]));
  let worst = 0;
  for (const reference of expected) {
    const candidate = byIndex.get(reference.index) as RankedCandidate;
    worst = Math.max(worst, Math.abs(candidate.score - reference.score));
    for (const [task, term] of Object.entries(reference.contributions))
      worst = Math.max(worst, Math.abs((candidate.contributions[task] as number) - term));
  }
  expect(worst).toBeLessThan(1e-4);
}

describe.skipIf(adapter === undefined)(
  `Heavy Ranker export and ranking on webgpu (${adapter})`,
  () => {
    it("exports the same weights and ranks like the cpu backend", async () => {
      await tf.setBackend("cpu");
      const features = candidates();
      const cpu = await serveOn("cpu", features);
      const webgpu = await serveOn("webgpu", features);
      await tf.setBackend("cpu");
      // Weights are uploaded and read back, never computed: the exports are byte for byte the same.
      expect(webgpu.graphWeights.length).toBeGreaterThan(100_000);
      expect(webgpu.graphWeights).toEqual(cpu.graphWeights);
      expect(webgpu.onnxBytes).toEqual(cpu.onnxBytes);
      // The scores spread (a real ranking, not a constant) and agree within float32 noise.
      expect(new Set(cpu.ranked.map((candidate) => candidate.score.toFixed(6))).size).toBe(ROWS);
      expectSameScores(webgpu.ranked, cpu.ranked);
      if (cpu.rankedByOnnx && webgpu.rankedByOnnx) {
        expectSameScores(webgpu.rankedByOnnx, cpu.rankedByOnnx);
        expectSameScores(webgpu.rankedByOnnx, webgpu.ranked);
      }
    });
  },
);
