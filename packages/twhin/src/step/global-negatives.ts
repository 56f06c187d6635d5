import type { Rng } from "@tml/core";
import type { DenseProducts } from "../kernels/dense-products.js";
import type { MatrixView } from "../kernels/gemm.js";
import type { StepKernels } from "../kernels/step-kernels.js";
import { normalizeRows, normalizeRowsBackward, rowSquaredNorms } from "../model/comparator.js";
import type { TwhinModel } from "../model/twhin-model.js";
import {
  directCandidateGrads,
  globalNegativesLengths,
  transformsCandidates,
} from "./global-negatives-layout.js";
import { type BlockOperands, sharedBlockBackward, sharedBlockForward } from "./score-block.js";
import type { SparseGrads } from "./sparse-grads.js";
import type { StepSettings } from "./step-settings.js";
import { TransformedCandidates } from "./transformed-candidates.js";

/**
 * `global_negatives`: K ids drawn uniformly from each entity type's table once per batch and
 * shared by every edge whose ranked side has that type. Raw candidates are scored as one dense
 * product per table; without reciprocal relations the head side compares `op_r(candidate)` with
 * e_rhs, so candidates are transformed per relation group.
 *
 * `global_negatives: all` (1vsAll): the candidates of a table are all its rows in id order, so
 * K = the largest table's rows; a smaller table's columns past its rows and each row's own
 * positive column score -Infinity (`maskColumns`), which the softmax loss gives no weight: a
 * cross-entropy over the whole entity type.
 */
export class GlobalNegatives {
  private readonly model: TwhinModel;
  private readonly count: number;
  /** Per table: candidates scored (K, or the table's rows under 1vsAll). */
  private readonly counts: number[];
  private readonly all: boolean;
  private readonly products: DenseProducts;
  /** Per table: the K sampled ids, their raw rows (K x D), the rows scored (K x D), norms (K). */
  private readonly ids: Int32Array[] = [];
  private readonly raw: Float32Array[] = [];
  private readonly scored: Float32Array[] = [];
  private readonly norms: Float32Array[] = [];
  /** Per table: gradients of the scored rows and of the raw rows through an operator (K x D). */
  private readonly scoredGrads: Float32Array[] = [];
  private readonly rawGrads: Float32Array[] = [];
  /**
   * Per table, this batch: where the candidates' gradient accumulates. `scoredGrads[t]`, or under
   * 1vsAll with the dot comparator and untransformed candidates the table's own sparse gradient
   * (its first slots are the ids in order: `sample` registers them first), which the products
   * then accumulate into directly, with nothing to scatter.
   */
  private readonly candidateGrads: Float32Array[];
  /** Per table: whether `candidateGrads[t]` is the table's sparse gradient itself. */
  private readonly direct: boolean[];
  /** Whether every `direct[t]` must hold (no `scoredGrads` are allocated then). */
  private readonly alwaysDirect: boolean;
  /** Whether some direction scores op_r(candidate) (the raw candidates then get gradients too). */
  private readonly transformsAny: boolean;
  /** Per table: whether the batch ranks that table (sampled this batch). */
  private readonly active: boolean[];
  /** Direction rows of the queries gathered for one table (B). */
  private readonly rows: Int32Array;
  private readonly queries: Float32Array;
  private readonly queryNorms: Float32Array;
  private readonly queryGrads: Float32Array;
  /** Scores / dScores of the gathered queries (B x K). */
  private readonly scores: Float32Array;
  /** The candidates' path through op_r (a HEAD direction without reciprocal relations). */
  private readonly transformed: TransformedCandidates;
  /** L2 scratch (B, K), shared with `transformed`. */
  private readonly rowSums: Float32Array;
  private readonly columnSums: Float32Array;

  constructor(
    model: TwhinModel,
    settings: StepSettings,
    products: DenseProducts,
    kernels: StepKernels,
  ) {
    const { globalNegatives: count, batchSize, allNegatives: all } = settings;
    this.model = model;
    this.count = count;
    this.all = all;
    this.counts = model.tables.map((table) => (all ? table.rows : count));
    this.products = products;
    const sizes = globalNegativesLengths(model, count, batchSize, all);
    this.alwaysDirect = directCandidateGrads(model, all);
    this.transformsAny = transformsCandidates(model);
    const cosine = model.comparator === "cos";
    for (const _ of model.tables) {
      const [ids, raw, scored, norms, scoredGrads, rawGrads] = sizes.perTable;
      this.ids.push(kernels.int32(ids!));
      const rawRows = kernels.float32(raw!);
      this.raw.push(rawRows);
      const scoredRows = kernels.float32(scored!);
      this.scored.push(cosine ? scoredRows : rawRows);
      this.norms.push(kernels.float32(norms!));
      this.scoredGrads.push(kernels.float32(scoredGrads!));
      this.rawGrads.push(kernels.float32(rawGrads!));
    }
    this.active = model.tables.map(() => false);
    this.direct = model.tables.map(() => false);
    this.candidateGrads = [...this.scoredGrads];
    const [rows, queries, queryNorms, queryGrads, scores] = sizes.shared;
    this.rows = kernels.int32(rows!);
    this.queries = kernels.float32(queries!);
    this.queryNorms = kernels.float32(queryNorms!);
    this.queryGrads = kernels.float32(queryGrads!);
    this.scores = kernels.float32(scores!);
    const transformedArrays = sizes.shared2.map((length) => kernels.float32(length));
    this.transformed = new TransformedCandidates(model, kernels, transformedArrays);
    this.rowSums = transformedArrays[3]!;
    this.columnSums = transformedArrays[4]!;
  }

  /**
   * Draws K ids for each table used by the batch's relations and registers their slots; under
   * 1vsAll, called before any other slot of the step is registered (so that slot = id).
   */
  sample(edgeRel: Int32Array, size: number, rng: Rng, tableGrads: SparseGrads[]): void {
    this.active.fill(false);
    this.direct.fill(false);
    if (this.count === 0) return;
    for (let i = 0; i < size; i++) {
      const relation = this.model.relations[edgeRel[i]!]!;
      this.active[relation.lhsTable] = true;
      this.active[relation.rhsTable] = true;
    }
    const dim = this.model.dim;
    this.model.tables.forEach((table, t) => {
      if (!this.active[t]) return;
      const ids = this.ids[t]!;
      const raw = this.raw[t]!;
      const count = this.counts[t]!;
      if (this.all) {
        const grads = tableGrads[t]!;
        const first = grads.count === 0;
        for (let id = 0; id < count; id++) {
          ids[id] = id;
          grads.slot(id);
        }
        table.readRowRange(0, count, raw);
        this.direct[t] = first && this.model.comparator === "dot" && !this.transformsAny;
        if (this.alwaysDirect && !this.direct[t]) {
          throw new Error(
            "GlobalNegatives.sample must run before any other slot of the step is registered",
          );
        }
      } else {
        for (let j = 0; j < count; j++) {
          const id = rng.int(table.rows);
          ids[j] = id;
          tableGrads[t]!.slot(id);
          table.readRow(id, raw, j * dim);
        }
      }
      if (this.model.comparator === "cos") {
        this.scored[t]!.set(raw);
        normalizeRows(this.scored[t]!, count, dim, this.norms[t]!);
      } else if (this.model.comparator === "l2") {
        rowSquaredNorms(raw, count, dim, this.norms[t]!);
      }
      if (this.direct[t]) {
        this.candidateGrads[t] = tableGrads[t]!.grads;
      } else {
        this.candidateGrads[t] = this.scoredGrads[t]!;
        this.scoredGrads[t]!.fill(0);
      }
      if (this.transformsAny) this.rawGrads[t]!.fill(0);
    });
  }

  private targetTable(direction: number, relation: number): number {
    const r = this.model.relations[relation]!;
    return direction === 0 ? r.rhsTable : r.lhsTable;
  }

  // Gathers the direction's queries whose ranked side is table t; returns their count. When that
  // is every row (one target table), nothing is copied: the caller uses the direction's own rows.
  private gather(
    direction: number,
    t: number,
    queries: Float32Array,
    queryNorms: Float32Array,
    size: number,
    edgeRel: Int32Array,
  ): number {
    const dim = this.model.dim;
    let every = true;
    for (let i = 0; i < size && every; i++) every = this.targetTable(direction, edgeRel[i]!) === t;
    if (every) return size;
    let count = 0;
    for (let i = 0; i < size; i++) {
      if (this.targetTable(direction, edgeRel[i]!) !== t) continue;
      this.rows[count] = i;
      this.queries.set(queries.subarray(i * dim, (i + 1) * dim), count * dim);
      this.queryNorms[count] = queryNorms[i]!;
      count++;
    }
    return count;
  }

  private sharedBlock(
    t: number,
    queryCount: number,
    queries: Float32Array,
    queryNorms: Float32Array,
  ): BlockOperands {
    return {
      comparator: this.model.comparator,
      dim: this.model.dim,
      queries,
      queryRow: 0,
      queryCount,
      queryNorms,
      candidates: this.scored[t]!,
      candidateRow: 0,
      candidateCount: this.counts[t]!,
      candidateNorms: this.norms[t]!,
    };
  }

  /** Writes the K global-negative scores of every row into `scores` (B x width) from `column`. */
  async forward(
    direction: number,
    queries: Float32Array,
    queryNorms: Float32Array,
    size: number,
    edgeRel: Int32Array,
    groupStart: Int32Array,
    scores: Float32Array,
    width: number,
    column: number,
  ): Promise<void> {
    if (this.count === 0) return;
    const model = this.model;
    if (model.transformsCandidates(direction === 0 ? "tail" : "head")) {
      const rows = { queries, queryNorms, groupStart };
      this.transformed.forward(direction, rows, this.raw, this.counts, scores, width, column);
      return;
    }
    for (let t = 0; t < model.tables.length; t++) {
      if (!this.active[t]) continue;
      const gathered = this.gather(direction, t, queries, queryNorms, size, edgeRel);
      if (gathered === 0) continue;
      if (gathered === size) {
        // Every row ranks table t: its scores go straight into the score rows.
        const view: MatrixView = { data: scores, offset: column, stride: width };
        const block = this.sharedBlock(t, size, queries, queryNorms);
        await sharedBlockForward(block, this.products, view);
        continue;
      }
      const count = this.counts[t]!;
      const view: MatrixView = { data: this.scores, offset: 0, stride: count };
      const block = this.sharedBlock(t, gathered, this.queries, this.queryNorms);
      await sharedBlockForward(block, this.products, view);
      for (let i = 0; i < gathered; i++) {
        const row = this.scores.subarray(i * count, (i + 1) * count);
        scores.set(row, this.rows[i]! * width + column);
      }
    }
  }

  /** Accumulates dA of the rows and the candidates' gradients from `scoreGrads` (consumed). */
  async backward(
    direction: number,
    queries: Float32Array,
    queryNorms: Float32Array,
    size: number,
    edgeRel: Int32Array,
    groupStart: Int32Array,
    scoreGrads: Float32Array,
    width: number,
    column: number,
    queryGrads: Float32Array,
    relationGrads: SparseGrads,
  ): Promise<void> {
    if (this.count === 0) return;
    const model = this.model;
    const dim = model.dim;
    if (model.transformsCandidates(direction === 0 ? "tail" : "head")) {
      const rows = { queries, queryNorms, groupStart };
      const { raw, rawGrads, counts } = this;
      const grads = { scoreGrads, width, column, queryGrads, relationGrads };
      this.transformed.backward(direction, rows, raw, rawGrads, counts, grads);
      return;
    }
    for (let t = 0; t < model.tables.length; t++) {
      if (!this.active[t]) continue;
      const gathered = this.gather(direction, t, queries, queryNorms, size, edgeRel);
      if (gathered === 0) continue;
      if (gathered === size) {
        // Every row ranks table t: dS is read in place and dA accumulates into the rows' own.
        const view: MatrixView = { data: scoreGrads, offset: column, stride: width };
        await sharedBlockBackward(
          this.sharedBlock(t, size, queries, queryNorms),
          this.products,
          view,
          queryGrads,
          this.candidateGrads[t]!,
          this.rowSums,
          this.columnSums,
        );
        continue;
      }
      const count = this.counts[t]!;
      for (let i = 0; i < gathered; i++) {
        const from = this.rows[i]! * width + column;
        this.scores.set(scoreGrads.subarray(from, from + count), i * count);
      }
      this.queryGrads.fill(0, 0, gathered * dim);
      const view: MatrixView = { data: this.scores, offset: 0, stride: count };
      await sharedBlockBackward(
        this.sharedBlock(t, gathered, this.queries, this.queryNorms),
        this.products,
        view,
        this.queryGrads,
        this.candidateGrads[t]!,
        this.rowSums,
        this.columnSums,
      );
      for (let i = 0; i < gathered; i++) {
        const to = this.rows[i]! * dim;
        for (let d = 0; d < dim; d++) queryGrads[to + d]! += this.queryGrads[i * dim + d]!;
      }
    }
  }

  /** Adds the candidates' gradients to their tables' sparse gradients. */
  scatterGradients(tableGrads: SparseGrads[]): void {
    if (this.count === 0) return;
    const dim = this.model.dim;
    this.model.tables.forEach((_, t) => {
      if (!this.active[t] || this.direct[t]) return;
      const scoredGrads = this.scoredGrads[t]!;
      const count = this.counts[t]!;
      if (this.model.comparator === "cos") {
        normalizeRowsBackward(this.scored[t]!, count, dim, this.norms[t]!, scoredGrads);
      }
      const grads = tableGrads[t]!;
      const rawGrads = this.rawGrads[t]!;
      const transformed = this.transformsAny;
      for (let j = 0; j < count; j++) {
        const offset = grads.slot(this.ids[t]![j]!) * dim;
        for (let d = 0; d < dim; d++) grads.grads[offset + d]! += scoredGrads[j * dim + d]!;
        if (!transformed) continue;
        for (let d = 0; d < dim; d++) grads.grads[offset + d]! += rawGrads[j * dim + d]!;
      }
    });
  }
}
