import { DataError } from "@tml/core";
import type { FeatureColumn } from "../features/feature-batch.js";
import { toFloat64 } from "../features/feature-batch.js";
import type { RawBatchTransform } from "../features/recap-dataset.js";

/** The rows of an exported TwHIN embedding table: row i (`dim` floats) is entity id i. */
export interface TwhinEmbeddingRows {
  readonly values: Float32Array;
  readonly dim: number;
}

/**
 * TwHIN embeddings that replace the data's dense embedding columns, looked up by the batch's
 * `meta.user_id` / `meta.author_id` (an id that is negative, not an integer or past the table's
 * last row gets zeros, as an entity TwHIN never saw).
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

function checkTable(key: string, table: TwhinEmbeddingRows): number {
  const { dim, values } = table;
  if (!(Number.isInteger(dim) && dim >= 1) || values.length === 0 || values.length % dim !== 0) {
    throw new DataError(
      `TwHIN ${key} embeddings: ${values.length} values do not form rows of dim ${dim}; pass the exported table with its embedding_dim`,
    );
  }
  const bad = values.findIndex((value) => !Number.isFinite(value));
  if (bad >= 0) {
    throw new DataError(
      `TwHIN ${key} embeddings: row ${Math.floor(bad / dim)} holds ${values[bad]}; the table must be finite`,
    );
  }
  return values.length / dim;
}

function lookup(
  key: string,
  table: TwhinEmbeddingRows,
  rows: number,
  ids: FeatureColumn,
  idColumn: string,
): FeatureColumn {
  if (ids.width !== 1) {
    throw new DataError(
      `TwHIN ${key} embeddings: the id column ${idColumn} has ${ids.width} values per row; expected 1`,
    );
  }
  const { dim, values } = table;
  const numbers = toFloat64(ids.values);
  const out = new Float32Array(numbers.length * dim);
  numbers.forEach((id, row) => {
    if (Number.isInteger(id) && id >= 0 && id < rows)
      out.set(values.subarray(id * dim, (id + 1) * dim), row * dim);
  });
  return { values: out, width: dim };
}

/**
 * The `transform` of `recapDatasetBatches` that swaps in TwHIN embeddings: reads the id columns
 * (whether or not the config uses them), and the files need not hold the replaced embedding
 * columns. A DataError for a table that is not whole finite rows of `dim`, or an id column that is
 * missing or wider than 1; the segdense schema's length of a replaced feature must equal its
 * table's `dim` (checked per batch by the featurizer).
 */
export function withTwhinEmbeddings(embeddings: TwhinEmbeddings): RawBatchTransform {
  const tables = Object.entries(COLUMNS).flatMap(([key, [column, idColumn]]) => {
    const table = embeddings[key as keyof TwhinEmbeddings];
    return table ? [{ key, column, idColumn, table, rows: checkTable(key, table) }] : [];
  });
  return {
    reads: [...new Set(tables.map((entry) => entry.idColumn))],
    replaces: tables.map((entry) => entry.column),
    apply: (raw) => {
      const features = new Map(raw.features);
      for (const { key, column, idColumn, table, rows } of tables) {
        const ids = raw.features.get(idColumn);
        if (!ids)
          throw new DataError(`TwHIN ${key} embeddings need the id column ${idColumn} in the data`);
        features.set(column, lookup(key, table, rows, ids, idColumn));
      }
      return { numRows: raw.numRows, features };
    },
  };
}
