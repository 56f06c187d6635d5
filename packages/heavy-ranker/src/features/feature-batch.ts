import { DataError } from "@tml/core";

/** Typed arrays a feature column may hold (int64 data arrives as BigInt64Array). */
export type FeatureValues =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** One feature for a batch of rows: `values` row-major, `width` values per row (numRows × width). */
export interface FeatureColumn {
  readonly values: FeatureValues;
  readonly width: number;
}

/**
 * A batch of raw examples as typed-array columns keyed by feature name (what data-io's Parquet and
 * TFRecord readers produce, before any tensor exists).
 */
export interface FeatureBatch {
  readonly numRows: number;
  readonly features: ReadonlyMap<string, FeatureColumn>;
}

/** Returns the named column or throws a DataError naming it and the available columns. */
export function requireColumn(batch: FeatureBatch, name: string, context: string): FeatureColumn {
  const column = batch.features.get(name);
  if (!column) {
    throw new DataError(
      `${context}: feature "${name}" is missing from the batch (have: ${[...batch.features.keys()].join(", ")})`,
    );
  }
  if (column.values.length !== batch.numRows * column.width) {
    throw new DataError(
      `${context}: feature "${name}" holds ${column.values.length} values, expected ${batch.numRows} rows × ${column.width}`,
    );
  }
  return column;
}

/** Copies a column to float64 numbers (bigint int64 values converted with Number). */
export function toFloat64(values: FeatureValues): Float64Array {
  const out = new Float64Array(values.length);
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    for (let i = 0; i < values.length; i++) out[i] = Number(values[i]);
  } else {
    out.set(values);
  }
  return out;
}

/** The float32 view of a column, copying only when the stored type differs. */
export function toFloat32(values: FeatureValues): Float32Array {
  if (values instanceof Float32Array) return values;
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    const out = new Float32Array(values.length);
    for (let i = 0; i < values.length; i++) out[i] = Number(values[i]);
    return out;
  }
  return Float32Array.from(values);
}

/** The int32 view of a column (int64 values wrap to their low 32 bits, as a hashed id would). */
export function toInt32(values: FeatureValues): Int32Array {
  if (values instanceof Int32Array) return values;
  const out = new Int32Array(values.length);
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    for (let i = 0; i < values.length; i++) out[i] = Number(BigInt.asIntN(32, values[i] as bigint));
  } else {
    for (let i = 0; i < values.length; i++) out[i] = values[i] as number;
  }
  return out;
}

/** A new batch with some columns replaced or added. */
export function withColumns(
  batch: FeatureBatch,
  replaced: Iterable<[string, FeatureColumn]>,
  numRows = batch.numRows,
): FeatureBatch {
  const features = new Map(batch.features);
  for (const [name, column] of replaced) features.set(name, column);
  return { numRows, features };
}
