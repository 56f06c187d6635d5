// AssemblyScript source of the TwHIN step's loss kernels over score rows (column 0 the positive),
// part of the module wasm/kernels.ts compiles (it re-exports them). Pointers are byte addresses in
// the imported memory; the JS references are in src/testing/reference-kernels.ts.

/**
 * Weighted BCE with logits over score rows (column 0 positive, label 1, weight positiveWeight;
 * the rest negatives, label negativeLabel, weight negativeWeight): writes
 * grad = scale * w * (sigmoid(x) - y) and returns scale * sum w * (softplus(x) - x y).
 */
export function bceRows(
  scores: usize,
  grad: usize,
  rows: i32,
  width: i32,
  negativeLabel: f32,
  negativeWeight: f32,
  positiveWeight: f32,
  scale: f32,
): f64 {
  let total: f64 = 0;
  const count = <usize>rows * <usize>width;
  for (let i: usize = 0; i < count; i++) {
    const x = load<f32>(scores + (i << 2));
    const positive = i % <usize>width == 0;
    const y: f32 = positive ? 1 : negativeLabel;
    const w: f32 = positive ? positiveWeight : negativeWeight;
    const e = Mathf.exp(-Mathf.abs(x));
    const softplus = Mathf.max(x, 0) + Mathf.log1p(e);
    const sigmoid: f32 = x >= 0 ? 1 / (1 + e) : e / (1 + e);
    total += <f64>(w * (softplus - x * y));
    store<f32>(grad + (i << 2), scale * w * (sigmoid - y));
  }
  return total * <f64>scale;
}

// e^x for x <= 0 (lanes below -87, -Infinity and NaN give 0): x log2(e) = k + f with k an
// integer and |f| <= 1/2, e^x = 2^k * e^(f ln 2), the second factor by its Taylor series to
// degree 6 (relative error below 2e-7 for |f ln 2| <= 0.347), 2^k built in the exponent bits.
@inline function expNonPositive(x: v128): v128 {
  const t = f32x4.mul(x, f32x4.splat(1.4426950408889634));
  const k = f32x4.nearest(t);
  const y = f32x4.mul(f32x4.sub(t, k), f32x4.splat(0.6931471805599453));
  let p = f32x4.splat(1.0 / 720.0);
  p = f32x4.add(f32x4.mul(p, y), f32x4.splat(1.0 / 120.0));
  p = f32x4.add(f32x4.mul(p, y), f32x4.splat(1.0 / 24.0));
  p = f32x4.add(f32x4.mul(p, y), f32x4.splat(1.0 / 6.0));
  p = f32x4.add(f32x4.mul(p, y), f32x4.splat(0.5));
  p = f32x4.add(f32x4.mul(p, y), f32x4.splat(1.0));
  p = f32x4.add(f32x4.mul(p, y), f32x4.splat(1.0));
  const exponent = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(k), i32x4.splat(127)), 23);
  const value = f32x4.mul(p, exponent);
  // Keep lanes with x >= -87 (false for NaN and -Infinity), zero elsewhere.
  return v128.and(value, f32x4.ge(x, f32x4.splat(-87.0)));
}

/**
 * Softmax cross-entropy of each score row against column 0 (the positive): writes
 * grad = scale * (softmax(row) - [1, 0, ...]) and returns scale * sum (logsumexp(row) - row[0]).
 * Columns scored -Infinity (1vsAll's masked columns) get probability and gradient 0. `grad` may
 * be `scores` itself (computed in place).
 */
export function softmaxRows(scores: usize, grad: usize, rows: i32, width: i32, scale: f32): f64 {
  let total: f64 = 0;
  const w = <usize>width;
  const w4 = w & ~3;
  for (let r: usize = 0; r < <usize>rows; r++) {
    const s = scores + ((r * w) << 2);
    const g = grad + ((r * w) << 2);
    let maxes = f32x4.splat(-Infinity);
    let i: usize = 0;
    for (; i < w4; i += 4) maxes = f32x4.max(maxes, v128.load(s + (i << 2)));
    let max = Mathf.max(
      Mathf.max(f32x4.extract_lane(maxes, 0), f32x4.extract_lane(maxes, 1)),
      Mathf.max(f32x4.extract_lane(maxes, 2), f32x4.extract_lane(maxes, 3)),
    );
    for (; i < w; i++) max = Mathf.max(max, load<f32>(s + (i << 2)));
    // Read before the exponentials: grad may be scores itself (in place).
    const positive = load<f32>(s);
    const shift = f32x4.splat(max);
    let sums = f32x4.splat(0);
    for (i = 0; i < w4; i += 4) {
      const e = expNonPositive(f32x4.sub(v128.load(s + (i << 2)), shift));
      v128.store(g + (i << 2), e);
      sums = f32x4.add(sums, e);
    }
    let sum = <f64>(
      f32x4.extract_lane(sums, 0) +
      f32x4.extract_lane(sums, 1) +
      (f32x4.extract_lane(sums, 2) + f32x4.extract_lane(sums, 3))
    );
    for (; i < w; i++) {
      const e = expNonPositive(f32x4.splat(load<f32>(s + (i << 2)) - max));
      const lane = f32x4.extract_lane(e, 0);
      store<f32>(g + (i << 2), lane);
      sum += <f64>lane;
    }
    total += <f64>max + Math.log(sum) - <f64>positive;
    const normalizer = f32x4.splat(<f32>(<f64>scale / sum));
    for (i = 0; i < w4; i += 4) {
      v128.store(g + (i << 2), f32x4.mul(v128.load(g + (i << 2)), normalizer));
    }
    const lastScale = <f32>(<f64>scale / sum);
    for (; i < w; i++) store<f32>(g + (i << 2), load<f32>(g + (i << 2)) * lastScale);
    store<f32>(g, load<f32>(g) - scale);
  }
  return total * <f64>scale;
}
