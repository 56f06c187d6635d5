import type { NamedAttrMap } from "@tensorflow/tfjs-core";
import type { SimdContext } from "./fused-kernel.js";

// The WebAssembly SIMD variants of TmlNormalize / TmlNormalizeGrad (normalize-kernels.ts has the
// maths): JS walks the rows and does the per-group arithmetic, the module the column loops over
// whole quads, JS the last < 4 columns with the same formulas. Element-wise values use the
// centred form (x − μ)·r in float32; sums accumulate in float64. Scratch: eight regions of
// ⌈C/4⌉·4 float64s: 0 ones, 1 zeros (float32, for an absent γ / β), 2-3 float64 column sums,
// 4-6 float32 column vectors.

type Shapes = Readonly<Record<string, readonly number[] | undefined>>;
type Inputs = Readonly<Record<string, Float32Array | undefined>>;

function dims(shape: readonly number[] | undefined): [number, number] {
  const [rows, cols] = shape as [number, number];
  return [rows, cols];
}

const REGIONS = 8;

function regionBytes(cols: number): number {
  return Math.ceil(cols / 4) * 4 * 8;
}

/** Scratch bytes of both kernels for x of `shapes["x"]`. */
export function normalizeScratchBytes(shapes: Shapes): number {
  return REGIONS * regionBytes(dims(shapes["x"])[1]);
}

interface Layout {
  region(index: number): number;
  f64(index: number): Float64Array;
  f32(index: number): Float32Array;
}

function layout({ heap, scratch }: SimdContext, cols: number): Layout {
  const bytes = regionBytes(cols);
  const region = (index: number) => scratch + index * bytes;
  return {
    region,
    f64: (index) => new Float64Array(heap, region(index), cols),
    f32: (index) => new Float32Array(heap, region(index), cols),
  };
}

// γ and β on the heap: the inputs, or scratch rows of ones / zeros.
function affineOperands(inputs: Inputs, space: Layout): [Float32Array, Float32Array] {
  let gamma = inputs["gamma"];
  let beta = inputs["beta"];
  if (gamma === undefined) {
    gamma = space.f32(0);
    gamma.fill(1);
  }
  if (beta === undefined) {
    beta = space.f32(1);
    beta.fill(0);
  }
  return [gamma, beta];
}

const f32Bits = new Float32Array(1);
const i32Bits = new Int32Array(f32Bits.buffer);

// The smallest float32 above `lower` (so ŷ > lower reads ŷ ≥ floor), or `lower` itself.
function floorOf(lower: number, strict: boolean): number {
  if (!strict || !Number.isFinite(lower)) return lower;
  f32Bits[0] = lower;
  if (f32Bits[0] === 0) i32Bits[0] = 1;
  else i32Bits[0]! += f32Bits[0]! > 0 ? 1 : -1;
  return f32Bits[0]!;
}

function clamp(value: number, lower: number, upper: number): number {
  return value < lower ? lower : Math.min(value, upper);
}

function bounds(attrs: NamedAttrMap): { lower: number; upper: number; floor: number } {
  const lower = (attrs["lower"] as number | undefined) ?? Number.NEGATIVE_INFINITY;
  const upper = (attrs["upper"] as number | undefined) ?? Number.POSITIVE_INFINITY;
  return { lower, upper, floor: floorOf(lower, attrs["strictLower"] === true) };
}

function isBounded(attrs: NamedAttrMap): boolean {
  const { lower, upper } = bounds(attrs);
  return lower > Number.NEGATIVE_INFINITY || upper < Number.POSITIVE_INFINITY;
}

/** TmlNormalize on the SIMD loops (every configuration). */
export function normalizeSimd(
  inputs: Inputs,
  outputs: Float32Array[],
  shapes: Shapes,
  attrs: NamedAttrMap,
  context: SimdContext,
): boolean {
  const { loops } = context;
  const [rows, cols] = dims(shapes["x"]);
  const space = layout(context, cols);
  const x = inputs["x"]!;
  const [gamma, beta] = affineOperands(inputs, space);
  const [y, mean, variance] = outputs as [Float32Array, Float32Array, Float32Array];
  const epsilon = attrs["epsilon"] as number;
  const { lower, upper } = bounds(attrs);
  const quads = cols >>> 2;
  const done = quads * 4;
  const stride = cols * 4;
  if (attrs["axis"] !== 0) {
    for (let row = 0; row < rows; row++) {
      const offset = row * cols;
      const pivot = x[offset]!;
      let total = loops.rowMoments(x.byteOffset + row * stride, quads, pivot);
      let squares = loops.second.value;
      for (let col = done; col < cols; col++) {
        const delta = x[offset + col]! - pivot;
        total += delta;
        squares += delta * delta;
      }
      const shifted = total / cols;
      const mu = pivot + shifted;
      const sigma2 = Math.max(0, squares / cols - shifted * shifted);
      const r = 1 / Math.sqrt(sigma2 + epsilon);
      mean[row] = mu;
      variance[row] = sigma2;
      loops.rowAffine(
        x.byteOffset + row * stride,
        y.byteOffset + row * stride,
        gamma.byteOffset,
        beta.byteOffset,
        quads,
        mu,
        r,
        lower,
        upper,
      );
      for (let col = done; col < cols; col++) {
        const value = (x[offset + col]! - mu) * r * gamma[col]! + beta[col]!;
        y[offset + col] = clamp(value, lower, upper);
      }
    }
    return true;
  }
  if (attrs["frozen"] === true) {
    mean.set(inputs["mean"]!);
    variance.set(inputs["variance"]!);
  } else {
    const totals = space.f64(2);
    const squares = space.f64(3);
    totals.fill(0);
    squares.fill(0);
    for (let row = 0; row < rows; row++) {
      const offset = row * cols;
      loops.colMoments(
        x.byteOffset + row * stride,
        x.byteOffset,
        space.region(2),
        space.region(3),
        quads,
      );
      for (let col = done; col < cols; col++) {
        const delta = x[offset + col]! - x[col]!;
        totals[col] += delta;
        squares[col] += delta * delta;
      }
    }
    for (let col = 0; col < cols; col++) {
      const shifted = totals[col]! / rows;
      mean[col] = x[col]! + shifted;
      variance[col] = Math.max(0, squares[col]! / rows - shifted * shifted);
    }
  }
  const scale = space.f32(4);
  for (let col = 0; col < cols; col++)
    scale[col] = gamma[col]! / Math.sqrt(variance[col]! + epsilon);
  for (let row = 0; row < rows; row++) {
    const offset = row * cols;
    loops.colAffine(
      x.byteOffset + row * stride,
      y.byteOffset + row * stride,
      mean.byteOffset,
      space.region(4),
      beta.byteOffset,
      quads,
      lower,
      upper,
    );
    for (let col = done; col < cols; col++) {
      const value = (x[offset + col]! - mean[col]!) * scale[col]! + beta[col]!;
      y[offset + col] = clamp(value, lower, upper);
    }
  }
  return true;
}

/** TmlNormalizeGrad on the SIMD loops; false (JS loops) for frozen statistics. */
export function normalizeGradSimd(
  inputs: Inputs,
  outputs: Float32Array[],
  shapes: Shapes,
  attrs: NamedAttrMap,
  context: SimdContext,
): boolean {
  const axis = attrs["axis"] === 0 ? 0 : 1;
  if (axis === 0 && attrs["frozen"] === true) return false;
  const { loops } = context;
  const [rows, cols] = dims(shapes["x"]);
  const space = layout(context, cols);
  const x = inputs["x"]!;
  const mean = inputs["mean"]!;
  const variance = inputs["variance"]!;
  const [gamma, beta] = affineOperands(inputs, space);
  const [dx, dgamma, dbeta] = outputs as [Float32Array, Float32Array, Float32Array];
  const epsilon = attrs["epsilon"] as number;
  const { upper, floor } = bounds(attrs);
  const masked = isBounded(attrs);
  const quads = cols >>> 2;
  const done = quads * 4;
  const stride = cols * 4;
  const inside = (value: number) => value >= floor && value <= upper;
  let dy = inputs["dy"]!;
  const sumDy = space.f64(2);
  const sumSecond = space.f64(3);
  sumDy.fill(0);
  sumSecond.fill(0);
  if (axis === 1) {
    for (let row = 0; row < rows; row++) {
      const offset = row * cols;
      const mu = mean[row]!;
      const r = 1 / Math.sqrt(variance[row]! + epsilon);
      const at = row * stride;
      if (masked) {
        // The masked gradient goes into dx; each entry is read before it is overwritten.
        loops.rowMask(
          x.byteOffset + at,
          dy.byteOffset + at,
          dx.byteOffset + at,
          gamma.byteOffset,
          beta.byteOffset,
          quads,
          mu,
          r,
          floor,
          upper,
        );
        for (let col = done; col < cols; col++) {
          const value = (x[offset + col]! - mu) * r * gamma[col]! + beta[col]!;
          dx[offset + col] = inside(value) ? dy[offset + col]! : 0;
        }
      }
      const gradient = masked ? dx : dy;
      const center = -mu * r;
      let sumG = loops.rowGradSums(
        gradient.byteOffset + at,
        x.byteOffset + at,
        gamma.byteOffset,
        space.region(2),
        space.region(3),
        quads,
        r,
        center,
      );
      let sumGX = loops.second.value;
      for (let col = done; col < cols; col++) {
        const d = gradient[offset + col]!;
        const value = x[offset + col]!;
        const g = d * gamma[col]!;
        sumG += g;
        sumGX += g * value;
        sumDy[col] += d;
        sumSecond[col] += d * (value * r + center);
      }
      const meanG = sumG / cols;
      const meanGXhat = (r * (sumGX - mu * sumG)) / cols;
      const slope = -r * r * meanGXhat;
      const c = -r * meanG;
      loops.rowGradOut(
        gradient.byteOffset + at,
        x.byteOffset + at,
        gamma.byteOffset,
        dx.byteOffset + at,
        quads,
        r,
        mu,
        slope,
        c,
      );
      for (let col = done; col < cols; col++) {
        dx[offset + col] =
          gradient[offset + col]! * gamma[col]! * r + (x[offset + col]! - mu) * slope + c;
      }
    }
    for (let col = 0; col < cols; col++) {
      dgamma[col] = sumSecond[col]!;
      dbeta[col] = sumDy[col]!;
    }
    return true;
  }
  const rstd = new Float64Array(cols);
  for (let col = 0; col < cols; col++) rstd[col] = 1 / Math.sqrt(variance[col]! + epsilon);
  const gain = space.f32(4);
  for (let col = 0; col < cols; col++) gain[col] = gamma[col]! * rstd[col]!;
  if (masked) {
    for (let row = 0; row < rows; row++) {
      const offset = row * cols;
      const at = row * stride;
      loops.colMask(
        x.byteOffset + at,
        dy.byteOffset + at,
        dx.byteOffset + at,
        mean.byteOffset,
        space.region(4),
        beta.byteOffset,
        quads,
        floor,
        upper,
      );
      for (let col = done; col < cols; col++) {
        const value = (x[offset + col]! - mean[col]!) * gain[col]! + beta[col]!;
        dx[offset + col] = inside(value) ? dy[offset + col]! : 0;
      }
    }
    dy = dx;
  }
  for (let row = 0; row < rows; row++) {
    const offset = row * cols;
    const at = row * stride;
    loops.colGradSums(
      dy.byteOffset + at,
      x.byteOffset + at,
      space.region(2),
      space.region(3),
      quads,
    );
    for (let col = done; col < cols; col++) {
      const d = dy[offset + col]!;
      sumDy[col] += d;
      sumSecond[col] += d * x[offset + col]!;
    }
  }
  const slope = space.f32(5);
  const shift = space.f32(6);
  for (let col = 0; col < cols; col++) {
    const r = rstd[col]!;
    const sumDyXhat = r * (sumSecond[col]! - mean[col]! * sumDy[col]!);
    const meanG = (gamma[col]! * sumDy[col]!) / rows;
    const meanGXhat = (gamma[col]! * sumDyXhat) / rows;
    slope[col] = -r * r * meanGXhat;
    shift[col] = -r * meanG;
    dgamma[col] = sumDyXhat;
    dbeta[col] = sumDy[col]!;
  }
  for (let row = 0; row < rows; row++) {
    const offset = row * cols;
    const at = row * stride;
    loops.colGradOut(
      dy.byteOffset + at,
      x.byteOffset + at,
      dx.byteOffset + at,
      space.region(4),
      space.region(5),
      mean.byteOffset,
      space.region(6),
      quads,
    );
    for (let col = done; col < cols; col++) {
      dx[offset + col] =
        gain[col]! * dy[offset + col]! +
        slope[col]! * (x[offset + col]! - mean[col]!) +
        shift[col]!;
    }
  }
  return true;
}
