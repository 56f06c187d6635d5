import { DataError } from "@tml/core";
import type { FeatureBatch, FeatureColumn } from "../features/feature-batch.js";
import { toFloat64 } from "../features/feature-batch.js";

/** The rows of an exported TwHIN embedding table: row i (`dim` floats) is entity id i. */
export interface TwhinEmbeddingRows {
  readonly values: Float32Array;
  readonly dim: number;
}

/**
 * TwHIN embeddings that replace the data's dense embedding columns, looked up by the batch's
 * `meta.user_id` / `meta.author_id` (ids outside the table get zeros).
 */
export interface TwhinEmbeddings {
  /** User follow embedding (`user_embedding`) by `meta.user_id`. */
  readonly user?: TwhinEmbeddingRows;
  /** User engagement embedding (`user_eng_embedding`) by `meta.user_id`. */
  readonly userEngagement?: TwhinEmbeddingRows;
  /** Author follow embedding (`author_embedding`) by `meta.author_id`. */
  readonly author?: TwhinEmbeddingRows;
}

const COLUMNS = {
  user: [
    "user.timelines.twhin_user_follow_embeddings.twhin_user_follow_embeddings",
    "meta.user_id",
  ],
  userEngagement: [
    "user.timelines.twhin_user_engagement_embeddings.twhin_user_engagement_embeddings",
    "meta.user_id",
  ],
  author: [
    "original_author.timelines.twhin_author_follow_embeddings.twhin_author_follow_embeddings",
    "meta.author_id",
  ],
} as const;

function lookup(table: TwhinEmbeddingRows, ids: Float64Array): FeatureColumn {
  const out = new Float32Array(ids.length * table.dim);
  const rows = table.values.length / table.dim;
  ids.forEach((id, row) => {
    if (id >= 0 && id < rows)
      out.set(table.values.subarray(id * table.dim, (id + 1) * table.dim), row * table.dim);
  });
  return { values: out, width: table.dim };
}

/** A raw-batch transform that swaps in TwHIN embeddings (the `transform` of `recapDatasetBatches`). */
export function withTwhinEmbeddings(
  embeddings: TwhinEmbeddings,
): (raw: FeatureBatch) => FeatureBatch {
  return (raw) => {
    const features = new Map(raw.features);
    for (const [key, [column, idColumn]] of Object.entries(COLUMNS)) {
      const table = embeddings[key as keyof TwhinEmbeddings];
      if (!table) continue;
      const ids = raw.features.get(idColumn);
      if (!ids)
        throw new DataError(`TwHIN ${key} embeddings need the id column ${idColumn} in the data`);
      features.set(column, lookup(table, toFloat64(ids.values)));
    }
    return { numRows: raw.numRows, features };
  };
}
