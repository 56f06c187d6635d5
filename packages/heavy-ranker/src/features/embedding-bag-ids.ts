import { DataError } from "@tml/core";
import type { EmbeddingBagConfig } from "../config/model-config.js";
import { type FeatureBatch, requireColumn, toInt32 } from "./feature-batch.js";

/** Where a large embedding table reads its ids (see `embeddingBagConfigSchema`). */
export type EmbeddingBagSource = Pick<
  EmbeddingBagConfig,
  "name" | "feature_name" | "discrete_indices"
>;

/** B x n int32 ids of one table's bags, row-major (negative ids are padding). */
export interface IdBags {
  readonly values: Int32Array;
  readonly width: number;
}

/**
 * The id bags of every large table for a batch of renamed, preprocessed columns: table name →
 * B x n int32 ids (n = the feature's width, or the number of `discrete_indices`). int64 ids keep
 * their low 32 bits. Throws DataError when a source column is missing or too narrow.
 */
export function embeddingBagIds(
  batch: FeatureBatch,
  sources: readonly EmbeddingBagSource[],
): Record<string, IdBags> {
  const ids: Record<string, IdBags> = {};
  for (const source of sources) {
    const context = `large_embeddings table ${source.name}`;
    if (source.feature_name !== null) {
      const column = requireColumn(batch, source.feature_name, context);
      ids[source.name] = { values: toInt32(column.values), width: column.width };
      continue;
    }
    const indices = source.discrete_indices ?? [];
    const discrete = requireColumn(batch, "discrete", context);
    const tooWide = indices.find((index) => index >= discrete.width);
    if (tooWide !== undefined) {
      throw new DataError(
        `${context}: discrete_indices names column ${tooWide} but the batch has ${discrete.width} discrete columns`,
      );
    }
    const values = toInt32(discrete.values);
    const rows = batch.numRows;
    const width = indices.length;
    const out = new Int32Array(rows * width);
    for (let row = 0; row < rows; row++) {
      for (let k = 0; k < width; k++)
        out[row * width + k] = values[row * discrete.width + (indices[k] as number)] as number;
    }
    ids[source.name] = { values: out, width };
  }
  return ids;
}
