import type { BinaryBatch, Metric } from "./metric.js";
import { checkBatch } from "./metric.js";
import { addToMean, mergeMeans, type StableMeanState } from "./stable-mean.js";

/** `Count` of the original's `core/metrics.py`: the sum of the label values (the number of positives for 0/1 labels). */
export function count(): Metric<{ sum: number }, BinaryBatch> {
  return {
    init: () => ({ sum: 0 }),
    update(state, batch) {
      const n = checkBatch(batch, "Count");
      for (let i = 0; i < n; i++) state.sum += batch.labels[i]!;
      return state;
    },
    compute: (state) => state.sum,
    merge: (a, b) => ({ sum: a.sum + b.sum }),
  };
}

function weightedMeanOf(
  field: "labels" | "predictions",
  name: string,
): Metric<StableMeanState, BinaryBatch> {
  return {
    init: () => ({ mean: 0, weightSum: 0 }),
    update(state, batch) {
      checkBatch(batch, name);
      return addToMean(state, batch[field], batch.weights);
    },
    compute: (state) => (state.weightSum === 0 ? Number.NaN : state.mean),
    merge: mergeMeans,
  };
}

/** `Ctr`: the weighted mean label (observed engagement rate). */
export function ctr(): Metric<StableMeanState, BinaryBatch> {
  return weightedMeanOf("labels", "Ctr");
}

/** `Pctr`: the weighted mean predicted probability. */
export function pctr(): Metric<StableMeanState, BinaryBatch> {
  return weightedMeanOf("predictions", "Pctr");
}
