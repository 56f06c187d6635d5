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

/**
 * Writes int64 values as numbers without creating BigInts: value = high × 2³² + unsigned low
 * (little-endian words), the same correctly rounded result as `Number(bigint)`.
 */
function int64ToNumbers(
  values: BigInt64Array | BigUint64Array,
  out: Float64Array | Float32Array,
): void {
  const words = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
  const signed = values instanceof BigInt64Array;
  for (let i = 0; i < values.length; i++) {
    const high = words[2 * i + 1] as number;
    out[i] = (signed ? high : high >>> 0) * 4294967296 + ((words[2 * i] as number) >>> 0);
  }
}

/** Copies a column to float64 numbers (int64 values converted exactly up to 2⁵³). */
export function toFloat64(values: FeatureValues): Float64Array {
  const out = new Float64Array(values.length);
  if (values instanceof BigInt64Array || values instanceof BigUint64Array)
    int64ToNumbers(values, out);
  else out.set(values);
  return out;
}

/** The float32 view of a column, copying only when the stored type differs. */
export function toFloat32(values: FeatureValues): Float32Array {
  if (values instanceof Float32Array) return values;
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    return Float32Array.from(toFloat64(values));
  }
  return Float32Array.from(values);
}

/** The int32 view of a column (int64 values wrap to their low 32 bits, as a hashed id would). */
export function toInt32(values: FeatureValues): Int32Array {
  if (values instanceof Int32Array) return values;
  const out = new Int32Array(values.length);
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    const words = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
    for (let i = 0; i < values.length; i++) out[i] = words[2 * i] as number;
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
