import { axpy, dot, gemmNNAccumulate, gemmNT, gemmTNAccumulate, type MatrixView } from "./gemm.js";
import { bceRows, type ScoreRows } from "./score-losses.js";

/** Which implementation runs a step's hot loops: plain JS (the reference) or WebAssembly SIMD. */
export type KernelKind = "js" | "simd";

/**
 * The dense loops of a TwHIN step over float32 rows (offsets and counts in floats). A kernel set
 * also owns the step's scratch: arrays from `float32` / `int32` are where the fast path runs (the
 * SIMD set allocates them in its WebAssembly memory; any other array takes the JS path).
 */
export interface StepKernels {
  readonly kind: KernelKind;
  /** A zeroed scratch array of `length` floats. */
  float32(length: number): Float32Array;
  /** A zeroed scratch array of `length` int32s. */
  int32(length: number): Int32Array;
  /** `out (n x m) = A (n x k) C (m x k)^T` (as gemm.ts). */
  gemmNT(
    a: Float32Array,
    aOff: number,
    n: number,
    c: Float32Array,
    cOff: number,
    m: number,
    k: number,
    out: MatrixView,
  ): void;
  /** `out (n x k) += G (n x m) C (m x k)` (as gemm.ts). */
  gemmNNAccumulate(
    g: MatrixView,
    n: number,
    m: number,
    c: Float32Array,
    cOff: number,
    k: number,
    out: Float32Array,
    outOff: number,
  ): void;
  /** `out (m x k) += G (n x m)^T A (n x k)` (as gemm.ts). */
  gemmTNAccumulate(
    g: MatrixView,
    n: number,
    m: number,
    a: Float32Array,
    aOff: number,
    k: number,
    out: Float32Array,
    outOff: number,
  ): void;
  /** `out[outOff + r * outStride] = <A_r, P_r>` for r < rows; A and P are rows x k from 0. */
  rowDots(
    a: Float32Array,
    p: Float32Array,
    rows: number,
    k: number,
    out: Float32Array,
    outOff: number,
    outStride: number,
  ): void;
  /** Dot-score backward of row pairs, writing: `dA_r = g_r P_r`, `dP_r = g_r A_r`, g_r = g[gOff + r * gStride]. */
  pairBackward(
    g: Float32Array,
    gOff: number,
    gStride: number,
    a: Float32Array,
    p: Float32Array,
    rows: number,
    k: number,
    dA: Float32Array,
    dP: Float32Array,
  ): void;
  /** `y[yOff..yOff+k) += alpha * x[xOff..xOff+k)`. */
  axpy(
    alpha: number,
    x: Float32Array,
    xOff: number,
    y: Float32Array,
    yOff: number,
    k: number,
  ): void;
  /** Weighted BCE over score rows (as `bceRows` in score-losses.ts): writes `rows.grad`, returns the loss. */
  bceRows(
    rows: ScoreRows,
    negativeLabel: number,
    negativeWeight: number,
    positiveWeight: number,
    scale: number,
  ): number;
  /** Row i of `dst` (rows of k floats, from row 0) = row `srcRows[i]` of `src`, for i < count. */
  gatherRows(
    src: Float32Array,
    srcRows: Int32Array,
    count: number,
    k: number,
    dst: Float32Array,
  ): void;
  /** Row `rows[i]` of `dst` += row i of `src` for i < count, in order; `rows[i] < 0` is skipped. */
  scatterAddRows(
    src: Float32Array,
    count: number,
    k: number,
    dst: Float32Array,
    rows: Int32Array,
  ): void;
  /** Row i of `dst` += row `rows[i]` of `src` for i < count; `rows[i] < 0` is skipped. */
  gatherAddRows(
    src: Float32Array,
    rows: Int32Array,
    count: number,
    k: number,
    dst: Float32Array,
  ): void;
  /** `dst[dstOff..dstOff+k) = src[srcOff..srcOff+k)`. */
  copyRow(src: Float32Array, srcOff: number, dst: Float32Array, dstOff: number, k: number): void;
  /**
   * Row-wise Adagrad over `count` gathered rows (W, G: count x k; acc: count):
   * `acc_s += mean(G_s^2)`, `W_s -= lr G_s / (sqrt(acc_s) + eps)` (skipped when that is 0/0).
   */
  rowwiseAdagrad(
    w: Float32Array,
    g: Float32Array,
    acc: Float32Array,
    count: number,
    k: number,
    learningRate: number,
    eps: number,
  ): void;
}

function rowDots(
  a: Float32Array,
  p: Float32Array,
  rows: number,
  k: number,
  out: Float32Array,
  outOff: number,
  outStride: number,
): void {
  for (let r = 0; r < rows; r++) out[outOff + r * outStride] = dot(a, r * k, p, r * k, k);
}

function pairBackward(
  g: Float32Array,
  gOff: number,
  gStride: number,
  a: Float32Array,
  p: Float32Array,
  rows: number,
  k: number,
  dA: Float32Array,
  dP: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const gr = g[gOff + r * gStride]!;
    for (let d = r * k; d < (r + 1) * k; d++) {
      dA[d] = gr * p[d]!;
      dP[d] = gr * a[d]!;
    }
  }
}

function copyRow(
  src: Float32Array,
  srcOff: number,
  dst: Float32Array,
  dstOff: number,
  k: number,
): void {
  dst.set(src.subarray(srcOff, srcOff + k), dstOff);
}

function rowwiseAdagrad(
  w: Float32Array,
  g: Float32Array,
  acc: Float32Array,
  count: number,
  k: number,
  learningRate: number,
  eps: number,
): void {
  for (let s = 0; s < count; s++) {
    const total = acc[s]! + dot(g, s * k, g, s * k, k) / k;
    acc[s] = total;
    const denominator = Math.sqrt(total) + eps;
    if (denominator === 0) continue;
    axpy(-learningRate / denominator, g, s * k, w, s * k, k);
  }
}

function gatherRows(
  src: Float32Array,
  srcRows: Int32Array,
  count: number,
  k: number,
  dst: Float32Array,
): void {
  for (let i = 0; i < count; i++) copyRow(src, srcRows[i]! * k, dst, i * k, k);
}

function scatterAddRows(
  src: Float32Array,
  count: number,
  k: number,
  dst: Float32Array,
  rows: Int32Array,
): void {
  for (let i = 0; i < count; i++) if (rows[i]! >= 0) axpy(1, src, i * k, dst, rows[i]! * k, k);
}

function gatherAddRows(
  src: Float32Array,
  rows: Int32Array,
  count: number,
  k: number,
  dst: Float32Array,
): void {
  for (let i = 0; i < count; i++) if (rows[i]! >= 0) axpy(1, src, rows[i]! * k, dst, i * k, k);
}

/** The plain JS kernels: the reference every fast path is tested against. */
export function jsKernels(): StepKernels {
  return {
    kind: "js",
    float32: (length) => new Float32Array(length),
    int32: (length) => new Int32Array(length),
    gemmNT,
    gemmNNAccumulate,
    gemmTNAccumulate,
    rowDots,
    pairBackward,
    axpy,
    copyRow,
    gatherRows,
    scatterAddRows,
    gatherAddRows,
    rowwiseAdagrad,
    bceRows,
  };
}
