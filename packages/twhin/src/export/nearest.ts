import { DataError } from "@tml/core";
import { hasCompiledProducts } from "@tml/engine";
import { CandidateScorer } from "../eval/candidate-scorer.js";
import { TopK } from "./top-k.js";

/** Below this many queries the table is not uploaded to the tensor backend. */
const FEW_QUERIES = 64;

/** Options of `topKNeighbours`. */
export interface TopKOptions {
  /** Neighbours per query. */
  k: number;
  /** Similarity: dot product or cosine. */
  metric: "dot" | "cos";
  /** Per query, a row id to leave out (the query's own id), or -1. */
  exclude?: Int32Array;
}

/** Neighbours of each query, best first: `ids[i * k + r]` and `scores[i * k + r]` (-1 / NaN pads). */
export interface Neighbours {
  ids: Int32Array;
  scores: Float32Array;
  k: number;
}

/**
 * Exact top-k of `q` query vectors (q x dim) against every row of a `rows x dim` table: blocks of
 * queries scored by one dense product per table chunk, then a bounded heap per query.
 */
export async function topKNeighbours(
  data: Float32Array,
  rows: number,
  dim: number,
  queries: Float32Array,
  q: number,
  options: TopKOptions,
): Promise<Neighbours> {
  if (!Number.isInteger(options.k) || options.k < 1) {
    throw new DataError(`k must be a positive integer, got ${options.k}.`, {
      details: { k: options.k },
    });
  }
  const k = Math.min(options.k, rows);
  const cos = options.metric === "cos";
  const inverseNorms = new Float32Array(cos ? rows : 0);
  for (let j = 0; cos && j < rows; j++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += data[j * dim + d]! ** 2;
    inverseNorms[j] = 1 / Math.sqrt(Math.max(s, 1e-24));
  }
  // A few queries (sample neighbours) are scored by JS loops: uploading the table to the tensor
  // backend would cost more time, and a second copy of the table in memory.
  const scorer = new CandidateScorer(data, rows, dim, q >= FEW_QUERIES && hasCompiledProducts());
  // Score rows of at most 2^26 floats, and no more rows than there are queries.
  const block = Math.max(1, Math.min(q, 256, Math.floor((1 << 26) / rows)));
  const vectors = new Float32Array(block * dim);
  const scores = new Float32Array(block * rows);
  const out: Neighbours = {
    ids: new Int32Array(q * options.k),
    scores: new Float32Array(q * options.k),
    k: options.k,
  };
  const heap = new TopK(k);
  try {
    for (let start = 0; start < q; start += block) {
      const n = Math.min(block, q - start);
      vectors.set(queries.subarray(start * dim, (start + n) * dim));
      await scorer.score(vectors, n, scores);
      for (let i = 0; i < n; i++) {
        heap.clear();
        const skip = options.exclude ? options.exclude[start + i]! : -1;
        for (let j = 0, at = i * rows; j < rows; j++, at++) {
          if (j === skip) continue;
          heap.push(j, cos ? scores[at]! * inverseNorms[j]! : scores[at]!);
        }
        heap.drain(out.ids, out.scores, (start + i) * options.k);
        if (cos) {
          let s = 0;
          for (let d = 0; d < dim; d++) s += queries[(start + i) * dim + d]! ** 2;
          const inverse = 1 / Math.sqrt(Math.max(s, 1e-24));
          for (let r = 0; r < options.k; r++) out.scores[(start + i) * options.k + r]! *= inverse;
        }
      }
    }
  } finally {
    scorer.dispose();
  }
  return out;
}
