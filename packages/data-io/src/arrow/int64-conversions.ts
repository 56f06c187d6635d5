import { DataError } from "@tml/core";

/** Names the data being converted, for error messages. */
export interface ConversionContext {
  column: string;
  file?: string;
  /** File row of `values[0]` (default 0), so errors name file rows. */
  firstRow?: number;
  /** Values per row (default 1), so an error names the row of a list element. */
  rowLength?: number;
}

function fail(context: ConversionContext, index: number, value: bigint, target: string): never {
  const width = context.rowLength ?? 1;
  const row = (context.firstRow ?? 0) + Math.floor(index / width);
  const where = context.file === undefined ? "" : ` of ${context.file}`;
  throw new DataError(
    `column "${context.column}"${where}: row ${row} holds ${value}, which does not fit ${target}; remap the ids or use a wider type.`,
    { details: { column: context.column, file: context.file, row } },
  );
}

// Reads the halves through an Int32Array view: no BigInt per element on the fast path.
function halves(values: BigInt64Array): Int32Array {
  return new Int32Array(values.buffer, values.byteOffset, values.length * 2);
}

/**
 * Converts int64 ids to int32, checked: a value outside [0, maxExclusive) (default: the int32
 * range) is a DataError naming the column, file and row.
 */
export function int64ToInt32(
  values: BigInt64Array,
  context: ConversionContext & { maxExclusive?: number },
): Int32Array {
  const out = new Int32Array(values.length);
  const words = halves(values);
  const limit = context.maxExclusive;
  for (let i = 0; i < values.length; i++) {
    const low = words[2 * i]!;
    if (words[2 * i + 1] !== low >> 31) fail(context, i, values[i]!, "in int32");
    if (limit !== undefined && (low < 0 || low >= limit))
      fail(context, i, values[i]!, `in [0, ${limit})`);
    out[i] = low;
  }
  return out;
}

/**
 * Converts int64 values to float64 numbers, checked: a magnitude above 2^53 − 1 (where float64
 * stops being exact) is a DataError naming the column, file and row.
 */
export function int64ToNumbers(values: BigInt64Array, context: ConversionContext): Float64Array {
  const out = new Float64Array(values.length);
  const words = halves(values);
  for (let i = 0; i < values.length; i++) {
    const value = words[2 * i + 1]! * 4294967296 + (words[2 * i]! >>> 0);
    if (!Number.isSafeInteger(value))
      fail(context, i, values[i]!, "in a double exactly (|x| ≤ 2^53 − 1)");
    out[i] = value;
  }
  return out;
}
