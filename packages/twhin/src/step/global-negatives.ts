import type { Rng } from "@tml/core";
import type { DenseProducts } from "../kernels/dense-products.js";
import type { MatrixView } from "../kernels/gemm.js";
import type { StepKernels } from "../kernels/step-kernels.js";
import { normalizeRows, normalizeRowsBackward, rowSquaredNorms } from "../model/comparator.js";
import { operatorBackward, operatorForward } from "../model/operators.js";
import type { TwhinModel } from "../model/twhin-model.js";
import {
  type BlockOperands,
  blockBackward,
  blockForward,
  sharedBlockBackward,
  sharedBlockForward,
} from "./score-block.js";
import type { SparseGrads } from "./sparse-grads.js";

// Lengths of the kernel-owned arrays of GlobalNegatives, in allocation order (K = count,
// B = batch size, D = dim; empty when K = 0). Per table: ids (int32 K), raw rows, the rows scored
// (a separate normalised copy under cosine), their norms (K), and two gradients (K x D each).
// Then: row index (int32 B), gathered queries (B x D), their norms (B), dA (B x D), scores
// (B x K), transformed candidates op_r(G) (K x D), their norms (K), dT (K x D), L2 sums (B, K).
function lengths(model: TwhinModel, count: number, batchSize: number) {
  const dim = model.dim;
  const batch = count > 0 ? batchSize : 0;
  const cosine = model.comparator === "cos";
  return {
    perTable: [count, count * dim, cosine ? count * dim : 0, count, count * dim, count * dim],
    shared: [batch, batch * dim, batch, batch * dim, batch * count],
    shared2: [count * dim, count, count * dim, batch, count],
  };
}

/** Lengths of the arrays GlobalNegatives allocates from the step kernels (for the arena size). */
export function globalNegativesLayout(
  model: TwhinModel,
  count: number,
  batchSize: number,
): number[] {
  const sizes = lengths(model, count, batchSize);
  return [...model.tables.flatMap(() => sizes.perTable), ...sizes.shared, ...sizes.shared2];
}

/**
 * `global_negatives`: K ids drawn uniformly from each entity type's table once per batch and
 * shared by every edge whose ranked side has that type. Raw candidates are scored as one dense
 * product per table; without reciprocal relations the head side compares `op_r(candidate)` with
 * e_rhs, so candidates are transformed per relation group.
 */
export class GlobalNegatives {
  private readonly model: TwhinModel;
  private readonly count: number;
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
    count: number,
    batchSize: number,
    products: DenseProducts,
    kernels: StepKernels,
  ) {
    this.model = model;
    this.count = count;
    this.products = products;
    this.kernels = kernels;
    const sizes = lengths(model, count, batchSize);
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
      for (let j = 0; j < this.count; j++) {
        const id = rng.int(table.rows);
        ids[j] = id;
        tableGrads[t]!.slot(id);
        raw.set(table.data.subarray(id * dim, (id + 1) * dim), j * dim);
      }
      if (this.model.comparator === "cos") {
        this.scored[t]!.set(raw);
        normalizeRows(this.scored[t]!, this.count, dim, this.norms[t]!);
      } else if (this.model.comparator === "l2") {
        rowSquaredNorms(raw, this.count, dim, this.norms[t]!);
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
    for (let j = 0; j < this.count; j++) {
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
      normalizeRows(this.transformed, this.count, dim, this.transformedNorms);
    } else if (model.comparator === "l2") {
      rowSquaredNorms(this.transformed, this.count, dim, this.transformedNorms);
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
      candidateCount: this.count,
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
      candidateCount: this.count,
      candidateNorms: this.norms[t]!,
    };
  }

  /** Writes the K global-negative scores of every row into `scores` (B x width) from `column`. */
  forward(
    direction: number,
    queries: Float32Array,
    queryNorms: Float32Array,
    size: number,
    edgeRel: Int32Array,
    groupStart: Int32Array,
    scores: Float32Array,
    width: number,
    column: number,
  ): void {
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
    const count = this.count;
    for (let t = 0; t < model.tables.length; t++) {
      if (!this.active[t]) continue;
      const gathered = this.gather(direction, t, queries, queryNorms, size, edgeRel);
      if (gathered === 0) continue;
      const view: MatrixView = { data: this.scores, offset: 0, stride: count };
      sharedBlockForward(this.sharedBlock(t, gathered), this.products, view);
      for (let i = 0; i < gathered; i++) {
        const row = this.scores.subarray(i * count, (i + 1) * count);
        scores.set(row, this.rows[i]! * width + column);
      }
    }
  }

  /** Accumulates dA of the rows and the candidates' gradients from `scoreGrads` (consumed). */
  backward(
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
  ): void {
    if (this.count === 0) return;
    const model = this.model;
    const dim = model.dim;
    const count = this.count;
    if (model.transformsCandidates(direction === 0 ? "tail" : "head")) {
      for (let r = 0; r < model.relations.length; r++) {
        const start = groupStart[r]!;
        const groupSize = groupStart[r + 1]! - start;
        if (groupSize === 0) continue;
        const block = this.transformedBlock(direction, r, queries, queryNorms, start, groupSize);
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
        const table = this.targetTable(direction, r);
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
      for (let i = 0; i < gathered; i++) {
        const from = this.rows[i]! * width + column;
        this.scores.set(scoreGrads.subarray(from, from + count), i * count);
      }
      this.queryGrads.fill(0, 0, gathered * dim);
      const view: MatrixView = { data: this.scores, offset: 0, stride: count };
      sharedBlockBackward(
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
      if (this.model.comparator === "cos") {
        normalizeRowsBackward(this.scored[t]!, this.count, dim, this.norms[t]!, scoredGrads);
      }
      const grads = tableGrads[t]!;
      const rawGrads = this.rawGrads[t]!;
      for (let j = 0; j < this.count; j++) {
        const offset = grads.slot(this.ids[t]![j]!) * dim;
        for (let d = 0; d < dim; d++)
          grads.grads[offset + d]! += scoredGrads[j * dim + d]! + rawGrads[j * dim + d]!;
      }
    });
  }
}
