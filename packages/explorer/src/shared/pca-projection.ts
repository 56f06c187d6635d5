/** A 2-D principal-component projection of embedding rows. */
export interface PcaProjection {
  /** rows × 2, row-major: each row's coordinates on the first two principal axes. */
  points: Float32Array;
  /** Share of the total variance along each axis (0–1). */
  explainedVariance: [number, number];
}

/**
 * Projects `rows` × `dim` vectors (row-major) onto their first two principal components: the
 * rows are centred, the dim × dim covariance formed, and its two leading eigenvectors found by
 * power iteration with deflation (deterministic start, 500 iterations at most).
 */
export function pcaProjection(vectors: Float32Array, rows: number, dim: number): PcaProjection {
  const mean = new Float64Array(dim);
  for (let row = 0; row < rows; row++)
    for (let j = 0; j < dim; j++)
      mean[j] = (mean[j] as number) + (vectors[row * dim + j] as number) / rows;
  const covariance = new Float64Array(dim * dim);
  const centred = new Float64Array(dim);
  for (let row = 0; row < rows; row++) {
    for (let j = 0; j < dim; j++)
      centred[j] = (vectors[row * dim + j] as number) - (mean[j] as number);
    for (let i = 0; i < dim; i++) {
      const a = centred[i] as number;
      for (let j = 0; j < dim; j++)
        covariance[i * dim + j] = (covariance[i * dim + j] as number) + a * (centred[j] as number);
    }
  }
  let trace = 0;
  for (let i = 0; i < dim; i++) trace += covariance[i * dim + i] as number;
  const first = leadingEigenvector(covariance, dim);
  deflate(covariance, dim, first);
  const second = leadingEigenvector(covariance, dim);
  const points = new Float32Array(rows * 2);
  for (let row = 0; row < rows; row++) {
    let x = 0;
    let y = 0;
    for (let j = 0; j < dim; j++) {
      const value = (vectors[row * dim + j] as number) - (mean[j] as number);
      x += value * (first.vector[j] as number);
      y += value * (second.vector[j] as number);
    }
    points[row * 2] = x;
    points[row * 2 + 1] = y;
  }
  const share = (value: number) => (trace > 0 ? value / trace : 0);
  return { points, explainedVariance: [share(first.value), share(second.value)] };
}

function leadingEigenvector(
  matrix: Float64Array,
  dim: number,
): { vector: Float64Array; value: number } {
  let vector = Float64Array.from({ length: dim }, (_, j) => 1 + j / dim);
  let value = 0;
  for (let iteration = 0; iteration < 500; iteration++) {
    const next = new Float64Array(dim);
    for (let i = 0; i < dim; i++) {
      let sum = 0;
      for (let j = 0; j < dim; j++) sum += (matrix[i * dim + j] as number) * (vector[j] as number);
      next[i] = sum;
    }
    const norm = Math.hypot(...next);
    if (norm === 0) return { vector, value: 0 };
    for (let i = 0; i < dim; i++) next[i] = (next[i] as number) / norm;
    const change = next.reduce((sum, entry, i) => sum + Math.abs(entry - (vector[i] as number)), 0);
    vector = next;
    value = norm;
    if (change < 1e-10) break;
  }
  return { vector, value };
}

function deflate(
  matrix: Float64Array,
  dim: number,
  eigen: { vector: Float64Array; value: number },
): void {
  for (let i = 0; i < dim; i++)
    for (let j = 0; j < dim; j++)
      matrix[i * dim + j] =
        (matrix[i * dim + j] as number) -
        eigen.value * (eigen.vector[i] as number) * (eigen.vector[j] as number);
}
