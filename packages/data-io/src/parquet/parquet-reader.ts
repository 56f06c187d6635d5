import type { FileHandle } from "node:fs/promises";
import { DataError } from "@tml/core";
import * as arrow from "apache-arrow";
import { parseTable } from "arrow-js-ffi";
import * as parquetWasm from "parquet-wasm";
import { openInput, readAt } from "../arrow/local-files.js";
import {
  type FooterProjection,
  type ParquetFooter,
  parseFooter,
  singleRowGroupFile,
} from "./parquet-footer.js";
import { wasmCall } from "./wasm-call.js";

const MAGIC = "PAR1";

/**
 * An open Parquet file read one row group at a time: only the footer and the row group being read
 * are in memory. Each row group's bytes are read from disk and handed to parquet-wasm's
 * synchronous reader as a one-row-group file with a rewritten footer (its async reader panics
 * uncatchably on corrupt pages). Call `close()` when done.
 */
export class ParquetReader {
  private constructor(
    /** The file's path, named in every error. */
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly footer: ParquetFooter,
    /** The file's Arrow schema (all columns). */
    readonly schema: arrow.Schema,
  ) {}

  private readonly projections = new Map<string, FooterProjection>();

  /** Opens `path`: NotFoundError when it is missing, DataError when it is not valid Parquet. */
  static async open(path: string): Promise<ParquetReader> {
    const handle = await openInput(path, "Parquet file");
    try {
      const size = (await handle.stat()).size;
      await checkMagic(handle, size, path);
      const footerLength = new DataView((await readAt(handle, size - 8, 4)).buffer).getUint32(
        0,
        true,
      );
      if (footerLength > size - 12) {
        throw new DataError(
          `${path}: its footer claims ${footerLength} bytes, more than the file holds (truncated?).`,
          {
            details: { file: path },
          },
        );
      }
      const footerStart = size - 8 - footerLength;
      const footerBytes = await readAt(handle, footerStart, footerLength);
      let footer: ParquetFooter;
      try {
        footer = parseFooter(footerBytes, footerStart);
      } catch (error) {
        throw new DataError(
          `${path}: the Parquet footer is corrupt (${(error as Error).message}); rewrite the file.`,
          {
            cause: error,
            details: { file: path },
          },
        );
      }
      const schema = await wasmCall(path, "read the schema of", () => {
        const ipc = parquetWasm.readSchema(singleRowGroupFile(footer)).intoIPCStream();
        return arrow.tableFromIPC(ipc).schema;
      });
      return new ParquetReader(path, handle, footer, schema);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Rows in each row group, in file order. */
  get rowGroupRows(): number[] {
    return this.footer.rowGroups.map((group) => group.numRows);
  }

  /** Total rows in the file. */
  get numRows(): number {
    return this.footer.rowGroups.reduce((sum, group) => sum + group.numRows, 0);
  }

  /** Number of row groups. */
  get numRowGroups(): number {
    return this.footer.rowGroups.length;
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
    const range = this.footer.rowGroups[index];
    if (range === undefined) {
      throw new DataError(
        `${this.path} has ${this.numRowGroups} row groups; ${index} is out of range.`,
        {
          details: { file: this.path },
        },
      );
    }
    if (range.numRows === 0) return [];
    const data = await readAt(this.handle, range.start, range.end - range.start);
    if (data.length !== range.end - range.start) {
      throw new DataError(`${this.path}: row group ${index} is cut short (truncated file?).`, {
        details: { file: this.path },
      });
    }
    const file = singleRowGroupFile(this.footer, index, data, this.projection(columns));
    return wasmCall(this.path, `decode row group ${index} of`, () => {
      // The decoded arrays are copied out of wasm memory through the Arrow C data interface,
      // about twice as fast as an IPC round trip.
      const stream = parquetWasm.readParquet(file, { batchSize: range.numRows }).intoFFI();
      let decoded: arrow.Table;
      try {
        decoded = parseTable(
          parquetWasm.wasmMemory().buffer,
          stream.arrayAddrs(),
          stream.schemaAddr(),
          true,
        );
      } finally {
        stream.drop();
      }
      const batches: arrow.RecordBatch[] = [];
      let rows = 0;
      for (const batch of decoded.batches) {
        rows += batch.numRows;
        batches.push(columns === undefined ? batch : inOrder(batch, columns));
      }
      if (rows !== range.numRows) {
        throw new DataError(
          `${this.path}: row group ${index} decoded ${rows} rows, its footer says ${range.numRows}.`,
          {
            details: { file: this.path },
          },
        );
      }
      return batches;
    });
  }

  // Only the requested columns' chunks go to the decoder (parquet-wasm's sync reader has no
  // projection of its own); the Arrow schema stored in the footer is cut down to match.
  private projection(columns: readonly string[] | undefined): FooterProjection | undefined {
    if (columns === undefined) return undefined;
    const key = columns.join("\u0000");
    let projection = this.projections.get(key);
    if (projection === undefined) {
      const names = this.schema.fields.map((field) => field.name);
      const topLevel = [...new Set(columns.map((column) => names.indexOf(column)))].sort(
        (a, b) => a - b,
      );
      const ipc = arrow.tableToIPC(new arrow.Table(this.schema.selectAt(topLevel)), "stream");
      const messageLength = new DataView(ipc.buffer, ipc.byteOffset).getUint32(4, true);
      const arrowSchema = Buffer.from(ipc.subarray(0, 8 + messageLength)).toString("base64");
      projection = { topLevel, arrowSchema };
      this.projections.set(key, projection);
    }
    return projection;
  }

  /** Releases the file handle. */
  async close(): Promise<void> {
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
