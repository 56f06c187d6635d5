import type { RecapConfig } from "../config/recap-config.js";
import { calibrationRatio } from "./calibration.js";
import type { EmbeddingName, ModelInputShapes } from "./model-inputs.js";
import { MultiTaskRankingModel } from "./ranking-model.js";

const EMBEDDING_NAMES: readonly EmbeddingName[] = [
  "user_embedding",
  "user_eng_embedding",
  "author_embedding",
];

/** The pretrained embedding inputs `config` reads: those named in `renamed_features`, in model order. */
export function embeddingInputs(config: RecapConfig): readonly EmbeddingName[] {
  const renamed = config.train_data.seg_dense_schema.renamed_features;
  return EMBEDDING_NAMES.filter((name) => name in renamed);
}

/**
 * Builds the ranking model of a whole recap config: embedding inputs are those named in
 * `train_data.seg_dense_schema.renamed_features`, calibration ratios come from the train data's
 * keep rates (`projects/home/recap/model/entrypoint.py`). `shapes` gives the continuous / binary
 * widths after preprocessing (2117 / 59 for local_prod; take them from a batch or from
 * truncate_and_slice).
 */
export function buildRankingModel(
  config: RecapConfig,
  shapes: Omit<ModelInputShapes, "embeddingNames">,
  seed = 0,
): MultiTaskRankingModel {
  const calibrationRatios: Record<string, number> = {};
  for (const task of Object.keys(config.model.tasks)) {
    const rates = config.train_data.tasks[task];
    calibrationRatios[task] = rates ? calibrationRatio(rates) : 1;
  }
  return new MultiTaskRankingModel({
    ...shapes,
    config: config.model,
    embeddingNames: embeddingInputs(config),
    calibrationRatios,
    seed,
  });
}

/** Continuous and binary widths implied by `truncate_and_slice` (undefined when not truncated). */
export function truncatedWidths(config: RecapConfig): {
  continuousWidth?: number;
  binaryWidth?: number;
} {
  const truncate = config.train_data.preprocess?.truncate_and_slice;
  return {
    ...(truncate?.continuous_feature_truncation
      ? { continuousWidth: truncate.continuous_feature_truncation }
      : {}),
    ...(truncate?.binary_feature_truncation
      ? { binaryWidth: truncate.binary_feature_truncation }
      : {}),
  };
}
