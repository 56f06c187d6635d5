import { DataError } from "@tml/core";

/** Element type of a column's values once read into a typed array. */
export type ColumnDType = "float32" | "float64" | "int32" | "int64" | "bool";

/** The typed array behind each `ColumnDType` (bool is one byte per value, 0 or 1). */
export interface ColumnArrayTypes {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  int64: BigInt64Array;
  bool: Uint8Array;
}

/** Any column's flat values. */
export type ColumnValues = ColumnArrayTypes[ColumnDType];

/**
 * One column of a batch as a flat typed array.
 * - scalar (`rowLength` 1): `values[row]`;
 * - fixed-size list (`rowLength` k > 1, e.g. a 200-float embedding): row r is
 *   `values[r * k .. r * k + k)`;
 * - variable list (`rowLength` -1): row r is `values[offsets[r] .. offsets[r + 1])`, `offsets` has
 *   numRows + 1 entries and starts at 0.
 */
export interface Column<D extends ColumnDType = ColumnDType> {
  dtype: D;
  values: ColumnArrayTypes[D];
  /** Values per row: 1 for scalars, k for fixed-size lists, -1 for variable lists. */
  rowLength: number;
  /** Row boundaries into `values` (numRows + 1 entries) when `rowLength` is -1. */
  offsets?: Int32Array;
  /**
   * Nulls found in the source and replaced by the column's declared default. Counted per chunk
   * read (row group, record batch) and carried by the first batch cut from it, so the sum over an
   * read is the file's total (shuffled batches carry the counts of the chunks read so far).
   */
  nullCount: number;
}

/** Where a batch came from, for error messages and resume bookkeeping. */
export interface BatchSource {
  file: string;
  /** Row group (Parquet) or record batch (Arrow) index inside the file, when there is one. */
  part?: number;
  /** Index of the batch's first row inside the file. */
  firstRow: number;
}

/** A batch of rows as named typed-array columns, every column `numRows` rows long. */
export interface ColumnBatch {
  numRows: number;
  columns: Record<string, Column>;
  /** The file the rows were read from; absent for batches assembled from several files. */
  source?: BatchSource;
}

/** Declared expectations for one column: element type, values per row, default for nulls. */
export interface ColumnSpec {
  dtype?: ColumnDType;
  /** 1 for scalars, k for fixed-size lists, -1 for variable lists; checked when given. */
  rowLength?: number;
  /** Value that replaces nulls (default 0 / false). */
  defaultValue?: number | bigint | boolean;
}

/** Allocates an empty typed array for `dtype`. */
export function allocateValues<D extends ColumnDType>(
  dtype: D,
  length: number,
): ColumnArrayTypes[D] {
  switch (dtype) {
    case "float32":
      return new Float32Array(length) as ColumnArrayTypes[D];
    case "float64":
      return new Float64Array(length) as ColumnArrayTypes[D];
    case "int32":
      return new Int32Array(length) as ColumnArrayTypes[D];
    case "int64":
      return new BigInt64Array(length) as ColumnArrayTypes[D];
    default:
      return new Uint8Array(length) as ColumnArrayTypes[D];
  }
}

/**
 * The column `name` of `batch` with element type `dtype`, or a DataError naming the column, the
 * file and what was found instead.
 */
export function getColumn<D extends ColumnDType>(
  batch: ColumnBatch,
  name: string,
  dtype: D,
): Column<D> {
  const column = batch.columns[name];
  const where = batch.source ? ` in ${batch.source.file}` : "";
  if (column === undefined) {
    const present = Object.keys(batch.columns).join(", ");
    throw new DataError(`Column "${name}" is missing${where}; the batch has: ${present}.`, {
      details: { column: name, file: batch.source?.file },
    });
  }
  if (column.dtype !== dtype) {
    throw new DataError(
      `Column "${name}"${where} holds ${column.dtype} values, expected ${dtype}; convert the file or fix the schema.`,
      { details: { column: name, file: batch.source?.file } },
    );
  }
  return column as Column<D>;
}

/** Describes a column's type for messages: `float32`, `float32[200]`, `int64[]`. */
export function describeColumnType(dtype: ColumnDType, rowLength: number): string {
  if (rowLength === 1) return dtype;
  return rowLength < 0 ? `${dtype}[]` : `${dtype}[${rowLength}]`;
}
