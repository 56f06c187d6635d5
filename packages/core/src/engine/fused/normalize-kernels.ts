import type { NamedAttrMap, TensorInfo } from "@tensorflow/tfjs-core";
import type { FusedKernelSpec } from "./fused-kernel.js";

// Normalisation of a [rows, cols] matrix along one axis, with an optional per-column scale
// (gamma) and shift (beta): axis 1 normalises each row (layer norm), axis 0 each column (batch
// norm in train mode). Statistics accumulate in float64 (JS numbers); variance is the biased one.

interface NormalizeAttrs {
  axis: 0 | 1;
  epsilon: number;
  /** The output is clamped to [lower, upper] after scale and shift (±Infinity: no bound). */
  lower: number;
  upper: number;
  /** Gradient passes where ŷ > lower (a ReLU) instead of ŷ ≥ lower (a clamp). */
  strictLower: boolean;
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
  };
}

function bounded({ lower, upper }: NormalizeAttrs): boolean {
  return lower > Number.NEGATIVE_INFINITY || upper < Number.POSITIVE_INFINITY;
}

function clampInPlace(y: Float32Array, { lower, upper }: NormalizeAttrs): void {
  for (let index = 0; index < y.length; index++) {
    const value = y[index]!;
    y[index] = value < lower ? lower : value > upper ? upper : value;
  }
}

// Writes dy where the clamp (or ReLU) let ŷ = x̂·γ + β through and 0 elsewhere into `target`.
function maskGradient(
  target: Float32Array,
  operands: { dy: Float32Array; x: Float32Array; mean: Float32Array; variance: Float32Array },
  affine: { gamma: Float32Array | undefined; beta: Float32Array | undefined },
  [rows, cols]: [number, number],
  attrs: NormalizeAttrs,
): void {
  const { dy, x, mean, variance } = operands;
  const { gamma, beta } = affine;
  const { axis, epsilon, lower, upper, strictLower } = attrs;
  for (let row = 0; row < rows; row++) {
    const offset = row * cols;
    for (let col = 0; col < cols; col++) {
      const group = axis === 1 ? row : col;
      const xhat = (x[offset + col]! - mean[group]!) / Math.sqrt(variance[group]! + epsilon);
      const value = xhat * (gamma ? gamma[col]! : 1) + (beta ? beta[col]! : 0);
      const passes = (strictLower ? value > lower : value >= lower) && value <= upper;
      target[offset + col] = passes ? dy[offset + col]! : 0;
    }
  }
}

/**
 * TmlNormalize: x [R, C], gamma? [C], beta? [C] → y [R, C] (optionally clamped), mean [S],
 * variance [S] (S = R or C).
 */
export const normalizeKernel: FusedKernelSpec = {
  kernelName: "TmlNormalize",
  outputShapes(inputs: Readonly<Record<string, TensorInfo | undefined>>, attrs: NamedAttrMap) {
    const [rows, cols] = dims(inputs["x"]?.shape);
    const groups = attrsOf(attrs).axis === 1 ? rows : cols;
    return [[rows, cols], [groups], [groups]];
  },
  run(inputs, outputs, shapes, attrs) {
    const options = attrsOf(attrs);
    const { axis, epsilon } = options;
    const [rows, cols] = dims(shapes["x"]);
    const x = inputs["x"] as Float32Array;
    const gamma = inputs["gamma"];
    const beta = inputs["beta"];
    const [y, mean, variance] = outputs as [Float32Array, Float32Array, Float32Array];
    // One pass gathers Σ(x − k) and Σ(x − k)² in float64 with k the group's first entry (a shift
    // that keeps the variance free of cancellation), one writes y = x·scale + shift.
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
        if (gamma || beta) {
          for (let col = 0; col < cols; col++) {
            const normalized = x[offset + col]! * rstd + center;
            y[offset + col] = normalized * (gamma ? gamma[col]! : 1) + (beta ? beta[col]! : 0);
          }
        } else {
          for (let col = 0; col < cols; col++) y[offset + col] = x[offset + col]! * rstd + center;
        }
      }
      if (bounded(options)) clampInPlace(y, options);
      return;
    }
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
    const scale = new Float64Array(cols);
    const shift = new Float64Array(cols);
    for (let col = 0; col < cols; col++) {
      const shifted = totals[col]! / rows;
      const mu = x[col]! + shifted;
      const sigma2 = Math.max(0, squares[col]! / rows - shifted * shifted);
      mean[col] = mu;
      variance[col] = sigma2;
      // y = (x − μ)·r·γ + β = x·scale + shift.
      const factor = (gamma ? gamma[col]! : 1) / Math.sqrt(sigma2 + epsilon);
      scale[col] = factor;
      shift[col] = (beta ? beta[col]! : 0) - mu * factor;
    }
    for (let row = 0; row < rows; row++) {
      const offset = row * cols;
      for (let col = 0; col < cols; col++)
        y[offset + col] = x[offset + col]! * scale[col]! + shift[col]!;
    }
    if (bounded(options)) clampInPlace(y, options);
  },
};

/**
 * TmlNormalizeGrad: dy, x [R, C], mean, variance [S], gamma?, beta? [C] → dx [R, C], dgamma [C],
 * dbeta [C] (beta only matters under a clamp).
 * With x̂ = (x − μ)·r and g = dy·γ over a group of m entries: dx = r·(g − mean(g) − x̂·mean(g·x̂)).
 */
export const normalizeGradKernel: FusedKernelSpec = {
  kernelName: "TmlNormalizeGrad",
  outputShapes(inputs) {
    const [rows, cols] = dims(inputs["x"]?.shape);
    return [[rows, cols], [cols], [cols]];
  },
  run(inputs, outputs, shapes, attrs) {
    const options = attrsOf(attrs);
    const { axis, epsilon } = options;
    const [rows, cols] = dims(shapes["x"]);
    const x = inputs["x"] as Float32Array;
    const mean = inputs["mean"] as Float32Array;
    const variance = inputs["variance"] as Float32Array;
    const gamma = inputs["gamma"];
    const [dx, dgamma, dbeta] = outputs as [Float32Array, Float32Array, Float32Array];
    let dy = inputs["dy"] as Float32Array;
    if (bounded(options)) {
      // The masked gradient goes into dx first; each entry is read before it is overwritten.
      const operands = { dy, x, mean, variance };
      maskGradient(dx, operands, { gamma, beta: inputs["beta"] }, [rows, cols], options);
      dy = dx;
    }
    // dx is affine in (dy, x) within a group: dx = a·dy + b·x + c, with x̂·r·mean(g·x̂) expanded
    // as (x − μ)·r²·mean(g·x̂); one pass gathers the sums, one writes dx.
    const sumDyXhat = new Float64Array(cols);
    const sumDy = new Float64Array(cols);
    if (axis === 1) {
      for (let row = 0; row < rows; row++) {
        const offset = row * cols;
        const mu = mean[row]!;
        const rstd = 1 / Math.sqrt(variance[row]! + epsilon);
        let sumG = 0;
        let sumGX = 0;
        for (let col = 0; col < cols; col++) {
          const gradient = dy[offset + col]!;
          const value = x[offset + col]!;
          const g = gamma ? gradient * gamma[col]! : gradient;
          sumG += g;
          sumGX += g * value;
          sumDy[col] += gradient;
          sumDyXhat[col] += gradient * (value - mu) * rstd;
        }
        const meanG = sumG / cols;
        const meanGXhat = (rstd * (sumGX - mu * sumG)) / cols;
        const slope = -rstd * rstd * meanGXhat;
        const intercept = -rstd * meanG - mu * slope;
        for (let col = 0; col < cols; col++) {
          const g = gamma ? dy[offset + col]! * gamma[col]! : dy[offset + col]!;
          dx[offset + col] = rstd * g + slope * x[offset + col]! + intercept;
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
        const rstd = 1 / Math.sqrt(variance[col]! + epsilon);
        const mu = mean[col]!;
        const scale = gamma ? gamma[col]! : 1;
        sumDyXhat[col] = rstd * (sumDyX[col]! - mu * sumDy[col]!);
        // Per column: mean(g) = γ·Σdy / R and mean(g·x̂) = γ·Σ(dy·x̂) / R.
        const meanG = (scale * sumDy[col]!) / rows;
        const meanGXhat = (scale * sumDyXhat[col]!) / rows;
        gain[col] = scale * rstd;
        slope[col] = -rstd * rstd * meanGXhat;
        intercept[col] = -rstd * meanG - mu * slope[col]!;
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
