import { DataError } from "@tml/core";
import type { DownsampleNegativesConfig } from "../config/preprocess-config.js";
import {
  type FeatureBatch,
  type FeatureColumn,
  requireColumn,
  toFloat64,
} from "./feature-batch.js";
import { selectRows } from "./select-rows.js";

/** The name of the per-example-per-task weight column inside a FeatureBatch. */
export const WEIGHTS_COLUMN = "weights";

/**
 * DownsampleNegatives (`projects/home/recap/data/preprocessors.py`): the batch holds m·B rows; rows
 * where any label of `engagements_list` equals 1 are positives (P of them). Negatives are
 * re-weighted by (m·B − P)/(B − P) (0 when B = P), then rows are reordered positives first and the
 * first B kept. Creates all-ones weights [m·B, num_engagements] when the batch has none.
 */
export function downsampleNegatives(
  batch: FeatureBatch,
  config: DownsampleNegativesConfig,
): FeatureBatch {
  const multiplier = config.batch_multiplier ?? 1;
  const total = batch.numRows;
  if (total % multiplier !== 0) {
    throw new DataError(
      `downsample_negatives: ${total} rows is not a multiple of batch_multiplier ${multiplier}`,
    );
  }
  const kept = total / multiplier;
  const positive = new Uint8Array(total);
  for (const label of config.engagements_list) {
    const values = toFloat64(requireColumn(batch, label, "downsample_negatives").values);
    for (let row = 0; row < total; row++) if (values[row] === 1) positive[row] = 1;
  }
  const positives = positive.reduce((sum, flag) => sum + flag, 0);
  const negativeWeight = kept === positives ? 0 : (total - positives) / (kept - positives);

  const existing = batch.features.get(WEIGHTS_COLUMN);
  const width = existing?.width ?? config.num_engagements;
  const weights = existing
    ? Float32Array.from(toFloat64(existing.values))
    : new Float32Array(total * width).fill(1);
  for (let row = 0; row < total; row++) {
    if (positive[row]) continue;
    for (let j = 0; j < width; j++)
      weights[row * width + j] = (weights[row * width + j] as number) * negativeWeight;
  }
  const order: number[] = [];
  for (let row = 0; row < total; row++) if (positive[row]) order.push(row);
  for (let row = 0; row < total; row++) if (!positive[row]) order.push(row);
  const features = new Map<string, FeatureColumn>(batch.features);
  features.set(WEIGHTS_COLUMN, { values: weights, width });
  return selectRows({ numRows: total, features }, order.slice(0, kept));
}
