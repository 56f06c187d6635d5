import type { Rng } from "@tml/core";

/**
 * One entity type's embeddings: `rows x dim` float32, row-major, owned outside tfjs so that a
 * step touches only the rows of its batch. A 10M x 200 table is one 8 GB Float32Array.
 */
export class EmbeddingTable {
  readonly name: string;
  readonly rows: number;
  readonly dim: number;
  readonly data: Float32Array;

  constructor(name: string, rows: number, dim: number, data?: Float32Array) {
    this.name = name;
    this.rows = rows;
    this.dim = dim;
    this.data = data ?? new Float32Array(rows * dim);
  }

  /** Fills the table with U(-scale, scale); the original's default scale is sqrt(1/rows). */
  initUniform(rng: Rng, scale = Math.sqrt(1 / this.rows)): this {
    rng.fillUniform(this.data, -scale, scale);
    return this;
  }

  /** A view of row `row` (no copy). */
  row(row: number): Float32Array {
    return this.data.subarray(row * this.dim, (row + 1) * this.dim);
  }
}
