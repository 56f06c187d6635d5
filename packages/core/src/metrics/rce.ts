import type { BinaryBatch, Metric } from "./metric.js";
import { checkBatch } from "./metric.js";
import { addToMean, mergeMeans, type StableMeanState } from "./stable-mean.js";

/** Options of `rce` / `nrce`. */
export interface RceOptions {
  /** Predictions are logits (sigmoid is applied). Default false: probabilities. */
  fromLogits?: boolean;
  /** y' = y(1 − s) + s/2. Default 0. */
  labelSmoothing?: number;
  /** Clipping and log offset of the clipped BCE. Default 1e-7. */
  epsilon?: number;
}

/** State of RCE/NRCE: weighted running means of labels, predictions and model cross-entropy. */
export interface RceState {
  label: StableMeanState;
  prediction: StableMeanState;
  crossEntropy: StableMeanState;
}

/** Keras-style clipped BCE: p̃ = clamp(p, ε, 1−ε), −y log(p̃ + ε) − (1−y) log(1 − p̃ + ε). */
export function clippedBinaryCrossEntropy(p: number, y: number, epsilon: number): number {
  const clipped = Math.min(Math.max(p, epsilon), 1 - epsilon);
  return -y * Math.log(clipped + epsilon) - (1 - y) * Math.log(1 - clipped + epsilon);
}

function bceFromLogit(x: number, y: number): number {
  // (1 − y)·x + softplus(−x), stable for any x.
  const softplusNeg = Math.max(-x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
  return (1 - y) * x + softplusNeg;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** RCE = 100 × (1 − CE_model / CE_baseline), CE_baseline = entropy of the mean label ȳ. */
function relativeCrossEntropy(state: RceState, epsilon: number): number {
  const meanLabel = state.label.mean;
  if (state.label.weightSum === 0 || meanLabel <= 0 || meanLabel >= 1) return Number.NaN;
  const baseline = clippedBinaryCrossEntropy(meanLabel, meanLabel, epsilon);
  return 100 * (1 - state.crossEntropy.mean / baseline);
}

const initState = (): RceState => ({
  label: { mean: 0, weightSum: 0 },
  prediction: { mean: 0, weightSum: 0 },
  crossEntropy: { mean: 0, weightSum: 0 },
});

const mergeStates = (a: RceState, b: RceState): RceState => ({
  label: mergeMeans(a.label, b.label),
  prediction: mergeMeans(a.prediction, b.prediction),
  crossEntropy: mergeMeans(a.crossEntropy, b.crossEntropy),
});

function smoothedLabels(batch: BinaryBatch, smoothing: number): Float64Array {
  const labels = Float64Array.from(batch.labels);
  if (smoothing !== 0) {
    for (let i = 0; i < labels.length; i++)
      labels[i] = labels[i]! * (1 - smoothing) + 0.5 * smoothing;
  }
  return labels;
}

/**
 * Relative cross entropy in percent (the original's `metrics/rce.py`): 0 = no better than predicting the base rate,
 * 100 = perfect, negative = worse. Weighted; NaN until both classes have been seen.
 */
export function rce(options: RceOptions = {}): Metric<RceState, BinaryBatch> {
  const epsilon = options.epsilon ?? 1e-7;
  return {
    init: initState,
    update(state, batch) {
      const n = checkBatch(batch, "RCE");
      const labels = smoothedLabels(batch, options.labelSmoothing ?? 0);
      const losses = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const p = batch.predictions[i]!;
        losses[i] = options.fromLogits
          ? bceFromLogit(p, labels[i]!)
          : clippedBinaryCrossEntropy(p, labels[i]!, epsilon);
      }
      addToMean(state.label, labels, batch.weights);
      addToMean(state.crossEntropy, losses, batch.weights);
      return state;
    },
    compute: (state) => relativeCrossEntropy(state, epsilon),
    merge: mergeStates,
  };
}

/**
 * Normalized RCE (the original's `metrics/rce.py`): predictions are first rescaled by (mean label ÷ mean prediction), both
 * running weighted means including the current batch, so only ranking and not calibration counts.
 */
export function nrce(options: RceOptions = {}): Metric<RceState, BinaryBatch> {
  const epsilon = options.epsilon ?? 1e-7;
  return {
    init: initState,
    update(state, batch) {
      const n = checkBatch(batch, "NRCE");
      const labels = smoothedLabels(batch, options.labelSmoothing ?? 0);
      const predictions = Float64Array.from(batch.predictions);
      if (options.fromLogits) for (let i = 0; i < n; i++) predictions[i] = sigmoid(predictions[i]!);
      addToMean(state.label, labels, batch.weights);
      addToMean(state.prediction, predictions, batch.weights);
      const normalizer = state.label.mean / state.prediction.mean;
      const losses = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        losses[i] = clippedBinaryCrossEntropy(predictions[i]! * normalizer, labels[i]!, epsilon);
      }
      addToMean(state.crossEntropy, losses, batch.weights);
      return state;
    },
    compute: (state) => relativeCrossEntropy(state, epsilon),
    merge: mergeStates,
  };
}
