import { Rng } from "@tml/core";
import type { EdgeSet } from "../data/edge-set.js";
import { operatorBackward, operatorForward } from "../model/operators.js";
import type { TwhinModel } from "../model/twhin-model.js";
import { CandidateScorer } from "./candidate-scorer.js";
import type { FilterIndex } from "./filter-index.js";
import { RankAccumulator, type RankingMetrics } from "./rank-accumulator.js";

/** Filtered link-prediction metrics: both directions together, and each alone. */
export interface LinkPredictionResult {
  both: RankingMetrics;
  tail: RankingMetrics;
  head: RankingMetrics;
}

/** Options of `evaluateLinkPrediction`. */
export interface LinkPredictionOptions {
  /** Known true edges removed from each ranking (the evaluated edge itself is kept). */
  filter?: FilterIndex;
  /** Evaluate only the first `maxEdges` edges (0 = all). */
  maxEdges?: number;
  /** Seed of the random negatives of the sampled AUC. */
  seed?: number;
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
 * products (`CandidateScorer`). Linear operators under the dot comparator (and translations under
 * squared L2) are moved onto the query; other non-reciprocal head rankings score a transformed copy
 * of the candidate table per relation.
 */
export function evaluateLinkPrediction(
  model: TwhinModel,
  edges: EdgeSet,
  options: LinkPredictionOptions = {},
): LinkPredictionResult {
  const size = options.maxEdges ? Math.min(options.maxEdges, edges.size) : edges.size;
  const dim = model.dim;
  const comparator = model.comparator;
  const accumulators = { tail: new RankAccumulator(), head: new RankAccumulator() };
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
      transform < 0 ? table.data : transformTable(model, transform, table.data, table.rows);
    const adjust = candidateAdjustments(comparator, candidates, table.rows, dim);
    const scorer = new CandidateScorer(candidates, table.rows, dim);
    const block = Math.max(1, Math.min(256, Math.floor((1 << 26) / table.rows)));
    const vectors = new Float32Array(block * dim);
    const scores = new Float32Array(block * table.rows);
    for (let start = 0; start < queries.length; start += block) {
      const q = Math.min(block, queries.length - start);
      for (let i = 0; i < q; i++) writeQuery(model, edges, queries[start + i]!, vectors, i * dim);
      if (comparator === "cos") normalize(vectors, q, dim);
      scorer.score(vectors, q, scores);
      for (let i = 0; i < q; i++) {
        const query = queries[start + i]!;
        const e = query.edge;
        const r = edges.rel[e]!;
        const target = query.side === "tail" ? edges.rhs[e]! : edges.lhs[e]!;
        const anchor = query.side === "tail" ? edges.lhs[e]! : edges.rhs[e]!;
        const answers = options.filter?.answers(query.side, anchor, r) ?? NO_ANSWERS;
        accumulators[query.side].addQuery(
          scores,
          i * table.rows,
          table.rows,
          target,
          answers,
          adjust,
          rng.int(table.rows),
        );
      }
    }
    scorer.dispose();
  }
  return {
    both: RankAccumulator.merge([accumulators.tail, accumulators.head]),
    tail: accumulators.tail.compute(),
    head: accumulators.head.compute(),
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
  const rhs = model.tables[relation.rhsTable]!.data;
  const t = edges.rhs[e]! * dim;
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
