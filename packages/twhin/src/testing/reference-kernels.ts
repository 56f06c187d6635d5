// The plain JS reference of the step kernels (wasm/kernels.ts): what the SIMD kernels and the
// SIMD-trained models are tested against. Not used in production.
import { axpy, dot, gemmNNAccumulate, gemmNT, gemmTNAccumulate } from "../kernels/gemm.js";
import type { ScoreRows, StepKernels } from "../kernels/step-kernels.js";

function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/**
 * Weighted BCE with logits (`projects/twhin/models/models.py`): positives (column 0) label 1 weight `positiveWeight`,
 * negatives label `negativeLabel` (0; the original's defect: 1) weight `negativeWeight`. Each
 * term is scaled by `scale`.
 */
/** Softmax cross-entropy of the positive (column 0) against the row's negatives. */
function softmaxRows(rows: ScoreRows, scale: number): number {
  let total = 0;
  const { scores, grad, width } = rows;
  for (let row = 0; row < rows.rows; row++) {
    const base = row * width;
    let max = Number.NEGATIVE_INFINITY;
    for (let column = 0; column < width; column++) max = Math.max(max, scores[base + column]!);
    const positive = scores[base]!; // before grad (which may be scores) is written
    let sum = 0;
    for (let column = 0; column < width; column++) {
      const exponential = Math.exp(scores[base + column]! - max);
      grad[base + column] = exponential;
      sum += exponential;
    }
    total += max + Math.log(sum) - positive;
    const normalizer = scale / sum;
    for (let column = 0; column < width; column++) grad[base + column]! *= normalizer;
    grad[base]! -= scale;
  }
  return total * scale;
}

function bceRows(
  rows: ScoreRows,
  negativeLabel: number,
  negativeWeight: number,
  positiveWeight: number,
  scale: number,
): number {
  let total = 0;
  const { scores, grad, width } = rows;
  for (let i = 0; i < rows.rows; i++) {
    const base = i * width;
    for (let j = 0; j < width; j++) {
      const x = scores[base + j]!;
      const positive = j === 0;
      const y = positive ? 1 : negativeLabel;
      const w = positive ? positiveWeight : negativeWeight;
      total += w * (softplus(x) - x * y);
      grad[base + j] = scale * w * (sigmoid(x) - y);
    }
  }
  return total * scale;
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

function adagrad(
  w: Float32Array,
  g: Float32Array,
  gOff: number,
  acc: Float32Array,
  n: number,
  learningRate: number,
  eps: number,
): void {
  const f = Math.fround;
  for (let i = 0; i < n; i++) {
    const gradient = g[gOff + i]!;
    const total = f(acc[i]! + f(gradient * gradient));
    acc[i] = total;
    const denominator = f(f(Math.sqrt(total)) + eps);
    if (denominator > 0) w[i] = f(w[i]! - f(f(learningRate * gradient) / denominator));
  }
}

function gatherRows(
  src: Float32Array,
  srcRows: Int32Array,
  count: number,
  k: number,
  dst: Float32Array,
): void {
  for (let i = 0; i < count; i++)
    dst.set(src.subarray(srcRows[i]! * k, (srcRows[i]! + 1) * k), i * k);
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

/** The plain JS kernels over ordinary typed arrays: the reference of every SIMD kernel. */
export function referenceKernels(): StepKernels {
  return {
    float32: (length) => new Float32Array(length),
    int32: (length) => new Int32Array(length),
    gemmNT,
    gemmNNAccumulate,
    gemmTNAccumulate,
    rowDots,
    pairBackward,
    axpy,
    gatherRows,
    scatterAddRows,
    gatherAddRows,
    rowwiseAdagrad,
    adagrad,
    bceRows,
    softmaxRows,
  };
}
