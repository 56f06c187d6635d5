// The inner column loops of the fused normalisation kernels (normalize-kernels.ts) as a
// WebAssembly SIMD module (AssemblyScript source: wasm/simd-normalize-module.ts). It imports the
// tfjs wasm backend's memory, so it reads and writes tensors where they live; JS keeps the
// per-group arithmetic and the tails (< 4 columns). Moments and gradient sums accumulate in
// float64 (f64x2 pairs), as the JS loops do; element-wise outputs are computed in float32 in the
// centred form (x − μ)·r, the rounding of the stock tfjs chain.

import { decodeWasm, memoryBinder } from "../optimizer-update/simd-update-module.js";
import { SIMD_NORMALIZE_MODULE_BASE64 } from "./simd-normalize-module-bytes.js";

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

/** The module's bytes. */
export function simdNormalizeModuleBytes(): Uint8Array {
  return decodeWasm(SIMD_NORMALIZE_MODULE_BASE64);
}

/**
 * The loops bound to `memory` (the tfjs wasm backend's), or undefined where this runtime cannot
 * compile WebAssembly SIMD. Compiled once per memory.
 */
export const simdNormalizeLoops = memoryBinder<SimdNormalizeExports>(simdNormalizeModuleBytes);
