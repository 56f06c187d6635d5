import { DataError } from "../errors/index.js";
import type { BinaryBatch, Metric } from "./metric.js";
import { checkBatch, weightAt } from "./metric.js";

/** Per-bin weighted sums over equal-width prediction bins of [0, 1]. */
export interface CalibrationState {
  weight: Float64Array;
  predictionSum: Float64Array;
  labelSum: Float64Array;
}

/** One reliability-diagram bar: predictions in [lower, upper). */
export interface CalibrationBin {
  lower: number;
  upper: number;
  weight: number;
  meanPrediction: number;
  labelRate: number;
}

/**
 * Binned calibration: overall rates, expected calibration error, and the reliability bins. The
 * calibration ratio itself is `pctr ÷ ctr` (the `pctr` and `ctr` metrics), defined once there.
 */
export interface Calibration {
  meanPrediction: number;
  labelRate: number;
  /** Σ_bins (weight / total) · |meanPrediction − labelRate|. */
  expectedCalibrationError: number;
  bins: CalibrationBin[];
}

/**
 * Calibration of probabilities: mean prediction vs (weighted) label rate, plus binned
 * reliability data for plots (`numBins` equal-width bins; p = 1 goes in the last bin).
 */
export function calibration(numBins = 10): Metric<CalibrationState, BinaryBatch, Calibration> {
  return {
    init: () => ({
      weight: new Float64Array(numBins),
      predictionSum: new Float64Array(numBins),
      labelSum: new Float64Array(numBins),
    }),
    update(state, batch) {
      const n = checkBatch(batch, "calibration");
      for (let i = 0; i < n; i++) {
        const p = batch.predictions[i]!;
        if (!(p >= 0 && p <= 1)) {
          throw new DataError(`calibration: prediction ${i} is ${p}, not a probability in [0, 1].`);
        }
        const bin = Math.min(Math.floor(p * numBins), numBins - 1);
        const weight = weightAt(batch.weights, i);
        state.weight[bin]! += weight;
        state.predictionSum[bin]! += weight * p;
        state.labelSum[bin]! += weight * batch.labels[i]!;
      }
      return state;
    },
    compute(state) {
      let total = 0;
      let predictionSum = 0;
      let labelSum = 0;
      for (let b = 0; b < numBins; b++) {
        total += state.weight[b]!;
        predictionSum += state.predictionSum[b]!;
        labelSum += state.labelSum[b]!;
      }
      const bins: CalibrationBin[] = [];
      let error = 0;
      for (let b = 0; b < numBins; b++) {
        const weight = state.weight[b]!;
        const meanPrediction = weight > 0 ? state.predictionSum[b]! / weight : Number.NaN;
        const labelRate = weight > 0 ? state.labelSum[b]! / weight : Number.NaN;
        if (weight > 0) error += (weight / total) * Math.abs(meanPrediction - labelRate);
        bins.push({
          lower: b / numBins,
          upper: (b + 1) / numBins,
          weight,
          meanPrediction,
          labelRate,
        });
      }
      const meanPrediction = predictionSum / total;
      const labelRate = labelSum / total;
      return {
        meanPrediction,
        labelRate,
        expectedCalibrationError: total > 0 ? error : Number.NaN,
        bins,
      };
    },
    merge: (a, b) => ({
      weight: a.weight.map((w, i) => w + b.weight[i]!),
      predictionSum: a.predictionSum.map((w, i) => w + b.predictionSum[i]!),
      labelSum: a.labelSum.map((w, i) => w + b.labelSum[i]!),
    }),
  };
}
