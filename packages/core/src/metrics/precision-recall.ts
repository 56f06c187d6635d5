import type { BinaryBatch, Metric } from "./metric.js";
import { checkBatch, weightAt } from "./metric.js";

/** Weighted confusion counts at one threshold. */
export interface ConfusionState {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  trueNegatives: number;
}

/** Options of `precision` / `recall`. */
export interface ThresholdOptions {
  /** Predict positive when prediction > threshold (torchmetrics' rule). Default 0.5. */
  threshold?: number;
}

function confusion(name: string, threshold: number): Omit<Metric<ConfusionState>, "compute"> {
  return {
    init: () => ({ truePositives: 0, falsePositives: 0, falseNegatives: 0, trueNegatives: 0 }),
    update(state, batch: BinaryBatch) {
      const n = checkBatch(batch, name);
      for (let i = 0; i < n; i++) {
        const weight = weightAt(batch.weights, i);
        const predicted = batch.predictions[i]! > threshold;
        const actual = batch.labels[i]! > 0.5;
        if (predicted && actual) state.truePositives += weight;
        else if (predicted) state.falsePositives += weight;
        else if (actual) state.falseNegatives += weight;
        else state.trueNegatives += weight;
      }
      return state;
    },
    merge: (a, b) => ({
      truePositives: a.truePositives + b.truePositives,
      falsePositives: a.falsePositives + b.falsePositives,
      falseNegatives: a.falseNegatives + b.falseNegatives,
      trueNegatives: a.trueNegatives + b.trueNegatives,
    }),
  };
}

/** Weighted precision TP / (TP + FP) at a threshold (0 when nothing is predicted positive). */
export function precision(options: ThresholdOptions = {}): Metric<ConfusionState> {
  return {
    ...confusion("Precision", options.threshold ?? 0.5),
    compute: (s) => {
      const predicted = s.truePositives + s.falsePositives;
      return predicted === 0 ? 0 : s.truePositives / predicted;
    },
  };
}

/** Weighted recall TP / (TP + FN) at a threshold (0 without positives). */
export function recall(options: ThresholdOptions = {}): Metric<ConfusionState> {
  return {
    ...confusion("Recall", options.threshold ?? 0.5),
    compute: (s) => {
      const positives = s.truePositives + s.falseNegatives;
      return positives === 0 ? 0 : s.truePositives / positives;
    },
  };
}
