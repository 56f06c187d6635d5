import { DataError } from "@tml/core";
import type { EmbeddingRows } from "./embedding-files.js";

/** Options of `embeddingFeatures`. */
export interface EmbeddingFeatureOptions {
  /** Output width (default the embeddings' dim); shorter keeps the first dims, longer pads zeros. */
  dim?: number;
  /** Ids without an embedding: zeros (default) or a DataError. */
  missing?: "zeros" | "error";
}

/**
 * Dense feature rows for the Heavy Ranker (`user_embedding`, `author_embedding`): for each entity
 * id, its exported TwHIN vector, as an `ids.length x dim` Float32Array.
 */
export function embeddingFeatures(
  embeddings: EmbeddingRows,
  ids: ArrayLike<number | bigint>,
  options: EmbeddingFeatureOptions = {},
): Float32Array {
  const dim = options.dim ?? embeddings.dim;
  const index = new Map<number, number>();
  // Exports are usually dense (row i holds id i): then no map is needed.
  const dense = embeddings.ids.every((id, i) => id === i);
  if (!dense) {
    for (let row = 0; row < embeddings.ids.length; row++) index.set(embeddings.ids[row]!, row);
  }
  const out = new Float32Array(ids.length * dim);
  const copy = Math.min(dim, embeddings.dim);
  for (let i = 0; i < ids.length; i++) {
    const id = Number(ids[i]!);
    const row = dense ? (id >= 0 && id < embeddings.ids.length ? id : -1) : (index.get(id) ?? -1);
    if (row < 0) {
      if (options.missing === "error") {
        throw new DataError(
          `No embedding for id ${id} (position ${i}); ${embeddings.ids.length} ids were exported.`,
          {
            details: { id, position: i },
          },
        );
      }
      continue;
    }
    out.set(
      embeddings.vectors.subarray(row * embeddings.dim, row * embeddings.dim + copy),
      i * dim,
    );
  }
  return out;
}
