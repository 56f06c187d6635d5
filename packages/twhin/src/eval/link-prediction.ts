import { Rng } from "@tml/core";
import type { OrtRuntime } from "@tml/engine";
import { checkEdges } from "../data/edge-check.js";
import type { EdgeSet } from "../data/edge-set.js";
import { operatorBackward, operatorForward } from "../model/operators.js";
import type { TwhinModel } from "../model/twhin-model.js";
import { BlockRanker, type BlockRankerSizes, evaluationRuntime } from "./block-ranker.js";
import { CandidateScorer } from "./candidate-scorer.js";
import type { FilterIndex } from "./filter-index.js";
import { LinkAccumulators, type LinkPredictionResult } from "./link-metrics.js";
import type { CandidateAdjustment, RankAccumulator } from "./rank-accumulator.js";

/** Options of `evaluateLinkPrediction`. */
export interface LinkPredictionOptions {
  /** Known true edges removed from each ranking (the evaluated edge itself is kept). */
  filter?: FilterIndex;
  /** Evaluate only the first `maxEdges` edges (0 = all). */
  maxEdges?: number;
  /** Seed of the random negatives of the sampled AUC. */
  seed?: number;
  /**
   * Per table, which entities occur in the training edges (`trainingEntities`): the result then
   * holds `warm` and `cold` metrics (an edge is cold when an endpoint never occurs in training).
   */
  trainingEntities?: readonly Uint8Array[];
  /** Called after each block of queries with the queries ranked so far and the total (2 per edge). */
  onProgress?: (done: number, total: number) => void;
}

const NO_ANSWERS: ReadonlySet<number> = new Set();

interface Query {
  side: "tail" | "head";
  edge: number;
  /** Relation whose transformed table is scored (fallback), or -1 for the raw table. */
  transform: number;
}

/**
 * Ranks every evaluated edge's true tail among all entities of the tail's type (and its head among
 * the head's type), filtered, ties at their mean rank. Query vectors are scored in blocks by dense
 * products: onnxruntime's sgemm on `TML_ENGINE_THREADS` threads with SIMD rank counts
 * (`BlockRanker`), or, where onnxruntime cannot load, `CandidateScorer` (tfjs or JS loops).
 * Linear operators under the dot comparator (and translations under squared L2) are moved onto
 * the query; other non-reciprocal head rankings score a transformed copy of the candidate table
 * per relation. Every edge is checked against the model first (`checkEdges`: DataError naming
 * the file and row of an unknown relation or an id beyond its table).
 */
export function evaluateLinkPrediction(
  model: TwhinModel,
  edges: EdgeSet,
  options: LinkPredictionOptions = {},
): Promise<LinkPredictionResult> {
  return rankLinks(model, edges, options, evaluationRuntime());
}

/**
 * `evaluateLinkPrediction` on a given onnxruntime (null: the `CandidateScorer` path), with the
 * block ranker's sizes; for tests that compare the paths.
 */
export async function rankLinks(
  model: TwhinModel,
  edges: EdgeSet,
  options: LinkPredictionOptions,
  runtime: OrtRuntime | null,
  sizes: BlockRankerSizes = {},
): Promise<LinkPredictionResult> {
  checkEdges(model, edges, "evaluation");
  const size = options.maxEdges ? Math.min(options.maxEdges, edges.size) : edges.size;
  const dim = model.dim;
  const comparator = model.comparator;
  const seen = options.trainingEntities;
  const accumulators = new LinkAccumulators(
    model.relations.map((relation) => relation.name),
    seen !== undefined,
  );
  let done = 0;
  const rng = new Rng(options.seed ?? 0).fork("eval-auc");
  const groups = new Map<string, Query[]>();
  for (let e = 0; e < size; e++) {
    for (const side of ["tail", "head"] as const) {
      const relation = model.relations[edges.rel[e]!]!;
      const table = side === "tail" ? relation.rhsTable : relation.lhsTable;
      const transform = needsTransformedTable(model, side, relation.operator) ? edges.rel[e]! : -1;
      const key = `${table}:${transform}`;
      let list = groups.get(key);
      if (!list) groups.set(key, (list = []));
      list.push({ side, edge: e, transform });
    }
  }
  for (const [key, queries] of groups) {
    const [tableIndex, transform] = key.split(":").map(Number) as [number, number];
    const table = model.tables[tableIndex]!;
    const candidates =
      transform < 0
        ? table.toFloat32()
        : transformTable(model, transform, table.toFloat32(), table.rows);
    const adjust = candidateAdjustments(comparator, candidates, table.rows, dim);
    const ranker =
      runtime &&
      BlockRanker.create(runtime, candidates, table.rows, dim, adjust, queries.length, sizes);
    const rankBlock = ranker
      ? rankerBlocks(ranker)
      : scorerBlocks(new CandidateScorer(candidates, table.rows, dim), adjust);
    try {
      const vectors = new Float32Array(rankBlock.size * dim);
      const rowScratch = new Float32Array(dim);
      for (let start = 0; start < queries.length; start += rankBlock.size) {
        const q = Math.min(rankBlock.size, queries.length - start);
        const jobs: RankJob[] = [];
        for (let i = 0; i < q; i++) {
          const query = queries[start + i]!;
          writeQuery(model, edges, query, vectors, i * dim, rowScratch);
          const e = query.edge;
          const anchor = query.side === "tail" ? edges.lhs[e]! : edges.rhs[e]!;
          const relation = model.relations[edges.rel[e]!]!;
          const cold =
            seen !== undefined &&
            !(seen[relation.lhsTable]![edges.lhs[e]!] && seen[relation.rhsTable]![edges.rhs[e]!]);
          jobs.push({
            accumulator: accumulators.accumulator(edges.rel[e]!, query.side, cold),
            target: query.side === "tail" ? edges.rhs[e]! : edges.lhs[e]!,
            answers: options.filter?.answers(query.side, anchor, edges.rel[e]!) ?? NO_ANSWERS,
            negative: rng.int(table.rows),
          });
        }
        if (comparator === "cos") normalize(vectors, q, dim);
        await rankBlock.rank(vectors, jobs);
        done += q;
        options.onProgress?.(done, 2 * size);
      }
    } finally {
      rankBlock.dispose();
    }
  }
  return accumulators.result();
}

/** One query of a block: its slice's accumulator, answer, filtered known answers and the AUC's negative. */
interface RankJob {
  accumulator: RankAccumulator;
  target: number;
  answers: ReadonlySet<number>;
  negative: number;
}

/** Ranks blocks of up to `size` query vectors, adding each query to its side's accumulator. */
interface RankBlocks {
  size: number;
  rank(vectors: Float32Array, jobs: readonly RankJob[]): void | Promise<void>;
  dispose(): void;
}

function rankerBlocks(ranker: BlockRanker): RankBlocks {
  return {
    size: ranker.blockSize,
    rank(vectors, jobs) {
      const blockQueries = jobs.map((job) => ({
        target: job.target,
        others: [job.negative, ...job.answers],
      }));
      const counts = ranker.rank(vectors, blockQueries);
      jobs.forEach((job, i) => {
        const { truth, greater, equal, value } = counts[i]!;
        const { target, answers, negative } = job;
        job.accumulator.addCounts(truth, greater, equal, target, answers, value, negative);
      });
    },
    dispose() {},
  };
}

// Full score rows per query (block x rows floats), ranked by RankAccumulator's JS scan.
function scorerBlocks(scorer: CandidateScorer, adjust: CandidateAdjustment | null): RankBlocks {
  const rows = scorer.rows;
  const size = Math.max(1, Math.min(256, Math.floor((1 << 26) / rows)));
  const scores = new Float32Array(size * rows);
  return {
    size,
    async rank(vectors, jobs) {
      await scorer.score(vectors, jobs.length, scores);
      jobs.forEach((job, i) => {
        const { target, answers, negative } = job;
        job.accumulator.addQuery(scores, i * rows, rows, target, answers, adjust, negative);
      });
    },
    dispose: () => scorer.dispose(),
  };
}

function needsTransformedTable(
  model: TwhinModel,
  side: "tail" | "head",
  operator: string,
): boolean {
  if (!model.transformsCandidates(side)) return false;
  if (model.comparator === "dot") return false;
  return !(model.comparator === "l2" && (operator === "translation" || operator === "none"));
}

function writeQuery(
  model: TwhinModel,
  edges: EdgeSet,
  query: Query,
  out: Float32Array,
  offset: number,
  rowScratch: Float32Array,
): void {
  const e = query.edge;
  const r = edges.rel[e]!;
  const dim = model.dim;
  if (query.side === "tail" || !model.transformsCandidates("head") || query.transform >= 0) {
    const entity = query.side === "tail" ? edges.lhs[e]! : edges.rhs[e]!;
    model.queryVector(r, query.side, entity, out, offset);
    if (model.parity.translateRhs && query.side === "head") {
      for (let d = 0; d < dim; d++) out[offset + d]! += model.relationParams[r * dim + d]!;
    }
    return;
  }
  // Non-reciprocal head ranking: move op_r onto e_rhs (adjoint for dot; t - w for L2 translation).
  const relation = model.relations[r]!;
  // e_rhs decoded to float32 (dim values).
  const rhs = rowScratch;
  model.tables[relation.rhsTable]!.readRow(edges.rhs[e]!, rhs);
  const t = 0;
  if (model.comparator === "l2") {
    const shift = relation.operator === "translation" ? 1 : 0;
    for (let d = 0; d < dim; d++)
      out[offset + d] = rhs[t + d]! - shift * model.relationParams[r * dim + d]!;
    return;
  }
  out.fill(0, offset, offset + dim);
  operatorBackward(
    relation.operator,
    model.relationParams,
    r * dim,
    rhs,
    t,
    rhs,
    t,
    out,
    offset,
    null,
    0,
    dim,
  );
}

function transformTable(
  model: TwhinModel,
  r: number,
  data: Float32Array,
  rows: number,
): Float32Array {
  const dim = model.dim;
  const out = new Float32Array(rows * dim);
  const kind = model.relations[r]!.operator;
  for (let j = 0; j < rows; j++)
    operatorForward(kind, model.relationParams, r * dim, data, j * dim, out, j * dim, dim);
  return out;
}

// Per-candidate score adjustment: cos divides by the norm; L2 subtracts |c|^2 (|q|^2 is common).
function candidateAdjustments(comparator: string, data: Float32Array, rows: number, dim: number) {
  if (comparator === "dot") return null;
  const values = new Float32Array(rows);
  for (let j = 0; j < rows; j++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += data[j * dim + d]! * data[j * dim + d]!;
    values[j] = comparator === "cos" ? 1 / Math.sqrt(Math.max(s, 1e-24)) : s;
  }
  return { kind: comparator as "cos" | "l2", values };
}

function normalize(vectors: Float32Array, q: number, dim: number): void {
  for (let i = 0; i < q; i++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += vectors[i * dim + d]! ** 2;
    const inverse = 1 / Math.sqrt(Math.max(s, 1e-24));
    for (let d = 0; d < dim; d++) vectors[i * dim + d]! *= inverse;
  }
}
