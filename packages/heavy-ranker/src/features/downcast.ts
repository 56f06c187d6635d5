import { decodeHalfPrecision, encodeHalfPrecision, type HalfPrecisionFormat } from "@tml/core";
import type { DownCastConfig } from "../config/preprocess-config.js";
import {
  type FeatureBatch,
  type FeatureColumn,
  requireColumn,
  toFloat32,
  withColumns,
} from "./feature-batch.js";

/** The values rounded to `format` (through its 16-bit encoding), kept as float32. */
function roundedTo(values: Float32Array, format: HalfPrecisionFormat): Float32Array {
  const stored = new Uint16Array(values.length);
  encodeHalfPrecision(format, values, 0, stored, 0, values.length);
  const rounded = new Float32Array(values.length);
  decodeHalfPrecision(format, stored, 0, rounded, 0, values.length);
  return rounded;
}

function cast(
  values: FeatureColumn["values"],
  dtype: DownCastConfig["features"][string],
): FeatureColumn["values"] {
  const floats = toFloat32(values);
  switch (dtype) {
    case "float32":
      return floats;
    case "bfloat16":
      return roundedTo(floats, "bf16");
    case "float16":
      return roundedTo(floats, "fp16");
    case "bool":
      return Uint8Array.from(floats, (value) => (value !== 0 ? 1 : 0));
    case "uint8":
      return Uint8Array.from(floats, (value) => value);
  }
}

/**
 * DownCast (`projects/home/recap/data/preprocessors.py`): casts the listed features. bfloat16 /
 * float16 keep float32 storage with the values rounded to that precision (the batch up-casts to
 * float32 anyway); bool gives 0/1.
 */
export function downCast(batch: FeatureBatch, config: DownCastConfig): FeatureBatch {
  const replaced: [string, FeatureColumn][] = Object.entries(config.features).map(
    ([name, dtype]) => {
      const column = requireColumn(batch, name, "downcast");
      return [name, { values: cast(column.values, dtype), width: column.width }];
    },
  );
  return withColumns(batch, replaced);
}
