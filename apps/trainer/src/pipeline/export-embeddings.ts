import { join } from "node:path";
import { columnsToTable, writeParquetFile } from "@tml/data-io";

/** One embedding table to export (row i = entity i). */
export interface ExportTable {
  name: string;
  rows: number;
  dim: number;
  data: Float32Array;
}

/**
 * Writes each table to `<dir>/<name>.parquet`: int64 `id` and a fixed-size float32 list
 * `embedding` (the layout data-io's `readEmbeddingTable` and `tml-data generate ranker
 * --user-embeddings` read). Returns the paths.
 */
export async function exportEmbeddings(
  dir: string,
  tables: readonly ExportTable[],
): Promise<string[]> {
  const paths: string[] = [];
  for (const table of tables) {
    const path = join(dir, `${table.name}.parquet`);
    const ids = BigInt64Array.from({ length: table.rows }, (_, i) => BigInt(i));
    await writeParquetFile(
      path,
      columnsToTable({
        numRows: table.rows,
        columns: {
          id: { dtype: "int64", values: ids, rowLength: 1, nullCount: 0 },
          embedding: { dtype: "float32", values: table.data, rowLength: table.dim, nullCount: 0 },
        },
      }),
      { compression: "zstd" },
    );
    paths.push(path);
  }
  return paths;
}
