import type { FileHandle } from "node:fs/promises";
import { DataError } from "@tml/core";
import * as arrow from "apache-arrow";
import * as parquetWasm from "parquet-wasm";
import { openInput, readAt } from "../arrow/local-files.js";
import { fileBlob } from "./file-blob.js";
import { wasmCall } from "./wasm-call.js";

const MAGIC = "PAR1";

/**
 * An open Parquet file read one row group at a time: only the footer and the row group being read
 * are in memory. Reads go through parquet-wasm's async reader over positional file reads; results
 * come back as Arrow record batches. Call `close()` when done.
 */
export class ParquetReader {
  private constructor(
    /** The file's path, named in every error. */
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly file: parquetWasm.ParquetFile,
    /** The file's Arrow schema (all columns). */
    readonly schema: arrow.Schema,
    /** Rows in each row group, in file order. */
    readonly rowGroupRows: readonly number[],
  ) {}

  /** Opens `path`: NotFoundError when it is missing, DataError when it is not valid Parquet. */
  static async open(path: string): Promise<ParquetReader> {
    const handle = await openInput(path, "Parquet file");
    try {
      const size = (await handle.stat()).size;
      await checkMagic(handle, size, path);
      const file = await wasmCall(path, "read the footer of", () =>
        parquetWasm.ParquetFile.fromFile(fileBlob(handle, 0, size) as unknown as Blob),
      );
      const schema = await wasmCall(path, "read the schema of", () => {
        const ipc = file.schema().intoIPCStream();
        return arrow.tableFromIPC(ipc).schema;
      });
      const rowGroupRows = await wasmCall(path, "read the row groups of", () => {
        const metadata = file.metadata();
        const rows = metadata.rowGroups().map((group) => {
          const count = group.numRows();
          group.free();
          return count;
        });
        metadata.free();
        return rows;
      });
      return new ParquetReader(path, handle, file, schema, rowGroupRows);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Total rows in the file. */
  get numRows(): number {
    return this.rowGroupRows.reduce((sum, rows) => sum + rows, 0);
  }

  /** Number of row groups. */
  get numRowGroups(): number {
    return this.rowGroupRows.length;
  }

  /**
   * Checks that every name in `columns` is a top-level column of the file and returns the
   * projected schema; DataError naming the file and the missing column otherwise.
   */
  projectSchema(columns?: readonly string[]): arrow.Schema {
    if (columns === undefined) return this.schema;
    const names = new Set(this.schema.fields.map((field) => field.name));
    for (const column of columns) {
      if (!names.has(column)) {
        throw new DataError(
          `Column "${column}" is missing in ${this.path}; the file has: ${[...names].join(", ")}.`,
          { details: { file: this.path, column } },
        );
      }
    }
    return this.schema.select(columns as string[]);
  }

  /** Reads row group `index` (only `columns`, when given) as Arrow record batches. */
  async readRowGroup(index: number, columns?: readonly string[]): Promise<arrow.RecordBatch[]> {
    this.projectSchema(columns);
    const rows = this.rowGroupRows[index];
    if (rows === undefined) {
      throw new DataError(
        `${this.path} has ${this.numRowGroups} row groups; ${index} is out of range.`,
        {
          details: { file: this.path },
        },
      );
    }
    if (rows === 0) return [];
    const options: parquetWasm.ReaderOptions = { rowGroups: [index], batchSize: rows };
    if (columns !== undefined) options.columns = [...columns];
    const table = await wasmCall(this.path, `read row group ${index} of`, () =>
      this.file.read(options),
    );
    return wasmCall(this.path, `decode row group ${index} of`, () => {
      // The projected table's own schema lists every column (parquet-wasm 0.7); its record
      // batches are right, so convert them one by one.
      const parts = table.recordBatches();
      table.free();
      const batches: arrow.RecordBatch[] = [];
      for (const part of parts) {
        for (const batch of arrow.tableFromIPC(part.intoIPCStream()).batches) {
          batches.push(columns === undefined ? batch : inOrder(batch, columns));
        }
      }
      return batches;
    });
  }

  /** Releases the file handle and the wasm-side reader. */
  async close(): Promise<void> {
    this.file.free();
    await this.handle.close();
  }
}

async function checkMagic(handle: FileHandle, size: number, path: string): Promise<void> {
  const decoder = new TextDecoder();
  if (size < 12) {
    throw new DataError(`${path} is ${size} bytes, too short to be Parquet (truncated?).`, {
      details: { file: path },
    });
  }
  const head = decoder.decode(await readAt(handle, 0, 4));
  const tail = decoder.decode(await readAt(handle, size - 4, 4));
  if (head !== MAGIC || tail !== MAGIC) {
    const problem =
      head === MAGIC ? "ends without the PAR1 footer (truncated?)" : "does not start with PAR1";
    throw new DataError(`${path} is not a Parquet file: it ${problem}.`, {
      details: { file: path },
    });
  }
}

/** Opens `path`, runs `use`, and closes the file whatever happens. */
export async function withParquetReader<T>(
  path: string,
  use: (reader: ParquetReader) => Promise<T>,
): Promise<T> {
  const reader = await ParquetReader.open(path);
  try {
    return await use(reader);
  } finally {
    await reader.close();
  }
}

// parquet-wasm returns projected columns in file order; callers get the order they asked for.
function inOrder(batch: arrow.RecordBatch, columns: readonly string[]): arrow.RecordBatch {
  const names = batch.schema.fields.map((field) => field.name);
  return batch.selectAt(columns.map((column) => names.indexOf(column)));
}
