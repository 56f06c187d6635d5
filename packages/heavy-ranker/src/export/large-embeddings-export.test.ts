import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadGraphModel } from "@tensorflow/tfjs-converter";
import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@tml/core";
import { readSafetensors, writeSafetensors } from "@tml/data-io";
import { loadOrtRuntime } from "@tml/engine";
import { setupTestBackend } from "@tml/engine/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recapModelConfigSchema } from "../config/model-config.js";
import type { RecapBatch } from "../features/recap-batch.js";
import { MultiTaskRankingModel } from "../model/ranking-model.js";
import { OnnxScorer } from "../serving/onnx-scorer.js";
import { disposeBatch, randomize } from "../serving/onnx-test-models.test-helper.js";
import { rankArrays } from "../serving/rank-arrays.js";
import { GRAPH_OUTPUTS, graphModelArtifacts } from "./graph-model-export.js";
import { modelFilesHandler, saveModelArtifacts } from "./graph-model-files.js";
import { loadStateDict, stateDictTensors } from "./state-dict.js";

const loaded = loadOrtRuntime(1);
const runtime = loaded.ok ? loaded.runtime : undefined;

beforeAll(setupTestBackend);
afterAll(() => runtime?.dispose());

const config = recapModelConfigSchema.parse({
  tasks: { a: { mlp_config: { layer_sizes: [6, 1] } }, b: { mlp_config: { layer_sizes: [1] } } },
  large_embeddings: {
    tables: [
      { name: "user", num_embeddings: 50, embedding_dim: 4, feature_name: "meta__user_id" },
      {
        name: "tags",
        num_embeddings: 7,
        embedding_dim: 3,
        discrete_indices: [0, 2, 3],
        pooling: "mean",
      },
    ],
    optimizer: { init_learning_rate: 0.1 },
  },
});

function newModel(seed: number): MultiTaskRankingModel {
  const model = new MultiTaskRankingModel({ config, continuousWidth: 3, binaryWidth: 2, seed });
  randomize(model, seed);
  // Rows far from torchrec's tiny initial spread, so the tables move the scores.
  for (const table of model.largeEmbeddings?.tables ?? [])
    table.assign(new Rng(seed).fillNormal(new Float32Array(table.rows * table.dim)));
  return model;
}

/** A batch with out-of-range user ids (taken modulo 50) and padded tag bags (-1). */
function batchWithIds(rows: number): RecapBatch {
  const rng = new Rng(5);
  return {
    size: rows,
    continuous: tf.randomNormal([rows, 3], 0, 1, "float32", 1) as tf.Tensor2D,
    binary: tf.zeros([rows, 2]) as tf.Tensor2D,
    discrete: tf.zeros([rows, 1], "int32") as tf.Tensor2D,
    labels: tf.zeros([rows, 2]) as tf.Tensor2D,
    weights: tf.zeros([rows, 2]) as tf.Tensor2D,
    taskNames: ["a", "b"],
    ids: {
      user: { values: Int32Array.from({ length: rows }, () => rng.int(500)), width: 1 },
      tags: { values: Int32Array.from({ length: rows * 3 }, () => rng.int(12) - 3), width: 3 },
    },
  };
}

function maxRelativeError(actual: tf.Tensor, expected: tf.Tensor): number {
  const a = Array.from(actual.dataSync());
  const e = expected.dataSync();
  return a.reduce((worst, value, i) => {
    const reference = e[i] as number;
    return Math.max(worst, Math.abs(value - reference) / (1 + Math.abs(reference)));
  }, 0);
}

describe("large embedding tables in exports", () => {
  it("safetensors carries them under the original's names and loads them back", async () => {
    const model = newModel(1);
    const tensors = await stateDictTensors(model);
    const names = tensors.map(([name]) => name);
    expect(names).toContain("large_embeddings.ebc.embedding_bags.user.weight");
    expect(names).toContain("large_embeddings.ebc.embedding_bags.tags.weight");
    const file = readSafetensors(writeSafetensors(tensors));
    const other = newModel(2);
    const report = loadStateDict(other, file);
    expect(report.loaded).toContain("large_embeddings.ebc.embedding_bags.user.weight");
    expect(other.largeEmbeddings?.tables[0]?.toFloat32()).toEqual(
      model.largeEmbeddings?.tables[0]?.toFloat32(),
    );
    const batch = batchWithIds(6);
    const [x, y] = [model, other].map((m) => m.apply(batch, { training: false }).logits);
    expect(y?.dataSync()).toEqual(x?.dataSync());
    disposeBatch(batch);
    model.dispose();
    other.dispose();
  });

  it("a safetensors table of the wrong shape is a CheckpointError", async () => {
    const model = newModel(1);
    const tensors = (await stateDictTensors(model)).map(([name, tensor]) =>
      name.endsWith("user.weight")
        ? ([name, { ...tensor, shape: [25, 8] }] as const)
        : ([name, tensor] as const),
    );
    const file = readSafetensors(writeSafetensors(tensors.map(([n, t]) => [n, t])));
    expect(() => loadStateDict(model, file)).toThrow(/user.weight.*\[25, 8\].*\[50, 4\]/);
    model.dispose();
  });

  it.skipIf(!runtime)(
    "ONNX (Gather + ReduceSum of initializers) scores equal the tfjs model's",
    async () => {
      const model = newModel(3);
      const batch = batchWithIds(9);
      const scorer = await OnnxScorer.create(model, {
        runtime: runtime as NonNullable<typeof runtime>,
      });
      try {
        expect([...scorer.inputs.keys()]).toEqual(["continuous", "binary", "ids.user", "ids.tags"]);
        const reference = model.apply(batch, { training: false });
        const scored = await scorer.apply(batch, { training: false });
        expect(maxRelativeError(scored.logits, reference.logits)).toBeLessThan(1e-5);
        expect(
          maxRelativeError(scored.calibratedProbabilities, reference.calibratedProbabilities),
        ).toBeLessThan(1e-5);
        tf.dispose([reference, scored] as unknown as tf.Tensor[]);
      } finally {
        scorer.dispose();
        disposeBatch(batch);
        model.dispose();
      }
    },
  );

  it("the tfjs graph model (GatherV2 + Sum) scores equal the tfjs model's", async () => {
    const model = newModel(4);
    const batch = batchWithIds(7);
    const dir = mkdtempSync(join(tmpdir(), "large-graph-"));
    try {
      saveModelArtifacts(await graphModelArtifacts(model), dir);
      const graphModel = await loadGraphModel(modelFilesHandler(dir));
      const ids = batch.ids ?? {};
      const feeds = {
        continuous: batch.continuous,
        binary: batch.binary,
        "ids.user": tf.tensor2d(ids["user"]?.values ?? [], [7, 1], "int32"),
        "ids.tags": tf.tensor2d(ids["tags"]?.values ?? [], [7, 3], "int32"),
      };
      const [logits] = graphModel.execute(feeds, [...GRAPH_OUTPUTS]) as tf.Tensor[];
      const reference = model.apply(batch, { training: false });
      expect(maxRelativeError(logits as tf.Tensor, reference.logits)).toBeLessThan(1e-5);
      tf.dispose([logits as tf.Tensor, feeds["ids.user"], feeds["ids.tags"]]);
      tf.dispose(reference as unknown as tf.Tensor[]);
      graphModel.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
      disposeBatch(batch);
      model.dispose();
    }
  });

  it("rankArrays hands the id bags to the model (scores as model.apply)", async () => {
    const model = newModel(5);
    const batch = batchWithIds(6);
    const reference = model.apply(batch, { training: false });
    const expected = reference.calibratedProbabilities.dataSync();
    const ranked = await rankArrays(
      model,
      {
        rows: 6,
        continuous: batch.continuous.dataSync() as Float32Array,
        binary: batch.binary.dataSync() as Float32Array,
        ...(batch.ids ? { ids: batch.ids } : {}),
      },
      { a: 1, b: 0 },
    );
    for (const candidate of ranked)
      expect(candidate.score).toBeCloseTo(expected[candidate.index * 2] as number, 6);
    tf.dispose(reference as unknown as tf.Tensor[]);
    disposeBatch(batch);
    model.dispose();
  });
});
