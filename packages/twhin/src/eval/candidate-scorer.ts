import * as tf from "@tensorflow/tfjs-core";
import { hasCompiledBackend } from "../model/dense-products.js";
import { gemmNT } from "../model/gemm.js";

const CHUNK_ROWS = 1 << 18;

/**
 * Scores blocks of query vectors against every row of a candidate table: `out[j * q + i] =
 * <query_i, row_j>` (candidate-major). On a compiled tfjs backend the table is uploaded once in
 * chunks of 2^18 rows and each block is one matMul per chunk; otherwise JS loops.
 */
export class CandidateScorer {
  readonly rows: number;
  readonly dim: number;
  private readonly data: Float32Array;
  private readonly chunks: tf.Tensor2D[] = [];

  constructor(data: Float32Array, rows: number, dim: number, useTf = hasCompiledBackend()) {
    this.data = data;
    this.rows = rows;
    this.dim = dim;
    if (useTf) {
      for (let start = 0; start < rows; start += CHUNK_ROWS) {
        const end = Math.min(rows, start + CHUNK_ROWS);
        this.chunks.push(tf.tensor2d(data.subarray(start * dim, end * dim), [end - start, dim]));
      }
    }
  }

  /** Scores `q` queries (row-major q x dim) against all rows into `out` (rows x q). */
  score(queries: Float32Array, q: number, out: Float32Array): void {
    const dim = this.dim;
    if (this.chunks.length === 0) {
      // out^T = queries * data^T, written candidate-major.
      for (let j = 0; j < this.rows; j++) {
        gemmNT(this.data, j * dim, 1, queries, 0, q, dim, { data: out, offset: j * q, stride: q });
      }
      return;
    }
    const transposed = new Float32Array(dim * q);
    for (let i = 0; i < q; i++) for (let d = 0; d < dim; d++) transposed[d * q + i] = queries[i * dim + d]!;
    const right = tf.tensor2d(transposed, [dim, q]);
    let offset = 0;
    for (const chunk of this.chunks) {
      const product = tf.matMul(chunk, right);
      out.set(product.dataSync() as Float32Array, offset);
      offset += chunk.shape[0] * q;
      product.dispose();
    }
    right.dispose();
  }

  /** Frees the uploaded tensors. */
  dispose(): void {
    for (const chunk of this.chunks) chunk.dispose();
    this.chunks.length = 0;
  }
}
