import type { MatrixView } from "../kernels/gemm.js";
import type { StepKernels } from "../kernels/step-kernels.js";
import { normalizeRows, normalizeRowsBackward, rowSquaredNorms } from "../model/comparator.js";
import { operatorBackward, operatorForward } from "../model/operators.js";
import type { TwhinModel } from "../model/twhin-model.js";
import { type BlockOperands, blockBackward, blockForward } from "./score-block.js";
import type { SparseGrads } from "./sparse-grads.js";

/** A direction's query rows, grouped by relation (`groupStart`, R + 1). */
export interface GroupedQueries {
  queries: Float32Array;
  queryNorms: Float32Array;
  groupStart: Int32Array;
}

/** Where the backward pass reads dS and accumulates its gradients. */
export interface TransformedGrads {
  /** dS rows (B x width); the candidates' block starts at `column`. */
  scoreGrads: Float32Array;
  width: number;
  column: number;
  /** dA (B x D), accumulated. */
  queryGrads: Float32Array;
  relationGrads: SparseGrads;
}

/**
 * Shared candidates scored through the relation's operator: a HEAD direction without reciprocal
 * relations compares `op_r(candidate)` with e_rhs, so each relation group r scores its own block
 * `op_r(G)` (written into `transformed`, K x D) on the step kernels, and the backward pass sends
 * dL/d op_r(G) through op_r into the raw candidates' gradients and the operator row r.
 */
export class TransformedCandidates {
  private readonly model: TwhinModel;
  private readonly kernels: StepKernels;
  /** op_r(G) of one relation group (K x D), its norms (K) and gradient (K x D). */
  private readonly transformed: Float32Array;
  private readonly norms: Float32Array;
  private readonly grads: Float32Array;
  /** L2 scratch (B, K). */
  private readonly rowSums: Float32Array;
  private readonly columnSums: Float32Array;

  /** Every array is the step kernels' (see `globalNegativesLengths`). */
  constructor(
    model: TwhinModel,
    kernels: StepKernels,
    [transformed, norms, grads, rowSums, columnSums]: Float32Array[],
  ) {
    this.model = model;
    this.kernels = kernels;
    this.transformed = transformed!;
    this.norms = norms!;
    this.grads = grads!;
    this.rowSums = rowSums!;
    this.columnSums = columnSums!;
  }

  private targetTable(direction: number, relation: number): number {
    const r = this.model.relations[relation]!;
    return direction === 0 ? r.rhsTable : r.lhsTable;
  }

  /** Writes each relation group's scores against op_r(G) into `scores` (B x width) from `column`. */
  forward(
    direction: number,
    rows: GroupedQueries,
    raw: readonly Float32Array[],
    counts: readonly number[],
    scores: Float32Array,
    width: number,
    column: number,
  ): void {
    for (let r = 0; r < this.model.relations.length; r++) {
      const start = rows.groupStart[r]!;
      const groupSize = rows.groupStart[r + 1]! - start;
      if (groupSize === 0) continue;
      const view: MatrixView = { data: scores, offset: start * width + column, stride: width };
      const table = this.targetTable(direction, r);
      const block = this.block(r, rows, start, groupSize, raw[table]!, counts[table]!);
      blockForward(block, view, this.kernels);
    }
  }

  /** Accumulates dA, the raw candidates' gradients (`rawGrads`) and dw_r from dS (consumed). */
  backward(
    direction: number,
    rows: GroupedQueries,
    raw: readonly Float32Array[],
    rawGrads: readonly Float32Array[],
    counts: readonly number[],
    grads: TransformedGrads,
  ): void {
    const model = this.model;
    const dim = model.dim;
    const { scoreGrads, width, column, queryGrads, relationGrads } = grads;
    for (let r = 0; r < model.relations.length; r++) {
      const start = rows.groupStart[r]!;
      const groupSize = rows.groupStart[r + 1]! - start;
      if (groupSize === 0) continue;
      const table = this.targetTable(direction, r);
      const count = counts[table]!;
      const block = this.block(r, rows, start, groupSize, raw[table]!, count);
      const view: MatrixView = { data: scoreGrads, offset: start * width + column, stride: width };
      const transformedGrads = this.grads;
      transformedGrads.fill(0);
      const { rowSums, columnSums } = this;
      const kernels = this.kernels;
      blockBackward(
        block,
        view,
        queryGrads,
        start,
        transformedGrads,
        0,
        rowSums,
        columnSums,
        kernels,
      );
      if (model.comparator === "cos") {
        normalizeRowsBackward(this.transformed, count, dim, this.norms, transformedGrads);
      }
      // dG (raw candidates) and dw_r through op_r.
      const relationOffset = relationGrads.slot(r) * dim;
      const kind = model.relations[r]!.operator;
      for (let j = 0; j < count; j++) {
        const offset = j * dim;
        operatorBackward(
          kind,
          model.relationParams,
          r * dim,
          raw[table]!,
          offset,
          transformedGrads,
          offset,
          rawGrads[table]!,
          offset,
          relationGrads.grads,
          relationOffset,
          dim,
        );
      }
    }
  }

  // Operands of relation group r's transformed candidates op_r(G), written into `transformed`.
  private block(
    relation: number,
    rows: GroupedQueries,
    start: number,
    queryCount: number,
    raw: Float32Array,
    count: number,
  ): BlockOperands {
    const model = this.model;
    const dim = model.dim;
    const kind = model.relations[relation]!.operator;
    const params = model.relationParams;
    for (let j = 0; j < count; j++) {
      operatorForward(kind, params, relation * dim, raw, j * dim, this.transformed, j * dim, dim);
    }
    if (model.comparator === "cos") {
      normalizeRows(this.transformed, count, dim, this.norms);
    } else if (model.comparator === "l2") {
      rowSquaredNorms(this.transformed, count, dim, this.norms);
    }
    return {
      comparator: model.comparator,
      dim,
      queries: rows.queries,
      queryRow: start,
      queryCount,
      queryNorms: rows.queryNorms,
      candidates: this.transformed,
      candidateRow: 0,
      candidateCount: count,
      candidateNorms: this.norms,
    };
  }
}
