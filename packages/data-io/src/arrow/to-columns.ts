import { DataError } from "@tml/core";
import * as arrow from "apache-arrow";
import {
  type BatchSource,
  type Column,
  type ColumnBatch,
  type ColumnDType,
  type ColumnSpec,
  type ColumnValues,
  describeColumnType,
} from "./column-batch.js";

/** Options of `recordBatchToColumns`. */
export interface ToColumnsOptions {
  /** Expected type, row length and null default per column; other columns are read as found. */
  specs?: Record<string, ColumnSpec>;
  /** File and position, named in errors and attached to the batch. */
  source?: BatchSource;
}

/**
 * Converts an Arrow record batch into typed-array columns. Float, int and bool columns, fixed-size
 * lists and variable lists of them are supported; int8/16 and uint8/16 widen to int32, uint32 and
 * uint64 to int64 (checked). Nulls (rows and list elements) become the column's declared default
 * and are counted in `nullCount`. Values are copied only when a conversion or an imputation needs it.
 */
export function recordBatchToColumns(
  batch: arrow.RecordBatch,
  options: ToColumnsOptions = {},
): ColumnBatch {
  const columns: Record<string, Column> = {};
  batch.schema.fields.forEach((field, index) => {
    const data = batch.getChildAt(index)?.data[0];
    if (data === undefined) return;
    const context = columnContext(field.name, options.source);
    const spec = options.specs?.[field.name];
    columns[field.name] = checkSpec(dataToColumn(data, spec, context), spec, context);
  });
  const result: ColumnBatch = { numRows: batch.numRows, columns };
  if (options.source) result.source = options.source;
  return result;
}

interface Context {
  column: string;
  /** File row of the batch's first row, so errors name file rows. */
  firstRow: number;
  file: string | undefined;
  where: string;
}

function columnContext(column: string, source: BatchSource | undefined): Context {
  const where = source ? ` of ${source.file}` : "";
  return {
    column,
    file: source?.file,
    firstRow: source?.firstRow ?? 0,
    where: `column "${column}"${where}`,
  };
}

function fail(context: Context, problem: string): never {
  throw new DataError(`${context.where}: ${problem}`, {
    details: { column: context.column, file: context.file },
  });
}

function checkSpec(column: Column, spec: ColumnSpec | undefined, context: Context): Column {
  if (spec === undefined) return column;
  const wantedLength = spec.rowLength;
  // Writers without fixed-size lists (DuckDB arrays, pyarrow lists) store embeddings as variable
  // lists: accept them when every row has the declared length.
  if (wantedLength !== undefined && wantedLength >= 1 && column.rowLength === -1) {
    column = fixedFromVariable(column, wantedLength, context);
  }
  const dtypeOk = spec.dtype === undefined || spec.dtype === column.dtype;
  const lengthOk = wantedLength === undefined || wantedLength === column.rowLength;
  if (dtypeOk && lengthOk) return column;
  const found = describeColumnType(column.dtype, column.rowLength);
  const wanted = describeColumnType(spec.dtype ?? column.dtype, wantedLength ?? column.rowLength);
  fail(context, `holds ${found}, expected ${wanted}; fix the file or the declared schema.`);
}

function fixedFromVariable(column: Column, rowLength: number, context: Context): Column {
  const offsets = column.offsets!;
  for (let row = 0; row + 1 < offsets.length; row++) {
    const length = offsets[row + 1]! - offsets[row]!;
    if (length !== rowLength) {
      fail(
        context,
        `row ${context.firstRow + row} has ${length} values, expected ${rowLength}; fix the file or the declared length.`,
      );
    }
  }
  return { dtype: column.dtype, values: column.values, rowLength, nullCount: column.nullCount };
}

function dataToColumn(data: arrow.Data, spec: ColumnSpec | undefined, context: Context): Column {
  const type = data.type;
  if (arrow.DataType.isFixedSizeList(type)) {
    const rowLength = type.listSize;
    const child = data.children[0]!;
    if (child === undefined || child.length < data.length * rowLength) {
      fail(
        context,
        `a fixed-size list of ${data.length} rows × ${rowLength} has fewer values stored (corrupt file?).`,
      );
    }
    const leaf = leafValues(child, spec, context, data.length * rowLength);
    let nullCount = leaf.nullCount;
    if (data.nullCount > 0) {
      if (leaf.values.buffer === (child.values as ColumnValues).buffer) {
        leaf.values = leaf.values.slice();
      }
      for (let row = 0; row < data.length; row++) {
        if (isValid(data, row)) continue;
        leaf.values.fill(leaf.fill as never, row * rowLength, (row + 1) * rowLength);
        nullCount += rowLength;
      }
    }
    return { dtype: leaf.dtype, values: leaf.values, rowLength, nullCount };
  }
  if (arrow.DataType.isList(type) || arrow.DataType.isLargeList(type)) {
    const rawOffsets = data.valueOffsets as Int32Array | BigInt64Array;
    const child = data.children[0]!;
    if (rawOffsets === undefined || rawOffsets.length < data.length + 1)
      fail(context, "list offsets are missing or short (corrupt file?).");
    const base = Number(rawOffsets[0]);
    const end = Number(rawOffsets[data.length]);
    const offsets = new Int32Array(data.length + 1);
    for (let row = 0; row <= data.length; row++) {
      offsets[row] = Number(rawOffsets[row]) - base;
      if (
        offsets[row]! < (row === 0 ? 0 : offsets[row - 1]!) ||
        Number(rawOffsets[row]) > child.length
      ) {
        fail(
          context,
          `list offsets are out of order or past the values at row ${context.firstRow + row} (corrupt file?).`,
        );
      }
    }
    const leaf = leafValues(child.slice(base, end - base), spec, context, end - base);
    // A null list row reads as an empty list, like a missing variable-length feature.
    return {
      dtype: leaf.dtype,
      values: leaf.values,
      rowLength: -1,
      offsets,
      nullCount: leaf.nullCount + data.nullCount,
    };
  }
  const leaf = leafValues(data, spec, context, data.length);
  return { dtype: leaf.dtype, values: leaf.values, rowLength: 1, nullCount: leaf.nullCount };
}

interface Leaf {
  dtype: ColumnDType;
  values: ColumnValues;
  nullCount: number;
  fill: number | bigint;
}

function leafValues(
  data: arrow.Data,
  spec: ColumnSpec | undefined,
  context: Context,
  expectedLength: number,
): Leaf {
  const type = data.type;
  const length = Math.min(data.length, expectedLength);
  const stored = arrow.DataType.isBool(type)
    ? ((data.values as Uint8Array)?.length ?? 0) * 8 - data.offset
    : ((data.values as ColumnValues | undefined)?.length ?? 0);
  if (length > 0 && stored < length)
    fail(
      context,
      `holds ${length} values but only ${Math.max(0, stored)} are stored (corrupt file?).`,
    );
  let dtype: ColumnDType;
  let values: ColumnValues;
  if (arrow.DataType.isFloat(type)) {
    if (type.precision === arrow.Precision.HALF)
      fail(context, "float16 is not supported; store float32.");
    dtype = type.precision === arrow.Precision.SINGLE ? "float32" : "float64";
    values = (data.values as Float32Array | Float64Array).subarray(0, length);
  } else if (arrow.DataType.isInt(type)) {
    ({ dtype, values } = intValues(data, type, length, context));
  } else if (arrow.DataType.isBool(type)) {
    dtype = "bool";
    values = new Uint8Array(length);
    const bits = data.values as Uint8Array;
    for (let i = 0; i < length; i++) {
      const bit = data.offset + i;
      values[i] = (bits[bit >> 3]! >> (bit & 7)) & 1;
    }
  } else {
    fail(
      context,
      `Arrow type ${String(type)} is not supported; use float, int, bool or lists of them.`,
    );
  }
  const fill = defaultFor(dtype, spec?.defaultValue, context);
  const nullCount = data.nullCount;
  if (nullCount > 0) {
    if (values.buffer === (data.values as ColumnValues).buffer) values = values.slice();
    for (let i = 0; i < length; i++) {
      if (!isValid(data, i)) (values as { [index: number]: number | bigint })[i] = fill;
    }
  }
  return { dtype, values, nullCount, fill };
}

function intValues(
  data: arrow.Data,
  type: arrow.Int,
  length: number,
  context: Context,
): { dtype: ColumnDType; values: ColumnValues } {
  const source = data.values as
    | Int8Array
    | Int16Array
    | Int32Array
    | Uint8Array
    | Uint16Array
    | Uint32Array
    | BigInt64Array
    | BigUint64Array;
  if (type.bitWidth === 32 && type.isSigned) {
    return { dtype: "int32", values: (source as Int32Array).subarray(0, length) };
  }
  if (type.bitWidth === 64 && type.isSigned) {
    return { dtype: "int64", values: (source as BigInt64Array).subarray(0, length) };
  }
  if (type.bitWidth < 32) {
    const values = new Int32Array(length);
    for (let i = 0; i < length; i++) values[i] = source[i] as number;
    return { dtype: "int32", values };
  }
  const values = new BigInt64Array(length);
  for (let i = 0; i < length; i++) {
    const value = BigInt(source[i]!);
    if (value > 0x7fffffffffffffffn && isValid(data, i)) {
      fail(context, `row ${context.firstRow + i} holds ${value}, which does not fit in int64.`);
    }
    values[i] = value;
  }
  return { dtype: "int64", values };
}

function defaultFor(
  dtype: ColumnDType,
  declared: number | bigint | boolean | undefined,
  context: Context,
): number | bigint {
  const value = declared === undefined ? 0 : declared;
  if (dtype === "int64") {
    if (typeof value === "bigint") return value;
    const number = Number(value);
    if (!Number.isSafeInteger(number)) fail(context, `default ${value} is not an integer.`);
    return BigInt(number);
  }
  return typeof value === "bigint" ? Number(value) : Number(value);
}

function isValid(data: arrow.Data, index: number): boolean {
  const bitmap = data.nullBitmap;
  if (bitmap === undefined || bitmap.length === 0) return true;
  const bit = data.offset + index;
  return ((bitmap[bit >> 3]! >> (bit & 7)) & 1) === 1;
}
