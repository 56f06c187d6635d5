import { BackendError, getFlag } from "@tml/core";
import { loadOrtRuntime, type OnnxGraph, type OrtRuntime } from "@tml/engine";
import { adjustedScore, type CandidateAdjustment } from "./rank-accumulator.js";
import { RankCounter } from "./rank-counter.js";

/** One query of a block: the row of its true answer and the rows whose scores it reads back. */
export interface BlockQuery {
  target: number;
  /** Known answers to filter and the AUC's negative: their scores come back through `value`. */
  others: Iterable<number>;
}

/** Counts of one query of a block, for `RankAccumulator.addCounts`. */
export interface QueryCounts {
  truth: number;
  greater: number;
  equal: number;
  /** The score of the target or of any of the query's `others`. */
  value: (candidate: number) => number;
}

/** Sizes of `BlockRanker` (tests use small ones to cross chunk and block edges). */
export interface BlockRankerSizes {
  /** Queries per product (default 512). */
  maxQueries?: number;
  /** Candidate rows per product (default 4096; the last chunk is zero-padded to it). */
  chunkRows?: number;
  /** Tests: skip the first truths (start from 0), so blocks take the second-sweep path. */
  skipTruthGuess?: boolean;
}

const SCORES_KEY = "twhin-eval-scores";
// scores (queries x rows) = queries (queries x dim) candidates (rows x dim)^T: MLAS sgemm.
const scoresGraph = (): OnnxGraph => ({
  inputs: [
    { name: "queries", shape: ["queries", "dim"] },
    { name: "candidates", shape: ["rows", "dim"] },
  ],
  nodes: [
    {
      opType: "Gemm",
      inputs: ["queries", "candidates"],
      outputs: ["scores"],
      attributes: { transB: { int: 1 } },
    },
  ],
  outputs: [{ name: "scores", shape: ["queries", "rows"] }],
});

const runtimes = new Map<number, OrtRuntime | null>();

/**
 * onnxruntime with `TML_ENGINE_THREADS` intra-op threads, loaded once per process and thread
 * count; null when onnxruntime-node cannot load here.
 */
export function evaluationRuntime(): OrtRuntime | null {
  const threads = getFlag("TML_ENGINE_THREADS");
  if (!runtimes.has(threads)) {
    const loaded = loadOrtRuntime(threads);
    runtimes.set(threads, loaded.ok ? loaded.runtime : null);
  }
  return runtimes.get(threads) ?? null;
}

const sameFloat = (a: number, b: number) => a === b || (Number.isNaN(a) && Number.isNaN(b));

/**
 * Ranks blocks of queries against every row of a candidate table: onnxruntime's sgemm scores a
 * block against one chunk of rows at a time (query-major, into WebAssembly memory) and SIMD loops
 * count, per query, the rows scoring above and equal to its true answer, so no full score row is
 * ever kept. A query's truth must be known before the first chunk: a first product of the same
 * shape over the gathered target rows gives it, and the sweep reads the target's own score back;
 * should the two ever differ, the block is swept again with the read-back truths (the products
 * are deterministic for fixed shapes), so the counts always compare scores of one product.
 */
export class BlockRanker {
  private readonly chunkRows: number;
  private readonly maxQueries: number;
  private readonly padded: Float32Array | null;
  private readonly gathered: Float32Array;
  private readonly guesses: Float32Array;
  private readonly skipTruthGuess: boolean;
  /** How many blocks needed a second sweep (their first truths differed from the sweep's). */
  resweeps = 0;

  private constructor(
    private readonly runtime: OrtRuntime,
    private readonly counter: RankCounter,
    private readonly candidates: Float32Array,
    private readonly rows: number,
    private readonly dim: number,
    private readonly adjust: CandidateAdjustment | null,
    sizes: Required<BlockRankerSizes>,
  ) {
    this.chunkRows = sizes.chunkRows;
    this.maxQueries = sizes.maxQueries;
    const tail = rows % this.chunkRows;
    this.padded = tail === 0 ? null : new Float32Array(this.chunkRows * dim);
    this.padded?.set(candidates.subarray((rows - tail) * dim, rows * dim));
    this.gathered = new Float32Array(this.chunkRows * dim);
    this.guesses = new Float32Array(this.maxQueries);
    this.skipTruthGuess = sizes.skipTruthGuess;
  }

  /**
   * A ranker over `rows x dim` candidates for `queries` queries in all (blocks hold at most that
   * many), or null without WebAssembly SIMD.
   */
  static create(
    runtime: OrtRuntime,
    candidates: Float32Array,
    rows: number,
    dim: number,
    adjust: CandidateAdjustment | null,
    queries: number,
    sizes: BlockRankerSizes = {},
  ): BlockRanker | null {
    const chunkRows = Math.min(sizes.chunkRows ?? 4096, rows);
    const maxQueries = Math.max(1, Math.min(sizes.maxQueries ?? 512, queries));
    const counter = RankCounter.create(maxQueries, chunkRows);
    if (counter === null) return null;
    const all = { chunkRows, maxQueries, skipTruthGuess: sizes.skipTruthGuess ?? false };
    return new BlockRanker(runtime, counter, candidates, rows, dim, adjust, all);
  }

  /** Queries per block: `rank` takes at most this many. */
  get blockSize(): number {
    return this.maxQueries;
  }

  /** Ranks `queries` (their vectors row-major in `vectors`); one result per query, in order. */
  rank(vectors: Float32Array, queries: readonly BlockQuery[]): QueryCounts[] {
    const q = queries.length;
    if (q > this.maxQueries) throw new RangeError(`rank: ${q} > ${this.maxQueries} queries`);
    const block = vectors.subarray(0, q * this.dim);
    this.guessTruths(block, queries);
    const specials = specialKeys(queries, this.maxQueries);
    const values = new Float32Array(specials.length);
    for (let sweep = 0; ; sweep++) {
      this.sweep(block, queries, specials, values);
      if (this.truthsAgree(queries, specials, values)) break;
      if (sweep === 1) {
        throw new BackendError(
          "Filtered ranking: onnxruntime gave two different scores for one product; rerun with TML_ENGINE_THREADS=1 and report it.",
        );
      }
      this.resweeps++;
    }
    return this.results(queries, specials, values);
  }

  // The truth of each query from a product of the sweep's shape over its gathered target row.
  private guessTruths(block: Float32Array, queries: readonly BlockQuery[]): void {
    const { chunkRows: n, dim, gathered, counter } = this;
    const q = queries.length;
    this.guesses.fill(0);
    if (this.skipTruthGuess) return;
    for (let first = 0; first < q; first += n) {
      const last = Math.min(q, first + n);
      gathered.fill(0);
      for (let i = first; i < last; i++) {
        const row = queries[i]!.target;
        gathered.set(this.candidates.subarray(row * dim, (row + 1) * dim), (i - first) * dim);
      }
      this.product(block, q, gathered);
      for (let i = first; i < last; i++) this.guesses[i] = counter.scores[i * n + i - first]!;
    }
  }

  // Counts every chunk against the guessed truths; reads back the specials' raw scores.
  private sweep(
    block: Float32Array,
    queries: readonly BlockQuery[],
    specials: Float64Array,
    values: Float32Array,
  ): void {
    const { chunkRows: n, dim, counter, adjust, rows } = this;
    const q = queries.length;
    for (let i = 0; i < q; i++) {
      counter.truths[i] = adjustedScore(this.guesses[i]!, adjust, queries[i]!.target);
    }
    counter.reset(q);
    let next = 0;
    for (let start = 0; start < rows; start += n) {
      const width = Math.min(n, rows - start);
      const chunk =
        width === n ? this.candidates.subarray(start * dim, (start + n) * dim) : this.padded!;
      this.product(block, q, chunk);
      if (adjust !== null) counter.adjust.set(adjust.values.subarray(start, start + width));
      counter.count(q, width, n, adjust?.kind ?? null);
      const end = start + width;
      for (; next < specials.length; next++) {
        const key = specials[next]!;
        const row = Math.floor(key / this.maxQueries);
        if (row >= end) break;
        values[next] = counter.scores[(key % this.maxQueries) * n + row - start]!;
      }
    }
  }

  private product(block: Float32Array, q: number, chunk: Float32Array): void {
    const n = this.chunkRows;
    this.runtime.run(
      SCORES_KEY,
      scoresGraph,
      {
        queries: { data: block, shape: [q, this.dim] },
        candidates: { data: chunk, shape: [n, this.dim] },
      },
      { scores: { data: this.counter.scores.subarray(0, q * n), shape: [q, n] } },
    );
  }

  // True when every target's read-back score equals its guess; else the guesses take it.
  private truthsAgree(
    queries: readonly BlockQuery[],
    specials: Float64Array,
    values: Float32Array,
  ): boolean {
    let agree = true;
    for (let s = 0; s < specials.length; s++) {
      const key = specials[s]!;
      const i = key % this.maxQueries;
      if (Math.floor(key / this.maxQueries) !== queries[i]!.target) continue;
      if (!sameFloat(values[s]!, this.guesses[i]!)) {
        this.guesses[i] = values[s]!;
        agree = false;
      }
    }
    return agree;
  }

  private results(
    queries: readonly BlockQuery[],
    specials: Float64Array,
    values: Float32Array,
  ): QueryCounts[] {
    const scores = queries.map(() => new Map<number, number>());
    for (let s = 0; s < specials.length; s++) {
      const key = specials[s]!;
      const row = Math.floor(key / this.maxQueries);
      scores[key % this.maxQueries]!.set(row, adjustedScore(values[s]!, this.adjust, row));
    }
    return queries.map((_, i) => ({
      truth: this.counter.truths[i]!,
      greater: this.counter.greater[i]!,
      equal: this.counter.equal[i]!,
      value: (candidate: number) => scores[i]!.get(candidate)!,
    }));
  }
}

// (row, query) pairs of every target and other as row * maxQueries + query, sorted by row.
function specialKeys(queries: readonly BlockQuery[], maxQueries: number): Float64Array {
  const keys: number[] = [];
  queries.forEach((query, i) => {
    keys.push(query.target * maxQueries + i);
    for (const row of query.others) keys.push(row * maxQueries + i);
  });
  return Float64Array.from(keys).sort();
}
