import {
  DataError,
  decodeHalfPrecision,
  encodeHalfPrecision,
  type Rng,
  type StateArray,
} from "@tml/core";
import type { EmbeddingBagConfig } from "../config/model-config.js";
import type { IdBags } from "../features/embedding-bag-ids.js";

/**
 * The gradient of one table for a batch, row-sparse: `values[s * dim ..]` (dim floats) is the
 * summed gradient of row `rowIds[s]`, for s < count; each row appears once.
 */
export interface RowSparseGradient {
  readonly rowIds: Int32Array;
  readonly values: Float32Array;
  readonly count: number;
}

/**
 * One embedding bag (a table of torchrec's EmbeddingBagCollection): a `rows x dim` table outside
 * tfjs autodiff, stored as `data_type` (fp32, or fp16 / bf16 bits: half the memory) with fp32
 * arithmetic (rows are decoded to read and rounded to write), initialised as torchrec does, uniform
 * in ±√(1/rows). `pool` writes each row's pooled vector (sum or mean of the rows of its non-negative
 * ids, ids modulo `rows`); `gradient` turns the gradient of the pooled vectors into a row-sparse
 * table gradient. Scratch buffers are reused across batches.
 */
export class EmbeddingBag {
  readonly name: string;
  readonly rows: number;
  readonly dim: number;
  readonly pooling: EmbeddingBagConfig["pooling"];
  readonly dataType: EmbeddingBagConfig["data_type"];
  /** rows x dim, row-major: float32 values, or fp16 / bf16 bits. */
  readonly storage: Float32Array | Uint16Array;
  private readonly slotOfRow = new Map<number, number>();
  private readonly rowScratch: Float32Array;
  private rowIds = new Int32Array(0);
  private values = new Float32Array(0);

  constructor(config: EmbeddingBagConfig, rng: Rng) {
    this.name = config.name;
    this.rows = config.num_embeddings;
    this.dim = config.embedding_dim;
    this.pooling = config.pooling;
    this.dataType = config.data_type;
    this.rowScratch = new Float32Array(this.dim);
    const bound = Math.sqrt(1 / this.rows);
    if (this.dataType === "fp32") {
      this.storage = rng.fillUniform(new Float32Array(this.rows * this.dim), -bound, bound);
    } else {
      this.storage = new Uint16Array(this.rows * this.dim);
      for (let row = 0; row < this.rows; row++) {
        rng.fillUniform(this.rowScratch, -bound, bound);
        this.writeRow(row, this.rowScratch, 0);
      }
    }
  }

  /** [rows, dim]. */
  get shape(): [number, number] {
    return [this.rows, this.dim];
  }

  /** Decodes row `row` into `out[offset .. offset + dim)`. */
  readRow(row: number, out: Float32Array, offset: number): void {
    const start = row * this.dim;
    if (this.storage instanceof Float32Array)
      out.set(this.storage.subarray(start, start + this.dim), offset);
    else decodeHalfPrecision(this.dataType as "fp16", this.storage, start, out, offset, this.dim);
  }

  /** Writes `values[offset .. offset + dim)` to row `row` (rounded to the storage type). */
  writeRow(row: number, values: Float32Array, offset: number): void {
    const start = row * this.dim;
    if (this.storage instanceof Float32Array)
      this.storage.set(values.subarray(offset, offset + this.dim), start);
    else
      encodeHalfPrecision(this.dataType as "fp16", values, offset, this.storage, start, this.dim);
  }

  /** The whole table as float32: the storage itself for fp32, a decoded copy otherwise. */
  toFloat32(): Float32Array {
    if (this.storage instanceof Float32Array) return this.storage;
    const out = new Float32Array(this.storage.length);
    decodeHalfPrecision(this.dataType as "fp16", this.storage, 0, out, 0, out.length);
    return out;
  }

  /** Overwrites the table from float32 values (rounded to the storage type). */
  assign(values: Float32Array): void {
    if (values.length !== this.storage.length) {
      throw new DataError(
        `large embedding table ${this.name}: ${values.length} values for [${this.rows}, ${this.dim}]`,
      );
    }
    if (this.storage instanceof Float32Array) this.storage.set(values);
    else encodeHalfPrecision(this.dataType as "fp16", values, 0, this.storage, 0, values.length);
  }

  /**
   * At most `maxRows` rows read at an even stride of ⌈rows ÷ maxRows⌉ (all of them, a view for
   * fp32, when the table is no larger), decoded to float32: what the row-norm log reads.
   */
  sampledRows(maxRows: number): Float32Array {
    if (this.rows <= maxRows) return this.toFloat32();
    const stride = Math.ceil(this.rows / maxRows);
    const count = Math.ceil(this.rows / stride);
    const out = new Float32Array(count * this.dim);
    for (let k = 0; k < count; k++) this.readRow(k * stride, out, k * this.dim);
    return out;
  }

  /** The stored table as a checkpoint array (float32, or uint16 bits for fp16 / bf16). */
  stateArray(): StateArray {
    const dtype = this.storage instanceof Float32Array ? "float32" : "uint16";
    return { dtype, shape: this.shape, data: this.storage };
  }

  /** Row of `id` (non-negative), the id taken modulo the table size. */
  rowOf(id: number): number {
    return id % this.rows;
  }

  /**
   * Pools the bags of `batchSize` rows into `out` [B, outWidth] at column `outOffset` (the columns
   * are overwritten).
   */
  pool(ids: IdBags, batchSize: number, out: Float32Array, outWidth: number, outOffset: number) {
    const { dim, rowScratch } = this;
    for (let row = 0; row < batchSize; row++) {
      const target = row * outWidth + outOffset;
      out.fill(0, target, target + dim);
      let count = 0;
      for (let k = 0; k < ids.width; k++) {
        const id = ids.values[row * ids.width + k] as number;
        if (id < 0) continue;
        count += 1;
        this.readRow(this.rowOf(id), rowScratch, 0);
        for (let d = 0; d < dim; d++) out[target + d] += rowScratch[d] as number;
      }
      if (this.pooling === "mean" && count > 1) {
        for (let d = 0; d < dim; d++) out[target + d] /= count;
      }
    }
  }

  /**
   * Gradient w.r.t. the table from `gradOutput` [B, outWidth] (columns `outOffset ..` are this
   * bag's): each id's row receives its bag's gradient (divided by the bag size under `mean`),
   * summed over the batch. The returned arrays are scratch, valid until the next call.
   */
  gradient(
    ids: IdBags,
    batchSize: number,
    gradOutput: Float32Array,
    outWidth: number,
    outOffset: number,
  ): RowSparseGradient {
    const { dim } = this;
    const capacity = batchSize * ids.width;
    if (this.rowIds.length < capacity) {
      this.rowIds = new Int32Array(capacity);
      this.values = new Float32Array(capacity * dim);
    }
    const slots = this.slotOfRow;
    slots.clear();
    let count = 0;
    for (let row = 0; row < batchSize; row++) {
      let present = 0;
      for (let k = 0; k < ids.width; k++)
        if ((ids.values[row * ids.width + k] as number) >= 0) present++;
      if (present === 0) continue;
      const scale = this.pooling === "mean" ? 1 / present : 1;
      const source = row * outWidth + outOffset;
      for (let k = 0; k < ids.width; k++) {
        const id = ids.values[row * ids.width + k] as number;
        if (id < 0) continue;
        const tableRow = this.rowOf(id);
        let slot = slots.get(tableRow);
        if (slot === undefined) {
          slot = count++;
          slots.set(tableRow, slot);
          this.rowIds[slot] = tableRow;
          this.values.fill(0, slot * dim, (slot + 1) * dim);
        }
        const target = slot * dim;
        for (let d = 0; d < dim; d++)
          this.values[target + d] += scale * (gradOutput[source + d] as number);
      }
    }
    return { rowIds: this.rowIds, values: this.values, count };
  }
}
