import type { NamedAttrMap, TensorInfo } from "@tensorflow/tfjs-core";
import type { FusedKernelSpec } from "./fused-kernel.js";
import { normalizeGradSimd, normalizeScratchBytes, normalizeSimd } from "./normalize-simd.js";

// Normalisation of a [rows, cols] matrix along one axis, with an optional per-column scale
// (gamma) and shift (beta): axis 1 normalises each row (layer norm), axis 0 each column (batch
// norm in train mode). Statistics accumulate in float64 (JS numbers); variance is the biased one.
// Inner loops are branch-free: a missing gamma / beta reads a shared row of ones / zeros, and
// every per-group factor is computed once outside them.

interface NormalizeAttrs {
  axis: 0 | 1;
  epsilon: number;
  /** The output is clamped to [lower, upper] after scale and shift (±Infinity: no bound). */
  lower: number;
  upper: number;
  /** Gradient passes where ŷ > lower (a ReLU) instead of ŷ ≥ lower (a clamp). */
  strictLower: boolean;
  /** Axis 0 only: mean and variance are given inputs (eval-mode batch norm), not batch moments. */
  frozen: boolean;
}

function dims(shape: readonly number[] | undefined): [number, number] {
  const [rows, cols] = shape as [number, number];
  return [rows, cols];
}

function attrsOf(attrs: NamedAttrMap): NormalizeAttrs {
  return {
    axis: attrs["axis"] === 0 ? 0 : 1,
    epsilon: attrs["epsilon"] as number,
    lower: (attrs["lower"] as number | undefined) ?? Number.NEGATIVE_INFINITY,
    upper: (attrs["upper"] as number | undefined) ?? Number.POSITIVE_INFINITY,
    strictLower: attrs["strictLower"] === true,
    frozen: attrs["frozen"] === true,
  };
}

function bounded({ lower, upper }: NormalizeAttrs): boolean {
  return lower > Number.NEGATIVE_INFINITY || upper < Number.POSITIVE_INFINITY;
}

const constantRows = new Map<string, Float32Array>();

// A read-only row of `value` (1 or 0) of length `size`, shared between calls.
function constantRow(value: number, size: number): Float32Array {
  const key = `${value}:${size}`;
  let row = constantRows.get(key);
  if (row === undefined) {
    row = new Float32Array(size).fill(value);
    constantRows.set(key, row);
  }
  return row;
}

// Per-group (row for axis 1, column for axis 0) factors of ŷ = x·scale + shift, where
// ŷ = (x − μ)·r·γ + β; for axis 1 γ and β still apply per column on top (scale = r, shift = −μ·r).
function groupFactors(
  mean: Float32Array,
  variance: Float32Array,
  epsilon: number,
  gamma: Float32Array,
  beta: Float32Array,
  axis: 0 | 1,
): { rstd: Float64Array; scale: Float64Array; shift: Float64Array } {
  const groups = mean.length;
  const rstd = new Float64Array(groups);
  const scale = new Float64Array(groups);
  const shift = new Float64Array(groups);
  for (let group = 0; group < groups; group++) {
    const r = 1 / Math.sqrt(variance[group]! + epsilon);
    const factor = axis === 0 ? gamma[group]! * r : r;
    rstd[group] = r;
    scale[group] = factor;
    shift[group] = (axis === 0 ? beta[group]! : 0) - mean[group]! * factor;
  }
  return { rstd, scale, shift };
}

function clampInPlace(y: Float32Array, { lower, upper }: NormalizeAttrs): void {
  for (let index = 0; index < y.length; index++) {
    const value = y[index]!;
    y[index] = value < lower ? lower : value > upper ? upper : value;
  }
}

/**
 * TmlNormalize: x [R, C], gamma? [C], beta? [C] → y [R, C] (optionally clamped), mean [S],
 * variance [S] (S = R or C). Frozen (eval-mode batch norm): mean and variance [C] are inputs and
 * are copied to the outputs.
 */
export const normalizeKernel: FusedKernelSpec = {
  kernelName: "TmlNormalize",
  outputShapes(inputs: Readonly<Record<string, TensorInfo | undefined>>, attrs: NamedAttrMap) {
    const [rows, cols] = dims(inputs["x"]?.shape);
    const groups = attrsOf(attrs).axis === 1 ? rows : cols;
    return [[rows, cols], [groups], [groups]];
  },
  simd: { scratchBytes: normalizeScratchBytes, run: normalizeSimd },
  run(inputs, outputs, shapes, attrs) {
    const options = attrsOf(attrs);
    const { axis, epsilon } = options;
    const [rows, cols] = dims(shapes["x"]);
    const x = inputs["x"] as Float32Array;
    const gamma = inputs["gamma"] ?? constantRow(1, cols);
    const beta = inputs["beta"] ?? constantRow(0, cols);
    const [y, mean, variance] = outputs as [Float32Array, Float32Array, Float32Array];
    // One pass gathers Σ(x − k) and Σ(x − k)² in float64 with k the group's first entry (a shift
    // that keeps the variance free of cancellation), one writes y.
    if (axis === 1) {
      for (let row = 0; row < rows; row++) {
        const offset = row * cols;
        const pivot = x[offset]!;
        let total = 0;
        let squares = 0;
        for (let col = 0; col < cols; col++) {
          const delta = x[offset + col]! - pivot;
          total += delta;
          squares += delta * delta;
        }
        const shifted = total / cols;
        const mu = pivot + shifted;
        const sigma2 = Math.max(0, squares / cols - shifted * shifted);
        const rstd = 1 / Math.sqrt(sigma2 + epsilon);
        mean[row] = mu;
        variance[row] = sigma2;
        const center = -mu * rstd;
        for (let col = 0; col < cols; col++)
          y[offset + col] = (x[offset + col]! * rstd + center) * gamma[col]! + beta[col]!;
      }
    } else if (options.frozen) {
      mean.set(inputs["mean"] as Float32Array);
      variance.set(inputs["variance"] as Float32Array);
    } else {
      const totals = new Float64Array(cols);
      const squares = new Float64Array(cols);
      for (let row = 0; row < rows; row++) {
        const offset = row * cols;
        for (let col = 0; col < cols; col++) {
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
    if (axis === 0) {
      const { scale, shift } = groupFactors(mean, variance, epsilon, gamma, beta, 0);
      const { lower, upper } = options;
      if (bounded(options)) {
        for (let row = 0; row < rows; row++) {
          const offset = row * cols;
          for (let col = 0; col < cols; col++) {
            const value = x[offset + col]! * scale[col]! + shift[col]!;
            y[offset + col] = value < lower ? lower : Math.min(value, upper);
          }
        }
      } else {
        for (let row = 0; row < rows; row++) {
          const offset = row * cols;
          for (let col = 0; col < cols; col++)
            y[offset + col] = x[offset + col]! * scale[col]! + shift[col]!;
        }
      }
    } else if (bounded(options)) {
      clampInPlace(y, options);
    }
  },
};

// Writes dy where the clamp (or ReLU) let ŷ through and 0 elsewhere into `target`.
function maskGradient(
  target: Float32Array,
  dy: Float32Array,
  x: Float32Array,
  factors: { scale: Float64Array; shift: Float64Array; gamma: Float32Array; beta: Float32Array },
  [rows, cols]: [number, number],
  attrs: NormalizeAttrs,
): void {
  const { scale, shift, gamma, beta } = factors;
  const { axis, lower, upper } = attrs;
  // ŷ > lower is ŷ ≥ lower' with lower' the next float up: one comparison form for both.
  const floor = attrs.strictLower ? lower + Number.MIN_VALUE : lower;
  for (let row = 0; row < rows; row++) {
    const offset = row * cols;
    if (axis === 1) {
      const rowScale = scale[row]!;
      const rowShift = shift[row]!;
      for (let col = 0; col < cols; col++) {
        const value = (x[offset + col]! * rowScale + rowShift) * gamma[col]! + beta[col]!;
        target[offset + col] = value >= floor && value <= upper ? dy[offset + col]! : 0;
      }
    } else {
      for (let col = 0; col < cols; col++) {
        const value = x[offset + col]! * scale[col]! + shift[col]!;
        target[offset + col] = value >= floor && value <= upper ? dy[offset + col]! : 0;
      }
    }
  }
}

/**
 * TmlNormalizeGrad: dy, x [R, C], mean, variance [S], gamma?, beta? [C] → dx [R, C], dgamma [C],
 * dbeta [C] (beta only matters under a clamp). With x̂ = (x − μ)·r and g = dy·γ over a group of
 * m entries: dx = r·(g − mean(g) − x̂·mean(g·x̂)), which is affine in (dy, x) within a group:
 * one pass gathers the sums, one writes dx.
 */
export const normalizeGradKernel: FusedKernelSpec = {
  kernelName: "TmlNormalizeGrad",
  outputShapes(inputs) {
    const [rows, cols] = dims(inputs["x"]?.shape);
    return [[rows, cols], [cols], [cols]];
  },
  simd: { scratchBytes: normalizeScratchBytes, run: normalizeGradSimd },
  run(inputs, outputs, shapes, attrs) {
    const options = attrsOf(attrs);
    const { axis, epsilon } = options;
    const [rows, cols] = dims(shapes["x"]);
    const x = inputs["x"] as Float32Array;
    const mean = inputs["mean"] as Float32Array;
    const variance = inputs["variance"] as Float32Array;
    const gamma = inputs["gamma"] ?? constantRow(1, cols);
    const beta = inputs["beta"] ?? constantRow(0, cols);
    const [dx, dgamma, dbeta] = outputs as [Float32Array, Float32Array, Float32Array];
    const { rstd, scale, shift } = groupFactors(mean, variance, epsilon, gamma, beta, axis);
    let dy = inputs["dy"] as Float32Array;
    if (bounded(options)) {
      // The masked gradient goes into dx first; each entry is read before it is overwritten.
      maskGradient(dx, dy, x, { scale, shift, gamma, beta }, [rows, cols], options);
      dy = dx;
    }
    const sumDyXhat = new Float64Array(cols);
    const sumDy = new Float64Array(cols);
    if (axis === 1) {
      for (let row = 0; row < rows; row++) {
        const offset = row * cols;
        const mu = mean[row]!;
        const r = rstd[row]!;
        const center = shift[row]!;
        let sumG = 0;
        let sumGX = 0;
        for (let col = 0; col < cols; col++) {
          const gradient = dy[offset + col]!;
          const value = x[offset + col]!;
          const g = gradient * gamma[col]!;
          sumG += g;
          sumGX += g * value;
          sumDy[col] += gradient;
          sumDyXhat[col] += gradient * (value * r + center);
        }
        const meanG = sumG / cols;
        const meanGXhat = (r * (sumGX - mu * sumG)) / cols;
        const slope = -r * r * meanGXhat;
        const intercept = -r * meanG - mu * slope;
        for (let col = 0; col < cols; col++) {
          dx[offset + col] =
            r * dy[offset + col]! * gamma[col]! + slope * x[offset + col]! + intercept;
        }
      }
    } else if (options.frozen) {
      // Constant statistics: dx = γ·r·dy, and only dgamma needs x̂.
      for (let row = 0; row < rows; row++) {
        const offset = row * cols;
        for (let col = 0; col < cols; col++) {
          const gradient = dy[offset + col]!;
          const value = x[offset + col]!;
          sumDy[col] += gradient;
          sumDyXhat[col] += gradient * (value - mean[col]!) * rstd[col]!;
          dx[offset + col] = gradient * gamma[col]! * rstd[col]!;
        }
      }
    } else {
      const sumDyX = new Float64Array(cols);
      for (let row = 0; row < rows; row++) {
        const offset = row * cols;
        for (let col = 0; col < cols; col++) {
          const gradient = dy[offset + col]!;
          sumDy[col] += gradient;
          sumDyX[col] += gradient * x[offset + col]!;
        }
      }
      const gain = new Float64Array(cols);
      const slope = new Float64Array(cols);
      const intercept = new Float64Array(cols);
      for (let col = 0; col < cols; col++) {
        const r = rstd[col]!;
        const mu = mean[col]!;
        sumDyXhat[col] = r * (sumDyX[col]! - mu * sumDy[col]!);
        // Per column: mean(g) = γ·Σdy / R and mean(g·x̂) = γ·Σ(dy·x̂) / R.
        const meanG = (gamma[col]! * sumDy[col]!) / rows;
        const meanGXhat = (gamma[col]! * sumDyXhat[col]!) / rows;
        gain[col] = gamma[col]! * r;
        slope[col] = -r * r * meanGXhat;
        intercept[col] = -r * meanG - mu * slope[col]!;
      }
      for (let row = 0; row < rows; row++) {
        const offset = row * cols;
        for (let col = 0; col < cols; col++) {
          dx[offset + col] =
            gain[col]! * dy[offset + col]! + slope[col]! * x[offset + col]! + intercept[col]!;
        }
      }
    }
    for (let col = 0; col < cols; col++) {
      dgamma[col] = sumDyXhat[col]!;
      dbeta[col] = sumDy[col]!;
    }
  },
};

/**
 * TmlRunningMoments: runningMean, runningVar, mean, variance [C] → new runningMean, runningVar:
 * running ← (1 − momentum)·running + momentum·batch, the variance times `unbiased` (R / (R − 1)).
 */
export const runningMomentsKernel: FusedKernelSpec = {
  kernelName: "TmlRunningMoments",
  outputShapes(inputs) {
    const shape = [...(inputs["runningMean"]?.shape ?? [])];
    return [shape, shape];
  },
  run(inputs, outputs, _shapes, attrs) {
    const momentum = attrs["momentum"] as number;
    const unbiased = attrs["unbiased"] as number;
    const runningMean = inputs["runningMean"] as Float32Array;
    const runningVar = inputs["runningVar"] as Float32Array;
    const mean = inputs["mean"] as Float32Array;
    const variance = inputs["variance"] as Float32Array;
    const [nextMean, nextVar] = outputs as [Float32Array, Float32Array];
    for (let index = 0; index < runningMean.length; index++) {
      nextMean[index] = (1 - momentum) * runningMean[index]! + momentum * mean[index]!;
      nextVar[index] = (1 - momentum) * runningVar[index]! + momentum * unbiased * variance[index]!;
    }
  },
};
