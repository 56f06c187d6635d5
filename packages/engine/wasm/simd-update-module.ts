// AssemblyScript source of the optimizer update rules over float32 arrays in the tfjs wasm
// backend's own memory (imported as env.memory, so parameters and gradients are read where they
// live, without copies). Compiled by `pnpm --filter @tml/engine build:wasm` into
// src/optimizer-update/simd-update-module-bytes.ts; src/optimizer-update/simd-update-module.ts
// loads it. Pointers are byte offsets, `quads` is the element count ÷ 4. Each rule keeps the op
// order of its tensor rule (training's update rules), so both round alike: no FMA, no reordering.

/** m' = b1·m + ob1·(g·s); v' = b2·v + ob2·(g·s)²; p' = p − (m' / (√v' + eps))·step. */
export function adam(
  p: usize,
  g: usize,
  m: usize,
  v: usize,
  outP: usize,
  outM: usize,
  outV: usize,
  quads: u32,
  beta1: f32,
  oneMinusBeta1: f32,
  beta2: f32,
  oneMinusBeta2: f32,
  step: f32,
  epsilon: f32,
  scale: f32,
): void {
  const b1 = f32x4.splat(beta1);
  const ob1 = f32x4.splat(oneMinusBeta1);
  const b2 = f32x4.splat(beta2);
  const ob2 = f32x4.splat(oneMinusBeta2);
  const stepSize = f32x4.splat(step);
  const eps = f32x4.splat(epsilon);
  const s = f32x4.splat(scale);
  for (let quad: u32 = 0; quad < quads; quad++) {
    const o = (<usize>quad) << 4;
    const gs = f32x4.mul(v128.load(g + o), s);
    const m2 = f32x4.add(f32x4.mul(v128.load(m + o), b1), f32x4.mul(gs, ob1));
    v128.store(outM + o, m2);
    const v2 = f32x4.add(f32x4.mul(v128.load(v + o), b2), f32x4.mul(f32x4.mul(gs, gs), ob2));
    v128.store(outV + o, v2);
    const ratio = f32x4.div(m2, f32x4.add(f32x4.sqrt(v2), eps));
    v128.store(outP + o, f32x4.sub(v128.load(p + o), f32x4.mul(ratio, stepSize)));
  }
}

/** b' = μ·b + g·s; p' = p − lr·b'. */
export function momentum(
  p: usize,
  g: usize,
  b: usize,
  outP: usize,
  outB: usize,
  quads: u32,
  momentum: f32,
  learningRate: f32,
  scale: f32,
): void {
  const mu = f32x4.splat(momentum);
  const rate = f32x4.splat(learningRate);
  const s = f32x4.splat(scale);
  for (let quad: u32 = 0; quad < quads; quad++) {
    const o = (<usize>quad) << 4;
    const b2 = f32x4.add(f32x4.mul(v128.load(b + o), mu), f32x4.mul(v128.load(g + o), s));
    v128.store(outB + o, b2);
    v128.store(outP + o, f32x4.sub(v128.load(p + o), f32x4.mul(b2, rate)));
  }
}

/** p' = p − (g·s)·lr. */
export function sgd(
  p: usize,
  g: usize,
  outP: usize,
  quads: u32,
  learningRate: f32,
  scale: f32,
): void {
  const rate = f32x4.splat(learningRate);
  const s = f32x4.splat(scale);
  for (let quad: u32 = 0; quad < quads; quad++) {
    const o = (<usize>quad) << 4;
    const step = f32x4.mul(f32x4.mul(v128.load(g + o), s), rate);
    v128.store(outP + o, f32x4.sub(v128.load(p + o), step));
  }
}

/** s' = s + (g·c)²; p' = p − ((g·c)/(√s' + eps))·lr, no change where √s' + eps = 0. */
export function adagrad(
  p: usize,
  g: usize,
  s: usize,
  outP: usize,
  outS: usize,
  quads: u32,
  learningRate: f32,
  epsilon: f32,
  scale: f32,
): void {
  const rate = f32x4.splat(learningRate);
  const eps = f32x4.splat(epsilon);
  const c = f32x4.splat(scale);
  const zero = f32x4.splat(0);
  for (let quad: u32 = 0; quad < quads; quad++) {
    const o = (<usize>quad) << 4;
    const gs = f32x4.mul(v128.load(g + o), c);
    const s2 = f32x4.add(v128.load(s + o), f32x4.mul(gs, gs));
    v128.store(outS + o, s2);
    const denominator = f32x4.add(f32x4.sqrt(s2), eps);
    // g / d with the lanes where d = 0 cleared (0/0 would be NaN there).
    const ratio = v128.andnot(f32x4.div(gs, denominator), f32x4.eq(denominator, zero));
    v128.store(outP + o, f32x4.sub(v128.load(p + o), f32x4.mul(ratio, rate)));
  }
}

/** out = previous + g·scale (gradient accumulation). */
export function accumulate(g: usize, previous: usize, out: usize, quads: u32, scale: f32): void {
  const s = f32x4.splat(scale);
  for (let quad: u32 = 0; quad < quads; quad++) {
    const o = (<usize>quad) << 4;
    v128.store(out + o, f32x4.add(v128.load(previous + o), f32x4.mul(v128.load(g + o), s)));
  }
}

/** out = g·scale (first micro-batch of an accumulation window). */
export function scale(g: usize, out: usize, quads: u32, scale: f32): void {
  const s = f32x4.splat(scale);
  for (let quad: u32 = 0; quad < quads; quad++) {
    const o = (<usize>quad) << 4;
    v128.store(out + o, f32x4.mul(v128.load(g + o), s));
  }
}

/** Σ x² over the quads, summed in float64 (lanes 0-1 and 2-3 in two f64x2 accumulators). */
export function sumSquares(x: usize, quads: u32): f64 {
  let low = f64x2.splat(0);
  let high = f64x2.splat(0);
  for (let quad: u32 = 0; quad < quads; quad++) {
    const value = v128.load(x + ((<usize>quad) << 4));
    const first = f64x2.promote_low_f32x4(value);
    const second = f64x2.promote_low_f32x4(v128.shuffle<f32>(value, value, 2, 3, 0, 1));
    low = f64x2.add(low, f64x2.mul(first, first));
    high = f64x2.add(f64x2.mul(second, second), high);
  }
  const total = f64x2.add(low, high);
  return f64x2.extract_lane(total, 0) + f64x2.extract_lane(total, 1);
}
