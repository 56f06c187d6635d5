import * as tf from "@tensorflow/tfjs-core";
import { DataError } from "@tml/core";
import type { IdBags } from "../features/embedding-bag-ids.js";
import { disposeRecapBatch, type RecapBatch } from "../features/recap-batch.js";
import { type RankedCandidate, rankCandidates, type ScoringModel } from "./rank-candidates.js";

/**
 * B candidates as plain row-major typed arrays (no tensors): what a program that is not built on
 * tfjs hands the ranker. Widths are the lengths divided by `rows`.
 */
export interface CandidateArrays {
  /** Number of candidates B. */
  rows: number;
  /** B x C continuous features, raw (the model log-normalises them). */
  continuous: Float32Array;
  /** B x Bn binary features (0 / 1). */
  binary: Float32Array;
  /** B x D discrete features (small-embedding and position-debias ids; default none). */
  discrete?: Int32Array;
  /** B x 200 TwHIN user follow embedding, when the model was built with `user_embedding`. */
  userEmbedding?: Float32Array;
  /** B x 200 TwHIN user engagement embedding (`user_eng_embedding`). */
  userEngEmbedding?: Float32Array;
  /** B x 200 TwHIN author follow embedding (`author_embedding`). */
  authorEmbedding?: Float32Array;
  /** Id bags of the model's large embedding tables by table name (B x n int32 each). */
  ids?: Readonly<Record<string, IdBags>>;
}

const FIELDS = [
  "continuous",
  "binary",
  "discrete",
  "userEmbedding",
  "userEngEmbedding",
  "authorEmbedding",
] as const;

/**
 * Ranks candidates given as plain arrays with a model in inference mode (`rankCandidates`: score =
 * Σ weight × calibrated probability, best first, published serving weights by default). The
 * tensors are made with the tfjs instance the model uses and freed before returning, so callers
 * need no tfjs import; `selectEngine` (from `@tml/engine`) must have run. Lengths that are not a
 * multiple of `rows`, and NaN or infinite values, are DataErrors naming the field and row.
 */
export async function rankArrays(
  model: ScoringModel,
  candidates: CandidateArrays,
  weights?: Readonly<Record<string, number>>,
): Promise<RankedCandidate[]> {
  const rows = candidates.rows;
  if (!Number.isInteger(rows) || rows < 1)
    throw new DataError(`rankArrays: rows must be a positive integer, got ${rows}.`);
  for (const field of FIELDS) {
    const values = candidates[field];
    if (values === undefined) continue;
    if (values.length % rows !== 0) {
      throw new DataError(
        `rankArrays: ${field} has ${values.length} values, not a multiple of ${rows} rows.`,
        { details: { field } },
      );
    }
    const width = values.length / rows;
    for (let i = 0; i < values.length; i++) {
      if (values[i]! - values[i]! !== 0) {
        throw new DataError(
          `rankArrays: ${field} row ${Math.floor(i / width)} holds ${values[i]}; features must be finite.`,
          { details: { field, row: Math.floor(i / width) } },
        );
      }
    }
  }
  const matrix = (values: Float32Array | Int32Array) =>
    tf.tensor2d(
      values,
      [rows, values.length / rows],
      values instanceof Int32Array ? "int32" : "float32",
    );
  const tasks = model.taskNames.length;
  const batch: RecapBatch = {
    size: rows,
    continuous: matrix(candidates.continuous),
    binary: matrix(candidates.binary),
    discrete: matrix(candidates.discrete ?? new Int32Array(0)),
    ...(candidates.userEmbedding && { userEmbedding: matrix(candidates.userEmbedding) }),
    ...(candidates.userEngEmbedding && { userEngEmbedding: matrix(candidates.userEngEmbedding) }),
    ...(candidates.authorEmbedding && { authorEmbedding: matrix(candidates.authorEmbedding) }),
    labels: tf.zeros([rows, tasks]),
    weights: tf.zeros([rows, tasks]),
    taskNames: model.taskNames,
    ...(candidates.ids && { ids: candidates.ids }),
  };
  try {
    return await rankCandidates(model, batch, weights);
  } finally {
    disposeRecapBatch(batch);
  }
}
