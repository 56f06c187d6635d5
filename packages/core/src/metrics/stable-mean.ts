import type { Metric, NumericArray } from "./metric.js";
import { weightAt } from "./metric.js";

/** State of a weighted running mean. */
export interface StableMeanState {
  mean: number;
  weightSum: number;
}

/** Values (and optional weights) fed to `stableMean`. */
export interface StableMeanInput {
  values: NumericArray;
  weights?: NumericArray | number;
}

/**
 * Adds values to a running weighted mean in place, one at a time so large sums never lose
 * precision: W ← W + w, m ← m + (w / W)(v − m). Zero-weight values are skipped.
 */
export function addToMean(
  state: StableMeanState,
  values: NumericArray,
  weights?: NumericArray | number,
): StableMeanState {
  for (let i = 0; i < values.length; i++) {
    const weight = weightAt(weights, i);
    if (weight === 0) continue;
    state.weightSum += weight;
    state.mean += (weight / state.weightSum) * (values[i]! - state.mean);
  }
  return state;
}

/** Combines two running means (each counts as one value weighted by its weight sum). */
export function mergeMeans(a: StableMeanState, b: StableMeanState): StableMeanState {
  const weightSum = a.weightSum + b.weightSum;
  if (weightSum === 0) return { mean: 0, weightSum: 0 };
  return { mean: a.mean + (b.weightSum / weightSum) * (b.mean - a.mean), weightSum };
}

/** The weighted, numerically stable mean of the original's `metrics/aggregation.py` (NaN before any weight is seen). */
export function stableMean(): Metric<StableMeanState, StableMeanInput> {
  return {
    init: () => ({ mean: 0, weightSum: 0 }),
    update: (state, input) => addToMean(state, input.values, input.weights),
    compute: (state) => (state.weightSum === 0 ? Number.NaN : state.mean),
    merge: mergeMeans,
  };
}
