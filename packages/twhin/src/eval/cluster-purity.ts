import { Rng } from "@tml/core";

/**
 * Clustering purity of embeddings against planted labels: k-means (k = number of labels, cosine,
 * k-means++ seeding, seeded) on the rows, then purity = (1/N) * sum over clusters of the size of
 * its most common label. 1 = every cluster is one community; 1/k ~ chance for balanced labels.
 */
export function clusterPurity(
  vectors: Float32Array,
  dim: number,
  labels: Int32Array,
  seed = 0,
  iterations = 25,
): number {
  const n = labels.length;
  const k = Math.max(...labels) + 1;
  const unit = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += vectors[i * dim + d]! ** 2;
    const inverse = 1 / Math.sqrt(Math.max(s, 1e-24));
    for (let d = 0; d < dim; d++) unit[i * dim + d] = vectors[i * dim + d]! * inverse;
  }
  const rng = new Rng(seed).fork("kmeans");
  const centroids = new Float32Array(k * dim);
  const assignment = new Int32Array(n);
  const similarity = (i: number, c: number) => {
    let s = 0;
    for (let d = 0; d < dim; d++) s += unit[i * dim + d]! * centroids[c * dim + d]!;
    return s;
  };
  // k-means++ on cosine distance (1 - similarity).
  const first = rng.int(n);
  centroids.set(unit.subarray(first * dim, (first + 1) * dim));
  const best = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  for (let c = 1; c < k; c++) {
    let total = 0;
    for (let i = 0; i < n; i++) {
      best[i] = Math.min(best[i]!, Math.max(0, 1 - similarity(i, c - 1)) ** 2);
      total += best[i]!;
    }
    let pick = rng.next() * total;
    let chosen = n - 1;
    for (let i = 0; i < n; i++) {
      pick -= best[i]!;
      if (pick <= 0) {
        chosen = i;
        break;
      }
    }
    centroids.set(unit.subarray(chosen * dim, (chosen + 1) * dim), c * dim);
  }
  for (let iteration = 0; iteration < iterations; iteration++) {
    for (let i = 0; i < n; i++) {
      let top = 0;
      for (let c = 1; c < k; c++) if (similarity(i, c) > similarity(i, top)) top = c;
      assignment[i] = top;
    }
    centroids.fill(0);
    for (let i = 0; i < n; i++)
      for (let d = 0; d < dim; d++) centroids[assignment[i]! * dim + d]! += unit[i * dim + d]!;
  }
  const counts = new Int32Array(k * k);
  for (let i = 0; i < n; i++) counts[assignment[i]! * k + labels[i]!]!++;
  let pure = 0;
  for (let c = 0; c < k; c++) pure += Math.max(...counts.subarray(c * k, (c + 1) * k));
  return pure / n;
}
