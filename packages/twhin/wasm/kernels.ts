// AssemblyScript source of the TwHIN step's WebAssembly SIMD kernels (f32x4, no FMA: Node 20
// has no relaxed-simd without flags). Compiled by `pnpm --filter @tml/twhin build:wasm` into
// src/kernels/simd-bytes.ts. Every pointer is a byte address in the imported memory, every count
// and stride is in floats; matrices are row-major. The JS reference of each kernel is in
// src/testing/reference-kernels.ts, and simd-kernels.test.ts checks them against it.

@inline function hsum(v: v128): f32 {
  return (
    f32x4.extract_lane(v, 0) +
    f32x4.extract_lane(v, 1) +
    (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3))
  );
}

@inline function madd(acc: v128, x: v128, y: v128): v128 {
  return f32x4.add(acc, f32x4.mul(x, y));
}

/** <a, b> over k floats. */
export function dot(a: usize, b: usize, k: i32): f32 {
  let s0 = f32x4.splat(0);
  let s1 = f32x4.splat(0);
  let d = 0;
  for (; d + 8 <= k; d += 8) {
    const o = (<usize>d) << 2;
    s0 = madd(s0, v128.load(a + o), v128.load(b + o));
    s1 = madd(s1, v128.load(a + o, 16), v128.load(b + o, 16));
  }
  for (; d + 4 <= k; d += 4) {
    const o = (<usize>d) << 2;
    s0 = madd(s0, v128.load(a + o), v128.load(b + o));
  }
  let s = hsum(f32x4.add(s0, s1));
  for (; d < k; d++) {
    const o = (<usize>d) << 2;
    s += load<f32>(a + o) * load<f32>(b + o);
  }
  return s;
}

/** out[i * outStride + j] = <A_i, C_j>: A is n x k, C is m x k. */
export function gemmNT(
  a: usize,
  n: i32,
  c: usize,
  m: i32,
  k: i32,
  out: usize,
  outStride: i32,
): void {
  const rowBytes = (<usize>k) << 2;
  const k4 = k & ~3;
  for (let i = 0; i < n; i++) {
    const ai = a + <usize>i * rowBytes;
    const oi = out + ((<usize>i * <usize>outStride) << 2);
    let j = 0;
    for (; j + 4 <= m; j += 4) {
      const c0 = c + <usize>j * rowBytes;
      const c1 = c0 + rowBytes;
      const c2 = c1 + rowBytes;
      const c3 = c2 + rowBytes;
      let s0 = f32x4.splat(0);
      let s1 = f32x4.splat(0);
      let s2 = f32x4.splat(0);
      let s3 = f32x4.splat(0);
      for (let d = 0; d < k4; d += 4) {
        const o = (<usize>d) << 2;
        const x = v128.load(ai + o);
        s0 = madd(s0, x, v128.load(c0 + o));
        s1 = madd(s1, x, v128.load(c1 + o));
        s2 = madd(s2, x, v128.load(c2 + o));
        s3 = madd(s3, x, v128.load(c3 + o));
      }
      let r0 = hsum(s0);
      let r1 = hsum(s1);
      let r2 = hsum(s2);
      let r3 = hsum(s3);
      for (let d = k4; d < k; d++) {
        const o = (<usize>d) << 2;
        const x = load<f32>(ai + o);
        r0 += x * load<f32>(c0 + o);
        r1 += x * load<f32>(c1 + o);
        r2 += x * load<f32>(c2 + o);
        r3 += x * load<f32>(c3 + o);
      }
      const oj = oi + ((<usize>j) << 2);
      store<f32>(oj, r0);
      store<f32>(oj, r1, 4);
      store<f32>(oj, r2, 8);
      store<f32>(oj, r3, 12);
    }
    for (; j < m; j++) {
      store<f32>(oi + ((<usize>j) << 2), dot(ai, c + <usize>j * rowBytes, k));
    }
  }
}

// out[0..k) += sum_j g[j * gStep] * X_j for j < m (X rows of k floats, rowBytes apart).
@inline function combineRows(
  g: usize,
  gStep: usize,
  m: i32,
  x: usize,
  k: i32,
  out: usize,
  rowBytes: usize,
): void {
  let d = 0;
  for (; d + 16 <= k; d += 16) {
    const o = (<usize>d) << 2;
    let t0 = v128.load(out + o);
    let t1 = v128.load(out + o, 16);
    let t2 = v128.load(out + o, 32);
    let t3 = v128.load(out + o, 48);
    let xj = x + o;
    let gj = g;
    for (let j = 0; j < m; j++) {
      const s = f32x4.splat(load<f32>(gj));
      t0 = madd(t0, s, v128.load(xj));
      t1 = madd(t1, s, v128.load(xj, 16));
      t2 = madd(t2, s, v128.load(xj, 32));
      t3 = madd(t3, s, v128.load(xj, 48));
      xj += rowBytes;
      gj += gStep;
    }
    v128.store(out + o, t0);
    v128.store(out + o, t1, 16);
    v128.store(out + o, t2, 32);
    v128.store(out + o, t3, 48);
  }
  for (; d + 4 <= k; d += 4) {
    const o = (<usize>d) << 2;
    let t0 = v128.load(out + o);
    let xj = x + o;
    let gj = g;
    for (let j = 0; j < m; j++) {
      t0 = madd(t0, f32x4.splat(load<f32>(gj)), v128.load(xj));
      xj += rowBytes;
      gj += gStep;
    }
    v128.store(out + o, t0);
  }
  for (; d < k; d++) {
    const o = (<usize>d) << 2;
    let t = load<f32>(out + o);
    for (let j = 0; j < m; j++) {
      t += load<f32>(g + <usize>j * gStep) * load<f32>(x + <usize>j * rowBytes + o);
    }
    store<f32>(out + o, t);
  }
}

/** out (n x k) += G (n x m, row stride gStride) C (m x k). */
export function gemmNNAccumulate(
  g: usize,
  gStride: i32,
  n: i32,
  m: i32,
  c: usize,
  k: i32,
  out: usize,
): void {
  const rowBytes = (<usize>k) << 2;
  const gRowBytes = (<usize>gStride) << 2;
  for (let i = 0; i < n; i++) {
    combineRows(g + <usize>i * gRowBytes, 4, m, c, k, out + <usize>i * rowBytes, rowBytes);
  }
}

// Rows j and j + 1 of out (k floats each) += sum_i g[i * gStep] * X_i and sum_i g[i * gStep + 4] * X_i:
// two output rows share each load of X (half of gemmTN's traffic over A).
@inline function combineRowsPair(
  g: usize,
  gStep: usize,
  n: i32,
  x: usize,
  k: i32,
  out0: usize,
  out1: usize,
): void {
  const rowBytes = (<usize>k) << 2;
  let d = 0;
  for (; d + 8 <= k; d += 8) {
    const o = (<usize>d) << 2;
    let t0 = v128.load(out0 + o);
    let t1 = v128.load(out0 + o, 16);
    let u0 = v128.load(out1 + o);
    let u1 = v128.load(out1 + o, 16);
    let xi = x + o;
    let gi = g;
    for (let i = 0; i < n; i++) {
      const s0 = f32x4.splat(load<f32>(gi));
      const s1 = f32x4.splat(load<f32>(gi, 4));
      const x0 = v128.load(xi);
      const x1 = v128.load(xi, 16);
      t0 = madd(t0, s0, x0);
      t1 = madd(t1, s0, x1);
      u0 = madd(u0, s1, x0);
      u1 = madd(u1, s1, x1);
      xi += rowBytes;
      gi += gStep;
    }
    v128.store(out0 + o, t0);
    v128.store(out0 + o, t1, 16);
    v128.store(out1 + o, u0);
    v128.store(out1 + o, u1, 16);
  }
  if (d < k) {
    const o = (<usize>d) << 2;
    combineRows(g, gStep, n, x + o, k - d, out0 + o, rowBytes);
    combineRows(g + 4, gStep, n, x + o, k - d, out1 + o, rowBytes);
  }
}

/** out (m x k) += G^T A: G is n x m (row stride gStride), A is n x k. */
export function gemmTNAccumulate(
  g: usize,
  gStride: i32,
  n: i32,
  m: i32,
  a: usize,
  k: i32,
  out: usize,
): void {
  const rowBytes = (<usize>k) << 2;
  const gRowBytes = (<usize>gStride) << 2;
  let j = 0;
  for (; j + 2 <= m; j += 2) {
    const out0 = out + <usize>j * rowBytes;
    combineRowsPair(g + ((<usize>j) << 2), gRowBytes, n, a, k, out0, out0 + rowBytes);
  }
  if (j < m) {
    combineRows(g + ((<usize>j) << 2), gRowBytes, n, a, k, out + <usize>j * rowBytes, rowBytes);
  }
}

/** out[r * outStride] = <A_r, P_r> for r < rows (A, P: rows x k). */
export function rowDots(a: usize, p: usize, rows: i32, k: i32, out: usize, outStride: i32): void {
  const rowBytes = (<usize>k) << 2;
  const outBytes = (<usize>outStride) << 2;
  for (let r = 0; r < rows; r++) {
    const o = <usize>r * rowBytes;
    store<f32>(out + <usize>r * outBytes, dot(a + o, p + o, k));
  }
}

/** y[0..k) += alpha * x[0..k). */
export function axpy(alpha: f32, x: usize, y: usize, k: i32): void {
  const s = f32x4.splat(alpha);
  let d = 0;
  for (; d + 4 <= k; d += 4) {
    const o = (<usize>d) << 2;
    v128.store(y + o, madd(v128.load(y + o), s, v128.load(x + o)));
  }
  for (; d < k; d++) {
    const o = (<usize>d) << 2;
    store<f32>(y + o, load<f32>(y + o) + alpha * load<f32>(x + o));
  }
}

/** Dot-score pair backward, writing: dA_r = g_r P_r, dP_r = g_r A_r with g_r = g[r * gStride]. */
export function pairBackward(
  g: usize,
  gStride: i32,
  a: usize,
  p: usize,
  rows: i32,
  k: i32,
  dA: usize,
  dP: usize,
): void {
  const rowBytes = (<usize>k) << 2;
  const gBytes = (<usize>gStride) << 2;
  for (let r = 0; r < rows; r++) {
    const s = f32x4.splat(load<f32>(g + <usize>r * gBytes));
    const o = <usize>r * rowBytes;
    let d = 0;
    for (; d + 4 <= k; d += 4) {
      const q = o + ((<usize>d) << 2);
      v128.store(dA + q, f32x4.mul(s, v128.load(p + q)));
      v128.store(dP + q, f32x4.mul(s, v128.load(a + q)));
    }
    const gr = f32x4.extract_lane(s, 0);
    for (; d < k; d++) {
      const q = o + ((<usize>d) << 2);
      store<f32>(dA + q, gr * load<f32>(p + q));
      store<f32>(dP + q, gr * load<f32>(a + q));
    }
  }
}

/** Sum of squares of x[0..k). */
export function sumSquares(x: usize, k: i32): f32 {
  return dot(x, x, k);
}

/**
 * Row-wise Adagrad on gathered rows: for s < count, acc[s] += mean(g_s^2), then
 * W_s -= lr * g_s / (sqrt(acc[s]) + eps) (rows with a zero denominator are left alone).
 */
export function rowwiseAdagrad(
  w: usize,
  g: usize,
  acc: usize,
  count: i32,
  k: i32,
  learningRate: f32,
  eps: f32,
): void {
  const rowBytes = (<usize>k) << 2;
  for (let s = 0; s < count; s++) {
    const o = <usize>s * rowBytes;
    const a = acc + ((<usize>s) << 2);
    const total = load<f32>(a) + dot(g + o, g + o, k) / <f32>k;
    store<f32>(a, total);
    const denominator = sqrt<f32>(total) + eps;
    if (denominator == 0) continue;
    axpy(-learningRate / denominator, g + o, w + o, k);
  }
}

/**
 * Element-wise Adagrad over n floats: acc += g^2, then w -= lr * g / (sqrt(acc) + eps), in
 * float32; elements whose denominator is 0 are left alone.
 */
export function adagrad(w: usize, g: usize, acc: usize, n: i32, learningRate: f32, eps: f32): void {
  const rate = f32x4.splat(learningRate);
  const epsilon = f32x4.splat(eps);
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    const gradient = v128.load(g + o);
    const total = f32x4.add(v128.load(acc + o), f32x4.mul(gradient, gradient));
    v128.store(acc + o, total);
    const denominator = f32x4.add(f32x4.sqrt(total), epsilon);
    const step = f32x4.div(f32x4.mul(rate, gradient), denominator);
    // 0/0 lanes (no gradient, no history, eps 0) move nothing.
    const kept = v128.and(step, f32x4.gt(denominator, zero));
    v128.store(w + o, f32x4.sub(v128.load(w + o), kept));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    const gradient = load<f32>(g + o);
    const total = load<f32>(acc + o) + gradient * gradient;
    store<f32>(acc + o, total);
    const denominator = sqrt<f32>(total) + eps;
    if (denominator > 0) store<f32>(w + o, load<f32>(w + o) - (learningRate * gradient) / denominator);
  }
}

export { bceRows, softmaxRows } from "./losses";

/** First byte after the module's static data (math tables): scratch arrays start at or after it. */
export function heapBase(): usize {
  return __heap_base;
}

/** dst row i = src row srcRows[i] for i < count (rows of k floats; srcRows: int32). */
export function gatherRows(src: usize, srcRows: usize, count: i32, k: i32, dst: usize): void {
  const rowBytes = (<usize>k) << 2;
  for (let i = 0; i < count; i++) {
    const row = load<i32>(srcRows + ((<usize>i) << 2));
    memory.copy(dst + <usize>i * rowBytes, src + <usize>row * rowBytes, rowBytes);
  }
}

/** dst row rows[i] += src row i for i < count, skipping rows[i] < 0 (in order: repeats add up). */
export function scatterAddRows(src: usize, count: i32, k: i32, dst: usize, rows: usize): void {
  const rowBytes = (<usize>k) << 2;
  for (let i = 0; i < count; i++) {
    const row = load<i32>(rows + ((<usize>i) << 2));
    if (row < 0) continue;
    axpy(1, src + <usize>i * rowBytes, dst + <usize>row * rowBytes, k);
  }
}

/** dst row i += src row rows[i] for i < count, skipping rows[i] < 0. */
export function gatherAddRows(src: usize, rows: usize, count: i32, k: i32, dst: usize): void {
  const rowBytes = (<usize>k) << 2;
  for (let i = 0; i < count; i++) {
    const row = load<i32>(rows + ((<usize>i) << 2));
    if (row < 0) continue;
    axpy(1, src + <usize>row * rowBytes, dst + <usize>i * rowBytes, k);
  }
}
