import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { DataError, pathInside } from "@tml/core";
import { EMBEDDING_EXPORT_COLUMNS, readParquetFile, writeParquetFile } from "@tml/data-io";
import * as arrow from "apache-arrow";
import type { EmbeddingTable } from "../model/embedding-table.js";

/** Embeddings of one entity type read back from files: `ids[i]`'s vector is `vectors[i*dim ..]`. */
export interface EmbeddingRows {
  ids: Int32Array;
  vectors: Float32Array;
  dim: number;
}

/**
 * Rows [start, end) of a table as an Arrow table: `entity_type` (utf8), `id` (int32),
 * `embedding` (fixed-size list of `dim` float32). The vectors are a view of an fp32 table, a
 * decoded copy of a 16-bit one (exports are float32 whatever the storage).
 */
export function embeddingsToArrow(table: EmbeddingTable, start = 0, end = table.rows): arrow.Table {
  const n = end - start;
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) ids[i] = start + i;
  const values = arrow.makeData({
    type: new arrow.Float32(),
    length: n * table.dim,
    data: table.toFloat32(start, end),
  });
  const listType = new arrow.FixedSizeList(
    table.dim,
    new arrow.Field("item", new arrow.Float32(), false),
  );
  const vectors = arrow.makeData({ type: listType, length: n, nullCount: 0, child: values });
  return new arrow.Table({
    [EMBEDDING_EXPORT_COLUMNS.type]: arrow.vectorFromArray(
      new Array<string>(n).fill(table.name),
      new arrow.Utf8(),
    ),
    [EMBEDDING_EXPORT_COLUMNS.id]: arrow.makeVector(ids),
    [EMBEDDING_EXPORT_COLUMNS.vector]: arrow.makeVector(vectors),
  });
}

/** Options of `writeEmbeddings`. */
export interface WriteEmbeddingsOptions {
  format?: "parquet" | "arrow";
  /** Rows per file (default 1,000,000): big tables are split into parts. */
  rowsPerFile?: number;
}

/**
 * Writes each table to `<outDir>/<type>-<part>.parquet` (or `.arrow` IPC files), each written to
 * a temporary name and renamed; a table name that would leave `outDir` is a ConfigError. Returns
 * the file paths.
 */
export async function writeEmbeddings(
  tables: EmbeddingTable[],
  outDir: string,
  options: WriteEmbeddingsOptions = {},
): Promise<string[]> {
  const format = options.format ?? "parquet";
  const rowsPerFile = options.rowsPerFile ?? 1_000_000;
  mkdirSync(outDir, { recursive: true });
  const files: string[] = [];
  for (const table of tables) {
    for (let start = 0, part = 0; start < table.rows; start += rowsPerFile, part++) {
      const end = Math.min(table.rows, start + rowsPerFile);
      const file = pathInside(outDir, `${table.name}-${String(part).padStart(5, "0")}.${format}`);
      const content = embeddingsToArrow(table, start, end);
      if (format === "parquet") {
        await writeParquetFile(file, content, { dictionary: true });
      } else {
        const temp = `${file}.tmp-${process.pid}`;
        writeFileSync(temp, arrow.tableToIPC(content, "file"));
        renameSync(temp, file);
      }
      files.push(file);
    }
  }
  return files;
}

/** Reads exported embedding files (Parquet or Arrow) back, grouped by entity type. */
export async function readEmbeddings(
  files: readonly string[],
): Promise<Map<string, EmbeddingRows>> {
  const parts = new Map<string, { ids: Int32Array[]; vectors: Float32Array[]; dim: number }>();
  for (const file of files) {
    const table = file.endsWith(".arrow")
      ? arrow.tableFromIPC(readFileSync(file))
      : await readParquetFile(file);
    const types = table.getChild(EMBEDDING_EXPORT_COLUMNS.type);
    const ids = table.getChild(EMBEDDING_EXPORT_COLUMNS.id);
    const vectors = table.getChild(EMBEDDING_EXPORT_COLUMNS.vector);
    if (!types || !ids || !vectors || !(vectors.type instanceof arrow.FixedSizeList)) {
      throw new DataError(
        `${file} is not an embedding export (columns entity_type, id, embedding: fixed-size list).`,
        {
          details: { file },
        },
      );
    }
    const dim = vectors.type.listSize;
    for (let row = 0; row < table.numRows; row++) {
      const name = String(types.get(row));
      let entry = parts.get(name);
      if (!entry) parts.set(name, (entry = { ids: [], vectors: [], dim }));
    }
    // Most files hold one type; split rows by type generally.
    const typeOf = Array.from({ length: table.numRows }, (_, row) => String(types.get(row)));
    const flat = new Float32Array(table.numRows * dim);
    let at = 0;
    for (const data of vectors.data) {
      const child = data.children[0]!;
      const values = (child.values as Float32Array).subarray(
        child.offset + data.offset * dim,
        child.offset + (data.offset + data.length) * dim,
      );
      flat.set(values, at * dim);
      at += data.length;
    }
    const idValues = Int32Array.from(ids.toArray() as ArrayLike<number>, Number);
    for (const [name, entry] of parts) {
      const rows = typeOf.flatMap((type, row) => (type === name ? [row] : []));
      if (rows.length === 0) continue;
      entry.ids.push(Int32Array.from(rows, (row) => idValues[row]!));
      const out = new Float32Array(rows.length * dim);
      rows.forEach((row, i) => {
        out.set(flat.subarray(row * dim, (row + 1) * dim), i * dim);
      });
      entry.vectors.push(out);
    }
  }
  const result = new Map<string, EmbeddingRows>();
  for (const [name, entry] of parts) {
    const count = entry.ids.reduce((n, a) => n + a.length, 0);
    const ids = new Int32Array(count);
    const vectors = new Float32Array(count * entry.dim);
    let at = 0;
    entry.ids.forEach((part, i) => {
      ids.set(part, at);
      vectors.set(entry.vectors[i]!, at * entry.dim);
      at += part.length;
    });
    result.set(name, { ids, vectors, dim: entry.dim });
  }
  return result;
}
