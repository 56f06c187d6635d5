import type { RectifyLabelsConfig } from "../config/preprocess-config.js";
import {
  type FeatureBatch,
  type FeatureColumn,
  requireColumn,
  toFloat64,
  withColumns,
} from "./feature-batch.js";

const MS_PER_HOUR = 3_600_000;

/**
 * RectifyLabels (`projects/home/recap/data/preprocessors.py`): with timestamps in milliseconds and
 * window = hours × 3.6e6, keeps a label only if it is > 0, impressed − served < window and engaged
 * − served < window; else 0.
 */
export function rectifyLabels(batch: FeatureBatch, config: RectifyLabelsConfig): FeatureBatch {
  const window = config.label_rectification_window_in_hours * MS_PER_HOUR;
  const served = toFloat64(
    requireColumn(batch, config.served_timestamp_field, "rectify_labels").values,
  );
  const impressed = toFloat64(
    requireColumn(batch, config.impressed_timestamp_field, "rectify_labels").values,
  );
  const replaced: [string, FeatureColumn][] = [];
  for (const [label, engagedField] of Object.entries(config.label_to_engaged_timestamp_field)) {
    const column = requireColumn(batch, label, "rectify_labels");
    const engaged = toFloat64(requireColumn(batch, engagedField, "rectify_labels").values);
    const values = toFloat64(column.values);
    for (let row = 0; row < batch.numRows; row++) {
      const start = served[row] as number;
      const keep =
        (values[row] as number) > 0 &&
        (impressed[row] as number) - start < window &&
        (engaged[row] as number) - start < window;
      if (!keep) values[row] = 0;
    }
    replaced.push([label, { values, width: 1 }]);
  }
  return withColumns(batch, replaced);
}
