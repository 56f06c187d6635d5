import { DataError } from "@tml/core";
import type { SegdenseSchema } from "@tml/data-io";
import type { RecapDataConfig } from "../config/data-config.js";
import type { Parity } from "../config/recap-config.js";
import { WEIGHTS_COLUMN } from "./downsample-negatives.js";
import { type EmbeddingBagSource, embeddingBagIds, type IdBags } from "./embedding-bag-ids.js";
import {
  type FeatureBatch,
  requireColumn,
  toFloat32,
  toFloat64,
  toInt32,
  withColumns,
} from "./feature-batch.js";
import { keepRateWeights } from "./keep-rate-weights.js";
import { labelColumnIndices } from "./label-columns.js";
import { applyPreprocessors } from "./preprocess.js";
import { RECAP_EMBEDDING_FIELDS } from "./recap-batch.js";
import { renameFeatures } from "./rename-features.js";
import type { FeatureMasks } from "./truncate-and-slice.js";
import { usedFeatures } from "./used-features.js";

/** What the batch is for: train/eval read labels and weights; inference has neither (zeros). */
export type RecapDataMode = "train" | "eval" | "inference";

/** Everything needed to turn raw columns into a Heavy Ranker batch. */
export interface RecapArraysOptions {
  /** The dataset's config (train_data or one validation_data entry). */
  readonly data: RecapDataConfig;
  /** Model task names in `model.tasks` order: the label/weight columns of the batch. */
  readonly modelTasks: readonly string[];
  /** Label alignment (default `fixed`: by name). */
  readonly parity?: Parity;
  /** The parsed segdense schema of `data.seg_dense_schema.schema_path`. */
  readonly schema: SegdenseSchema;
  /** Column masks of truncate_and_slice, already read from their `.npy` files. */
  readonly masks?: FeatureMasks;
  /** The large embedding tables whose id bags the batch carries (`model.large_embeddings`). */
  readonly embeddingBags?: readonly EmbeddingBagSource[];
}

/** A flat row-major float32 matrix. */
export interface Matrix<T extends Float32Array | Int32Array = Float32Array> {
  readonly values: T;
  readonly width: number;
}

/** The typed-array form of a RecapBatch (same fields, before any tensor is made). */
export interface RecapArrays {
  readonly numRows: number;
  readonly continuous: Matrix;
  readonly binary: Matrix;
  readonly discrete: Matrix<Int32Array>;
  readonly embeddings: Partial<
    Record<(typeof RECAP_EMBEDDING_FIELDS)[keyof typeof RECAP_EMBEDDING_FIELDS], Matrix>
  >;
  readonly labels: Matrix;
  readonly weights: Matrix;
  readonly taskNames: readonly string[];
  /** Id bags of the large embedding tables by table name (absent without large embeddings). */
  readonly ids?: Readonly<Record<string, IdBags>>;
}

function selectWeights(
  batch: FeatureBatch,
  labelIndices: readonly number[],
  dataTaskCount: number,
  parity: Parity,
): Matrix {
  const rows = batch.numRows;
  const width = labelIndices.length;
  const out = new Float32Array(rows * width);
  const column = batch.features.get(WEIGHTS_COLUMN);
  if (!column) return { values: out.fill(1), width };
  const weights = toFloat64(column.values);
  // Keep-rate weights have one column per data task; DownsampleNegatives' own weights have
  // num_engagements identical columns, so any column is the row's weight.
  const sourceColumns = labelIndices.map((dataIndex, task) => {
    if (column.width === dataTaskCount) return dataIndex;
    if (parity === "fixed") return 0;
    if (task >= column.width) {
      throw new DataError(
        `weights have ${column.width} columns; parity "original" reads column ${task}`,
      );
    }
    return task;
  });
  for (let row = 0; row < rows; row++) {
    for (let task = 0; task < width; task++) {
      out[row * width + task] = weights[
        row * column.width + (sourceColumns[task] as number)
      ] as number;
    }
  }
  return { values: out, width };
}

/**
 * Raw segdense columns (keyed by their schema names) → typed arrays of a RecapBatch (the
 * original's `projects/home/recap/data/dataset.py` and `data/tfe_parsing.py`):
 * check against the schema, rename, keep-rate weights, preprocessors, then labels selected for
 * the model tasks (by name, or by position with parity `original`). Inference mode needs no label
 * columns and yields zero labels and weights.
 */
export function prepareRecapArrays(
  raw: FeatureBatch,
  mode: RecapDataMode,
  options: RecapArraysOptions,
): RecapArrays {
  const { data, modelTasks, schema } = options;
  const parity = options.parity ?? "fixed";
  const dataTasks = Object.keys(data.tasks);
  const withLabels = mode !== "inference";
  const used = usedFeatures(schema, data);
  let batch = renameFeatures(
    raw,
    used,
    data.seg_dense_schema,
    withLabels ? new Set() : new Set(dataTasks),
  );
  if (withLabels) {
    const weights = keepRateWeights(batch, data.tasks);
    if (weights) batch = withColumns(batch, [[WEIGHTS_COLUMN, weights]]);
  }
  batch = applyPreprocessors(batch, data.preprocess, { masks: options.masks, withLabels });
  const rows = batch.numRows;

  const taskCount = modelTasks.length;
  let labels = new Float32Array(rows * taskCount);
  let weights: Matrix = { values: new Float32Array(rows * taskCount), width: taskCount };
  if (withLabels) {
    const indices = labelColumnIndices(modelTasks, dataTasks, parity);
    const labelColumns = indices.map((index) =>
      toFloat64(requireColumn(batch, dataTasks[index] as string, "labels").values),
    );
    labels = new Float32Array(rows * taskCount);
    labelColumns.forEach((column, task) => {
      for (let row = 0; row < rows; row++) {
        const label = column[row] as number;
        // BCE and the ranking metrics need labels in [0, 1]; anything else is bad data.
        if (!(label >= 0 && label <= 1)) {
          const name = dataTasks[indices[task] as number] as string;
          throw new DataError(
            `label column "${name}" holds ${label} in row ${row} of a batch; labels must be in [0, 1] (engagement timestamps need rectify_labels).`,
            { details: { column: name, value: label } },
          );
        }
        labels[row * taskCount + task] = label;
      }
    });
    weights = selectWeights(batch, indices, dataTasks.length, parity);
  }

  const matrix = (name: string): Matrix => {
    const column = requireColumn(batch, name, "recap batch");
    return { values: toFloat32(column.values), width: column.width };
  };
  const discrete = requireColumn(batch, "discrete", "recap batch");
  const embeddings: RecapArrays["embeddings"] = {};
  for (const [name, field] of Object.entries(RECAP_EMBEDDING_FIELDS)) {
    if (batch.features.has(name)) embeddings[field] = matrix(name);
  }
  return {
    numRows: rows,
    continuous: matrix("continuous"),
    binary: matrix("binary"),
    discrete: { values: toInt32(discrete.values), width: discrete.width },
    embeddings,
    labels: { values: labels, width: taskCount },
    weights,
    taskNames: [...modelTasks],
    ...(options.embeddingBags ? { ids: embeddingBagIds(batch, options.embeddingBags) } : {}),
  };
}
