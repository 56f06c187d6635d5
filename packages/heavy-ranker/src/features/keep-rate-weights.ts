import type { TaskData } from "../config/data-config.js";
import {
  type FeatureBatch,
  type FeatureColumn,
  requireColumn,
  toFloat64,
} from "./feature-batch.js";

/**
 * Keep-rate weights (`projects/home/recap/data/dataset.py`):
 * `w[b,t] = y[b,t]/pos_rate_t + (1 − y[b,t])/neg_rate_t`, a B × T column in `tasks` order,
 * undoing the data's per-label down-sampling in the loss. Returns undefined when every rate is 1
 * (the weights would be all ones).
 */
export function keepRateWeights(
  batch: FeatureBatch,
  tasks: Readonly<Record<string, TaskData>>,
): FeatureColumn | undefined {
  const entries = Object.entries(tasks);
  if (
    entries.every(
      ([, rates]) => rates.pos_downsampling_rate === 1 && rates.neg_downsampling_rate === 1,
    )
  ) {
    return undefined;
  }
  const width = entries.length;
  const weights = new Float32Array(batch.numRows * width);
  entries.forEach(([label, rates], task) => {
    const labels = toFloat64(requireColumn(batch, label, "keep-rate weights").values);
    for (let row = 0; row < batch.numRows; row++) {
      const y = labels[row] as number;
      weights[row * width + task] =
        y / rates.pos_downsampling_rate + (1 - y) / rates.neg_downsampling_rate;
    }
  });
  return { values: weights, width };
}
