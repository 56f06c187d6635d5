import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@tml/core";
import { loadRecapConfig } from "../config/load-recap-config.js";
import type { RecapBatch } from "../features/recap-batch.js";
import { buildRankingModel, truncatedWidths } from "../model/build-model.js";
import type { MultiTaskRankingModel } from "../model/ranking-model.js";

// Models and batches shared by the ONNX export and scorer tests.

const configs = fileURLToPath(new URL("../../configs/", import.meta.url));
const FIELDS = {
  user_embedding: "userEmbedding",
  user_eng_embedding: "userEngEmbedding",
  author_embedding: "authorEmbedding",
} as const;

/** Moves buffers and affine parameters off their initial values (BN statistics included). */
export function randomize(model: MultiTaskRankingModel, seed: number): void {
  const rng = new Rng(seed);
  for (const [name, variable] of model.namedWeights()) {
    if (variable.dtype !== "float32" || name.includes("small_embeddings")) continue;
    const leaf = name.split(".").at(-1);
    const draw = (): number | undefined => {
      if (leaf === "running_mean") return rng.normal() * 0.3;
      if (leaf === "running_var") return 0.5 + rng.next();
      if (leaf === "ratio") return 0.25 + rng.next();
      if (variable.rank === 1 && leaf === "weight") return 1 + 0.2 * rng.normal();
      if (variable.rank === 1 && leaf === "bias") return 0.1 * rng.normal();
      return undefined;
    };
    if (draw() === undefined) continue;
    const values = Float32Array.from({ length: variable.size }, () => draw() as number);
    tf.tidy(() => variable.assign(tf.tensor(values, variable.shape)));
  }
}

/** Features with NaN/±inf, tiny and huge magnitudes, negative and out-of-range ids. */
export function randomRecapBatch(
  model: MultiTaskRankingModel,
  rows: number,
  seed: number,
): RecapBatch {
  const rng = new Rng(seed);
  const { continuousWidth, binaryWidth, embeddingNames = [] } = model.options;
  const special = [Number.NaN, Number.POSITIVE_INFINITY, -1e-7, 3e-6, 1e6, -250];
  const continuous = Float32Array.from({ length: rows * continuousWidth }, (_, index) =>
    index % 97 < special.length ? (special[index % 97] as number) : rng.normal() * 20,
  );
  const binary = Float32Array.from({ length: rows * binaryWidth }, () =>
    rng.next() < 0.3 ? 1 : 0,
  );
  const discrete = Int32Array.from({ length: rows * 12 }, () => rng.int(5000) - 100);
  const tasks = model.taskNames.length;
  const batch: Record<string, unknown> = {
    size: rows,
    continuous: tf.tensor2d(continuous, [rows, continuousWidth]),
    binary: tf.tensor2d(binary, [rows, binaryWidth]),
    discrete: tf.tensor2d(discrete, [rows, 12], "int32"),
    labels: tf.zeros([rows, tasks]),
    weights: tf.zeros([rows, tasks]),
    taskNames: model.taskNames,
  };
  for (const name of embeddingNames) {
    const values = Float32Array.from({ length: rows * 200 }, () => rng.normal());
    batch[FIELDS[name]] = tf.tensor2d(values, [rows, 200]);
  }
  return batch as unknown as RecapBatch;
}

/** A model from one of the package configs, with randomized buffers. */
export function recapModel(file: string, seed: number): MultiTaskRankingModel {
  const config = loadRecapConfig(`${configs}${file}`, {
    env: { HOME: "/tmp", FRAPPE_PARQUET: "/tmp", MOVIELENS_PARQUET: "/tmp" },
  });
  const widths = truncatedWidths(config);
  const model = buildRankingModel(config, {
    continuousWidth: widths.continuousWidth ?? (file.startsWith("frappe") ? 0 : 2117),
    binaryWidth: widths.binaryWidth ?? (file.startsWith("frappe") ? 0 : 59),
  });
  randomize(model, seed);
  return model;
}

/** Frees every tensor of a test batch. */
export function disposeBatch(batch: RecapBatch): void {
  tf.dispose(Object.values(batch).filter((value) => value instanceof tf.Tensor));
}
