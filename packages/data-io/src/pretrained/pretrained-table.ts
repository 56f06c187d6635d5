import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { DataError, NotFoundError } from "@tml/core";
import * as arrow from "apache-arrow";
import { readParquetFile } from "../parquet/read-parquet.js";
import { readSafetensorsTensor } from "../safetensors/safetensors.js";

/** A 2-D float table read from a file: row `r` is `values[r * dim .. (r + 1) * dim)`. */
export interface PretrainedTable {
  readonly rows: number;
  readonly dim: number;
  readonly values: Float32Array;
}

/** Columns of an embedding export (TwHIN's `export/<name>-<part>.parquet`). */
export const EMBEDDING_EXPORT_COLUMNS = {
  type: "entity_type",
  id: "id",
  vector: "embedding",
} as const;

/**
 * Reads the 2-D float table `name` from `uri`:
 * - `*.safetensors`: the tensor `name` (F32, F16 or BF16; half precision decodes exactly);
 * - a folder: the embedding export parts `<name>-<part>.parquet` (columns entity_type, id,
 *   embedding: a fixed-size list of float32), as TwHIN's `export` writes them;
 * - `*.parquet`: the rows of one such file whose entity_type is `name`.
 * Export rows are placed by id and must cover ids 0..rows-1 exactly once. A missing file is a
 * NotFoundError; a missing name, another dtype or shape, or a malformed file is a DataError that
 * names the file and the table.
 */
export async function readPretrainedTable(uri: string, name: string): Promise<PretrainedTable> {
  let isFolder: boolean;
  try {
    isFolder = statSync(uri).isDirectory();
  } catch (cause) {
    throw new NotFoundError(`pretrained table file ${uri} does not exist; check the path`, {
      cause,
    });
  }
  if (isFolder) return readExportFolder(uri, name);
  if (uri.endsWith(".safetensors")) return readSafetensorsTable(uri, name);
  if (uri.endsWith(".parquet")) return readExportFiles([uri], name, uri);
  throw new DataError(
    `${uri}: a pretrained table is read from a .safetensors file, a .parquet embedding export or an export folder`,
    { details: { file: uri, table: name } },
  );
}

function readSafetensorsTable(path: string, name: string): PretrainedTable {
  const tensor = readSafetensorsTensor(path, name);
  if (tensor.dtype !== "F32" && tensor.dtype !== "F16" && tensor.dtype !== "BF16") {
    throw new DataError(
      `${path}: tensor "${name}" has dtype ${tensor.dtype}; a pretrained table must be F32, F16 or BF16`,
      { details: { file: path, table: name } },
    );
  }
  if (tensor.shape.length !== 2) {
    throw new DataError(
      `${path}: tensor "${name}" has shape [${tensor.shape.join(", ")}]; a pretrained table is 2-D (rows x dim)`,
      { details: { file: path, table: name } },
    );
  }
  const [rows, dim] = tensor.shape as [number, number];
  return { rows, dim, values: tensor.values as Float32Array };
}

function readExportFolder(folder: string, name: string): Promise<PretrainedTable> {
  const pattern = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-\\d+\\.parquet$`);
  const files = readdirSync(folder)
    .filter((file) => pattern.test(file))
    .sort()
    .map((file) => join(folder, file));
  if (files.length === 0) {
    throw new DataError(
      `${folder} holds no export parts ${name}-<part>.parquet for table "${name}"`,
      {
        details: { file: folder, table: name },
      },
    );
  }
  return readExportFiles(files, name, folder);
}

/** Rows of one export chunk: `ids[i]`'s vector is `vectors[i * dim ..]`. */
interface ExportChunk {
  ids: Int32Array;
  vectors: Float32Array;
}

async function readExportFiles(
  files: readonly string[],
  name: string,
  source: string,
): Promise<PretrainedTable> {
  const chunks: ExportChunk[] = [];
  let dim = -1;
  for (const file of files) {
    const table = await readParquetFile(file);
    const types = table.getChild(EMBEDDING_EXPORT_COLUMNS.type);
    const ids = table.getChild(EMBEDDING_EXPORT_COLUMNS.id);
    const vectors = table.getChild(EMBEDDING_EXPORT_COLUMNS.vector);
    const listType = vectors?.type;
    if (
      !types ||
      !ids ||
      !(listType instanceof arrow.FixedSizeList) ||
      !(listType.children[0]?.type instanceof arrow.Float32)
    ) {
      throw new DataError(
        `${file} is not an embedding export (columns entity_type, id, embedding: fixed-size list of float32); reading table "${name}"`,
        { details: { file, table: name } },
      );
    }
    if (dim >= 0 && listType.listSize !== dim) {
      throw new DataError(
        `${file}: table "${name}" has dim ${listType.listSize} here and ${dim} in an earlier part`,
        { details: { file, table: name } },
      );
    }
    dim = listType.listSize;
    const flat = flatVectors(vectors as arrow.Vector<arrow.FixedSizeList<arrow.Float32>>, dim);
    const selected: number[] = [];
    for (let row = 0; row < table.numRows; row++) {
      if (types.get(row) === name) selected.push(row);
    }
    const chunk: ExportChunk = {
      ids: new Int32Array(selected.length),
      vectors: new Float32Array(selected.length * dim),
    };
    selected.forEach((row, i) => {
      chunk.ids[i] = Number(ids.get(row));
      chunk.vectors.set(flat.subarray(row * dim, (row + 1) * dim), i * dim);
    });
    chunks.push(chunk);
  }
  return placeById(chunks, Math.max(dim, 0), name, source);
}

/** The float32 values of a fixed-size-list column, row-major, without copying where possible. */
function flatVectors(
  vectors: arrow.Vector<arrow.FixedSizeList<arrow.Float32>>,
  dim: number,
): Float32Array {
  if (vectors.data.length === 1) {
    const data = vectors.data[0]!;
    const child = data.children[0]!;
    const start = child.offset + data.offset * dim;
    return (child.values as Float32Array).subarray(start, start + data.length * dim);
  }
  const flat = new Float32Array(vectors.length * dim);
  let at = 0;
  for (const data of vectors.data) {
    const child = data.children[0]!;
    const start = child.offset + data.offset * dim;
    flat.set((child.values as Float32Array).subarray(start, start + data.length * dim), at * dim);
    at += data.length;
  }
  return flat;
}

function placeById(
  chunks: readonly ExportChunk[],
  dim: number,
  name: string,
  source: string,
): PretrainedTable {
  const rows = chunks.reduce((total, chunk) => total + chunk.ids.length, 0);
  if (rows === 0) {
    throw new DataError(`${source} holds no rows of table "${name}"`, {
      details: { file: source, table: name },
    });
  }
  const values = new Float32Array(rows * dim);
  const seen = new Uint8Array(rows);
  for (const chunk of chunks) {
    for (let i = 0; i < chunk.ids.length; i++) {
      const id = chunk.ids[i] as number;
      if (!(id >= 0 && id < rows) || seen[id]) {
        throw new DataError(
          `${source}: table "${name}" has ${rows} rows but id ${id} is ${seen[id] ? "repeated" : "out of range"}; ids must be 0..${rows - 1}, each once`,
          { details: { file: source, table: name } },
        );
      }
      seen[id] = 1;
      values.set(chunk.vectors.subarray(i * dim, (i + 1) * dim), id * dim);
    }
  }
  return { rows, dim, values };
}
