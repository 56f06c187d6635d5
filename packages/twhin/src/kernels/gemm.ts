/**
 * Dense row-major products over Float32Arrays for the scoring hot path. They allocate nothing;
 * callers pass offsets and strides so blocks of preallocated scratch can be used in place.
 */

/** A row-major matrix view: `data[offset + i * stride + j]`. */
export interface MatrixView {
  data: Float32Array;
  offset: number;
  stride: number;
}

/** Dot product of `k` floats starting at `a[aOff]` and `b[bOff]`. */
export function dot(
  a: Float32Array,
  aOff: number,
  b: Float32Array,
  bOff: number,
  k: number,
): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let d = 0;
  for (; d + 3 < k; d += 4) {
    s0 += a[aOff + d]! * b[bOff + d]!;
    s1 += a[aOff + d + 1]! * b[bOff + d + 1]!;
    s2 += a[aOff + d + 2]! * b[bOff + d + 2]!;
    s3 += a[aOff + d + 3]! * b[bOff + d + 3]!;
  }
  for (; d < k; d++) s0 += a[aOff + d]! * b[bOff + d]!;
  return s0 + s1 + s2 + s3;
}

/** `y[yOff..yOff+k) += alpha * x[xOff..xOff+k)`. */
export function axpy(
  alpha: number,
  x: Float32Array,
  xOff: number,
  y: Float32Array,
  yOff: number,
  k: number,
): void {
  if (alpha === 0) return;
  for (let d = 0; d < k; d++) y[yOff + d]! += alpha * x[xOff + d]!;
}

/** `out (n x m) = A (n x k) * C (m x k)^T`; rows of A and C are contiguous with stride k. */
export function gemmNT(
  a: Float32Array,
  aOff: number,
  n: number,
  c: Float32Array,
  cOff: number,
  m: number,
  k: number,
  out: MatrixView,
): void {
  for (let i = 0; i < n; i++) {
    const ai = aOff + i * k;
    const oi = out.offset + i * out.stride;
    for (let j = 0; j < m; j++) out.data[oi + j] = dot(a, ai, c, cOff + j * k, k);
  }
}

/** `out (n x k) += G (n x m) * C (m x k)`. */
export function gemmNNAccumulate(
  g: MatrixView,
  n: number,
  m: number,
  c: Float32Array,
  cOff: number,
  k: number,
  out: Float32Array,
  outOff: number,
): void {
  for (let i = 0; i < n; i++) {
    const gi = g.offset + i * g.stride;
    const oi = outOff + i * k;
    for (let j = 0; j < m; j++) axpy(g.data[gi + j]!, c, cOff + j * k, out, oi, k);
  }
}

/** `out (m x k) += G (n x m)^T * A (n x k)`. */
export function gemmTNAccumulate(
  g: MatrixView,
  n: number,
  m: number,
  a: Float32Array,
  aOff: number,
  k: number,
  out: Float32Array,
  outOff: number,
): void {
  for (let i = 0; i < n; i++) {
    const gi = g.offset + i * g.stride;
    const ai = aOff + i * k;
    for (let j = 0; j < m; j++) axpy(g.data[gi + j]!, a, ai, out, outOff + j * k, k);
  }
}
