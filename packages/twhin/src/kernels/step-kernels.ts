import type { MatrixView } from "./gemm.js";

/**
 * Score rows of a loss: each row is one (edge, direction), column 0 the positive score, then the
 * negatives (`rows x width`). A loss writes dLoss/dScore into `grad` (same layout).
 */
export interface ScoreRows {
  scores: Float32Array;
  grad: Float32Array;
  rows: number;
  width: number;
}

/**
 * The dense loops of a TwHIN step over float32 rows (offsets and counts in floats). A kernel set
 * also owns the step's scratch: every array passed to a kernel comes from its `float32` / `int32`
 * (the WebAssembly SIMD set allocates them in its memory). Production runs the SIMD set
 * (`simd-kernels.ts`); `src/testing/reference-kernels.ts` is the plain JS reference it is tested
 * against.
 */
export interface StepKernels {
  /** A zeroed scratch array of `length` floats. */
  float32(length: number): Float32Array;
  /** A zeroed scratch array of `length` int32s. */
  int32(length: number): Int32Array;
  /** `out (n x m) = A (n x k) C (m x k)^T` */
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
  /** `out (n x k) += G (n x m) C (m x k)` */
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
  /** `out (m x k) += G (n x m)^T A (n x k)` */
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
  /** Weighted BCE over score rows (labels 1 for column 0, `negativeLabel` for the rest): writes `rows.grad`, returns the loss. */
  bceRows(
    rows: ScoreRows,
    negativeLabel: number,
    negativeWeight: number,
    positiveWeight: number,
    scale: number,
  ): number;
  /**
   * Softmax cross-entropy of each row against column 0: grad = scale * (softmax - [1, 0, ...]),
   * returns scale * sum (logsumexp - positive). -Infinity columns get probability 0. `rows.grad`
   * may be `rows.scores` (in place).
   */
  softmaxRows(rows: ScoreRows, scale: number): number;
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
  /**
   * Element-wise Adagrad over `n` floats (W, acc from 0; G from `gOff`), in float32:
   * `acc += G^2`, `W -= lr G / (sqrt(acc) + eps)` (elements where that is 0/0 are left alone).
   */
  adagrad(
    w: Float32Array,
    g: Float32Array,
    gOff: number,
    acc: Float32Array,
    n: number,
    learningRate: number,
    eps: number,
  ): void;
}
