import { ConfigError, DataError } from "@tml/core";
import * as arrow from "apache-arrow";
import * as parquetWasm from "parquet-wasm";
import { streamFileAtomic } from "../arrow/local-files.js";

/** Options of `writeParquetFile`. */
export interface WriteParquetOptions {
  /** Page compression (default "snappy"). */
  compression?: "snappy" | "zstd" | "uncompressed";
  /** Maximum rows per row group (default: about 64 MiB of values per row group, 1024..1M rows). */
  rowGroupSize?: number;
  /**
   * Dictionary-encode top-level int, bool and string columns (default true). Float columns and
   * lists never are.
   */
  dictionary?: boolean;
}

const COMPRESSION = {
  snappy: parquetWasm.Compression.SNAPPY,
  zstd: parquetWasm.Compression.ZSTD,
  uncompressed: parquetWasm.Compression.UNCOMPRESSED,
} as const;

const TARGET_ROW_GROUP_BYTES = 64 * 1024 * 1024;

/**
 * Writes an Arrow table to a Parquet file atomically (a temporary file beside `path`, renamed when
 * complete; nothing is left behind on failure). Float columns are never dictionary-encoded (random
 * floats gain nothing and it slows both directions).
 */
export async function writeParquetFile(
  path: string,
  table: arrow.Table,
  options: WriteParquetOptions = {},
): Promise<void> {
  const rowGroupSize = options.rowGroupSize ?? defaultRowGroupSize(table);
  if (!Number.isInteger(rowGroupSize) || rowGroupSize < 1) {
    throw new ConfigError(
      `rowGroupSize must be a positive integer, got ${rowGroupSize} (writing ${path}).`,
      { details: { file: path, key: "rowGroupSize" } },
    );
  }
  const bytes = encodeParquet(path, table, { ...options, rowGroupSize });
  await streamFileAtomic(path, async (handle) => {
    await handle.writeFile(bytes);
  });
}

function encodeParquet(
  path: string,
  table: arrow.Table,
  options: WriteParquetOptions & { rowGroupSize: number },
): Uint8Array {
  // parquet-wasm names a column by one path part, so only top-level columns can be configured:
  // dictionary is off by default and turned on for top-level non-float scalars (nested lists,
  // float or not, stay plain).
  let builder = new parquetWasm.WriterPropertiesBuilder()
    .setCompression(COMPRESSION[options.compression ?? "snappy"])
    .setMaxRowGroupSize(options.rowGroupSize)
    .setDictionaryEnabled(false)
    .setCreatedBy("tml-ts @tml/data-io (parquet-wasm)");
  if (options.dictionary ?? true) {
    for (const field of table.schema.fields) {
      if (isDictionaryCandidate(field.type)) {
        builder = builder.setColumnDictionaryEnabled(field.name, true);
      }
    }
  }
  const properties = builder.build();
  try {
    const wasmTable = parquetWasm.Table.fromIPCStream(arrow.tableToIPC(table, "stream"));
    return parquetWasm.writeParquet(wasmTable, properties);
  } catch (error) {
    throw new DataError(`Cannot encode ${path} as Parquet: ${(error as Error).message ?? error}.`, {
      cause: error,
      details: { file: path },
    });
  }
}

function isDictionaryCandidate(type: arrow.DataType): boolean {
  return (
    arrow.DataType.isInt(type) ||
    arrow.DataType.isUtf8(type) ||
    arrow.DataType.isBinary(type) ||
    arrow.DataType.isBool(type)
  );
}

function defaultRowGroupSize(table: arrow.Table): number {
  const bytesPerRow = table.numRows === 0 ? 1 : Math.max(1, tableBytes(table) / table.numRows);
  return Math.min(1 << 20, Math.max(1024, Math.floor(TARGET_ROW_GROUP_BYTES / bytesPerRow)));
}

function tableBytes(table: arrow.Table): number {
  let total = 0;
  for (const batch of table.batches) {
    for (const child of batch.data.children) total += dataBytes(child);
  }
  return total;
}

function dataBytes(data: arrow.Data): number {
  let total = (data.values?.byteLength ?? 0) + (data.valueOffsets?.byteLength ?? 0);
  for (const child of data.children) total += dataBytes(child);
  return total;
}
