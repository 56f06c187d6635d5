import { DataError } from "@tml/core";
import * as arrow from "apache-arrow";
import * as parquetWasm from "parquet-wasm";
import { writeFileAtomic } from "../arrow/local-files.js";

/** Options of `writeParquetFile`. */
export interface WriteParquetOptions {
  /** Page compression (default "snappy"). */
  compression?: "snappy" | "zstd" | "uncompressed";
  /** Maximum rows per row group (default: about 64 MiB of values per row group, 1024..1M rows). */
  rowGroupSize?: number;
  /** Dictionary-encode non-float columns (default true); float columns never are. */
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
    throw new DataError(
      `rowGroupSize must be a positive integer, got ${rowGroupSize} (writing ${path}).`,
      {
        details: { file: path },
      },
    );
  }
  const bytes = encodeParquet(path, table, { ...options, rowGroupSize });
  await writeFileAtomic(path, async (handle) => {
    await handle.writeFile(bytes);
  });
}

function encodeParquet(
  path: string,
  table: arrow.Table,
  options: WriteParquetOptions & { rowGroupSize: number },
): Uint8Array {
  let builder = new parquetWasm.WriterPropertiesBuilder()
    .setCompression(COMPRESSION[options.compression ?? "snappy"])
    .setMaxRowGroupSize(options.rowGroupSize)
    .setDictionaryEnabled(options.dictionary ?? true)
    .setCreatedBy("tml-ts @tml/data-io (parquet-wasm)");
  for (const field of table.schema.fields) {
    for (const columnPath of leafPaths(field)) {
      if (columnPath.isFloat) builder = builder.setColumnDictionaryEnabled(columnPath.path, false);
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

// Parquet leaf column paths as the arrow-rs writer names them (`embedding.list.item`).
function leafPaths(field: arrow.Field, prefix = ""): { path: string; isFloat: boolean }[] {
  const type = field.type;
  const name = prefix === "" ? field.name : `${prefix}.${field.name}`;
  if (arrow.DataType.isList(type) || arrow.DataType.isLargeList(type)) {
    return leafPaths(type.children[0]!, `${name}.list`);
  }
  if (arrow.DataType.isFixedSizeList(type)) return leafPaths(type.children[0]!, `${name}.list`);
  if (arrow.DataType.isStruct(type))
    return type.children.flatMap((child) => leafPaths(child, name));
  return [{ path: name, isFloat: arrow.DataType.isFloat(type) }];
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
