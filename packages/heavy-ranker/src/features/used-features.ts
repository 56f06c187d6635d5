import { ConfigError } from "@tml/core";
import type { SegdenseFeature, SegdenseSchema } from "@tml/data-io";
import type { RecapDataConfig } from "../config/data-config.js";

/**
 * The schema features a dataset reads (the original's `projects/home/recap/data/tfe_parsing.py`):
 * `seg_dense_schema.features`, the originals of `renamed_features`, and the label names (`tasks`
 * keys); throws ConfigError naming any feature the schema lacks.
 */
export function usedFeatures(schema: SegdenseSchema, data: RecapDataConfig): SegdenseFeature[] {
  const wanted = new Set([
    ...data.seg_dense_schema.features,
    ...Object.values(data.seg_dense_schema.renamed_features),
    ...Object.keys(data.tasks),
  ]);
  const byName = new Map(schema.schema.map((feature) => [feature.feature_name, feature]));
  const missing = [...wanted].filter((name) => !byName.has(name));
  if (missing.length > 0) {
    throw new ConfigError(
      `features ${missing.join(", ")} are not in the segdense schema ${data.seg_dense_schema.schema_path}`,
    );
  }
  return schema.schema.filter((feature) => wanted.has(feature.feature_name));
}
