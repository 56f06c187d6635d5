import { DataError, type Rng } from "@tml/core";
import { rocAuc } from "./expected-auc.js";
import type { EmbeddingMatrix } from "./ranker-world.js";

/**
 * How well embeddings recover planted communities: the ROC AUC of the cosine similarity of random
 * node pairs for telling same-community pairs from different-community pairs (0.5 = no
 * information, 1 = perfectly separated). `pairs` pairs are drawn uniformly with `rng`; nodes are
 * rows of `table`, `communities[i]` the planted community of row i (a generated graph's
 * `communities/<table>.parquet`).
 */
export function communityPairAuc(
  table: EmbeddingMatrix,
  communities: Int32Array,
  rng: Rng,
  pairs = 100_000,
): number {
  if (communities.length !== table.rows) {
    throw new DataError(
      `communityPairAuc: ${communities.length} community labels for ${table.rows} embedding rows`,
    );
  }
  const { dim, values } = table;
  const norms = new Float64Array(table.rows);
  for (let row = 0; row < table.rows; row++) {
    let sum = 0;
    for (let d = 0; d < dim; d++) sum += (values[row * dim + d] as number) ** 2;
    norms[row] = Math.sqrt(sum) || 1;
  }
  const scores = new Float64Array(pairs);
  const labels = new Uint8Array(pairs);
  for (let k = 0; k < pairs; k++) {
    const a = rng.int(table.rows);
    let b = rng.int(table.rows - 1);
    if (b >= a) b++;
    let dot = 0;
    for (let d = 0; d < dim; d++)
      dot += (values[a * dim + d] as number) * (values[b * dim + d] as number);
    scores[k] = dot / ((norms[a] as number) * (norms[b] as number));
    labels[k] = communities[a] === communities[b] ? 1 : 0;
  }
  return rocAuc(scores, labels);
}
