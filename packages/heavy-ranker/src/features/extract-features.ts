import { DataError } from "@tml/core";
import type { ExtractFeaturesConfig } from "../config/preprocess-config.js";
import {
  type FeatureBatch,
  type FeatureColumn,
  requireColumn,
  withColumns,
} from "./feature-batch.js";
import { selectColumns } from "./truncate-and-slice.js";

/**
 * ExtractFeatures (`projects/home/recap/data/preprocessors.py`): adds
 * `name = features[source_tensor][:, index]` for each row.
 */
export function extractFeatures(batch: FeatureBatch, config: ExtractFeaturesConfig): FeatureBatch {
  const added: [string, FeatureColumn][] = config.extract_feature_table.map((row) => {
    const source = requireColumn(batch, row.source_tensor, "extract_features");
    if (row.index >= source.width) {
      throw new DataError(
        `extract_features: ${row.name} reads column ${row.index} of ${row.source_tensor}, which has ${source.width}`,
      );
    }
    return [row.name, selectColumns(source, batch.numRows, [row.index])];
  });
  return withColumns(batch, added);
}
