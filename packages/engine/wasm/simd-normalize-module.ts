// AssemblyScript source of the inner column loops of the fused normalisation kernels
// (src/fused/normalize-kernels.ts has the maths, src/fused/normalize-simd.ts the row walk). It
// imports the tfjs wasm backend's memory, so it reads and writes tensors where they live; JS keeps
// the per-group arithmetic and the tails (< 4 columns). Compiled by
// `pnpm --filter @tml/engine build:wasm` into src/fused/simd-normalize-module-bytes.ts.
//
// Pointers are byte offsets, `quads` = column count ÷ 4; float64 accumulator arrays are addressed
// at twice the float32 offset. Moments and gradient sums accumulate in float64 (f64x2 pairs: lanes
// 0-1, then 2-3), as the JS loops do; element-wise outputs are computed in float32 in the centred
// form (x − μ)·r, the rounding of the stock tfjs chain. Functions returning a sum leave a second
// one in the exported global `second`. The small helpers below are inlined by the optimiser (-O3).

/** The second sum of `rowMoments` / `rowGradSums`. */
export let second: f64 = 0;

// Float32 lanes 0-1 / 2-3 of `x` as an f64x2.
function low(x: v128): v128 {
  return f64x2.promote_low_f32x4(x);
}

function high(x: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 0, 1));
}

// Σ of both lanes of a + b.
function laneSum(a: v128, b: v128): f64 {
  const sum = f64x2.add(a, b);
  return f64x2.extract_lane(sum, 0) + f64x2.extract_lane(sum, 1);
}

// The f64x2 at `address` += value.
function accumulateAt(address: usize, value: v128): void {
  v128.store(address, f64x2.add(v128.load(address), value));
}

// Lanes of `dy` where floor ≤ value ≤ upper, zero elsewhere.
function inside(dy: v128, value: v128, floor: v128, upper: v128): v128 {
  return v128.and(v128.and(dy, f32x4.ge(value, floor)), f32x4.le(value, upper));
}

/** Σ(x − pivot) over one row (returned) and Σ(x − pivot)² (in `second`), float64. */
export function rowMoments(x: usize, quads: u32, pivot: f64): f64 {
  const p = f64x2.splat(pivot);
  let sumLow = f64x2.splat(0);
  let sumHigh = f64x2.splat(0);
  let squaresLow = f64x2.splat(0);
  let squaresHigh = f64x2.splat(0);
  for (let quad: u32 = 0; quad < quads; quad++) {
    const value = v128.load(x + ((<usize>quad) << 4));
    const dLow = f64x2.sub(low(value), p);
    const dHigh = f64x2.sub(high(value), p);
    sumLow = f64x2.add(sumLow, dLow);
    sumHigh = f64x2.add(sumHigh, dHigh);
    squaresLow = f64x2.add(squaresLow, f64x2.mul(dLow, dLow));
    squaresHigh = f64x2.add(squaresHigh, f64x2.mul(dHigh, dHigh));
  }
  second = laneSum(squaresLow, squaresHigh);
  return laneSum(sumLow, sumHigh);
}

/** y = clamp(((x − μ)·r)·γ + β, lower, upper) along one row. */
export function rowAffine(
  x: usize,
  y: usize,
  gamma: usize,
  beta: usize,
  quads: u32,
  mu: f32,
  r: f32,
  lower: f32,
  upper: f32,
): void {
  const m = f32x4.splat(mu);
  const rv = f32x4.splat(r);
  const lo = f32x4.splat(lower);
  const hi = f32x4.splat(upper);
  for (let quad: u32 = 0; quad < quads; quad++) {
    const o = (<usize>quad) << 4;
    const centred = f32x4.mul(f32x4.sub(v128.load(x + o), m), rv);
    const value = f32x4.add(f32x4.mul(centred, v128.load(gamma + o)), v128.load(beta + o));
    v128.store(y + o, f32x4.pmin(f32x4.pmax(value, lo), hi));
  }
}

/** out = dy where floor ≤ ((x − μ)·r)·γ + β ≤ upper, else 0, along one row. */
export function rowMask(
  x: usize,
  dy: usize,
  out: usize,
  gamma: usize,
  beta: usize,
  quads: u32,
  mu: f32,
  r: f32,
  floor: f32,
  upper: f32,
): void {
  const m = f32x4.splat(mu);
  const rv = f32x4.splat(r);
  const lo = f32x4.splat(floor);
  const hi = f32x4.splat(upper);
  for (let quad: u32 = 0; quad < quads; quad++) {
    const o = (<usize>quad) << 4;
    const centred = f32x4.mul(f32x4.sub(v128.load(x + o), m), rv);
    const value = f32x4.add(f32x4.mul(centred, v128.load(gamma + o)), v128.load(beta + o));
    v128.store(out + o, inside(v128.load(dy + o), value, lo, hi));
  }
}

/**
 * Along one row with g = dy·γ: returns Σg, leaves Σg·x in `second`, and adds dy to sumDy[c]
 * and dy·(x·r + center) to sumDyXhat[c] (float64 arrays).
 */
export function rowGradSums(
  dy: usize,
  x: usize,
  gamma: usize,
  sumDy: usize,
  sumDyXhat: usize,
  quads: u32,
  r: f64,
  center: f64,
): f64 {
  const rv = f64x2.splat(r);
  const c = f64x2.splat(center);
  let sumGLow = f64x2.splat(0);
  let sumGHigh = f64x2.splat(0);
  let sumGXLow = f64x2.splat(0);
  let sumGXHigh = f64x2.splat(0);
  for (let quad: u32 = 0; quad < quads; quad++) {
    const o = (<usize>quad) << 4;
    const o64 = o << 1;
    const d = v128.load(dy + o);
    const xv = v128.load(x + o);
    const gv = v128.load(gamma + o);
    const dLow = low(d);
    const dHigh = high(d);
    const gLow = f64x2.mul(low(gv), dLow);
    const gHigh = f64x2.mul(high(gv), dHigh);
    sumGLow = f64x2.add(sumGLow, gLow);
    sumGHigh = f64x2.add(sumGHigh, gHigh);
    sumGXLow = f64x2.add(sumGXLow, f64x2.mul(gLow, low(xv)));
    sumGXHigh = f64x2.add(sumGXHigh, f64x2.mul(gHigh, high(xv)));
    accumulateAt(sumDy + o64, dLow);
    accumulateAt(sumDy + o64 + 16, dHigh);
    accumulateAt(sumDyXhat + o64, f64x2.mul(dLow, f64x2.add(f64x2.mul(low(xv), rv), c)));
    accumulateAt(sumDyXhat + o64 + 16, f64x2.mul(dHigh, f64x2.add(f64x2.mul(high(xv), rv), c)));
  }
  second = laneSum(sumGXLow, sumGXHigh);
  return laneSum(sumGLow, sumGHigh);
}

/** dx = (dy·γ)·r + (x − μ)·slope + c along one row. */
export function rowGradOut(
  dy: usize,
  x: usize,
  gamma: usize,
  dx: usize,
  quads: u32,
  r: f32,
  mu: f32,
  slope: f32,
  c: f32,
): void {
  const rv = f32x4.splat(r);
  const m = f32x4.splat(mu);
  const k = f32x4.splat(slope);
  const cv = f32x4.splat(c);
  for (let quad: u32 = 0; quad < quads; quad++) {
    const o = (<usize>quad) << 4;
    const scaled = f32x4.mul(f32x4.mul(v128.load(dy + o), v128.load(gamma + o)), rv);
    const shifted = f32x4.mul(f32x4.sub(v128.load(x + o), m), k);
    v128.store(dx + o, f32x4.add(f32x4.add(scaled, shifted), cv));
  }
}

/** Per column: totals += x − x0, squares += (x − x0)² (float64 arrays), one row. */
export function colMoments(x: usize, x0: usize, totals: usize, squares: usize, quads: u32): void {
  for (let quad: u32 = 0; quad < quads; quad++) {
    const o = (<usize>quad) << 4;
    const o64 = o << 1;
    const value = v128.load(x + o);
    const first = v128.load(x0 + o);
    const dLow = f64x2.sub(low(value), low(first));
    const dHigh = f64x2.sub(high(value), high(first));
    accumulateAt(totals + o64, dLow);
    accumulateAt(totals + o64 + 16, dHigh);
    accumulateAt(squares + o64, f64x2.mul(dLow, dLow));
    accumulateAt(squares + o64 + 16, f64x2.mul(dHigh, dHigh));
  }
}

/** y = clamp((x − mean)·scale + beta, lower, upper), per-column vectors, one row. */
export function colAffine(
  x: usize,
  y: usize,
  mean: usize,
  scale: usize,
  beta: usize,
  quads: u32,
  lower: f32,
  upper: f32,
): void {
  const lo = f32x4.splat(lower);
  const hi = f32x4.splat(upper);
  for (let quad: u32 = 0; quad < quads; quad++) {
    const o = (<usize>quad) << 4;
    const centred = f32x4.mul(
      f32x4.sub(v128.load(x + o), v128.load(mean + o)),
      v128.load(scale + o),
    );
    const value = f32x4.add(centred, v128.load(beta + o));
    v128.store(y + o, f32x4.pmin(f32x4.pmax(value, lo), hi));
  }
}

/** out = dy where floor ≤ (x − mean)·scale + beta ≤ upper, else 0, one row. */
export function colMask(
  x: usize,
  dy: usize,
  out: usize,
  mean: usize,
  scale: usize,
  beta: usize,
  quads: u32,
  floor: f32,
  upper: f32,
): void {
  const lo = f32x4.splat(floor);
  const hi = f32x4.splat(upper);
  for (let quad: u32 = 0; quad < quads; quad++) {
    const o = (<usize>quad) << 4;
    const centred = f32x4.mul(
      f32x4.sub(v128.load(x + o), v128.load(mean + o)),
      v128.load(scale + o),
    );
    const value = f32x4.add(centred, v128.load(beta + o));
    v128.store(out + o, inside(v128.load(dy + o), value, lo, hi));
  }
}

/** Per column: sumDy += dy, sumDyX += dy·x (float64 arrays), one row. */
export function colGradSums(dy: usize, x: usize, sumDy: usize, sumDyX: usize, quads: u32): void {
  for (let quad: u32 = 0; quad < quads; quad++) {
    const o = (<usize>quad) << 4;
    const o64 = o << 1;
    const d = v128.load(dy + o);
    const xv = v128.load(x + o);
    accumulateAt(sumDy + o64, low(d));
    accumulateAt(sumDy + o64 + 16, high(d));
    accumulateAt(sumDyX + o64, f64x2.mul(low(d), low(xv)));
    accumulateAt(sumDyX + o64 + 16, f64x2.mul(high(d), high(xv)));
  }
}

/** dx = gain·dy + slope·(x − mean) + c, per-column vectors, one row. */
export function colGradOut(
  dy: usize,
  x: usize,
  dx: usize,
  gain: usize,
  slope: usize,
  mean: usize,
  c: usize,
  quads: u32,
): void {
  for (let quad: u32 = 0; quad < quads; quad++) {
    const o = (<usize>quad) << 4;
    const scaled = f32x4.mul(v128.load(gain + o), v128.load(dy + o));
    const shifted = f32x4.mul(
      f32x4.sub(v128.load(x + o), v128.load(mean + o)),
      v128.load(slope + o),
    );
    v128.store(dx + o, f32x4.add(f32x4.add(scaled, shifted), v128.load(c + o)));
  }
}

/**
 * y = sign(x)·ln(1 + |x|), 0 where x is not finite (float32 polynomial for ln, a few ulps;
 * ln(1 + a) as ln(u)·a / (u − 1) with u = 1 + a keeps small a exact).
 */
export function signedLog1p(x: usize, y: usize, quads: u32): void {
  const one = f32x4.splat(1);
  const half = f32x4.splat(0.5);
  for (let quad: u32 = 0; quad < quads; quad++) {
    const o = (<usize>quad) << 4;
    const value = v128.load(x + o);
    const a = f32x4.abs(value);
    const u = f32x4.add(a, one);
    // u = m·2^e: e from the exponent field, m ∈ [1, 2) from the mantissa; where m > √2, m is
    // halved and e raised by one (`big` lanes are −1), so f = m − 1 ∈ [√½ − 1, √2 − 1).
    const e = i32x4.sub(i32x4.shr_s(u, 23), i32x4.splat(127));
    const m = v128.or(v128.and(u, i32x4.splat(0x7fffff)), i32x4.splat(0x3f800000));
    const big = f32x4.gt(m, f32x4.splat(<f32>Math.SQRT2));
    const f = f32x4.sub(v128.bitselect(f32x4.mul(m, half), m, big), one);
    const z = f32x4.mul(f, f);
    const exponent = f32x4.convert_i32x4_s(i32x4.sub(e, big));
    // ln u = f − z/2 + f·z·P(f) + e·ln 2, ln 2 split in a low and a high part.
    let lnU = f32x4.mul(f32x4.mul(cephesLogPolynomial(f), f), z);
    lnU = f32x4.add(lnU, f32x4.mul(exponent, f32x4.splat(-2.1219444e-4)));
    lnU = f32x4.sub(lnU, f32x4.mul(z, half));
    lnU = f32x4.add(lnU, f);
    lnU = f32x4.add(lnU, f32x4.mul(exponent, f32x4.splat(0.693359375)));
    // ln(u)·a/(u − 1), or a itself where u rounds to 1; the sign of x; 0 where x is not finite.
    const magnitude = v128.bitselect(
      a,
      f32x4.mul(lnU, f32x4.div(a, f32x4.sub(u, one))),
      f32x4.eq(u, one),
    );
    const signed = v128.or(magnitude, v128.and(value, i32x4.splat(<i32>0x80000000)));
    v128.store(y + o, v128.and(signed, f32x4.lt(a, f32x4.splat(<f32>Infinity))));
  }
}

// P(f) of the Cephes logf polynomial, by Horner.
function cephesLogPolynomial(f: v128): v128 {
  let p = f32x4.splat(7.0376836292e-2);
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(-1.151461031e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(1.167699874e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(-1.2420140846e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(1.4249322787e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(-1.6668057665e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(2.0000714765e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(-2.4999993993e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(3.3333331174e-1));
  return p;
}
