import { DataError } from "@tml/core";
import type { SegdenseFeature } from "@tml/data-io";
import type { SegDenseSchemaConfig } from "../config/data-config.js";
import {
  type FeatureBatch,
  type FeatureColumn,
  requireColumn,
  toFloat64,
} from "./feature-batch.js";

/** Zeroes the low `bits` mantissa bits of every float32 value (a new array). */
export function maskMantissa(values: Float32Array, bits: number): Float32Array {
  const out = new Float32Array(values);
  const words = new Uint32Array(out.buffer);
  const keep = (0xffffffff << bits) >>> 0;
  for (let i = 0; i < words.length; i++) words[i] = ((words[i] as number) & keep) >>> 0;
  return out;
}

/**
 * Builds a vector feature from scalar columns (schema `columns`): row r is
 * [column_0[r], column_1[r], …]; float32 for float_list, float64 (exact integers) otherwise.
 */
export function assembleColumns(batch: FeatureBatch, feature: SegdenseFeature): FeatureColumn {
  const names = feature.columns ?? [];
  const width = names.length;
  const rows = batch.numRows;
  const out =
    feature.dtype === "float_list"
      ? new Float32Array(rows * width)
      : new Float64Array(rows * width);
  names.forEach((name, index) => {
    const column = requireColumn(batch, name, `segdense feature ${feature.feature_name}`);
    if (column.width !== 1) {
      throw new DataError(
        `column "${name}" of ${feature.feature_name} has ${column.width} values per row; expected 1`,
      );
    }
    const values = toFloat64(column.values);
    for (let row = 0; row < rows; row++) out[row * width + index] = values[row] as number;
  });
  return { values: out, width };
}

/**
 * Checks the used schema features against a raw batch (presence and widths; labels may be absent
 * when `allowMissing` names them), renames original → new names (`renamed_features` maps new →
 * original) and applies mantissa masking (keys may be new or original names). Columns not in the
 * schema's used set are dropped.
 */
export function renameFeatures(
  batch: FeatureBatch,
  used: readonly SegdenseFeature[],
  config: SegDenseSchemaConfig,
  allowMissing: ReadonlySet<string> = new Set(),
): FeatureBatch {
  const newNames = new Map<string, string[]>();
  for (const [renamed, original] of Object.entries(config.renamed_features)) {
    newNames.set(original, [...(newNames.get(original) ?? []), renamed]);
  }
  const features = new Map<string, FeatureColumn>();
  for (const feature of used) {
    const name = feature.feature_name;
    const column =
      batch.features.get(name) ?? (feature.columns ? assembleColumns(batch, feature) : undefined);
    if (!column) {
      if (allowMissing.has(name)) continue;
      throw new DataError(`feature "${name}" (segdense schema) is missing from the input batch`);
    }
    if (feature.length !== -1 && column.width !== feature.length) {
      throw new DataError(
        `feature "${name}" has ${column.width} values per row but the segdense schema declares ${feature.length}`,
      );
    }
    if (column.values.length !== batch.numRows * column.width) {
      throw new DataError(
        `feature "${name}" holds ${column.values.length} values for ${batch.numRows} rows`,
      );
    }
    for (const target of newNames.get(name) ?? [name]) {
      const bits = config.mask_mantissa_features[target] ?? config.mask_mantissa_features[name];
      const masked =
        bits !== undefined && column.values instanceof Float32Array
          ? { values: maskMantissa(column.values, bits), width: column.width }
          : column;
      features.set(target, masked);
    }
  }
  return { numRows: batch.numRows, features };
}
