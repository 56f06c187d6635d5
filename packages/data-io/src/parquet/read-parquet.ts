import * as arrow from "apache-arrow";
import type { ColumnBatch, ColumnSpec } from "../arrow/column-batch.js";
import { sliceRows } from "../arrow/slice-rows.js";
import { recordBatchToColumns } from "../arrow/to-columns.js";
import { ParquetReader, withParquetReader } from "./parquet-reader.js";

/** Options of `readParquetFile`. */
export interface ReadParquetOptions {
  /** Top-level columns to read (default: all); a name the file lacks is a DataError. */
  columns?: string[];
}

/** Reads a whole Parquet file (or the named columns) into an Arrow table, one batch per row group. */
export async function readParquetFile(
  path: string,
  options: ReadParquetOptions = {},
): Promise<arrow.Table> {
  return withParquetReader(path, async (reader) => {
    const schema = reader.projectSchema(options.columns);
    const batches: arrow.RecordBatch[] = [];
    for (let group = 0; group < reader.numRowGroups; group++) {
      batches.push(...(await reader.readRowGroup(group, options.columns)));
    }
    return batches.length === 0 ? new arrow.Table(schema) : new arrow.Table(batches);
  });
}

/** The Arrow schema of a Parquet file, read from its footer alone. */
export async function readParquetSchema(path: string): Promise<arrow.Schema> {
  return withParquetReader(path, async (reader) => reader.schema);
}

/** Number of rows in a Parquet file, read from its footer alone. */
export async function countParquetRows(path: string): Promise<number> {
  return withParquetReader(path, async (reader) => reader.numRows);
}

/** Options of `iterateParquetBatches`. */
export interface ParquetBatchOptions {
  /** Top-level columns to read (default: all). */
  columns?: string[];
  /** Maximum rows per batch (default: a whole row group). Batches never span row groups. */
  batchRows?: number;
  /** Expected dtype / row length / null default per column; a mismatch is a DataError. */
  specs?: Record<string, ColumnSpec>;
  /** Skip this many rows first; whole row groups are skipped without being read. */
  skipRows?: number;
  /** Read the next row group while the consumer works on the current one (default true). */
  prefetch?: boolean;
}

/**
 * Streams a Parquet file as typed-array column batches, one row group in memory at a time (the
 * next row group is read while the consumer works on the current one). Batches hold at most
 * `batchRows` rows and never span row groups, so the last batch of each row group may be shorter.
 */
export async function* iterateParquetBatches(
  path: string,
  options: ParquetBatchOptions = {},
): AsyncGenerator<ColumnBatch> {
  const reader = await ParquetReader.open(path);
  try {
    reader.projectSchema(options.columns);
    let skip = options.skipRows ?? 0;
    let firstRow = 0;
    let start = 0;
    while (start < reader.numRowGroups && skip >= reader.rowGroupRows[start]!) {
      skip -= reader.rowGroupRows[start]!;
      firstRow += reader.rowGroupRows[start]!;
      start++;
    }
    const read = (group: number) =>
      group < reader.numRowGroups ? reader.readRowGroup(group, options.columns) : undefined;
    const prefetch = options.prefetch ?? true;
    let pending = read(start);
    for (let group = start; pending !== undefined; group++) {
      const batches = await pending;
      pending = prefetch ? read(group + 1) : undefined;
      // Keep a failed prefetch from surfacing as an unhandled rejection if the consumer stops early.
      pending?.catch(() => undefined);
      for (const batch of batches) {
        let columns = recordBatchToColumns(batch, {
          specs: options.specs,
          source: { file: path, part: group, firstRow },
        });
        firstRow += batch.numRows;
        if (skip > 0) {
          const skipped = Math.min(skip, columns.numRows);
          columns = sliceRows(columns, skipped, columns.numRows);
          skip -= skipped;
        }
        yield* sliceBatch(columns, options.batchRows ?? Math.max(1, columns.numRows));
      }
      if (!prefetch) pending = read(group + 1);
    }
  } finally {
    await reader.close();
  }
}

function* sliceBatch(batch: ColumnBatch, batchRows: number): Generator<ColumnBatch> {
  if (batchRows >= batch.numRows) {
    if (batch.numRows > 0) yield batch;
    return;
  }
  for (let start = 0; start < batch.numRows; start += batchRows) {
    yield sliceRows(batch, start, Math.min(batch.numRows, start + batchRows));
  }
}
