import { ConfigError } from "@tml/core";
import type { ColumnBatch, ColumnSpec } from "../arrow/column-batch.js";
import { iterateArrowBatches } from "../arrow/ipc-files.js";
import { sliceRows } from "../arrow/slice-rows.js";
import { countParquetRows, iterateParquetBatches } from "../parquet/read-parquet.js";
import type { ParseExamplesOptions } from "../tfrecord/parse-examples.js";
import { iterateTfRecordBatches } from "../tfrecord/read-tfrecord.js";
import type { TfRecordCompression } from "../tfrecord/tfrecord-reader.js";

/** File formats a dataset can read. */
export type DatasetFormat = "parquet" | "tfrecord" | "arrow";

/** How to read one file of a dataset. */
export interface FileReadOptions {
  format?: DatasetFormat;
  /** Columns to read (Parquet, Arrow). */
  columns?: string[];
  /** Expected dtype / row length / null default per column (Parquet, Arrow). */
  specs?: Record<string, ColumnSpec>;
  /** Segdense schema, features and renames (TFRecord). */
  tfrecord?: Omit<ParseExamplesOptions, "file" | "firstRecord"> & {
    compression?: TfRecordCompression;
  };
  /** Records per chunk for TFRecord files (default 4096); Parquet chunks are row groups. */
  chunkRows?: number;
}

/** The format of `path` from its extension, or `format` when given. */
export function fileFormat(path: string, format?: DatasetFormat): DatasetFormat {
  if (format !== undefined) return format;
  if (/\.(parquet|pq)$/i.test(path)) return "parquet";
  if (/\.(tfrecords?|tfrecord\.gz|tfrecords\.gz|gz)$/i.test(path)) return "tfrecord";
  if (/\.(arrow|arrows|feather|ipc)$/i.test(path)) return "arrow";
  throw new ConfigError(
    `Cannot tell the format of ${path} from its extension; set format to parquet, tfrecord or arrow.`,
    {
      details: { key: "format", file: path },
    },
  );
}

/**
 * Row chunks of one file, after skipping `skipRows` rows (Parquet skips whole row groups without
 * reading them). No read-ahead inside the file: the dataset prefetches across files.
 */
export async function* fileChunks(
  path: string,
  options: FileReadOptions,
  skipRows: number,
): AsyncGenerator<ColumnBatch> {
  const format = fileFormat(path, options.format);
  if (format === "parquet") {
    yield* iterateParquetBatches(path, {
      columns: options.columns,
      specs: options.specs,
      skipRows,
      prefetch: false,
    });
    return;
  }
  let source: AsyncIterable<ColumnBatch>;
  if (format === "arrow") {
    source = iterateArrowBatches(path, { columns: options.columns, specs: options.specs });
  } else {
    if (options.tfrecord === undefined) {
      throw new ConfigError(
        `${path} is TFRecord: give the dataset a tfrecord.schema (segdense) to parse it.`,
        {
          details: { key: "tfrecord", file: path },
        },
      );
    }
    source = iterateTfRecordBatches(path, {
      ...options.tfrecord,
      batchRows: options.chunkRows ?? 4096,
    });
  }
  let skip = skipRows;
  for await (const chunk of source) {
    if (skip >= chunk.numRows) {
      skip -= chunk.numRows;
      continue;
    }
    yield skip > 0 ? sliceRows(chunk, skip, chunk.numRows) : chunk;
    skip = 0;
  }
}

/** Rows in a file when they can be counted without reading it (Parquet footers), else undefined. */
export async function cheapRowCount(
  path: string,
  options: FileReadOptions,
): Promise<number | undefined> {
  return fileFormat(path, options.format) === "parquet" ? countParquetRows(path) : undefined;
}
