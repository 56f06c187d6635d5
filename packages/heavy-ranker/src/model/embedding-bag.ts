import type { Rng } from "@tml/core";
import type { EmbeddingBagConfig } from "../config/model-config.js";

/** B x n int32 ids of one table's bags (negative ids are padding). */
export interface BagIds {
  readonly values: Int32Array;
  readonly width: number;
}

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
 * One embedding bag (a table of torchrec's EmbeddingBagCollection): a `rows x dim` float32 table
 * outside tfjs autodiff, initialised as torchrec does, uniform in ±√(1/rows). `pool` writes each
 * row's pooled vector (sum or mean of the rows of its non-negative ids, ids modulo `rows`);
 * `gradient` turns the gradient of the pooled vectors into a row-sparse table gradient. Scratch
 * buffers are reused across batches.
 */
export class EmbeddingBag {
  readonly name: string;
  readonly rows: number;
  readonly dim: number;
  readonly pooling: EmbeddingBagConfig["pooling"];
  /** rows x dim, row-major. */
  readonly weight: Float32Array;
  private readonly slotOfRow = new Map<number, number>();
  private rowIds = new Int32Array(0);
  private values = new Float32Array(0);

  constructor(config: EmbeddingBagConfig, rng: Rng) {
    this.name = config.name;
    this.rows = config.num_embeddings;
    this.dim = config.embedding_dim;
    this.pooling = config.pooling;
    const bound = Math.sqrt(1 / this.rows);
    this.weight = rng.fillUniform(new Float32Array(this.rows * this.dim), -bound, bound);
  }

  /** Row of `id` (non-negative), the id taken modulo the table size. */
  rowOf(id: number): number {
    return id % this.rows;
  }

  /**
   * Pools the bags of `batchSize` rows into `out` [B, outWidth] at column `outOffset` (the columns
   * are overwritten).
   */
  pool(ids: BagIds, batchSize: number, out: Float32Array, outWidth: number, outOffset: number) {
    const { dim, weight } = this;
    for (let row = 0; row < batchSize; row++) {
      const target = row * outWidth + outOffset;
      out.fill(0, target, target + dim);
      let count = 0;
      for (let k = 0; k < ids.width; k++) {
        const id = ids.values[row * ids.width + k] as number;
        if (id < 0) continue;
        count += 1;
        const source = this.rowOf(id) * dim;
        for (let d = 0; d < dim; d++) out[target + d] += weight[source + d] as number;
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
    ids: BagIds,
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
