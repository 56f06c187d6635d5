import type { Rng } from "@tml/core";
import type { DenseProducts } from "../kernels/dense-products.js";
import type { MatrixView } from "../kernels/gemm.js";
import type { StepKernels } from "../kernels/step-kernels.js";
import { normalizeRows, normalizeRowsBackward, rowSquaredNorms } from "../model/comparator.js";
import { operatorBackward, operatorForward } from "../model/operators.js";
import type { TwhinModel } from "../model/twhin-model.js";
import { globalNegativesLengths } from "./global-negatives-layout.js";
import {
  type BlockOperands,
  blockBackward,
  blockForward,
  sharedBlockBackward,
  sharedBlockForward,
} from "./score-block.js";
import type { SparseGrads } from "./sparse-grads.js";
import type { StepSettings } from "./step-settings.js";

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
  private readonly kernels: StepKernels;
  /** Per table: the K sampled ids, their raw rows (K x D), the rows scored (K x D), norms (K). */
  private readonly ids: Int32Array[] = [];
  private readonly raw: Float32Array[] = [];
  private readonly scored: Float32Array[] = [];
  private readonly norms: Float32Array[] = [];
  /** Per table: gradients of the scored rows and of the raw rows through an operator (K x D). */
  private readonly scoredGrads: Float32Array[] = [];
  private readonly rawGrads: Float32Array[] = [];
  /** Per table: whether the batch ranks that table (sampled this batch). */
  private readonly active: boolean[];
  /** Direction rows of the queries gathered for one table (B). */
  private readonly rows: Int32Array;
  private readonly queries: Float32Array;
  private readonly queryNorms: Float32Array;
  private readonly queryGrads: Float32Array;
  /** Scores / dScores of the gathered queries (B x K). */
  private readonly scores: Float32Array;
  /** op_r(G) of one relation group (K x D), norms (K), gradient (K x D). */
  private readonly transformed: Float32Array;
  private readonly transformedNorms: Float32Array;
  private readonly transformedGrads: Float32Array;
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
    this.kernels = kernels;
    const sizes = globalNegativesLengths(model, count, batchSize);
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
    const [rows, queries, queryNorms, queryGrads, scores] = sizes.shared;
    this.rows = kernels.int32(rows!);
    this.queries = kernels.float32(queries!);
    this.queryNorms = kernels.float32(queryNorms!);
    this.queryGrads = kernels.float32(queryGrads!);
    this.scores = kernels.float32(scores!);
    const [transformed, transformedNorms, transformedGrads, rowSums, columnSums] = sizes.shared2;
    this.transformed = kernels.float32(transformed!);
    this.transformedNorms = kernels.float32(transformedNorms!);
    this.transformedGrads = kernels.float32(transformedGrads!);
    this.rowSums = kernels.float32(rowSums!);
    this.columnSums = kernels.float32(columnSums!);
  }

  /** Draws K ids for each table used by the batch's relations and registers their slots. */
  sample(edgeRel: Int32Array, size: number, rng: Rng, tableGrads: SparseGrads[]): void {
    this.active.fill(false);
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
        for (let id = 0; id < count; id++) {
          ids[id] = id;
          tableGrads[t]!.slot(id);
        }
        table.readRowRange(0, count, raw);
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
      this.scoredGrads[t]!.fill(0);
      this.rawGrads[t]!.fill(0);
    });
  }

  private targetTable(direction: number, relation: number): number {
    const r = this.model.relations[relation]!;
    return direction === 0 ? r.rhsTable : r.lhsTable;
  }

  // Operands of relation group r's transformed candidates op_r(G), written into `transformed`.
  private transformedBlock(
    direction: number,
    relation: number,
    queries: Float32Array,
    queryNorms: Float32Array,
    start: number,
    queryCount: number,
  ): BlockOperands {
    const model = this.model;
    const dim = model.dim;
    const table = this.targetTable(direction, relation);
    const kind = model.relations[relation]!.operator;
    const params = model.relationParams;
    const count = this.counts[table]!;
    for (let j = 0; j < count; j++) {
      operatorForward(
        kind,
        params,
        relation * dim,
        this.raw[table]!,
        j * dim,
        this.transformed,
        j * dim,
        dim,
      );
    }
    if (model.comparator === "cos") {
      normalizeRows(this.transformed, count, dim, this.transformedNorms);
    } else if (model.comparator === "l2") {
      rowSquaredNorms(this.transformed, count, dim, this.transformedNorms);
    }
    return {
      comparator: model.comparator,
      dim,
      queries,
      queryRow: start,
      queryCount,
      queryNorms,
      candidates: this.transformed,
      candidateRow: 0,
      candidateCount: count,
      candidateNorms: this.transformedNorms,
    };
  }

  // Gathers the direction's queries whose ranked side is table t; returns their count.
  private gather(
    direction: number,
    t: number,
    queries: Float32Array,
    queryNorms: Float32Array,
    size: number,
    edgeRel: Int32Array,
  ): number {
    const dim = this.model.dim;
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

  private sharedBlock(t: number, queryCount: number): BlockOperands {
    return {
      comparator: this.model.comparator,
      dim: this.model.dim,
      queries: this.queries,
      queryRow: 0,
      queryCount,
      queryNorms: this.queryNorms,
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
      for (let r = 0; r < model.relations.length; r++) {
        const start = groupStart[r]!;
        const groupSize = groupStart[r + 1]! - start;
        if (groupSize === 0) continue;
        const view: MatrixView = { data: scores, offset: start * width + column, stride: width };
        const block = this.transformedBlock(direction, r, queries, queryNorms, start, groupSize);
        blockForward(block, view, this.kernels);
      }
      return;
    }
    for (let t = 0; t < model.tables.length; t++) {
      if (!this.active[t]) continue;
      const gathered = this.gather(direction, t, queries, queryNorms, size, edgeRel);
      if (gathered === 0) continue;
      const count = this.counts[t]!;
      const view: MatrixView = { data: this.scores, offset: 0, stride: count };
      await sharedBlockForward(this.sharedBlock(t, gathered), this.products, view);
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
      for (let r = 0; r < model.relations.length; r++) {
        const start = groupStart[r]!;
        const groupSize = groupStart[r + 1]! - start;
        if (groupSize === 0) continue;
        const block = this.transformedBlock(direction, r, queries, queryNorms, start, groupSize);
        const table = this.targetTable(direction, r);
        const count = this.counts[table]!;
        const view: MatrixView = {
          data: scoreGrads,
          offset: start * width + column,
          stride: width,
        };
        const transformedGrads = this.transformedGrads;
        transformedGrads.fill(0);
        const { rowSums, columnSums } = this;
        blockBackward(
          block,
          view,
          queryGrads,
          start,
          transformedGrads,
          0,
          rowSums,
          columnSums,
          this.kernels,
        );
        if (model.comparator === "cos") {
          normalizeRowsBackward(
            this.transformed,
            count,
            dim,
            this.transformedNorms,
            transformedGrads,
          );
        }
        // dG (raw candidates) and dw_r through op_r.
        const relationOffset = relationGrads.slot(r) * dim;
        for (let j = 0; j < count; j++) {
          operatorBackward(
            model.relations[r]!.operator,
            model.relationParams,
            r * dim,
            this.raw[table]!,
            j * dim,
            transformedGrads,
            j * dim,
            this.rawGrads[table]!,
            j * dim,
            relationGrads.grads,
            relationOffset,
            dim,
          );
        }
      }
      return;
    }
    for (let t = 0; t < model.tables.length; t++) {
      if (!this.active[t]) continue;
      const gathered = this.gather(direction, t, queries, queryNorms, size, edgeRel);
      if (gathered === 0) continue;
      const count = this.counts[t]!;
      for (let i = 0; i < gathered; i++) {
        const from = this.rows[i]! * width + column;
        this.scores.set(scoreGrads.subarray(from, from + count), i * count);
      }
      this.queryGrads.fill(0, 0, gathered * dim);
      const view: MatrixView = { data: this.scores, offset: 0, stride: count };
      await sharedBlockBackward(
        this.sharedBlock(t, gathered),
        this.products,
        view,
        this.queryGrads,
        this.scoredGrads[t]!,
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
      if (!this.active[t]) return;
      const scoredGrads = this.scoredGrads[t]!;
      const count = this.counts[t]!;
      if (this.model.comparator === "cos") {
        normalizeRowsBackward(this.scored[t]!, count, dim, this.norms[t]!, scoredGrads);
      }
      const grads = tableGrads[t]!;
      const rawGrads = this.rawGrads[t]!;
      for (let j = 0; j < count; j++) {
        const offset = grads.slot(this.ids[t]![j]!) * dim;
        for (let d = 0; d < dim; d++)
          grads.grads[offset + d]! += scoredGrads[j * dim + d]! + rawGrads[j * dim + d]!;
      }
    });
  }
}
