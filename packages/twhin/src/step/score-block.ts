import type { DenseProducts } from "../kernels/dense-products.js";
import type { MatrixView } from "../kernels/gemm.js";
import type { StepKernels } from "../kernels/step-kernels.js";
import type { ComparatorKind } from "../model/comparator.js";

/**
 * A score block: `queryCount` query rows A against `candidateCount` shared candidate rows C under
 * a comparator. Cosine inputs arrive normalised (their dot is the cosine); squared L2 uses
 * `s = 2<a,c> - |a|^2 - |c|^2` with the squared norms in `queryNorms` / `candidateNorms`.
 * Offsets are in rows.
 */
export interface BlockOperands {
  comparator: ComparatorKind;
  dim: number;
  /** A: rows `queryRow ..` of `queries` (queryCount x D). */
  queries: Float32Array;
  queryRow: number;
  queryCount: number;
  queryNorms: Float32Array;
  /** C: rows `candidateRow ..` of `candidates` (candidateCount x D). */
  candidates: Float32Array;
  candidateRow: number;
  candidateCount: number;
  candidateNorms: Float32Array;
}

/** S (view, queryCount x candidateCount) = comparator(A_i, C_j), by the step kernels. */
export function blockForward(op: BlockOperands, out: MatrixView, kernels: StepKernels): void {
  const { dim, queryCount, candidateCount } = op;
  kernels.gemmNT(
    op.queries,
    op.queryRow * dim,
    queryCount,
    op.candidates,
    op.candidateRow * dim,
    candidateCount,
    dim,
    out,
  );
  if (op.comparator === "l2") adjustL2(op, out);
}

/** Same as blockForward for contiguous operands at row 0, through the dense products. */
export async function sharedBlockForward(
  op: BlockOperands,
  products: DenseProducts,
  out: MatrixView,
): Promise<void> {
  await products.scores(op.queries, op.queryCount, op.candidates, op.candidateCount, op.dim, out);
  if (op.comparator === "l2") adjustL2(op, out);
}

function adjustL2(op: BlockOperands, out: MatrixView): void {
  for (let i = 0; i < op.queryCount; i++) {
    const base = out.offset + i * out.stride;
    const queryNorm = op.queryNorms[op.queryRow + i]!;
    for (let j = 0; j < op.candidateCount; j++) {
      const candidateNorm = op.candidateNorms[op.candidateRow + j]!;
      out.data[base + j] = 2 * out.data[base + j]! - queryNorm - candidateNorm;
    }
  }
}

// For L2, dS is doubled in place and the norm terms are subtracted after the products.
function prepareL2(
  op: BlockOperands,
  scoreGrads: MatrixView,
  rowSums: Float32Array,
  columnSums: Float32Array,
): void {
  columnSums.fill(0, 0, op.candidateCount);
  for (let i = 0; i < op.queryCount; i++) {
    const base = scoreGrads.offset + i * scoreGrads.stride;
    let sum = 0;
    for (let j = 0; j < op.candidateCount; j++) {
      const value = 2 * scoreGrads.data[base + j]!;
      scoreGrads.data[base + j] = value;
      sum += value;
      columnSums[j]! += value;
    }
    rowSums[i] = sum;
  }
}

function finishL2(
  op: BlockOperands,
  rowSums: Float32Array,
  columnSums: Float32Array,
  queryGrads: Float32Array,
  queryGradRow: number,
  candidateGrads: Float32Array,
  candidateGradRow: number,
): void {
  const dim = op.dim;
  for (let i = 0; i < op.queryCount; i++) {
    const sum = rowSums[i]!;
    const from = (op.queryRow + i) * dim;
    const to = (queryGradRow + i) * dim;
    for (let d = 0; d < dim; d++) queryGrads[to + d]! -= sum * op.queries[from + d]!;
  }
  for (let j = 0; j < op.candidateCount; j++) {
    const sum = columnSums[j]!;
    const from = (op.candidateRow + j) * dim;
    const to = (candidateGradRow + j) * dim;
    for (let d = 0; d < dim; d++) candidateGrads[to + d]! -= sum * op.candidates[from + d]!;
  }
}

/**
 * Accumulates dA (rows from `queryGradRow`) and dC (rows from `candidateGradRow`) from dS
 * (`scoreGrads`, consumed); `rowSums` / `columnSums` are L2 scratch.
 */
export function blockBackward(
  op: BlockOperands,
  scoreGrads: MatrixView,
  queryGrads: Float32Array,
  queryGradRow: number,
  candidateGrads: Float32Array,
  candidateGradRow: number,
  rowSums: Float32Array,
  columnSums: Float32Array,
  kernels: StepKernels,
): void {
  const { dim, queryCount, candidateCount } = op;
  if (op.comparator === "l2") prepareL2(op, scoreGrads, rowSums, columnSums);
  // dA (queryCount x D) += dS C; dC (candidateCount x D) += dS^T A
  const { candidates, candidateRow, queries, queryRow } = op;
  kernels.gemmNNAccumulate(
    scoreGrads,
    queryCount,
    candidateCount,
    candidates,
    candidateRow * dim,
    dim,
    queryGrads,
    queryGradRow * dim,
  );
  kernels.gemmTNAccumulate(
    scoreGrads,
    queryCount,
    candidateCount,
    queries,
    queryRow * dim,
    dim,
    candidateGrads,
    candidateGradRow * dim,
  );
  if (op.comparator === "l2") {
    finishL2(op, rowSums, columnSums, queryGrads, queryGradRow, candidateGrads, candidateGradRow);
  }
}

/** Shared-candidate backward through the dense products; operands and gradients at row 0. */
export async function sharedBlockBackward(
  op: BlockOperands,
  products: DenseProducts,
  scoreGrads: MatrixView,
  queryGrads: Float32Array,
  candidateGrads: Float32Array,
  rowSums: Float32Array,
  columnSums: Float32Array,
): Promise<void> {
  const { dim, queryCount, candidateCount } = op;
  if (op.comparator === "l2") prepareL2(op, scoreGrads, rowSums, columnSums);
  await products.gradQueries(
    scoreGrads,
    queryCount,
    candidateCount,
    op.candidates,
    dim,
    queryGrads,
  );
  await products.gradCandidates(
    scoreGrads,
    queryCount,
    candidateCount,
    op.queries,
    dim,
    candidateGrads,
  );
  if (op.comparator === "l2") finishL2(op, rowSums, columnSums, queryGrads, 0, candidateGrads, 0);
}
