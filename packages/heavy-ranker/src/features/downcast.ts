import type { DownCastConfig } from "../config/preprocess-config.js";
import {
  type FeatureBatch,
  type FeatureColumn,
  requireColumn,
  toFloat32,
  withColumns,
} from "./feature-batch.js";

const scratch = new DataView(new ArrayBuffer(4));

/** Rounds a float32 to the nearest bfloat16 (ties to even) and returns it as a number. */
export function roundToBfloat16(value: number): number {
  if (!Number.isFinite(value)) return value;
  scratch.setFloat32(0, value);
  const bits = scratch.getUint32(0);
  const rounded = (bits + 0x7fff + ((bits >>> 16) & 1)) & 0xffff0000;
  scratch.setUint32(0, rounded >>> 0);
  return scratch.getFloat32(0);
}

function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction !== 0.5) return Math.round(value);
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Rounds a number to the nearest IEEE half (float16) value, ties to even; overflow → ±Infinity. */
export function roundToFloat16(value: number): number {
  if (!Number.isFinite(value) || value === 0) return value;
  const magnitude = Math.abs(value);
  if (magnitude >= 65520) return Math.sign(value) * Number.POSITIVE_INFINITY;
  const exponent = Math.max(Math.floor(Math.log2(magnitude)), -14);
  const quantum = 2 ** (exponent - 10);
  return Math.sign(value) * roundHalfEven(magnitude / quantum) * quantum;
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
      return floats.map(roundToBfloat16);
    case "float16":
      return floats.map(roundToFloat16);
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
