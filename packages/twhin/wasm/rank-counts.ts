// AssemblyScript source of the filtered-ranking count kernel (WebAssembly SIMD). Compiled by
// `pnpm --filter @tml/twhin build:wasm` into src/eval/rank-count-bytes.ts. Pointers are byte
// addresses in the imported memory; counts and strides are in elements. Its JS reference is the
// scan of `RankAccumulator.addQuery`; rank-counter.test.ts checks the two agree.

/** Candidate scores as they are: float32 comparisons. */
const RAW: i32 = 0;
/** Cosine: raw * adjust[j] in float64. */
const COS: i32 = 1;

@inline function laneSum(v: v128): i32 {
  return (
    i32x4.extract_lane(v, 0) +
    i32x4.extract_lane(v, 1) +
    (i32x4.extract_lane(v, 2) + i32x4.extract_lane(v, 3))
  );
}

@inline function add(address: usize, value: i32): void {
  store<i32>(address, load<i32>(address) + value);
}

// Float32 scores against a float32 truth (exact: the truth is a float32 score).
function countRaw(row: usize, width: i32, truth: f32, greater: usize, equal: usize): void {
  const t = f32x4.splat(truth);
  let g0 = i32x4.splat(0);
  let g1 = i32x4.splat(0);
  let e0 = i32x4.splat(0);
  let e1 = i32x4.splat(0);
  let j = 0;
  // Comparison masks are -1 per true lane: subtracting them counts.
  for (; j + 16 <= width; j += 16) {
    const p = row + ((<usize>j) << 2);
    const a = v128.load(p);
    const b = v128.load(p, 16);
    const c = v128.load(p, 32);
    const d = v128.load(p, 48);
    g0 = i32x4.sub(g0, f32x4.gt(a, t));
    e0 = i32x4.sub(e0, f32x4.eq(a, t));
    g1 = i32x4.sub(g1, f32x4.gt(b, t));
    e1 = i32x4.sub(e1, f32x4.eq(b, t));
    g0 = i32x4.sub(g0, f32x4.gt(c, t));
    e0 = i32x4.sub(e0, f32x4.eq(c, t));
    g1 = i32x4.sub(g1, f32x4.gt(d, t));
    e1 = i32x4.sub(e1, f32x4.eq(d, t));
  }
  for (; j + 4 <= width; j += 4) {
    const a = v128.load(row + ((<usize>j) << 2));
    g0 = i32x4.sub(g0, f32x4.gt(a, t));
    e0 = i32x4.sub(e0, f32x4.eq(a, t));
  }
  let g = laneSum(i32x4.add(g0, g1));
  let e = laneSum(i32x4.add(e0, e1));
  for (; j < width; j++) {
    const s = load<f32>(row + ((<usize>j) << 2));
    if (s > truth) g++;
    else if (s == truth) e++;
  }
  add(greater, g);
  add(equal, e);
}

@inline function adjusted(kind: i32, raw: v128, adjust: v128): v128 {
  // cos: raw * a; l2: 2 raw - a (2 raw is exact in float64).
  return kind == COS ? f64x2.mul(raw, adjust) : f64x2.sub(f64x2.add(raw, raw), adjust);
}

// Adjusted scores (cosine or L2) in float64 against a float64 truth, as the JS loop computes them.
function countAdjusted(
  row: usize,
  adjust: usize,
  width: i32,
  kind: i32,
  truth: f64,
  greater: usize,
  equal: usize,
): void {
  const t = f64x2.splat(truth);
  let g = i64x2.splat(0);
  let e = i64x2.splat(0);
  let j = 0;
  for (; j + 4 <= width; j += 4) {
    const o = (<usize>j) << 2;
    const raw = v128.load(row + o);
    const a = v128.load(adjust + o);
    const low = adjusted(kind, f64x2.promote_low_f32x4(raw), f64x2.promote_low_f32x4(a));
    const rawHigh = f64x2.promote_low_f32x4(v128.shuffle<f32>(raw, raw, 2, 3, 0, 1));
    const high = adjusted(kind, rawHigh, f64x2.promote_low_f32x4(v128.shuffle<f32>(a, a, 2, 3, 0, 1)));
    g = i64x2.sub(i64x2.sub(g, f64x2.gt(low, t)), f64x2.gt(high, t));
    e = i64x2.sub(i64x2.sub(e, f64x2.eq(low, t)), f64x2.eq(high, t));
  }
  let greaterCount = <i32>(i64x2.extract_lane(g, 0) + i64x2.extract_lane(g, 1));
  let equalCount = <i32>(i64x2.extract_lane(e, 0) + i64x2.extract_lane(e, 1));
  for (; j < width; j++) {
    const o = (<usize>j) << 2;
    const raw = <f64>load<f32>(row + o);
    const a = <f64>load<f32>(adjust + o);
    const s = kind == COS ? raw * a : 2 * raw - a;
    if (s > truth) greaterCount++;
    else if (s == truth) equalCount++;
  }
  add(greater, greaterCount);
  add(equal, equalCount);
}

/**
 * For each of `queries` score rows (row i starts at scores + i * stride floats; its first `width`
 * floats are counted) adds to greater[i] / equal[i] (int32) the number of candidates whose score
 * is > / == truths[i] (float64). `kind` 0: the score is the float32 itself; 1 (cosine):
 * raw * adjust[j]; 2 (L2): 2 raw - adjust[j], the last two in float64 (adjust: width float32).
 */
export function countRanks(
  scores: usize,
  queries: i32,
  width: i32,
  stride: i32,
  truths: usize,
  adjust: usize,
  kind: i32,
  greater: usize,
  equal: usize,
): void {
  for (let i = 0; i < queries; i++) {
    const row = scores + ((<usize>i * <usize>stride) << 2);
    const truth = load<f64>(truths + ((<usize>i) << 3));
    const g = greater + ((<usize>i) << 2);
    const e = equal + ((<usize>i) << 2);
    if (kind == RAW) countRaw(row, width, <f32>truth, g, e);
    else countAdjusted(row, adjust, width, kind, truth, g, e);
  }
}

/** First byte after the module's static data: arrays start at or after it. */
export function heapBase(): usize {
  return __heap_base;
}
