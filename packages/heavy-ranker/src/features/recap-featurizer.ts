import { loadSegdenseSchema } from "@tml/data-io";
import type { RecapDataConfig } from "../config/data-config.js";
import type { Parity } from "../config/recap-config.js";
import type { EmbeddingBagSource } from "./embedding-bag-ids.js";
import type { FeatureBatch } from "./feature-batch.js";
import { readNpyMaskIndices } from "./npy.js";
import {
  prepareRecapArrays,
  type RecapArraysOptions,
  type RecapDataMode,
} from "./prepare-recap-arrays.js";
import type { RecapBatch } from "./recap-batch.js";
import { toRecapBatch } from "./to-recap-batch.js";

/** A dataset's raw-columns → RecapBatch conversion, with its schema and masks read once. */
export interface RecapFeaturizer {
  /** The resolved options (schema and masks loaded). */
  readonly options: RecapArraysOptions;
  /** Converts one raw batch (columns keyed by segdense schema names) to tensors. */
  featurize(raw: FeatureBatch, mode?: RecapDataMode): RecapBatch;
}

/**
 * Builds the featurizer of one dataset config: reads `seg_dense_schema.schema_path` and the
 * truncate_and_slice `.npy` masks (paths as given; `loadRecapConfig` makes them absolute).
 */
export function createRecapFeaturizer(
  data: RecapDataConfig,
  model: {
    readonly modelTasks: readonly string[];
    readonly parity?: Parity;
    /** Large embedding tables whose id bags each batch carries. */
    readonly embeddingBags?: readonly EmbeddingBagSource[];
  },
): RecapFeaturizer {
  const truncate = data.preprocess?.truncate_and_slice;
  const continuousMask = truncate?.continuous_feature_mask_path;
  const binaryMask = truncate?.binary_feature_mask_path;
  const options: RecapArraysOptions = {
    data,
    modelTasks: model.modelTasks,
    parity: model.parity ?? "fixed",
    ...(model.embeddingBags ? { embeddingBags: model.embeddingBags } : {}),
    schema: loadSegdenseSchema(data.seg_dense_schema.schema_path),
    masks: {
      ...(continuousMask && { continuous: readNpyMaskIndices(continuousMask) }),
      ...(binaryMask && { binary: readNpyMaskIndices(binaryMask) }),
    },
  };
  return {
    options,
    featurize: (raw, mode = "train") => toRecapBatch(prepareRecapArrays(raw, mode, options)),
  };
}
