import {
  DataError,
  decodeHalfPrecision,
  encodeHalfPrecision,
  type HalfPrecisionFormat,
  type Rng,
} from "@tml/core";
import { type Float32Allocator, heapFloat32 } from "@tml/training/parallel";
import { gatherTableRows, scatterTableRows } from "../kernels/table-rows.js";

/** How a table stores its values (a table's `data_type`): float32, or 16-bit fp16 / bf16. */
export type TableStorage = "fp32" | HalfPrecisionFormat;

/** The stored values of a table: float32, or the bit patterns of a 16-bit format. */
export type StoredValues = Float32Array | Uint16Array;

// Floats drawn per chunk when initialising a half-precision table (the stream is the fp32 one).
const INIT_CHUNK = 1 << 16;

/**
 * One entity type's embeddings: `rows x dim`, row-major, owned outside tfjs so that a step touches
 * only the rows of its batch. `fp32` stores float32 (a 10M x 200 table is one 8 GB Float32Array);
 * `fp16` / `bf16` store 16-bit bit patterns in a Uint16Array, half the memory. Arithmetic is
 * float32 either way: rows are decoded when read (`readRows`, `readRow`) and rounded to nearest
 * even when written back (`writeRows`).
 */
export class EmbeddingTable {
  readonly name: string;
  readonly rows: number;
  readonly dim: number;
  readonly storage: TableStorage;
  /** The stored values (float32 for `fp32`, bit patterns otherwise); checkpoints save them raw. */
  readonly stored: StoredValues;

  /** A table over `stored` (not copied): a Float32Array for `fp32`, a Uint16Array otherwise. */
  constructor(
    name: string,
    rows: number,
    dim: number,
    storage: TableStorage,
    stored: StoredValues,
  ) {
    if (stored.length !== rows * dim || (storage === "fp32") !== stored instanceof Float32Array) {
      throw new DataError(
        `Table "${name}" (${storage}) needs ${rows} x ${dim} ${storage === "fp32" ? "float32 values" : "16-bit patterns"}; got a ${stored.constructor.name} of ${stored.length}.`,
      );
    }
    this.name = name;
    this.rows = rows;
    this.dim = dim;
    this.storage = storage;
    this.stored = stored;
  }

  /**
   * A zero table of `storage` from `allocate` (shared memory for Hogwild workers). A 16-bit table
   * takes its `rows x dim / 2` 4-byte words from the allocator and views them as Uint16Array.
   */
  static allocate(
    name: string,
    rows: number,
    dim: number,
    storage: TableStorage = "fp32",
    allocate: Float32Allocator = heapFloat32,
  ): EmbeddingTable {
    if (storage === "fp32")
      return new EmbeddingTable(name, rows, dim, storage, allocate(rows * dim));
    const words = allocate(Math.ceil((rows * dim) / 2));
    const stored = new Uint16Array(words.buffer, words.byteOffset, rows * dim);
    return new EmbeddingTable(name, rows, dim, storage, stored);
  }

  /** Fills the table with U(-scale, scale) (the fp32 draws, rounded when the storage is 16-bit). */
  initUniform(rng: Rng, scale = Math.sqrt(1 / this.rows)): this {
    const stored = this.stored;
    if (stored instanceof Float32Array) {
      rng.fillUniform(stored, -scale, scale);
      return this;
    }
    const chunk = new Float32Array(Math.min(INIT_CHUNK, stored.length));
    for (let start = 0; start < stored.length; start += chunk.length) {
      const length = Math.min(chunk.length, stored.length - start);
      rng.fillUniform(chunk.subarray(0, length), -scale, scale);
      encodeHalfPrecision(this.storage as HalfPrecisionFormat, chunk, 0, stored, start, length);
    }
    return this;
  }

  /** Replaces every value with `values` (rows x dim float32), rounded to the storage format. */
  setFloat32(values: Float32Array): void {
    const stored = this.stored;
    if (stored instanceof Float32Array) stored.set(values);
    else
      encodeHalfPrecision(this.storage as HalfPrecisionFormat, values, 0, stored, 0, values.length);
  }

  /** Writes row `row` as float32 at `out[outOffset ..]`. */
  readRow(row: number, out: Float32Array, outOffset = 0): void {
    this.readRowRange(row, row + 1, out, outOffset);
  }

  /** Writes rows [start, end) as float32 at `out[outOffset ..]`. */
  readRowRange(start: number, end: number, out: Float32Array, outOffset = 0): void {
    const stored = this.stored;
    const dim = this.dim;
    if (stored instanceof Float32Array) {
      out.set(stored.subarray(start * dim, end * dim), outOffset);
      return;
    }
    const format = this.storage as HalfPrecisionFormat;
    decodeHalfPrecision(format, stored, start * dim, out, outOffset, (end - start) * dim);
  }

  /**
   * Rows [start, end) as float32: a view of the table for `fp32` (no copy), a decoded copy for
   * 16-bit storage (evaluation, export and neighbour search read whole tables this way).
   */
  toFloat32(start = 0, end = this.rows): Float32Array {
    const stored = this.stored;
    if (stored instanceof Float32Array) return stored.subarray(start * this.dim, end * this.dim);
    const out = new Float32Array((end - start) * this.dim);
    this.readRowRange(start, end, out);
    return out;
  }

  /** `rows[s] = table[rowIds[s]]` as float32 for s < count (rows of `dim` values). */
  readRows(rowIds: Int32Array, count: number, rows: Float32Array): void {
    const stored = this.stored;
    const dim = this.dim;
    if (stored instanceof Float32Array) {
      gatherTableRows(stored, rowIds, count, dim, rows);
      return;
    }
    const format = this.storage as HalfPrecisionFormat;
    for (let s = 0; s < count; s++) {
      decodeHalfPrecision(format, stored, rowIds[s]! * dim, rows, s * dim, dim);
    }
  }

  /**
   * `table[rowIds[s]] = rowViews[s]` for s < count, rounded to the storage format; `rowViews[s]`
   * is a preallocated view of slot s's row, so the write-back allocates nothing.
   */
  writeRows(rowViews: readonly Float32Array[], rowIds: Int32Array, count: number): void {
    const stored = this.stored;
    const dim = this.dim;
    if (stored instanceof Float32Array) {
      scatterTableRows(rowViews, rowIds, count, dim, stored);
      return;
    }
    const format = this.storage as HalfPrecisionFormat;
    for (let s = 0; s < count; s++) {
      encodeHalfPrecision(format, rowViews[s]!, 0, stored, rowIds[s]! * dim, dim);
    }
  }
}
