import type { NeighbourList } from "../reports/link-prediction.js";

/** A row-major embedding table (row i = entity i). */
export interface EmbeddingMatrix {
  name: string;
  rows: number;
  dim: number;
  values: Float32Array;
}

/**
 * The `k` nearest rows of `table` to each query row by cosine similarity (the query itself
 * excluded), most similar first. O(queries × rows × dim): meant for a handful of sample entities.
 */
export function nearestNeighbours(
  table: EmbeddingMatrix,
  queries: readonly number[],
  k = 5,
): NeighbourList[] {
  const { rows, dim, values } = table;
  const norms = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let d = 0; d < dim; d++) sum += (values[r * dim + d] as number) ** 2;
    norms[r] = Math.sqrt(sum) || 1;
  }
  return queries.map((query) => {
    const best: { id: number; score: number }[] = [];
    for (let r = 0; r < rows; r++) {
      if (r === query) continue;
      let dot = 0;
      for (let d = 0; d < dim; d++)
        dot += (values[query * dim + d] as number) * (values[r * dim + d] as number);
      const score = dot / ((norms[query] as number) * (norms[r] as number));
      if (best.length < k || score > (best[best.length - 1] as { score: number }).score) {
        best.push({ id: r, score });
        best.sort((a, b) => b.score - a.score || a.id - b.id);
        if (best.length > k) best.pop();
      }
    }
    return { table: table.name, id: query, neighbours: best };
  });
}
