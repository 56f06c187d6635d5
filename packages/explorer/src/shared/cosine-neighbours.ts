/** One neighbour: its row in the table and its cosine similarity to the query. */
export interface CosineNeighbour {
  row: number;
  similarity: number;
}

/**
 * The `k` rows of a `rows` × `dim` table (row-major) most cosine-similar to row `query`, best
 * first, the query itself excluded (ties: lower row first). Zero rows have similarity 0.
 */
export function cosineNeighbours(
  table: Float32Array,
  rows: number,
  dim: number,
  query: number,
  k: number,
): CosineNeighbour[] {
  const norms = new Float64Array(rows);
  for (let row = 0; row < rows; row++) {
    let sum = 0;
    for (let j = 0; j < dim; j++) sum += (table[row * dim + j] as number) ** 2;
    norms[row] = Math.sqrt(sum);
  }
  const scored: CosineNeighbour[] = [];
  for (let row = 0; row < rows; row++) {
    if (row === query) continue;
    let dot = 0;
    for (let j = 0; j < dim; j++)
      dot += (table[row * dim + j] as number) * (table[query * dim + j] as number);
    const denominator = (norms[row] as number) * (norms[query] as number);
    scored.push({ row, similarity: denominator > 0 ? dot / denominator : 0 });
  }
  scored.sort((a, b) => b.similarity - a.similarity || a.row - b.row);
  return scored.slice(0, k);
}
