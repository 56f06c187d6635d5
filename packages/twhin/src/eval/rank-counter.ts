import { instantiateWasm, WASM_ALIGN } from "../kernels/wasm-instance.js";
import type { CandidateAdjustment } from "./rank-accumulator.js";
import { RANK_COUNTS_BASE64 } from "./rank-count-bytes.js";

interface CountExports {
  countRanks(
    scores: number,
    queries: number,
    width: number,
    stride: number,
    truths: number,
    adjust: number,
    kind: number,
    greater: number,
    equal: number,
  ): void;
}

const KIND = { raw: 0, cos: 1, l2: 2 } as const;

const aligned = (bytes: number) => Math.ceil(bytes / WASM_ALIGN) * WASM_ALIGN;

/**
 * Counts, per query, the candidates scoring above and equal to its truth with WebAssembly SIMD
 * (`wasm/rank-counts.ts`): the scan of `RankAccumulator.addQuery` over blocks of scores. Every
 * array lives in the module's fixed memory, so onnxruntime writes `scores` in place.
 */
export class RankCounter {
  /** maxQueries x chunkRows scores, query-major (row i is query i's scores of one chunk). */
  readonly scores: Float32Array;
  /** Per query: the score to beat, as `RankAccumulator` computes it (float64). */
  readonly truths: Float64Array;
  /** Per candidate of the chunk: the comparator's adjustment (cos: 1/|c|, L2: |c|^2). */
  readonly adjust: Float32Array;
  /** Per query: candidates scoring strictly above the truth, summed over chunks. */
  readonly greater: Int32Array;
  /** Per query: candidates scoring equal to the truth (the target itself included). */
  readonly equal: Int32Array;
  private readonly exports: CountExports;

  private constructor(
    exports: CountExports,
    buffer: ArrayBuffer,
    start: number,
    maxQueries: number,
    chunkRows: number,
  ) {
    this.exports = exports;
    let next = start;
    const take = (bytes: number) => {
      const offset = next;
      next += aligned(bytes);
      return offset;
    };
    this.scores = new Float32Array(
      buffer,
      take(maxQueries * chunkRows * 4),
      maxQueries * chunkRows,
    );
    this.truths = new Float64Array(buffer, take(maxQueries * 8), maxQueries);
    this.adjust = new Float32Array(buffer, take(chunkRows * 4), chunkRows);
    this.greater = new Int32Array(buffer, take(maxQueries * 4), maxQueries);
    this.equal = new Int32Array(buffer, take(maxQueries * 4), maxQueries);
  }

  /** A counter for blocks of up to `maxQueries` x `chunkRows`; null without WebAssembly SIMD. */
  static create(maxQueries: number, chunkRows: number): RankCounter | null {
    const bytes =
      aligned(maxQueries * chunkRows * 4) +
      aligned(maxQueries * 8) +
      aligned(chunkRows * 4) +
      2 * aligned(maxQueries * 4);
    const instance = instantiateWasm(RANK_COUNTS_BASE64, bytes);
    if (instance === null) return null;
    const exports = instance.exports as CountExports;
    return new RankCounter(exports, instance.buffer, instance.heapStart, maxQueries, chunkRows);
  }

  /** Zeroes the counts of the first `queries` queries. */
  reset(queries: number): void {
    this.greater.fill(0, 0, queries);
    this.equal.fill(0, 0, queries);
  }

  /**
   * Adds the counts of one chunk: query i's scores are `scores[i * stride + j]` for j < width, its
   * truth `truths[i]`; with an adjustment, `adjust[j]` holds the chunk's candidates' values.
   */
  count(queries: number, width: number, stride: number, kind: CandidateAdjustment["kind"] | null) {
    this.exports.countRanks(
      this.scores.byteOffset,
      queries,
      width,
      stride,
      this.truths.byteOffset,
      this.adjust.byteOffset,
      KIND[kind ?? "raw"],
      this.greater.byteOffset,
      this.equal.byteOffset,
    );
  }
}
