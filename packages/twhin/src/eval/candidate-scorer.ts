import * as tf from "@tensorflow/tfjs-core";
import { hasCompiledProducts } from "@tml/engine";
import { gemmNT } from "../kernels/gemm.js";

const CHUNK_ROWS = 1 << 18;

/**
 * Scores blocks of query vectors against every row of a candidate table: `out[i * rows + j] =
 * <query_i, row_j>` (query-major, so each ranking then reads one contiguous row). On a compiled tfjs backend the table is uploaded once in
 * chunks of 2^18 rows and each block is one matMul per chunk, read back asynchronously (a GPU
 * backend such as webgpu has no synchronous read); otherwise JS loops.
 */
export class CandidateScorer {
  readonly rows: number;
  readonly dim: number;
  private readonly data: Float32Array;
  private readonly chunks: tf.Tensor2D[] = [];

  constructor(data: Float32Array, rows: number, dim: number, useTf = hasCompiledProducts()) {
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

  /** Scores `q` queries (row-major q x dim) against all rows into `out` (q x rows). */
  async score(queries: Float32Array, q: number, out: Float32Array): Promise<void> {
    const dim = this.dim;
    if (this.chunks.length === 0) {
      gemmNT(queries, 0, q, this.data, 0, this.rows, dim, {
        data: out,
        offset: 0,
        stride: this.rows,
      });
      return;
    }
    const transposed = new Float32Array(dim * q);
    for (let i = 0; i < q; i++)
      for (let d = 0; d < dim; d++) transposed[d * q + i] = queries[i * dim + d]!;
    const right = tf.tensor2d(transposed, [dim, q]);
    try {
      let first = 0;
      for (const chunk of this.chunks) {
        const product = tf.matMul(chunk, right);
        try {
          const values = (await product.data()) as Float32Array;
          transposeInto(values, chunk.shape[0], q, out, first, this.rows);
        } finally {
          product.dispose();
        }
        first += chunk.shape[0];
      }
    } finally {
      right.dispose();
    }
  }

  /** Frees the uploaded tensors. */
  dispose(): void {
    for (const chunk of this.chunks) chunk.dispose();
    this.chunks.length = 0;
  }
}

const TILE = 32;

// Writes src (n x q, candidate-major) into out[i * rows + first + j], in cache-sized tiles.
function transposeInto(
  src: Float32Array,
  n: number,
  q: number,
  out: Float32Array,
  first: number,
  rows: number,
): void {
  for (let j0 = 0; j0 < n; j0 += TILE) {
    const j1 = Math.min(n, j0 + TILE);
    for (let i0 = 0; i0 < q; i0 += TILE) {
      const i1 = Math.min(q, i0 + TILE);
      for (let j = j0; j < j1; j++) {
        const from = j * q;
        for (let i = i0; i < i1; i++) out[i * rows + first + j] = src[from + i]!;
      }
    }
  }
}
