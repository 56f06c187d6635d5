// A small WebAssembly SIMD module, assembled here byte by byte, holding the inner column loops of
// the fused normalisation kernels (normalize-kernels.ts). It imports the tfjs wasm backend's
// memory, so it reads and writes tensors where they live; JS keeps the per-group arithmetic and
// the tails (< 4 columns). Moments and gradient sums accumulate in float64 (f64x2 pairs), as the
// JS loops do; element-wise outputs are computed in float32 in the centred form (x − μ)·r, the
// rounding of the stock tfjs chain. Same approach as optim/simd-update-module.ts.

import { type WasmMemory, webAssembly } from "../optimizer-update/simd-update-module.js";
import {
  accumulate,
  accumulateAt,
  type LoopSpec,
  laneSum,
  moduleBytes,
  op,
  promoteHigh,
  promoteLow,
} from "./simd-assembler.js";

/**
 * The loops, over byte offsets into the imported memory. `quads` = column count ÷ 4; f64
 * accumulator arrays are addressed at twice the float32 offset. Functions returning a sum leave a
 * second one in the exported global `second`.
 */
export interface SimdNormalizeExports {
  /** Σ(x − pivot) over one row (returned) and Σ(x − pivot)² (in `second`), float64. */
  rowMoments(x: number, quads: number, pivot: number): number;
  /** y = clamp(((x − μ)·r)·γ + β, lower, upper) along one row. */
  rowAffine(
    x: number,
    y: number,
    gamma: number,
    beta: number,
    quads: number,
    mu: number,
    r: number,
    lower: number,
    upper: number,
  ): void;
  /** out = dy where floor ≤ ((x − μ)·r)·γ + β ≤ upper, else 0, along one row. */
  rowMask(
    x: number,
    dy: number,
    out: number,
    gamma: number,
    beta: number,
    quads: number,
    mu: number,
    r: number,
    floor: number,
    upper: number,
  ): void;
  /**
   * Along one row with g = dy·γ: returns Σg, leaves Σg·x in `second`, and adds dy to sumDy[c]
   * and dy·(x·r + center) to sumDyXhat[c] (float64 arrays).
   */
  rowGradSums(
    dy: number,
    x: number,
    gamma: number,
    sumDy: number,
    sumDyXhat: number,
    quads: number,
    r: number,
    center: number,
  ): number;
  /** dx = (dy·γ)·r + (x − μ)·slope + c along one row. */
  rowGradOut(
    dy: number,
    x: number,
    gamma: number,
    dx: number,
    quads: number,
    r: number,
    mu: number,
    slope: number,
    c: number,
  ): void;
  /** Per column: totals += x − x0, squares += (x − x0)² (float64 arrays), one row. */
  colMoments(x: number, x0: number, totals: number, squares: number, quads: number): void;
  /** y = clamp((x − mean)·scale + beta, lower, upper), per-column vectors, one row. */
  colAffine(
    x: number,
    y: number,
    mean: number,
    scale: number,
    beta: number,
    quads: number,
    lower: number,
    upper: number,
  ): void;
  /** out = dy where floor ≤ (x − mean)·scale + beta ≤ upper, else 0, one row. */
  colMask(
    x: number,
    dy: number,
    out: number,
    mean: number,
    scale: number,
    beta: number,
    quads: number,
    floor: number,
    upper: number,
  ): void;
  /** Per column: sumDy += dy, sumDyX += dy·x (float64 arrays), one row. */
  colGradSums(dy: number, x: number, sumDy: number, sumDyX: number, quads: number): void;
  /** dx = gain·dy + slope·(x − mean) + c, per-column vectors, one row. */
  colGradOut(
    dy: number,
    x: number,
    dx: number,
    gain: number,
    slope: number,
    mean: number,
    c: number,
    quads: number,
  ): void;
  /**
   * y = sign(x)·ln(1 + |x|), 0 where x is not finite (float32 polynomial for ln, a few ulps;
   * ln(1 + a) as ln(u)·a / (u − 1) with u = 1 + a keeps small a exact).
   */
  signedLog1p(x: number, y: number, quads: number): void;
  /** The second sum of `rowMoments` / `rowGradSums`. */
  second: { value: number };
}

// biome-ignore format: one line per computed value reads better than one instruction per line
const LOOPS: LoopSpec[] = [
  {
    // pointers x; scalars pivot(f64); temps x, lo, hi, t0, t1, s0, s1
    name: "rowMoments",
    pointers: 1,
    scalars: ["f64"],
    temporaries: 7,
    body: ({ at, scalar: s, temporary: t }) => [
      at(0), op.load, op.set(t(0)),
      ...promoteLow(t(0)), op.get(s(0)), op.sub64, op.set(t(1)),
      ...promoteHigh(t(0)), op.get(s(0)), op.sub64, op.set(t(2)),
      ...accumulate(t(3), [op.get(t(1))]),
      ...accumulate(t(4), [op.get(t(2))]),
      ...accumulate(t(5), [op.get(t(1)), op.get(t(1)), op.mul64]),
      ...accumulate(t(6), [op.get(t(2)), op.get(t(2)), op.mul64]),
    ],
    result: ({ temporary: t }) => [
      ...laneSum(t(5), t(6), t(0)), op.globalSet(0),
      ...laneSum(t(3), t(4), t(0)),
    ],
  },
  {
    // pointers x y gamma beta; scalars mu r lower upper
    name: "rowAffine",
    pointers: 4,
    scalars: ["f32", "f32", "f32", "f32"],
    temporaries: 0,
    body: ({ at, scalar: s }) => [
      at(1), at(0), op.load, op.get(s(0)), op.sub, op.get(s(1)), op.mul, at(2), op.load, op.mul, at(3), op.load, op.add,
      op.get(s(2)), op.pmax, op.get(s(3)), op.pmin, op.store,
    ],
  },
  {
    // pointers x dy out gamma beta; scalars mu r floor upper; temps value
    name: "rowMask",
    pointers: 5,
    scalars: ["f32", "f32", "f32", "f32"],
    temporaries: 1,
    body: ({ at, scalar: s, temporary: t }) => [
      at(0), op.load, op.get(s(0)), op.sub, op.get(s(1)), op.mul, at(3), op.load, op.mul, at(4), op.load, op.add, op.set(t(0)),
      at(2), at(1), op.load, op.get(t(0)), op.get(s(2)), op.ge, op.and, op.get(t(0)), op.get(s(3)), op.le, op.and, op.store,
    ],
  },
  {
    // pointers dy x gamma sumDy sumDyXhat; scalars r center (f64);
    // temps dy, x, gamma, dlo, dhi, glo, ghi, sumG, sumG', sumGX, sumGX'
    name: "rowGradSums",
    pointers: 5,
    scalars: ["f64", "f64"],
    temporaries: 11,
    body: ({ at, at64, scalar: s, temporary: t }) => [
      at(0), op.load, op.set(t(0)),
      at(1), op.load, op.set(t(1)),
      at(2), op.load, op.set(t(2)),
      ...promoteLow(t(0)), op.set(t(3)),
      ...promoteHigh(t(0)), op.set(t(4)),
      ...promoteLow(t(2)), op.get(t(3)), op.mul64, op.set(t(5)),
      ...promoteHigh(t(2)), op.get(t(4)), op.mul64, op.set(t(6)),
      ...accumulate(t(7), [op.get(t(5))]),
      ...accumulate(t(8), [op.get(t(6))]),
      ...accumulate(t(9), [op.get(t(5)), ...promoteLow(t(1)), op.mul64]),
      ...accumulate(t(10), [op.get(t(6)), ...promoteHigh(t(1)), op.mul64]),
      ...accumulateAt(at64(3, 0), [op.get(t(3))]),
      ...accumulateAt(at64(3, 1), [op.get(t(4))]),
      ...accumulateAt(at64(4, 0), [op.get(t(3)), ...promoteLow(t(1)), op.get(s(0)), op.mul64, op.get(s(1)), op.add64, op.mul64]),
      ...accumulateAt(at64(4, 1), [op.get(t(4)), ...promoteHigh(t(1)), op.get(s(0)), op.mul64, op.get(s(1)), op.add64, op.mul64]),
    ],
    result: ({ temporary: t }) => [
      ...laneSum(t(9), t(10), t(0)), op.globalSet(0),
      ...laneSum(t(7), t(8), t(0)),
    ],
  },
  {
    // pointers dy x gamma dx; scalars r mu slope c
    name: "rowGradOut",
    pointers: 4,
    scalars: ["f32", "f32", "f32", "f32"],
    temporaries: 0,
    body: ({ at, scalar: s }) => [
      at(3), at(0), op.load, at(2), op.load, op.mul, op.get(s(0)), op.mul,
      at(1), op.load, op.get(s(1)), op.sub, op.get(s(2)), op.mul, op.add, op.get(s(3)), op.add, op.store,
    ],
  },
  {
    // pointers x x0 totals squares; temps lo, hi
    name: "colMoments",
    pointers: 4,
    scalars: [],
    temporaries: 3,
    body: ({ at, at64, temporary: t }) => [
      at(0), op.load, op.set(t(2)),
      ...promoteLow(t(2)), at(1), op.load, op.promoteLow, op.sub64, op.set(t(0)),
      ...promoteHigh(t(2)), at(1), op.load, op.set(t(2)), ...promoteHigh(t(2)), op.sub64, op.set(t(1)),
      ...accumulateAt(at64(2, 0), [op.get(t(0))]),
      ...accumulateAt(at64(2, 1), [op.get(t(1))]),
      ...accumulateAt(at64(3, 0), [op.get(t(0)), op.get(t(0)), op.mul64]),
      ...accumulateAt(at64(3, 1), [op.get(t(1)), op.get(t(1)), op.mul64]),
    ],
  },
  {
    // pointers x y mean scale beta; scalars lower upper
    name: "colAffine",
    pointers: 5,
    scalars: ["f32", "f32"],
    temporaries: 0,
    body: ({ at, scalar: s }) => [
      at(1), at(0), op.load, at(2), op.load, op.sub, at(3), op.load, op.mul, at(4), op.load, op.add,
      op.get(s(0)), op.pmax, op.get(s(1)), op.pmin, op.store,
    ],
  },
  {
    // pointers x dy out mean scale beta; scalars floor upper; temps value
    name: "colMask",
    pointers: 6,
    scalars: ["f32", "f32"],
    temporaries: 1,
    body: ({ at, scalar: s, temporary: t }) => [
      at(0), op.load, at(3), op.load, op.sub, at(4), op.load, op.mul, at(5), op.load, op.add, op.set(t(0)),
      at(2), at(1), op.load, op.get(t(0)), op.get(s(0)), op.ge, op.and, op.get(t(0)), op.get(s(1)), op.le, op.and, op.store,
    ],
  },
  {
    // pointers dy x sumDy sumDyX; temps dy, x
    name: "colGradSums",
    pointers: 4,
    scalars: [],
    temporaries: 2,
    body: ({ at, at64, temporary: t }) => [
      at(0), op.load, op.set(t(0)),
      at(1), op.load, op.set(t(1)),
      ...accumulateAt(at64(2, 0), [...promoteLow(t(0))]),
      ...accumulateAt(at64(2, 1), [...promoteHigh(t(0))]),
      ...accumulateAt(at64(3, 0), [...promoteLow(t(0)), ...promoteLow(t(1)), op.mul64]),
      ...accumulateAt(at64(3, 1), [...promoteHigh(t(0)), ...promoteHigh(t(1)), op.mul64]),
    ],
  },
  {
    // pointers dy x dx gain slope mean c
    name: "colGradOut",
    pointers: 7,
    scalars: [],
    temporaries: 0,
    body: ({ at }) => [
      at(2), at(3), op.load, at(0), op.load, op.mul,
      at(1), op.load, at(5), op.load, op.sub, at(4), op.load, op.mul, op.add, at(6), op.load, op.add, op.store,
    ],
  },
  {
    // pointers x y; temps x, a, u, e, m, big, f, z, p
    name: "signedLog1p",
    pointers: 2,
    scalars: [],
    temporaries: 9,
    body: ({ at, temporary: t, constant }) => {
      const [x, a, u, e, m, big, f, z, p] = [t(0), t(1), t(2), t(3), t(4), t(5), t(6), t(7), t(8)];
      // Cephes logf: ln m = f − z/2 + f·z·P(f) + e·ln 2 (ln 2 split in two), m ∈ [√½, √2).
      const coefficients = [
        7.0376836292e-2, -1.151461031e-1, 1.167699874e-1, -1.2420140846e-1, 1.4249322787e-1,
        -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
      ];
      const horner: number[][] = [constant(coefficients[0]!)];
      for (const c of coefficients.slice(1)) horner.push(op.get(f), op.mul, constant(c), op.add);
      return [
        at(0), op.load, op.tee(x), op.abs, op.tee(a), constant(1), op.add, op.tee(u),
        op.i32Const(23), op.i32ShrS, constant(127, true), op.i32Sub, op.set(e),
        op.get(u), constant(0x7fffff, true), op.and, constant(0x3f800000, true), op.or, op.tee(m),
        constant(Math.SQRT2), op.gt, op.set(big),
        op.get(m), constant(0.5), op.mul, op.get(m), op.get(big), op.bitselect, constant(1), op.sub, op.tee(f),
        op.get(f), op.mul, op.set(z),
        op.get(e), op.get(big), op.i32Sub, op.convertI32, op.set(e),
        ...horner, op.get(f), op.mul, op.get(z), op.mul,
        op.get(e), constant(-2.12194440e-4), op.mul, op.add,
        op.get(z), constant(0.5), op.mul, op.sub,
        op.get(f), op.add,
        op.get(e), constant(0.693359375), op.mul, op.add, op.set(p),
        // ln(u)·a/(u − 1), or a itself where u rounds to 1.
        at(1),
        op.get(a), op.get(p), op.get(a), op.get(u), constant(1), op.sub, op.div, op.mul,
        op.get(u), constant(1), op.eq, op.bitselect,
        op.get(x), constant(-0x80000000, true), op.and, op.or,
        op.get(a), constant(Number.POSITIVE_INFINITY), op.lt, op.and,
        op.store,
      ];
    },
  },
];

/** The module's bytes (exported for its validation test). */
export function simdNormalizeModuleBytes(): Uint8Array {
  return moduleBytes(LOOPS);
}

const instances = new WeakMap<WasmMemory, SimdNormalizeExports | null>();

/**
 * The loops bound to `memory` (the tfjs wasm backend's), or undefined where this runtime cannot
 * compile WebAssembly SIMD. Compiled once per memory.
 */
export function simdNormalizeLoops(memory: WasmMemory): SimdNormalizeExports | undefined {
  let exports = instances.get(memory);
  if (exports === undefined) {
    try {
      const module = new webAssembly!.Module(simdNormalizeModuleBytes());
      const instance = new webAssembly!.Instance(module, { env: { memory } });
      exports = instance.exports as SimdNormalizeExports;
    } catch {
      exports = null;
    }
    instances.set(memory, exports);
  }
  return exports ?? undefined;
}
