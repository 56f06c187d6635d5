import type { MatrixView } from "../kernels/gemm.js";
import type { StepKernels } from "../kernels/step-kernels.js";
import type { ComparatorKind } from "../model/comparator.js";
import type { DenseProducts } from "../model/dense-products.js";

/**
 * Score blocks: rows of queries A against shared candidates C under a comparator (cosine inputs
 * arrive normalised; squared-L2 uses `s = 2<a,c> - |a|^2 - |c|^2`). Offsets are in rows.
 */
export interface BlockOperands {
  kind: ComparatorKind;
  dim: number;
  a: Float32Array;
  aRow: number;
  n: number;
  aSq: Float32Array;
  c: Float32Array;
  cRow: number;
  m: number;
  cSq: Float32Array;
}

/** S[i, j] (view) = comparator(A_i, C_j), computed by `kernels` (small blocks). */
export function blockForward(op: BlockOperands, out: MatrixView, kernels: StepKernels): void {
  kernels.gemmNT(op.a, op.aRow * op.dim, op.n, op.c, op.cRow * op.dim, op.m, op.dim, out);
  if (op.kind === "l2") adjustL2(op, out);
}

/** Same as blockForward for contiguous operands at row 0, through `products`. */
export function sharedBlockForward(
  op: BlockOperands,
  products: DenseProducts,
  out: MatrixView,
): void {
  products.scores(op.a, op.n, op.c, op.m, op.dim, out);
  if (op.kind === "l2") adjustL2(op, out);
}

function adjustL2(op: BlockOperands, out: MatrixView): void {
  for (let i = 0; i < op.n; i++) {
    const base = out.offset + i * out.stride;
    const ai = op.aSq[op.aRow + i]!;
    for (let j = 0; j < op.m; j++)
      out.data[base + j] = 2 * out.data[base + j]! - ai - op.cSq[op.cRow + j]!;
  }
}

// For L2, dS is doubled in place and the norm terms are subtracted after the products.
function prepareL2(
  op: BlockOperands,
  g: MatrixView,
  rowSum: Float32Array,
  colSum: Float32Array,
): void {
  colSum.fill(0, 0, op.m);
  for (let i = 0; i < op.n; i++) {
    const base = g.offset + i * g.stride;
    let sum = 0;
    for (let j = 0; j < op.m; j++) {
      const value = 2 * g.data[base + j]!;
      g.data[base + j] = value;
      sum += value;
      colSum[j]! += value;
    }
    rowSum[i] = sum;
  }
}

function finishL2(
  op: BlockOperands,
  rowSum: Float32Array,
  colSum: Float32Array,
  dA: Float32Array,
  dARow: number,
  dC: Float32Array,
  dCRow: number,
): void {
  const dim = op.dim;
  for (let i = 0; i < op.n; i++) {
    const s = rowSum[i]!;
    const ao = (op.aRow + i) * dim;
    const go = (dARow + i) * dim;
    for (let d = 0; d < dim; d++) dA[go + d]! -= s * op.a[ao + d]!;
  }
  for (let j = 0; j < op.m; j++) {
    const s = colSum[j]!;
    const co = (op.cRow + j) * dim;
    const go = (dCRow + j) * dim;
    for (let d = 0; d < dim; d++) dC[go + d]! -= s * op.c[co + d]!;
  }
}

/** Accumulates dA (rows from dARow) and dC (rows from dCRow) from dS; dS is consumed. */
export function blockBackward(
  op: BlockOperands,
  g: MatrixView,
  dA: Float32Array,
  dARow: number,
  dC: Float32Array,
  dCRow: number,
  rowSum: Float32Array,
  colSum: Float32Array,
  kernels: StepKernels,
): void {
  if (op.kind === "l2") prepareL2(op, g, rowSum, colSum);
  kernels.gemmNNAccumulate(g, op.n, op.m, op.c, op.cRow * op.dim, op.dim, dA, dARow * op.dim);
  kernels.gemmTNAccumulate(g, op.n, op.m, op.a, op.aRow * op.dim, op.dim, dC, dCRow * op.dim);
  if (op.kind === "l2") finishL2(op, rowSum, colSum, dA, dARow, dC, dCRow);
}

/** Shared-candidate backward through `products`; operands and gradients contiguous at row 0. */
export function sharedBlockBackward(
  op: BlockOperands,
  products: DenseProducts,
  g: MatrixView,
  dA: Float32Array,
  dC: Float32Array,
  rowSum: Float32Array,
  colSum: Float32Array,
): void {
  if (op.kind === "l2") prepareL2(op, g, rowSum, colSum);
  products.gradQueries(g, op.n, op.m, op.c, op.dim, dA);
  products.gradCandidates(g, op.n, op.m, op.a, op.dim, dC);
  if (op.kind === "l2") finishL2(op, rowSum, colSum, dA, 0, dC, 0);
}
