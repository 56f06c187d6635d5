import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadGraphModel } from "@tensorflow/tfjs-converter";
import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@tml/core";
import { setupTestBackend } from "@tml/engine/testing";
import { beforeAll, describe, expect, it } from "vitest";
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import { loadRecapConfig } from "../config/load-recap-config.js";
import { recapModelConfigSchema } from "../config/model-config.js";
import type { RecapBatch } from "../features/recap-batch.js";
import { buildRankingModel } from "../model/build-model.js";
import { MultiTaskRankingModel } from "../model/ranking-model.js";
import { GRAPH_OUTPUTS, graphModelArtifacts } from "./graph-model-export.js";
import { modelFilesHandler, saveModelArtifacts } from "./graph-model-files.js";

/**
 * Replaces every tensor by random values (positive running variances) so nothing is trivial.
 * Calibration ratios keep the values the model was built with.
 */
function randomize(model: MultiTaskRankingModel, seed: number): void {
  const rng = new Rng(seed);
  for (const [name, variable] of model.namedWeights()) {
    const fixed = ["min_value", "max_value", ".ratio"].some((suffix) => name.endsWith(suffix));
    if (variable.dtype !== "float32" || fixed) continue;
    const values = Float32Array.from({ length: variable.size }, () =>
      name.endsWith("running_var") ? 0.5 + rng.next() : (rng.next() - 0.5) * 0.6,
    );
    const tensor = tf.tensor(values, variable.shape);
    variable.assign(tensor);
    tensor.dispose();
  }
}

function randomRecapBatch(
  rows: number,
  continuous: number,
  binary: number,
  seed: number,
): RecapBatch {
  const rng = new Rng(seed);
  const values = Float32Array.from({ length: rows * continuous }, () =>
    rng.next() < 0.3 ? 0 : rng.normal() * 50,
  );
  values[3] = Number.NaN;
  values[7] = Number.POSITIVE_INFINITY;
  values[11] = Number.NEGATIVE_INFINITY;
  const embedding = () =>
    tf.tensor2d(
      Float32Array.from({ length: rows * 200 }, () => rng.normal()),
      [rows, 200],
    );
  return {
    size: rows,
    continuous: tf.tensor2d(values, [rows, continuous]),
    binary: tf.tensor2d(
      Float32Array.from({ length: rows * binary }, () => (rng.next() < 0.2 ? 1 : 0)),
      [rows, binary],
    ),
    discrete: tf.tensor2d(
      Int32Array.from({ length: rows * 4 }, () => rng.int(40) - 5),
      [rows, 4],
      "int32",
    ),
    userEmbedding: embedding(),
    userEngEmbedding: embedding(),
    authorEmbedding: embedding(),
    labels: tf.zeros([rows, 1]) as tf.Tensor2D,
    weights: tf.zeros([rows, 1]) as tf.Tensor2D,
    taskNames: [],
  };
}

async function expectSameOutputs(
  model: MultiTaskRankingModel,
  batch: RecapBatch,
  inputs: string[],
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "graph-model-"));
  saveModelArtifacts(await graphModelArtifacts(model), dir);
  const graphModel = await loadGraphModel(modelFilesHandler(dir));
  const feeds: Record<string, tf.Tensor> = {};
  const fields: Record<string, tf.Tensor | undefined> = {
    continuous: batch.continuous,
    binary: batch.binary,
    user_embedding: batch.userEmbedding,
    user_eng_embedding: batch.userEngEmbedding,
    author_embedding: batch.authorEmbedding,
    discrete: batch.discrete,
  };
  for (const name of inputs) feeds[name] = fields[name] as tf.Tensor;
  const exported = graphModel.execute(feeds, [...GRAPH_OUTPUTS]) as tf.Tensor[];
  const reference = model.apply(batch, { training: false });
  const expected = [reference.logits, reference.probabilities, reference.calibratedProbabilities];
  GRAPH_OUTPUTS.forEach((name, index) => {
    const got = exported[index]?.dataSync() as Float32Array;
    const want = expected[index]?.dataSync() as Float32Array;
    expect(got.length, name).toBe(want.length);
    let worst = 0;
    for (let i = 0; i < want.length; i++)
      worst = Math.max(worst, Math.abs((got[i] as number) - (want[i] as number)));
    expect(worst, name).toBeLessThan(1e-5);
    expect(Number.isFinite(worst)).toBe(true);
  });
  const spread = expected[1]?.dataSync() as Float32Array;
  expect(Math.max(...spread) - Math.min(...spread)).toBeGreaterThan(0.01);
  tf.dispose([...exported, ...expected]);
  graphModel.dispose();
}

describe("graph-model export", () => {
  beforeAll(setupTestBackend);

  it("reproduces the local_small model (share_all parallel MaskNet, double norm log)", async () => {
    const configs = fileURLToPath(new URL("../../configs/", import.meta.url));
    const config = loadRecapConfig(`${configs}local_small.yaml`, { env: { HOME: "/h" } });
    const model = buildRankingModel(config, { continuousWidth: 512, binaryWidth: 59 }, 1);
    randomize(model, 2);
    const batch = randomRecapBatch(5, 512, 59, 3);
    const before = tf.memory().numTensors;
    await expectSameOutputs(model, batch, [
      "continuous",
      "binary",
      "user_embedding",
      "user_eng_embedding",
      "author_embedding",
    ]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it("reproduces share_partial, serial MaskNet towers (a FuxiCTR block), small embeddings, affine maps, calibration", async () => {
    const config = recapModelConfigSchema.parse({
      multi_task_type: "share_partial",
      backbone: {
        mlp_config: { layer_sizes: [16, 8], batch_norm: { affine: true }, dropout: { rate: 0.3 } },
      },
      featurization_config: {
        double_norm_log_config: {
          layer_norm_config: { epsilon: 1e-3, center: false, scale: false },
        },
      },
      tasks: {
        "a.b": {
          mask_net_config: {
            use_parallel: false,
            mask_blocks: [
              { reduction_factor: 0.5, output_size: 6, input_layer_norm: true },
              {
                aggregation_size: 4,
                output_size: 5,
                input_layer_norm: false,
                activation: "relu",
                dropout: { rate: 0.2 },
                hidden_bias: false,
              },
            ],
            mlp: { layer_sizes: [1] },
          },
          affine_map: { scale: 2, bias: -1 },
        },
        c: { mlp_config: { layer_sizes: [4, 1], dropout: { rate: 0.1 } } },
      },
      small_embeddings: {
        tables: [
          { name: "item", num_embeddings: 30, embedding_dim: 3, index: 2 },
          { name: "user", num_embeddings: 7, embedding_dim: 2, index: 0 },
        ],
      },
    });
    const model = new MultiTaskRankingModel({
      config,
      continuousWidth: 7,
      binaryWidth: 3,
      embeddingNames: ["author_embedding"],
      calibrationRatios: { "a.b": 0.01 / 0.8, c: 3 },
      seed: 4,
    });
    randomize(model, 5);
    await expectSameOutputs(model, randomRecapBatch(6, 7, 3, 6), [
      "continuous",
      "binary",
      "author_embedding",
      "discrete",
    ]);
    model.dispose();
  });

  it("reproduces clip_log1p_abs featurization with share_none MLP towers", async () => {
    const config = recapModelConfigSchema.parse({
      featurization_config: { clip_log1p_abs_config: { clip_magnitude: 2 } },
      tasks: {
        x: { mlp_config: { layer_sizes: [5, 1], batch_norm: { affine: true } } },
        y: { mlp_config: { layer_sizes: [3, 4, 1] } },
      },
    });
    const model = new MultiTaskRankingModel({
      config,
      continuousWidth: 6,
      binaryWidth: 2,
      seed: 7,
    });
    randomize(model, 8);
    await expectSameOutputs(model, randomRecapBatch(4, 6, 2, 9), ["continuous", "binary"]);
    model.dispose();
  });

  it("is differentiable in tfjs: the graph's input gradients equal the model's", async () => {
    const configs = fileURLToPath(new URL("../../configs/", import.meta.url));
    const config = loadRecapConfig(`${configs}local_small.yaml`, { env: { HOME: "/h" } });
    const model = buildRankingModel(config, { continuousWidth: 16, binaryWidth: 5 }, 1);
    randomize(model, 3);
    const batch = randomRecapBatch(3, 16, 5, 4);
    // No exact zeros: there tfjs's Sign and Abs gradients make d(sign(x)·log1p|x|)/dx 0, not 1
    // (one point, which the explorer's refined integrals absorb).
    const continuous = tf.tensor2d(
      Float32Array.from({ length: 3 * 16 }, (_, i) => Math.sin(i + 0.5) * 4),
      [3, 16],
    );
    const dir = mkdtempSync(join(tmpdir(), "graph-model-"));
    saveModelArtifacts(await graphModelArtifacts(model), dir);
    const graphModel = await loadGraphModel(modelFilesHandler(dir));
    const feeds = {
      binary: batch.binary,
      user_embedding: batch.userEmbedding as tf.Tensor,
      user_eng_embedding: batch.userEngEmbedding as tf.Tensor,
      author_embedding: batch.authorEmbedding as tf.Tensor,
    };
    // d Σ logits / d continuous through the exported graph and through the model itself.
    const throughGraph = tf.grad((input: tf.Tensor) =>
      tf.sum(graphModel.execute({ ...feeds, continuous: input }, "logits") as tf.Tensor),
    )(continuous);
    const throughModel = tf.grad((input: tf.Tensor) =>
      tf.sum(
        model.apply({ ...batch, continuous: input as tf.Tensor2D }, { training: false }).logits,
      ),
    )(continuous);
    const got = throughGraph.dataSync();
    const want = throughModel.dataSync();
    expect(Math.max(...Array.from(want, Math.abs))).toBeGreaterThan(1e-3);
    want.forEach((value, index) => {
      expect(Math.abs((got[index] as number) - value)).toBeLessThan(1e-4);
    });
    tf.dispose([throughGraph, throughModel, continuous]);
    graphModel.dispose();
    model.dispose();
  });
});
