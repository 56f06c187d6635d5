import type { PreprocessConfig } from "../config/preprocess-config.js";
import { downCast } from "./downcast.js";
import { downsampleNegatives } from "./downsample-negatives.js";
import { extractFeatures } from "./extract-features.js";
import type { FeatureBatch } from "./feature-batch.js";
import { rectifyLabels } from "./rectify-labels.js";
import { type FeatureMasks, truncateAndSlice } from "./truncate-and-slice.js";

/**
 * Runs the configured preprocessors in the original's fixed order
 * (`projects/home/recap/data/preprocessors.py`): DownsampleNegatives → TruncateAndSlice → DownCast
 * → RectifyLabels → ExtractFeatures. With `withLabels` false (inference) the label preprocessors
 * (DownsampleNegatives, RectifyLabels) are skipped but the shape-changing ones still run, so served
 * inputs match the trained model's widths.
 */
export function applyPreprocessors(
  batch: FeatureBatch,
  config: PreprocessConfig | null,
  options: { masks?: FeatureMasks; withLabels: boolean },
): FeatureBatch {
  if (!config) return batch;
  let out = batch;
  if (config.downsample_negatives && options.withLabels)
    out = downsampleNegatives(out, config.downsample_negatives);
  if (config.truncate_and_slice)
    out = truncateAndSlice(out, config.truncate_and_slice, options.masks);
  if (config.downcast) out = downCast(out, config.downcast);
  if (config.rectify_labels && options.withLabels) out = rectifyLabels(out, config.rectify_labels);
  if (config.extract_features) out = extractFeatures(out, config.extract_features);
  return out;
}
